"""Bad input answers 4xx in the error shape and changes nothing already stored."""

from __future__ import annotations

import uuid

import pytest

from tests.factories import run_payload


@pytest.fixture
def stored_run(client):
    run = run_payload()
    assert client.post("/api/v1/runs/batch", json={"post": [run]}).status_code == 202
    return run


def _snapshot(client, run):
    return client.get(f"/api/v1/runs/{run['id']}").json(), client.get("/api/v1/feedback").json()["items"]


def _assert_error(response, status, field=None, code=None):
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) >= {"code", "message", "field"}
    assert error["message"]
    if field is not None:
        assert error["field"] == field, error
    if code is not None:
        assert error["code"] == code, error


def test_bad_batches_are_refused_whole(client, stored_run):
    before = _snapshot(client, stored_run)
    good_change = {**stored_run, "name": "renamed"}
    cases = [
        (b'{"post": [', 400, "body", "malformed_json"),
        (b"", 400, "body", "malformed_json"),
        (b"[1, 2]", 400, "body", None),
        ({"post": [good_change, {**run_payload(), "run_type": "banana"}]}, 400, "post[1].run_type", None),
        ({"post": [good_change, {**run_payload(), "id": "not-a-uuid"}]}, 400, "post[1].id", None),
        (
            {"post": [good_change, {**run_payload(), "start_time": "yesterday"}]},
            400,
            "post[1].start_time",
            None,
        ),
        ({"post": [good_change, {**run_payload(), "tags": "a,b"}]}, 400, "post[1].tags", None),
        ({"post": [good_change, {**run_payload(), "inputs": [1]}]}, 400, "post[1].inputs", None),
        ({"patch": [{"name": "no id"}]}, 400, "patch[0].id", None),
        ({"post": good_change}, 400, "post", None),
        ({"posts": [good_change]}, 400, "posts", None),
        ({"post": [{**good_change, "usage": {"prompt_tokens": -3}}]}, 400, "post[0].prompt_tokens", None),
    ]
    for body, status, field, code in cases:
        if isinstance(body, bytes):
            response = client.post(
                "/api/v1/runs/batch", content=body, headers={"content-type": "application/json"}
            )
        else:
            response = client.post("/api/v1/runs/batch", json=body)
        _assert_error(response, status, field, code)
    assert _snapshot(client, stored_run) == before


def test_oversized_bodies_get_413(db, client):
    from fastapi.testclient import TestClient

    from reviewdesk.app import create_app
    from tests.conftest import ADMIN_KEY, settings_for_tests

    app = create_app(settings_for_tests(max_body_bytes=2000), db=db)
    with TestClient(app, headers={"x-api-key": ADMIN_KEY}) as small:
        big = run_payload(inputs={"text": "x" * 5000})
        response = small.post("/api/v1/runs/batch", json={"post": [big]})
        _assert_error(response, 413, "body", "payload_too_large")

        def chunks():
            yield b'{"post": [{"id": "' + str(uuid.uuid4()).encode() + b'", "inputs": {"t": "'
            yield b"y" * 5000
            yield b'"}}]}'

        streamed = small.post(
            "/api/v1/runs/batch", content=chunks(), headers={"content-type": "application/json"}
        )
        _assert_error(streamed, 413, "body", "payload_too_large")
        assert small.get(f"/api/v1/runs/{big['id']}").status_code == 404


def test_bad_uuids_in_paths_and_bodies(client, stored_run):
    _assert_error(client.get("/api/v1/runs/not-a-uuid"), 400, "run_id")
    _assert_error(client.get("/api/v1/feedback/123"), 400, "feedback_id")
    _assert_error(client.post("/api/v1/feedback", json={"run_id": "nope", "key": "k"}), 400, "run_id")
    _assert_error(client.get("/api/v1/feedback", params={"run_id": "nope"}), 400, "run_id")
    _assert_error(client.get(f"/api/v1/runs/{uuid.uuid4()}"), 404, None, "not_found")


def test_filter_syntax_errors_name_the_position(client, stored_run):
    response = client.post("/api/v1/runs/search", json={"filter": "metadata.eval_score < "})
    _assert_error(response, 400, "filter", "filter_syntax")
    assert "column" in response.json()["error"]["message"]
    assert response.json()["error"]["position"] is not None
    _assert_error(client.post("/api/v1/runs/search", json={"filter": "bogus_field == 1"}), 400, "filter")
    _assert_error(client.post("/api/v1/runs/search", json={"filter": "eqq(name, 'x')"}), 400, "filter")
    _assert_error(client.post("/api/v1/runs/search", json={"limit": 0}), 400, "limit")
    _assert_error(client.post("/api/v1/runs/search", json={"cursor": "garbage!"}), 400, "cursor")
    _assert_error(client.post("/api/v1/runs/search", json={"filter": 5}), 400, "filter")


def test_bad_feedback_is_refused_and_nothing_is_written(client, stored_run):
    before = _snapshot(client, stored_run)
    run_id = stored_run["id"]
    _assert_error(client.post("/api/v1/feedback", json={"run_id": run_id}), 400, "key")
    _assert_error(
        client.post("/api/v1/feedback", json={"run_id": run_id, "key": "k", "score": "high"}), 400, "score"
    )
    _assert_error(
        client.post("/api/v1/feedback", json={"run_id": run_id, "key": "k", "source": "oracle"}),
        400,
        "source",
    )
    _assert_error(
        client.post("/api/v1/feedback", json={"run_id": run_id, "key": "k", "comment": 3}), 400, "comment"
    )
    assert _snapshot(client, stored_run) == before


def test_unknown_routes_and_methods_use_the_error_shape(client):
    _assert_error(client.get("/api/v1/nothing-here"), 404, None, "not_found")
    _assert_error(client.put("/api/v1/runs/batch", json={}), 405, None, "method_not_allowed")
