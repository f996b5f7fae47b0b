"""Every list endpoint takes `limit` + `cursor` and can be walked to its end, one item a page.

The endpoints are found in the OpenAPI document (every GET under /api/v1 that answers
`{"items", "next_cursor"}`), so a list added later is walked too; its path parameters must be
among the seeded ones below.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from reviewdesk.app import create_app
from reviewdesk.services import accounts, web_sessions
from tests.conftest import ADMIN_KEY, settings_for_tests
from tests.factories import run_payload

MAX_PAGES = 500


@pytest.fixture
def client(db) -> Iterator[TestClient]:
    """The real app; webhooks here point at 127.0.0.1 (never called: the delivery thread is off)."""
    app = create_app(settings_for_tests(allow_private_destinations="127.0.0.1/32"), db=db)
    with TestClient(app, headers={"x-api-key": ADMIN_KEY}) as test_client:
        yield test_client


@pytest.fixture
def world(client, db, make_user):
    """At least two of everything a list shows, and the ids its paths name."""
    runs = [run_payload() for _ in range(3)]
    assert client.post("/api/v1/runs/batch", json={"post": runs}).status_code == 202
    for key in ("quality", "tone", "length"):
        created = client.post("/api/v1/feedback-configs", json={"key": key, "type": "boolean"})
        assert created.status_code == 201, created.text
    feedback = [
        client.post("/api/v1/feedback", json={"run_id": run["id"], "key": "quality", "value": True})
        for run in runs
    ]
    assert all(f.status_code == 201 for f in feedback), feedback[0].text
    queues = [
        client.post("/api/v1/queues", json={"name": f"queue-{i}", "rubric": [{"key": "quality"}]}).json()
        for i in range(3)
    ]
    queue_id = queues[0]["id"]
    added = client.post(f"/api/v1/queues/{queue_id}/items", json={"run_ids": [r["id"] for r in runs]})
    assert added.status_code == 200, added.text
    for i in range(3):  # two finished reviews for the history, one item left pending
        if i < 2:
            item = client.post(f"/api/v1/queues/{queue_id}/next").json()["item"]
            done = client.post(f"/api/v1/items/{item['id']}/submit", json={"answers": {"quality": True}})
            assert done.status_code == 200, done.text
    _seed_disagreements(client, queue_id, make_user("reviewer"))
    for i in range(3):
        rule = client.post(
            f"/api/v1/queues/{queue_id}/rules", json={"name": f"r{i}", "filter": 'run_type == "llm"'}
        )
        assert rule.status_code == 201, rule.text
    hooks = [
        client.post(f"/api/v1/queues/{queue_id}/webhooks", json={"url": f"http://127.0.0.1:9/hook{i}"})
        for i in range(3)
    ]
    assert all(h.status_code == 201 for h in hooks), hooks[0].text
    webhook_id = hooks[0].json()["id"]
    for _ in range(3):
        assert client.post(f"/api/v1/queues/{queue_id}/webhooks/{webhook_id}/test").status_code == 202
    evaluators = [
        client.post(
            "/api/v1/evaluators",
            json={
                "name": f"ev-{i}",
                "key": "quality",
                "kind": "code",
                "spec": {"checks": [{"type": "valid_json"}]},
            },
        )
        for i in range(3)
    ]
    assert all(e.status_code == 201 for e in evaluators), evaluators[0].text
    evaluator_id = evaluators[0].json()["id"]
    offline = client.post(f"/api/v1/evaluators/{evaluator_id}/runs", json={"filter": ""})
    assert offline.status_code == 202, offline.text
    datasets = [client.post("/api/v1/datasets", json={"name": f"set-{i}"}).json() for i in range(3)]
    dataset_id = datasets[0]["id"]
    examples = [{"inputs": {"q": str(i)}} for i in range(3)]
    assert (
        client.post(f"/api/v1/datasets/{dataset_id}/examples", json={"examples": examples}).status_code == 201
    )
    user = make_user("member")
    member = accounts.authenticate_key(db, user.key)
    for browser in ("firefox", "chromium"):
        web_sessions.start_session(
            db, member, user_agent=browser, address="127.0.0.1", idle=timedelta(hours=1)
        )
    for i in range(2):
        assert client.post(f"/api/v1/users/{user.id}/api-keys", json={"name": f"k{i}"}).status_code == 201
    for name in ("alpha", "beta", "gamma"):
        client.post("/api/v1/projects", json={"name": name})
    item_id = client.get(f"/api/v1/queues/{queue_id}/items").json()["items"][0]["id"]
    other = make_user("reviewer")
    calibrations = [
        client.post(
            "/api/v1/calibrations",
            json={
                "name": f"cal-{i}",
                "queue_id": queue_id,
                "item_count": 2,
                "reviewers": [str(user.id), str(other.id)],
            },
        )
        for i in range(2)
    ]
    assert all(c.status_code == 201 for c in calibrations), calibrations[0].text
    for run in runs[1:]:
        gold = client.post(
            f"/api/v1/queues/{queue_id}/gold", json={"run_id": run["id"], "answers": {"quality": True}}
        )
        assert gold.status_code == 201, gold.text
    return {
        "calibration_id": calibrations[0].json()["id"],
        "project_id": client.get("/api/v1/projects").json()["items"][0]["id"],
        "feedback_id": feedback[0].json()["id"],
        "key": "quality",
        "item_id": item_id,
        "queue_id": queue_id,
        "webhook_id": webhook_id,
        "evaluator_id": evaluator_id,
        "dataset_id": dataset_id,
        "user_id": str(user.id),
        "run_id": runs[0]["id"],
        "trace_id": runs[0]["id"],
    }


def _seed_disagreements(client, queue_id, reviewer):
    """Two reviews per item from here on, the admin and a reviewer disagreeing: adjudication cases."""
    changed = client.patch(
        f"/api/v1/queues/{queue_id}", json={"reviewers_per_item": 2, "reviewers": [str(reviewer.id)]}
    )
    assert changed.status_code == 200, changed.text
    runs = [run_payload() for _ in range(2)]
    assert client.post("/api/v1/runs/batch", json={"post": runs}).status_code == 202
    added = client.post(f"/api/v1/queues/{queue_id}/items", json={"run_ids": [r["id"] for r in runs]})
    assert added.status_code == 200, added.text
    submitted = 0
    for headers, verdict in (({}, True), (reviewer.headers, False)):
        while (view := client.post(f"/api/v1/queues/{queue_id}/next", headers=headers)).status_code == 200:
            item_id = view.json()["item"]["id"]
            done = client.post(
                f"/api/v1/items/{item_id}/submit", json={"answers": {"quality": verdict}}, headers=headers
            )
            assert done.status_code == 200, done.text
            submitted += 1
        assert view.status_code == 204, view.text
    assert submitted >= 4, submitted


def _list_operations(client, world):
    document = client.get("/openapi.json").json()
    for path, item in document["paths"].items():
        operation = item.get("get")
        if operation is None or not path.startswith("/api/v1/"):
            continue
        names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
        missing = [n for n in names if n not in world]
        assert not missing, f"GET {path}: seed a {missing} in this test's world fixture"
        url = path.format(**{n: world[n] for n in names})
        query = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        response = client.get(url)
        body = (
            response.json()
            if response.headers.get("content-type", "").startswith("application/json")
            else None
        )
        if isinstance(body, dict) and set(body) == {"items", "next_cursor"}:
            yield path, url, query


def _walk(client, url):
    seen, cursor = [], None
    for _ in range(MAX_PAGES):
        params = {"limit": 1} | ({"cursor": cursor} if cursor is not None else {})
        response = client.get(url, params=params)
        assert response.status_code == 200, (url, response.text)
        page = response.json()
        assert len(page["items"]) <= 1
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return seen
    raise AssertionError(f"{url}: still not at the end after {MAX_PAGES} pages (a cursor that loops?)")


def test_every_list_endpoint_walks_to_its_end(client, world):
    walked = []
    for path, url, query in _list_operations(client, world):
        assert {"limit", "cursor"} <= query, f"GET {path} answers a page but does not take limit and cursor"
        whole = client.get(url, params={"limit": 1000}).json()
        assert whole["next_cursor"] is None
        assert len(whole["items"]) >= 2, f"GET {path}: seed at least two items to walk"
        assert _walk(client, url) == whole["items"], f"GET {path}: the pages differ from the whole list"
        walked.append(path)
    for expected in (
        "/api/v1/queues/{queue_id}/items",
        "/api/v1/queues/{queue_id}/webhooks/{webhook_id}/deliveries",
    ):
        assert expected in walked
    assert len(walked) >= 14, walked


def test_a_cursor_sent_back_moves_on(client, world):
    """The old offset paging answered the first page again to a client sending `cursor` back."""
    url = f"/api/v1/queues/{world['queue_id']}/items"
    first = client.get(url, params={"limit": 1}).json()
    second = client.get(url, params={"limit": 1, "cursor": first["next_cursor"]}).json()
    assert second["items"] and second["items"][0]["id"] != first["items"][0]["id"]
    bad = client.get(url, params={"cursor": "not-a-cursor"})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "cursor"
    assert client.get(url, params={"offset": 1}).json()["error"]["field"] == "offset"


def test_an_item_removed_between_pages_neither_repeats_nor_hides_another(client, world):
    url = f"/api/v1/queues/{world['queue_id']}/items"
    first = client.get(url, params={"limit": 1}).json()
    every = client.get(url).json()["items"]
    client.delete(f"{url}/{every[1]['id']}")
    rest = client.get(url, params={"limit": 100, "cursor": first["next_cursor"]}).json()["items"]
    assert [i["id"] for i in rest] == [i["id"] for i in every[2:]]
    assert uuid.UUID(first["items"][0]["id"]) not in {uuid.UUID(i["id"]) for i in rest}
