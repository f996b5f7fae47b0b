"""Users, keys, identity, health and audit through the SDK; authentication and permission errors."""

from __future__ import annotations

import uuid

import pytest

from reviewdesk.client import AuthenticationError, Client, Conflict, InvalidRequest, PermissionDenied
from tests.conftest import ADMIN_EMAIL


def email(role: str) -> str:
    return f"{role}-{uuid.uuid4().hex[:6]}@example.com"


def test_health_needs_no_key_and_me_names_the_caller(server_url: str, admin: Client) -> None:
    with Client(server_url, api_key="") as anonymous:
        health = anonymous.health()
        assert health["status"] == "ok" and health["database"] == "sqlite"
        with pytest.raises(AuthenticationError) as missing:
            anonymous.me()
    assert (missing.value.status, missing.value.code) == (401, "unauthorized")
    assert admin.me()["email"] == ADMIN_EMAIL and admin.me()["role"] == "admin"


def test_a_bad_key_is_an_authentication_error(server_url: str) -> None:
    with Client(server_url, api_key="rd_not_a_key") as stranger, pytest.raises(AuthenticationError) as caught:
        list(stranger.search_runs())
    assert caught.value.status == 401


def test_a_reviewer_made_through_the_sdk_is_denied_project_data(server_url: str, admin: Client) -> None:
    reviewer = admin.create_user(email("reviewer"), "reviewer", password="password-123", name="Rita")
    assert (reviewer["role"], reviewer["name"]) == ("reviewer", "Rita")
    key = admin.create_api_key(reviewer["id"], name="laptop")
    assert key["key"].startswith(key["prefix"])
    with Client(server_url, key["key"]) as as_reviewer:
        assert as_reviewer.me()["id"] == reviewer["id"]
        with pytest.raises(PermissionDenied) as denied:
            as_reviewer.search_runs()
        assert (denied.value.status, denied.value.code) == (403, "forbidden")
        with pytest.raises(PermissionDenied):
            as_reviewer.list_users()
        as_reviewer.list_feedback_configs()  # reviewers may read the rubric's configs

    assert [k["name"] for k in admin.list_api_keys(reviewer["id"])] == ["laptop"]
    admin.revoke_api_key(key["id"])
    with Client(server_url, key["key"]) as revoked, pytest.raises(AuthenticationError):
        revoked.me()


def test_user_errors_and_updates(admin: Client) -> None:
    address = email("member")
    member = admin.create_user(address, "member")
    assert member["id"] in {u["id"] for u in admin.list_users()}
    with pytest.raises(Conflict) as taken:
        admin.create_user(address, "member")
    assert taken.value.field == "email"
    with pytest.raises(InvalidRequest) as bad_role:
        admin.create_user(email("x"), "owner")
    assert bad_role.value.field == "role"
    assert admin.update_user(uuid.UUID(member["id"]), role="reviewer")["role"] == "reviewer"


def test_the_audit_trail_records_sdk_writes_and_verifies(admin: Client) -> None:
    user = admin.create_user(email("audited"), "member")
    events = list(admin.list_audit(limit=50))
    assert 0 < len(events) <= 50
    assert any(e["action"] == "user.create" and e["object_id"] == user["id"] for e in events)
    mine = list(admin.list_audit(object_type="user", object_id=user["id"], limit=None))
    assert [e["action"] for e in mine] == ["user.create"]
    assert len(list(admin.list_audit(limit=3, page_size=2))) == 3
    verified = admin.verify_audit()
    assert verified["ok"] is True and verified["events"] >= len(events)
