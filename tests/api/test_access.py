"""Authentication and roles on every route of the foundation API."""

from __future__ import annotations

import pytest

from tests.conftest import ADMIN_KEY

ANY_ID = "6d1f7a52-0c1e-4f55-9b6e-2a2f5d7c9e01"  # fixed: xdist workers must collect the same ids
# (method, path, body) for every authenticated route.
ROUTES = [
    ("POST", "/api/v1/runs/batch", {"post": []}),
    ("POST", "/api/v1/runs", {"id": ANY_ID}),
    ("PATCH", f"/api/v1/runs/{ANY_ID}", {}),
    ("GET", f"/api/v1/runs/{ANY_ID}", None),
    ("GET", f"/api/v1/traces/{ANY_ID}", None),
    ("POST", "/api/v1/runs/search", {}),
    ("GET", "/api/v1/projects", None),
    ("POST", "/api/v1/projects", {"name": "p"}),
    ("GET", f"/api/v1/projects/{ANY_ID}", None),
    ("POST", "/api/v1/feedback", {"run_id": ANY_ID, "key": "k"}),
    ("GET", "/api/v1/feedback", None),
    ("GET", f"/api/v1/feedback/{ANY_ID}", None),
    ("PATCH", f"/api/v1/feedback/{ANY_ID}", {}),
    ("DELETE", f"/api/v1/feedback/{ANY_ID}", None),
    ("POST", "/api/v1/feedback-configs", {"key": "k", "type": "boolean"}),
    ("GET", "/api/v1/feedback-configs", None),
    ("GET", "/api/v1/feedback-configs/k", None),
    ("PATCH", "/api/v1/feedback-configs/k", {}),
    ("DELETE", "/api/v1/feedback-configs/k", None),
    ("POST", "/api/v1/users", {"email": "x@example.com", "role": "member", "password": "long-enough"}),
    ("GET", "/api/v1/users", None),
    ("PATCH", f"/api/v1/users/{ANY_ID}", {}),
    ("POST", f"/api/v1/users/{ANY_ID}/api-keys", {}),
    ("GET", f"/api/v1/users/{ANY_ID}/api-keys", None),
    ("DELETE", f"/api/v1/api-keys/{ANY_ID}", None),
    ("GET", "/api/v1/audit", None),
    ("GET", "/api/v1/audit/verify", None),
    ("GET", "/api/v1/me", None),
]

# What each role may not do: the server answers 403 whatever the object.
FORBIDDEN = {
    "member": {"/api/v1/users", "/api/v1/audit"},
    "reviewer": {
        "/api/v1/runs",
        "/api/v1/traces",
        "/api/v1/projects",
        "/api/v1/feedback",
        "/api/v1/users",
        "/api/v1/audit",
        "/api/v1/feedback-configs",
    },
}
# Reading score configs is how a reviewer's rubric is shown, so reviewers may do that much.
REVIEWER_MAY = {
    ("GET", "/api/v1/feedback-configs"),
    ("GET", "/api/v1/feedback-configs/k"),
    ("GET", "/api/v1/me"),
}


def _call(client, method, path, body, headers):
    return client.request(method, path, json=body, headers=headers)


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_every_route_needs_a_valid_key(client, method, path, body):
    assert _call(client, method, path, body, {"x-api-key": ""}).status_code == 401
    wrong = _call(client, method, path, body, {"x-api-key": "rd_wrong"})
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "unauthorized"
    bearer = _call(client, method, path, body, {"x-api-key": "", "Authorization": f"Bearer {ADMIN_KEY}"})
    assert bearer.status_code not in (401, 403)


def _forbidden_for(role: str, method: str, path: str) -> bool:
    if role == "reviewer" and (method, path) in REVIEWER_MAY:
        return False
    return any(path.startswith(prefix) for prefix in FORBIDDEN[role])


@pytest.mark.parametrize("role", ["member", "reviewer"])
def test_roles_on_every_route(client, make_user, role):
    user = make_user(role)
    for method, path, body in ROUTES:
        if "api-keys" in path:
            continue  # keys are their owner's or an admin's: covered below
        status = _call(client, method, path, body, user.headers).status_code
        if _forbidden_for(role, method, path):
            assert status == 403, (role, method, path, status)
        else:
            assert status not in (401, 403), (role, method, path, status)


def test_a_user_manages_its_own_keys_but_not_others(client, make_user):
    alice, bob = make_user("member"), make_user("member")
    own = client.post(f"/api/v1/users/{alice.id}/api-keys", json={"name": "laptop"}, headers=alice.headers)
    assert own.status_code == 201
    assert client.post(f"/api/v1/users/{bob.id}/api-keys", json={}, headers=alice.headers).status_code == 403
    assert client.delete(f"/api/v1/api-keys/{own.json()['id']}", headers=bob.headers).status_code == 403


def test_health_needs_no_key(client):
    response = client.get("/api/v1/health", headers={"x-api-key": ""})
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["database"] in ("sqlite", "postgresql")
