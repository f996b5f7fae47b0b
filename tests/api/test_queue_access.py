"""Every queue and item route, for every role: the server decides, whatever the client shows."""

from __future__ import annotations

import pytest

from tests.factories import run_payload

MANAGE, VIEW, WORK, ADMIN_ONLY, ANYONE = "manage", "view", "work", "admin", "anyone"
READ_ITEM = "read_item"  # those who work the queue, and those who manage queues (an overseer's read)
# (method, path template, body, who may call it)
ROUTES = [
    ("POST", "/api/v1/queues", {"name": "made-by-{role}", "rubric": ["ok"]}, MANAGE),
    ("GET", "/api/v1/queues", None, ANYONE),
    ("GET", "/api/v1/queues/{queue}", None, VIEW),
    ("PATCH", "/api/v1/queues/{queue}", {"description": "guide"}, MANAGE),
    ("POST", "/api/v1/queues/{queue}/items", {"run_ids": ["{run}"]}, MANAGE),
    ("GET", "/api/v1/queues/{queue}/items", None, MANAGE),
    ("GET", "/api/v1/queues/{queue}/stats", None, VIEW),
    ("GET", "/api/v1/queues/{queue}/agreement", None, MANAGE),
    ("GET", "/api/v1/analytics/human-vs-model?key=ok", None, MANAGE),
    ("GET", "/api/v1/queues/{queue}/history", None, WORK),
    ("POST", "/api/v1/queues/{queue}/next", None, WORK),
    ("GET", "/api/v1/items/{item}", None, READ_ITEM),
    ("POST", "/api/v1/items/{item}/heartbeat", None, WORK),
    ("POST", "/api/v1/items/{item}/submit", {"answers": {"ok": True}}, WORK),
    ("POST", "/api/v1/items/{item}/skip", {}, WORK),
    ("POST", "/api/v1/items/{item}/flag", {"reason": "r"}, WORK),
    ("POST", "/api/v1/items/{item}/release", None, WORK),
    ("POST", "/api/v1/items/{item}/resolve", {"action": "pending"}, ADMIN_ONLY),
    ("POST", "/api/v1/queues/{queue}/rules", {"filter": "latency > 1"}, MANAGE),
    ("GET", "/api/v1/queues/{queue}/rules", None, MANAGE),
    ("POST", "/api/v1/queues/{queue}/rules/preview", {"filter": "latency > 1"}, MANAGE),
    ("PATCH", "/api/v1/queues/{queue}/rules/{rule}", {"enabled": True}, MANAGE),
    ("POST", "/api/v1/queues/{queue}/rules/{rule}/preview", {}, MANAGE),
    ("POST", "/api/v1/queues/{queue}/rules/{rule}/backfill", {"since": "2026-01-01T00:00:00Z"}, MANAGE),
    ("DELETE", "/api/v1/queues/{queue}/rules/{rule}", None, MANAGE),
    ("DELETE", "/api/v1/queues/{queue}/items/{item}", None, MANAGE),
    ("DELETE", "/api/v1/queues/{queue}", None, MANAGE),
]
ROLES = ["admin", "member", "assigned_reviewer", "other_reviewer"]


def _allowed(role: str, who: str) -> bool:
    return {
        ANYONE: True,
        ADMIN_ONLY: role == "admin",
        MANAGE: role in ("admin", "member"),
        VIEW: role in ("admin", "member", "assigned_reviewer"),
        # The queue is open to assigned reviewers only; admins may always work a queue.
        WORK: role in ("admin", "assigned_reviewer"),
        READ_ITEM: role in ("admin", "member", "assigned_reviewer"),
    }[who]


def _fill(value, names):
    if isinstance(value, str):
        return value.format(**names)
    if isinstance(value, list):
        return [_fill(v, names) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, names) for k, v in value.items()}
    return value


@pytest.mark.parametrize("role", ROLES)
def test_every_queue_route_for_every_role(client, make_user, role):
    client.post("/api/v1/feedback-configs", json={"key": "ok", "type": "boolean"})
    assigned, other = make_user("reviewer"), make_user("reviewer")
    caller = {
        "admin": None,
        "member": make_user("member"),
        "assigned_reviewer": assigned,
        "other_reviewer": other,
    }[role]
    headers = caller.headers if caller else {}
    queue = client.post(
        "/api/v1/queues", json={"name": "access", "rubric": ["ok"], "reviewers": [str(assigned.id)]}
    ).json()
    runs = [run_payload() for _ in range(3)]
    client.post("/api/v1/runs/batch", json={"post": runs})
    client.post(f"/api/v1/queues/{queue['id']}/items", json={"run_ids": [r["id"] for r in runs[:2]]})
    item = client.get(f"/api/v1/queues/{queue['id']}/items").json()["items"][0]
    rule = client.post(f"/api/v1/queues/{queue['id']}/rules", json={"filter": "latency > 100"}).json()
    # Item routes act on the item the caller holds, so the flag/resolve pair has an item to act on.
    client.post(f"/api/v1/items/{item['id']}/flag", json={"reason": "setup"}, headers=assigned.headers)
    names = {"queue": queue["id"], "item": item["id"], "rule": rule["id"], "run": runs[2]["id"], "role": role}

    for method, template, body, who in ROUTES:
        path = _fill(template, names)
        response = client.request(method, path, json=_fill(body, names), headers=headers)
        if _allowed(role, who):
            assert response.status_code not in (401, 403), (role, method, template, response.text)
        else:
            assert response.status_code == 403, (role, method, template, response.status_code)
            assert response.json()["error"]["code"] == "forbidden"


def test_a_queue_open_to_any_member_can_be_worked_by_members_but_not_by_unassigned_reviewers(
    client, make_user
):
    member, reviewer = make_user("member"), make_user("reviewer")
    client.post("/api/v1/feedback-configs", json={"key": "ok", "type": "boolean"})
    body = {"name": "open", "rubric": ["ok"], "reviewer_access": "any"}
    queue = client.post("/api/v1/queues", json=body).json()
    run = run_payload()
    client.post("/api/v1/runs/batch", json={"post": [run]})
    client.post(f"/api/v1/queues/{queue['id']}/items", json={"run_ids": [run["id"]]})
    assert client.post(f"/api/v1/queues/{queue['id']}/next", headers=member.headers).status_code == 200
    assert client.post(f"/api/v1/queues/{queue['id']}/next", headers=reviewer.headers).status_code == 403
