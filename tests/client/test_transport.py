"""Error mapping and retries of the SDK transport, against a scripted httpx transport."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

import httpx
import pytest

from reviewdesk.client import (
    AuthenticationError,
    Client,
    Conflict,
    ConnectionFailed,
    FilterSyntaxError,
    InvalidRequest,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    ReviewDeskError,
    ServerError,
)
from reviewdesk.client.errors import error_from_response

Handler = Callable[[httpx.Request], httpx.Response]


def scripted(*answers: httpx.Response | Exception) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    """A transport answering with `answers` in order (an exception is raised instead of answering)."""
    seen: list[httpx.Request] = []
    queue = list(answers)

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return httpx.MockTransport(handle), seen


def make_client(transport: httpx.MockTransport, **kwargs: object) -> Client:
    return Client("http://rd.test/", api_key="rd_key", transport=transport, retry_backoff=0, **kwargs)


def error(status: int, code: str, field: str | None = None, **extra: object) -> httpx.Response:
    return httpx.Response(
        status, json={"error": {"code": code, "message": f"{code}!", "field": field, **extra}}
    )


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (400, "invalid", InvalidRequest),
        (400, "malformed_json", InvalidRequest),
        (401, "unauthorized", AuthenticationError),
        (403, "forbidden", PermissionDenied),
        (404, "not_found", NotFound),
        (409, "conflict", Conflict),
        (413, "payload_too_large", PayloadTooLarge),
        (500, "internal", ServerError),
        (422, "something_new", InvalidRequest),
        (405, "method_not_allowed", ReviewDeskError),
    ],
)
def test_errors_are_typed_by_code_then_status(status: int, code: str, cls: type) -> None:
    err = error_from_response(status, {"error": {"code": code, "message": "m", "field": "f"}})
    assert type(err) is cls
    assert (err.status, err.code, err.field, err.message) == (status, code, "f", "m")


def test_filter_syntax_error_keeps_its_position() -> None:
    transport, _ = scripted(error(400, "filter_syntax", "filter", position=7))
    with make_client(transport) as client, pytest.raises(FilterSyntaxError) as caught:
        client.search_runs(filter="name == ")
    assert caught.value.position == 7
    assert caught.value.field == "filter"
    assert isinstance(caught.value, InvalidRequest)


def test_a_non_json_error_body_still_maps_by_status() -> None:
    transport, _ = scripted(httpx.Response(502, text="<html>bad gateway</html>"))
    with make_client(transport, max_retries=0) as client, pytest.raises(ServerError) as caught:
        client.me()
    assert caught.value.status == 502
    assert "bad gateway" in caught.value.message


def test_requests_carry_the_key_and_json_with_uuids() -> None:
    run_id = uuid.uuid4()
    transport, seen = scripted(httpx.Response(202, json={"accepted": 1, "id": str(run_id)}))
    with make_client(transport) as client:
        client.update_run(run_id, outputs={"a": 1})
    request = seen[0]
    assert request.url == f"http://rd.test/api/v1/runs/{run_id}"
    assert request.headers["x-api-key"] == "rd_key"
    assert json.loads(request.content) == {"outputs": {"a": 1}}


def test_idempotent_requests_retry_on_503_then_succeed() -> None:
    transport, seen = scripted(
        httpx.Response(503, headers={"Retry-After": "0"}),
        httpx.ConnectError("refused"),
        httpx.Response(200, json={"status": "ok"}),
    )
    with make_client(transport) as client:
        assert client.health() == {"status": "ok"}
    assert len(seen) == 3


def test_retries_are_bounded() -> None:
    transport, seen = scripted(*[httpx.Response(504) for _ in range(3)])
    with make_client(transport, max_retries=2) as client, pytest.raises(ServerError):
        client.get_run(uuid.uuid4())
    assert len(seen) == 3


def test_a_plain_post_is_not_retried_after_a_read_error() -> None:
    transport, seen = scripted(httpx.ReadError("reset"), httpx.Response(201, json={}))
    with make_client(transport) as client, pytest.raises(ConnectionFailed):
        client.create_project("p")
    assert len(seen) == 1


def test_a_post_is_retried_when_the_connection_was_never_made() -> None:
    transport, seen = scripted(httpx.ConnectError("refused"), httpx.Response(201, json={"name": "p"}))
    with make_client(transport) as client:
        assert client.create_project("p") == {"name": "p"}
    assert len(seen) == 2


def test_create_feedback_retried_after_a_lost_answer_returns_the_stored_row() -> None:
    stored: dict[str, object] = {"key": "k"}

    def handle(request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and "id" not in stored:
            stored["id"] = json.loads(request.content)["id"]
            raise httpx.ReadTimeout("the server stored it, but the answer was lost")
        if request.method == "POST":
            return error(409, "conflict", "id")
        assert request.url.path == f"/api/v1/feedback/{stored['id']}"
        return httpx.Response(200, json=stored)

    with make_client(httpx.MockTransport(handle)) as client:
        assert client.create_feedback(uuid.uuid4(), "k", score=1) == stored


def test_a_conflict_on_a_given_feedback_id_is_raised() -> None:
    transport, _ = scripted(error(409, "conflict", "id"))
    with make_client(transport) as client, pytest.raises(Conflict):
        client.create_feedback(uuid.uuid4(), "k", score=1, feedback_id=uuid.uuid4())


def test_list_filters_become_repeated_query_parameters() -> None:
    ids = [uuid.uuid4(), uuid.uuid4()]
    transport, seen = scripted(httpx.Response(200, json={"items": [], "next_cursor": None}))
    with make_client(transport) as client:
        assert list(client.list_feedback(run_id=ids, key="tone")) == []
    params = seen[0].url.params
    assert params.get_list("run_id") == [str(i) for i in ids]
    assert params.get_list("key") == ["tone"]
    assert "trace_id" not in params


def test_pages_are_walked_until_the_limit() -> None:
    pages = [
        httpx.Response(200, json={"items": [{"n": 1}, {"n": 2}], "next_cursor": "c1"}),
        httpx.Response(200, json={"items": [{"n": 3}, {"n": 4}], "next_cursor": "c2"}),
    ]
    transport, seen = scripted(*pages)
    with make_client(transport) as client:
        found = [r["n"] for r in client.search_runs(project="p", limit=3, page_size=2)]
    assert found == [1, 2, 3]
    bodies = [json.loads(r.content) for r in seen]
    assert bodies == [{"project": "p", "limit": 2}, {"project": "p", "limit": 1, "cursor": "c1"}]


@pytest.mark.parametrize("url", ["http://rd.test", "http://rd.test/", "http://rd.test/api/v1/"])
def test_the_url_may_name_the_api_prefix(url: str) -> None:
    transport, seen = scripted(httpx.Response(200, json={}))
    with Client(url, transport=transport) as client:
        client.health()
    assert str(seen[0].url) == "http://rd.test/api/v1/health"


def test_url_and_key_default_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REVIEWDESK_URL", "http://env.test:9000")
    monkeypatch.setenv("REVIEWDESK_API_KEY", "rd_env")
    transport, seen = scripted(httpx.Response(200, json={}))
    with Client(transport=transport) as client:
        client.me()
    assert str(seen[0].url) == "http://env.test:9000/api/v1/me"
    assert seen[0].headers["x-api-key"] == "rd_env"
