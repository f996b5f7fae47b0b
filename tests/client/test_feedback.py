"""Feedback through the SDK against the real server, with its typed errors."""

from __future__ import annotations

import uuid

import pytest

from reviewdesk.client import Client, Conflict, InvalidRequest, NotFound, PermissionDenied
from tests.conftest import ADMIN_KEY


def a_run(sdk: Client) -> uuid.UUID:
    with sdk.trace("answer", inputs={"q": "?"}) as run:
        run.end(outputs={"a": "!"})
    sdk.flush()
    return run.id


def check_crud(sdk: Client) -> None:
    run_id = a_run(sdk)
    key = f"helpfulness-{uuid.uuid4().hex[:6]}"
    created = sdk.create_feedback(run_id, key, score=0.8, comment="mostly right")
    assert created["run_id"] == str(run_id) and created["trace_id"] == str(run_id)
    assert (created["score"], created["source"], created["comment"]) == (0.8, "api", "mostly right")
    assert sdk.get_feedback(uuid.UUID(created["id"]))["score"] == 0.8

    amended = sdk.update_feedback(created["id"], score=0.6, correction={"answer": "tomorrow"})
    assert (amended["score"], amended["correction"]) == (0.6, {"answer": "tomorrow"})

    other = sdk.create_feedback(str(run_id), key, value="friendly", source="model")
    assert [f["id"] for f in sdk.list_feedback(key=key, source="model")] == [other["id"]]
    assert {f["id"] for f in sdk.list_feedback(run_id=[run_id, uuid.uuid4()])} == {created["id"], other["id"]}
    assert len(list(sdk.list_feedback(trace_id=run_id, key=key, limit=1))) == 1

    sdk.delete_feedback(created["id"])
    with pytest.raises(NotFound) as missing:
        sdk.get_feedback(created["id"])
    assert (missing.value.status, missing.value.code) == (404, "not_found")


def test_feedback_crud(fresh_server_url: str) -> None:
    """On SQLite and PostgreSQL."""
    with Client(fresh_server_url, ADMIN_KEY, flush_interval=3600) as sdk:
        check_crud(sdk)


def test_feedback_on_the_current_run(admin: Client) -> None:
    """What an app does: remember the run it answered in, attach the user's rating later."""
    answered_in: list[uuid.UUID] = []

    @admin.trace()
    def chat(message: str) -> str:
        run = admin.get_current_run()
        assert run is not None
        answered_in.append(run.id)
        return "hello"

    chat("hi")
    admin.flush()
    (run_id,) = answered_in
    admin.create_feedback(run_id, "user_rating", value="positive", source="user")
    (row,) = admin.list_feedback(run_id=run_id)
    assert (row["key"], row["value"], row["source"]) == ("user_rating", "positive", "user")


def test_feedback_errors_are_typed(admin: Client, server_url: str, run_id: uuid.UUID) -> None:
    with pytest.raises(InvalidRequest) as bad_source:
        admin.create_feedback(run_id, "k", score=1, source="oracle")
    assert (bad_source.value.status, bad_source.value.code, bad_source.value.field) == (
        400,
        "invalid",
        "source",
    )

    with pytest.raises(InvalidRequest) as no_key:
        admin.create_feedback(run_id, " ", score=1)
    assert no_key.value.field == "key"

    with pytest.raises(NotFound):
        admin.update_feedback(uuid.uuid4(), score=1)
    with pytest.raises(NotFound):
        admin.delete_feedback(uuid.uuid4())

    fixed = uuid.uuid4()
    admin.create_feedback(run_id, "k", score=1, feedback_id=fixed)
    with pytest.raises(Conflict) as duplicate:
        admin.create_feedback(run_id, "k", score=1, feedback_id=fixed)
    assert (duplicate.value.status, duplicate.value.field) == (409, "id")

    member = admin.create_user(f"m-{uuid.uuid4().hex[:6]}@example.com", "member")
    key = admin.create_api_key(member["id"])["key"]
    with Client(server_url, key) as as_member, pytest.raises(PermissionDenied) as not_author:
        as_member.update_feedback(fixed, score=0)
    assert not_author.value.status == 403
