"""Who may call the signal routes: no key → 401; reviewers see no figures and adjudicate nothing;
members read; adjudicating takes an admin or the granted `adjudicate` permission. Both databases."""

from __future__ import annotations

import pytest

from tests.factories import run_payload

ANY_ID = "6d1f7a52-0c1e-4f55-9b6e-2a2f5d7c9e01"
ROUTES = [
    ("POST", "/api/v1/calibrations", {"name": "x", "queue_id": ANY_ID}),
    ("GET", "/api/v1/calibrations", None),
    ("GET", f"/api/v1/calibrations/{ANY_ID}/report", None),
    ("GET", f"/api/v1/queues/{ANY_ID}/calibration-status", None),
    ("GET", f"/api/v1/queues/{ANY_ID}/adjudications", None),
    ("GET", f"/api/v1/items/{ANY_ID}/adjudication", None),
    ("POST", f"/api/v1/items/{ANY_ID}/adjudicate", {"answers": {}}),
    ("POST", f"/api/v1/queues/{ANY_ID}/gold", {"run_id": ANY_ID, "answers": {}}),
    ("GET", f"/api/v1/queues/{ANY_ID}/gold", None),
    ("GET", f"/api/v1/queues/{ANY_ID}/reviewer-quality", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_every_signal_route_needs_a_key(client, method, path, body):
    response = client.request(method, path, json=body, headers={"x-api-key": ""})
    assert response.status_code == 401


@pytest.fixture
def disagreement(client, make_user):
    client.post("/api/v1/feedback-configs", json={"key": "ok", "type": "boolean"})
    ana, ben = make_user("reviewer", "ana@example.com"), make_user("reviewer", "ben@example.com")
    queue = client.post(
        "/api/v1/queues",
        json={
            "name": "q",
            "reviewers_per_item": 2,
            "reviewers": [str(ana.id), str(ben.id)],
            "rubric": [{"key": "ok", "required": True}],
        },
    ).json()
    run = run_payload()
    client.post("/api/v1/runs/batch", json={"post": [run]})
    client.post(f"/api/v1/queues/{queue['id']}/items", json={"run_ids": [run["id"]]})
    for reviewer, answer in ((ana, True), (ben, False)):
        item = client.post(f"/api/v1/queues/{queue['id']}/next", headers=reviewer.headers).json()["item"]
        client.post(
            f"/api/v1/items/{item['id']}/submit", json={"answers": {"ok": answer}}, headers=reviewer.headers
        )
    return {"queue": queue, "item": item, "ana": ana}


def test_roles_and_the_adjudicate_grant(client, make_user, disagreement):
    queue, item, ana = disagreement["queue"], disagreement["item"], disagreement["ana"]
    for path in (
        f"/api/v1/queues/{queue['id']}/agreement",
        f"/api/v1/queues/{queue['id']}/adjudications",
        f"/api/v1/queues/{queue['id']}/reviewer-quality",
        "/api/v1/calibrations",
    ):
        assert client.get(path, headers=ana.headers).status_code == 403, path
    assert (
        client.post(
            f"/api/v1/items/{item['id']}/adjudicate", json={"answers": {"ok": True}}, headers=ana.headers
        ).status_code
        == 403
    )
    member = make_user("member", "m@example.com")
    listed = client.get(f"/api/v1/queues/{queue['id']}/adjudications", headers=member.headers)
    assert listed.status_code == 200 and [c["item_id"] for c in listed.json()["items"]] == [item["id"]]
    refused = client.post(
        f"/api/v1/items/{item['id']}/adjudicate", json={"answers": {"ok": True}}, headers=member.headers
    )
    assert refused.status_code == 403
    granted = client.patch(f"/api/v1/users/{member.id}", json={"permissions": ["adjudicate"]})
    assert granted.status_code == 200 and granted.json()["permissions"] == ["adjudicate"]
    bad_grant = client.patch(f"/api/v1/users/{member.id}", json={"permissions": ["everything"]})
    assert bad_grant.status_code == 400 and bad_grant.json()["error"]["field"] == "permissions"
    done = client.post(
        f"/api/v1/items/{item['id']}/adjudicate", json={"answers": {"ok": True}}, headers=member.headers
    )
    assert done.status_code == 200 and done.json()["answers"] == {"ok": True}
    wrong = client.post(f"/api/v1/items/{item['id']}/adjudicate", json={"answers": {"ok": "maybe"}})
    assert wrong.status_code == 400 and wrong.json()["error"]["field"] == "answers.ok"
    unknown = client.post(f"/api/v1/items/{item['id']}/adjudicate", json={"answers": {"nope": 1}})
    assert unknown.status_code == 400 and unknown.json()["error"]["field"] == "answers.nope"
    status = client.get(f"/api/v1/queues/{queue['id']}/adjudications", params={"status": "maybe"})
    assert status.status_code == 400 and status.json()["error"]["field"] == "status"
    for params in ({"limit": 0}, {"limit": 1001}, {"cursor": "not-a-cursor"}):
        bad = client.get(f"/api/v1/queues/{queue['id']}/adjudications", params=params)
        assert bad.status_code == 400 and bad.json()["error"]["field"] == next(iter(params)), params
