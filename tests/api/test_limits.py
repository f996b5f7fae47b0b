"""Limits at the boundary (domain/limits.py): depth, NUL, sizes. Found by the hardening review (#11):
a 254-level run was accepted and then broke every read of it; 255–1,023 levels and NUL bytes on
PostgreSQL answered 500 and lost the batch. Every case runs on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import orjson
import pytest

from reviewdesk.domain.limits import MAX_JSON_DEPTH
from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.errors import Invalid
from reviewdesk.services.ingest import ingest_batch
from tests.factories import run_payload

LS = "/langsmith"


def _nested(levels: int) -> dict:
    """An object `levels` deep: {"a": {"a": … {"a": "leaf"}}}."""
    value: object = "leaf"
    for _ in range(levels):
        value = {"a": value}
    return value  # type: ignore[return-value]


def _nested_bytes(levels: int) -> bytes:
    return b'{"a":' * levels + b'"leaf"' + b"}" * levels


def _post_raw(client, body: bytes, path: str = "/api/v1/runs/batch"):
    return client.post(path, content=body, headers={"content-type": "application/json"})


def _error(response, status: int, field: str) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["field"] == field, error
    assert error["code"] and error["message"]
    return error


def _every_read_works(client, run_id: str) -> None:
    """The routes the review found broken by one deep run: all must answer, for every run listed."""
    assert client.post("/api/v1/runs/search", json={}).status_code == 200
    assert client.post("/api/v1/runs/search", json={"filter": 'search("leaf")'}).status_code == 200
    assert client.get(f"/api/v1/runs/{run_id}").status_code == 200
    assert client.get(f"/api/v1/traces/{run_id}").status_code == 200
    assert client.post(f"{LS}/runs/query", json={}).status_code == 200
    assert client.get(f"{LS}/runs/{run_id}").status_code == 200
    client.post("/api/v1/feedback-configs", json={"key": "depth_ok", "type": "boolean"})
    rubric = [{"key": "depth_ok"}]
    queue = client.post("/api/v1/queues", json={"name": f"q-{uuid.uuid4().hex[:6]}", "rubric": rubric})
    assert queue.status_code == 201, queue.text
    queue_id = queue.json()["id"]
    assert client.post(f"/api/v1/queues/{queue_id}/items", json={"run_ids": [run_id]}).status_code < 300
    claimed = client.post(f"/api/v1/queues/{queue_id}/next")
    assert claimed.status_code == 200, claimed.text
    assert [r["id"] for r in claimed.json()["runs"]] == [run_id]


def test_the_deepest_run_accepted_is_readable_through_every_route(client) -> None:
    # body {"post": [run]} is level 1, the list 2, the run 3, its inputs 4: inputs may nest to 64.
    run = run_payload(inputs=_nested(MAX_JSON_DEPTH - 3))
    assert client.post("/api/v1/runs/batch", json={"post": [run]}).status_code == 202
    stored = client.get(f"/api/v1/runs/{run['id']}").json()
    assert stored["inputs"] == run["inputs"]
    _every_read_works(client, run["id"])


@pytest.mark.parametrize("levels", [MAX_JSON_DEPTH - 2, 254, 255, 600, 1020])
def test_a_deeper_run_refuses_the_batch_naming_the_field(client, levels: int) -> None:
    good = run_payload()
    body = b'{"post": [' + orjson.dumps(good) + b', {"id": "%s", "inputs": ' % str(uuid.uuid4()).encode()
    body += _nested_bytes(levels) + b"}]}"
    error = _error(_post_raw(client, body), 400, "post[1].inputs" + ".a" * (MAX_JSON_DEPTH - 3))
    assert f"deeper than {MAX_JSON_DEPTH} levels" in error["message"]
    assert client.get(f"/api/v1/runs/{good['id']}").status_code == 404  # nothing of the batch stored
    assert client.post("/api/v1/runs/search", json={}).status_code == 200


def test_past_the_json_parser_depth_the_body_is_malformed(client) -> None:
    body = b'{"post": [{"id": "%s", "inputs": ' % str(uuid.uuid4()).encode() + _nested_bytes(3000) + b"}]}"
    assert _error(_post_raw(client, body), 400, "body")["code"] == "malformed_json"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "ans\x00wer"}, "post[1].name"),
        ({"inputs": {"question": {"text": "where\x00"}}}, "post[1].inputs.question.text"),
        ({"outputs": {"list": ["ok", "bad\x00"]}}, "post[1].outputs.list[1]"),
        ({"metadata": {"k\x00": 1}}, "post[1].metadata.k\x00"),
        ({"error": "\x00"}, "post[1].error"),
        ({"tags": ["a\x00"]}, "post[1].tags[0]"),
    ],
)
def test_nul_is_refused_on_both_databases_naming_the_field(client, change: dict, field: str) -> None:
    good, bad = run_payload(), run_payload(**change)
    _error(client.post("/api/v1/runs/batch", json={"post": [good, bad]}), 400, field)
    assert client.get(f"/api/v1/runs/{good['id']}").status_code == 404
    # The same run through the LangSmith endpoints.
    response = client.post(f"{LS}/runs/batch", json={"post": [good, bad]})
    assert response.status_code == 400 and response.json()["error"]["field"] == field
    _every_read_works_after_refusal(client)


def _every_read_works_after_refusal(client) -> None:
    run = run_payload()
    assert client.post("/api/v1/runs/batch", json={"post": [run]}).status_code == 202
    _every_read_works(client, run["id"])


def test_nul_in_a_query_parameter_is_a_400_not_a_500(client) -> None:
    for path in ("/api/v1/feedback?key=a%00", "/api/v1/runs/search?x=%00", f"{LS}/runs/query?limit=1%00"):
        response = client.get(path) if "feedback" in path else client.post(path, json={})
        _error(response, 400, "query." + path.split("?")[1].split("=")[0])
    assert client.get("/api/v1/feedback?key=a").status_code == 200


def test_feedback_and_examples_refuse_nul_and_depth(client) -> None:
    run = run_payload()
    client.post("/api/v1/runs/batch", json={"post": [run]})
    base = {"run_id": run["id"], "key": "note"}
    _error(client.post("/api/v1/feedback", json={**base, "comment": "x\x00"}), 400, "comment")
    _error(
        client.post("/api/v1/feedback", json={**base, "correction": {"a": ["\x00"]}}), 400, "correction.a[0]"
    )
    dataset = client.post("/api/v1/datasets", json={"name": "limits"}).json()
    examples = f"/api/v1/datasets/{dataset['id']}/examples"
    _error(client.post(examples, json={"examples": [{"inputs": {"q": "\x00"}}]}), 400, "examples[0].inputs.q")
    deep = b'{"examples": [{"inputs": ' + _nested_bytes(100) + b"}]}"
    _error(_post_raw(client, deep, examples), 400, "examples[0].inputs" + ".a" * (MAX_JSON_DEPTH - 3))
    assert client.get(examples).json()["items"] == []


def test_multipart_parts_are_held_to_the_same_limits(client) -> None:
    run_id = uuid.uuid4()
    run = {"id": str(run_id), "name": "mp", "run_type": "chain", "start_time": "2026-01-01T00:00:00"}
    nul = [
        (f"post.{run_id}", (None, orjson.dumps(run), "application/json")),
        (f"post.{run_id}.inputs", (None, orjson.dumps({"q": "a\x00"}), "application/json")),
    ]
    _error(client.post(f"{LS}/runs/multipart", files=nul), 400, f"post.{run_id}.inputs.q")
    deep = [
        (f"post.{run_id}", (None, orjson.dumps(run), "application/json")),
        (f"post.{run_id}.outputs", (None, _nested_bytes(300), "application/json")),
    ]
    _error(
        client.post(f"{LS}/runs/multipart", files=deep),
        400,
        f"post.{run_id}.outputs" + ".a" * (MAX_JSON_DEPTH - 3),
    )
    assert client.get(f"/api/v1/runs/{run_id}").status_code == 404


def test_runs_built_outside_json_are_checked_too(db) -> None:
    """OTLP and imports hand the ingest service Python values: the same limits apply there."""
    for change, field in (
        ({"inputs": {"n": 2**70}}, "post[0].inputs.n"),
        ({"inputs": {"x": float("nan")}}, "post[0].inputs.x"),
        ({"inputs": _nested(70)}, "post[0].inputs" + ".a" * (MAX_JSON_DEPTH - 3)),
        ({"name": "\x00"}, "post[0].name"),
    ):
        with pytest.raises(Invalid) as refused:
            ingest_batch(db, SYSTEM_ACTOR, post=[run_payload(**change)], patch=None)
        assert refused.value.field == field


@pytest.mark.parametrize(
    "text",
    [
        "or(" + ",".join(f"latency_ms=={i}" for i in range(1100)) + ")",
        "latency > " + "9" * 19_000,
        "metadata." + ".".join(["a"] * 4000) + " == 1",
        " or ".join(f'search("t{i}")' for i in range(200)),
    ],
    ids=["1100-terms", "19000-digits", "4000-segments", "200-searches"],
)
def test_costly_filters_are_a_400_before_any_sql(client, text: str) -> None:
    for path in ("/api/v1/runs/search", f"{LS}/runs/query"):
        response = client.post(path, json={"filter": text})
        assert response.status_code == 400, response.text
        assert response.json()["error"]["code"] == "filter_syntax"


def test_web_forms_refuse_nul_with_a_400_page(db) -> None:
    """The web app's forms (url-encoded) go through the same rule: a page saying so, never a 500."""
    import re

    from fastapi.testclient import TestClient

    from reviewdesk.app import create_app
    from tests.conftest import ADMIN_EMAIL, ADMIN_KEY, ADMIN_PASSWORD, settings_for_tests

    with TestClient(create_app(settings_for_tests(), db=db)) as web:
        token = re.search(r'name="csrf_token" value="([^"]+)"', web.get("/login").text).group(1)
        web.post("/login", data={"csrf_token": token, "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
        token = re.search(r'name="csrf-token" content="([^"]+)"', web.get("/").text).group(1)
        refused = web.post(
            "/admin/score-configs",
            data={"key": "bad\x00key", "type": "boolean"},
            headers={"X-CSRF-Token": token},
        )
        assert refused.status_code == 400 and "NUL" in refused.text
        configs = web.get("/api/v1/feedback-configs", headers={"x-api-key": ADMIN_KEY})
        assert configs.status_code == 200 and all("bad" not in c["key"] for c in configs.json()["items"])
