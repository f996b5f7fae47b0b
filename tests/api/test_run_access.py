"""A reviewer reads a run or trace only while it belongs to a live item of a live queue it is assigned
to: removing the item, unassigning the reviewer or archiving the queue ends the access at once, on
every route that reads runs (REST, LangSmith adapter, the review web pages), on both databases."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from reviewdesk.app import create_app
from reviewdesk.store.database import Database
from tests.conftest import settings_for_tests
from tests.factories import trace_payload


@pytest.fixture
def web_client(db: Database) -> Iterator[TestClient]:
    with TestClient(create_app(settings_for_tests(), db=db)) as web:
        yield web


def _web_login(web: TestClient, email: str) -> None:
    token = re.search(r'name="csrf_token" value="([^"]+)"', web.get("/login").text).group(1)
    response = web.post(
        "/login",
        data={"csrf_token": token, "email": email, "password": "password-123"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def _setup(client: TestClient, make_user):  # type: ignore[no-untyped-def]
    client.post("/api/v1/feedback-configs", json={"key": "ok", "type": "boolean"})
    reviewer = make_user("reviewer")
    queue = client.post(
        "/api/v1/queues", json={"name": "support", "rubric": ["ok"], "reviewers": [str(reviewer.id)]}
    ).json()
    trace = trace_payload()
    client.post("/api/v1/runs/batch", json={"post": trace})
    client.post(f"/api/v1/queues/{queue['id']}/items", json={"run_ids": [trace[0]["id"]]})
    held = client.post(f"/api/v1/queues/{queue['id']}/next", headers=reviewer.headers).json()
    return reviewer, queue, trace, held["item"]["id"]


def _reads(client: TestClient, web: TestClient, reviewer, trace, item_id) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Every route through which a reviewer can read the trace's runs: path -> status."""
    root, child = trace[0]["id"], trace[2]["id"]
    h = reviewer.headers
    return {
        "GET /api/v1/runs/{child}": client.get(f"/api/v1/runs/{child}", headers=h).status_code,
        "GET /api/v1/traces/{root}": client.get(f"/api/v1/traces/{root}", headers=h).status_code,
        "GET /langsmith/runs/{child}": client.get(f"/langsmith/runs/{child}", headers=h).status_code,
        "GET /langsmith/api/v1/runs/{root}": client.get(
            f"/langsmith/api/v1/runs/{root}", headers=h
        ).status_code,
        "GET /api/v1/items/{item}": client.get(f"/api/v1/items/{item_id}", headers=h).status_code,
        "web GET /items/{item}/trace": web.get(f"/items/{item_id}/trace", follow_redirects=False).status_code,
    }


def _searches(client: TestClient, reviewer, queue) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Routes that list many runs: never a reviewer's (it works items through next)."""
    h = reviewer.headers
    q = queue["id"]
    return {
        "GET /langsmith/annotation-queues/{q}/runs": client.get(
            f"/langsmith/annotation-queues/{q}/runs", headers=h
        ).status_code,
        "GET /langsmith/annotation-queues/{q}/run/0": client.get(
            f"/langsmith/annotation-queues/{q}/run/0", headers=h
        ).status_code,
        "POST /api/v1/runs/search": client.post("/api/v1/runs/search", json={}, headers=h).status_code,
        "POST /langsmith/runs/query": client.post("/langsmith/runs/query", json={}, headers=h).status_code,
    }


def _remove_item(client: TestClient, queue: dict, item_id: str) -> None:
    assert client.delete(f"/api/v1/queues/{queue['id']}/items/{item_id}").status_code == 204


def _unassign(client: TestClient, queue: dict, item_id: str) -> None:
    assert client.patch(f"/api/v1/queues/{queue['id']}", json={"reviewers": []}).status_code == 200


def _archive(client: TestClient, queue: dict, item_id: str) -> None:
    assert client.patch(f"/api/v1/queues/{queue['id']}", json={"archived": True}).status_code == 200


CHANGES: dict[str, Callable[[TestClient, dict, str], None]] = {
    "item removed": _remove_item,
    "reviewer unassigned": _unassign,
    "queue archived": _archive,
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_access_ends_when_the_item_the_queue_or_the_assignment_ends(client, make_user, web_client, change):
    reviewer, queue, trace, item_id = _setup(client, make_user)
    _web_login(web_client, reviewer.email)
    before = _reads(client, web_client, reviewer, trace, item_id)
    assert set(before.values()) == {200}, before
    assert set(_searches(client, reviewer, queue).values()) == {403}

    CHANGES[change](client, queue, item_id)

    after = _reads(client, web_client, reviewer, trace, item_id)
    assert all(status in (403, 404) for status in after.values()), (change, after)
    assert set(_searches(client, reviewer, queue).values()) == {403}
    # Members and admins are unaffected: they read every run.
    assert client.get(f"/api/v1/traces/{trace[0]['id']}").status_code == 200


def test_a_reviewer_of_an_archived_queue_no_longer_sees_it_or_works_it(client, make_user):
    reviewer, queue, _trace, _item = _setup(client, make_user)
    _archive(client, queue, _item)
    listed = client.get("/api/v1/queues?include_archived=true", headers=reviewer.headers).json()["items"]
    assert queue["id"] not in [q["id"] for q in listed]
    assert client.get(f"/api/v1/queues/{queue['id']}", headers=reviewer.headers).status_code == 403
    assert client.post(f"/api/v1/queues/{queue['id']}/next", headers=reviewer.headers).status_code == 403
    # Unarchiving gives the access back: it follows the queue's state at each read.
    client.patch(f"/api/v1/queues/{queue['id']}", json={"archived": False})
    assert client.get(f"/api/v1/queues/{queue['id']}", headers=reviewer.headers).status_code == 200


def test_a_removed_item_can_no_longer_be_submitted_by_the_reviewer_holding_it(client, make_user):
    reviewer, queue, _trace, item_id = _setup(client, make_user)
    _remove_item(client, queue, item_id)
    response = client.post(
        f"/api/v1/items/{item_id}/submit", json={"answers": {"ok": True}}, headers=reviewer.headers
    )
    assert response.status_code == 404
    assert response.json()["error"]["field"] == "item_id"


def test_the_same_trace_stays_readable_through_another_live_item(client, make_user):
    reviewer, queue, trace, item_id = _setup(client, make_user)
    other = client.post(
        "/api/v1/queues", json={"name": "second", "rubric": ["ok"], "reviewers": [str(reviewer.id)]}
    ).json()
    client.post(f"/api/v1/queues/{other['id']}/items", json={"run_ids": [trace[0]["id"]]})
    _remove_item(client, queue, item_id)
    assert client.get(f"/api/v1/traces/{trace[0]['id']}", headers=reviewer.headers).status_code == 200
    client.patch(f"/api/v1/queues/{other['id']}", json={"archived": True})
    assert client.get(f"/api/v1/traces/{trace[0]['id']}", headers=reviewer.headers).status_code == 403
