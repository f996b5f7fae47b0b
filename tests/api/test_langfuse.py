"""The Langfuse-compatible routes' own rules: the key pair, score shapes and configs, the v3 envelope's
per-event answers, the OTLP JSON body and the trailing-slash path (the SDK flows are in tests/compat)."""

from __future__ import annotations

import base64
import json

from fastapi.testclient import TestClient

from reviewdesk.domain.otel_mapping import span_run_id, trace_run_id
from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.services import feedback as feedback_service
from reviewdesk.services import runs as runs_service
from reviewdesk.store.database import Database
from tests.conftest import ADMIN_KEY

TRACE = "5b8efff798038103d269b633813fc60c"
ROOT, CHILD = "eee19b7ec3c1b174", "eee19b7ec3c1b175"


def basic(public: str = "pk-lf-support-bot", secret: str = ADMIN_KEY) -> dict[str, str]:
    return {"authorization": "Basic " + base64.b64encode(f"{public}:{secret}".encode()).decode()}


def _attr(key: str, value: object) -> dict:
    if isinstance(value, bool):
        return {"key": key, "value": {"boolValue": value}}
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}
    if isinstance(value, list):
        return {"key": key, "value": {"arrayValue": {"values": [{"stringValue": v} for v in value]}}}
    return {"key": key, "value": {"stringValue": value}}


def _span(span_id: str, parent: str | None, name: str, attributes: dict) -> dict:
    return {
        "traceId": TRACE,
        "spanId": span_id,
        **({"parentSpanId": parent} if parent else {}),
        "name": name,
        "startTimeUnixNano": "1767225600000000000",
        "endTimeUnixNano": "1767225601000000000",
        "attributes": [_attr(k, v) for k, v in attributes.items()],
        **(
            {"status": {"code": 2, "message": "rate limited"}}
            if attributes.get("langfuse.observation.level") == "ERROR"
            else {}
        ),
    }


def export(client: TestClient, spans: list[dict], path: str = "/api/public/otel/v1/traces", **headers: str):  # type: ignore[no-untyped-def]
    body = {
        "resourceSpans": [
            {
                "resource": {"attributes": [_attr("langfuse.release", "r-9")]},
                "scopeSpans": [{"scope": {"name": "langfuse-sdk"}, "spans": spans}],
            }
        ]
    }
    return client.post(
        path, content=json.dumps(body), headers={"content-type": "application/json", **basic(), **headers}
    )


def _runs(db: Database) -> dict[str, dict]:
    rows, _ = runs_service.search_runs(
        db, SYSTEM_ACTOR, trace_id=trace_run_id(bytes.fromhex(TRACE)), limit=100
    )
    return {r["metadata"]["otel.span_id"]: r for r in rows}


def test_the_key_pair_is_checked_and_names_the_fix(client: TestClient) -> None:
    for headers in ({}, basic(secret="wrong"), basic(public="lf-support-bot"), {"authorization": "Basic !!"}):
        answer = client.get("/api/public/projects", headers={"x-api-key": "", **headers})
        assert answer.status_code == 401, headers
        assert answer.json()["error"]["field"] == "authorization"
    assert (
        "pk-lf-<project>"
        in client.get("/api/public/projects", headers={"x-api-key": ""}).json()["error"]["message"]
    )
    ok = client.get("/api/public/projects", headers=basic())
    assert ok.json()["data"][0]["name"] == "support-bot" and ok.json()["data"][0]["organization"]["id"]


def test_langfuse_attributes_map_onto_runs(client: TestClient, db: Database) -> None:
    root = _span(
        ROOT,
        None,
        "handle",
        {
            "langfuse.observation.type": "agent",
            "langfuse.trace.name": "support-bot",
            "langfuse.observation.input": '{"question": "Where?"}',
            "langfuse.observation.output": "It ships.",
            "langfuse.trace.metadata.tier": '"gold"',
            "langfuse.version": "v7",
            "user.id": "u-1",
            "session.id": "s-1",
            "langfuse.trace.tags": ["returns"],
        },
    )
    generation = _span(
        CHILD,
        ROOT,
        "OpenAI-generation",
        {
            "langfuse.observation.type": "generation",
            "langfuse.observation.model.name": "gpt-4o",
            "langfuse.observation.model.parameters": '{"temperature": 0}',
            "langfuse.observation.input": '[{"role": "user", "content": "Where?"}]',
            "langfuse.observation.output": '{"role": "assistant", "content": "It ships."}',
            "langfuse.observation.usage_details": '{"input": 12, "output": 3, "total": 15}',
            "langfuse.observation.cost_details": '{"input": 0.001, "output": 0.002}',
            "langfuse.observation.level": "ERROR",
            "langfuse.observation.status_message": "rate limited",
            "langfuse.observation.metadata.attempt": "2",
        },
    )
    assert export(client, [root, generation]).status_code == 200
    runs = _runs(db)
    top, llm = runs[ROOT], runs[CHILD]
    assert (top["name"], top["run_type"], top["project"]) == ("support-bot", "chain", "support-bot")
    assert top["metadata"]["observation_name"] == "handle" and top["metadata"]["tier"] == "gold"
    assert top["inputs"] == {"question": "Where?"} and top["outputs"] == {"output": "It ships."}
    assert (top["session_id"], top["metadata"]["user_id"], top["tags"]) == ("s-1", "u-1", ["returns"])
    assert (top["metadata"]["version"], top["metadata"]["release"]) == ("v7", "r-9")
    assert llm["run_type"] == "llm" and llm["metadata"]["ls_model_name"] == "gpt-4o"
    assert llm["inputs"] == {"messages": [{"role": "user", "content": "Where?"}]}
    assert llm["outputs"] == {"messages": [{"role": "assistant", "content": "It ships."}]}
    assert llm["usage"] == {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15}
    assert abs(llm["cost"] - 0.003) < 1e-9 and llm["metadata"]["invocation_params"] == {"temperature": 0}
    assert (llm["status"], llm["metadata"]["level"], llm["metadata"]["attempt"]) == ("error", "ERROR", 2)
    assert "rate limited" in llm["error"]
    # The exporter's path with LANGFUSE_HOST ending in "/".
    assert export(client, [root], path="http://testserver//api/public/otel/v1/traces").status_code == 200


def test_scores_follow_data_types_and_score_configs(client: TestClient, db: Database) -> None:
    export(client, [_span(ROOT, None, "root", {"langfuse.observation.type": "span"})])
    client.post(
        "/api/v1/feedback-configs",
        json={
            "key": "grade",
            "type": "categorical",
            "options": [{"value": "bad", "score": 0}, {"value": "good", "score": 1}],
        },
    )
    scores = [
        {"id": "a1", "traceId": TRACE, "name": "helpfulness", "value": 0.25, "comment": "vague"},
        {"id": "a2", "traceId": TRACE, "observationId": ROOT, "name": "grade", "value": 1},
        {
            "id": "a3",
            "traceId": TRACE,
            "observationId": ROOT,
            "name": "resolved",
            "value": 0.0,
            "dataType": "BOOLEAN",
        },
        {"id": "a4", "traceId": TRACE, "name": "tone", "value": "curt", "metadata": {"by": "judge"}},
    ]
    answer = client.post("/api/public/scores", json=scores, headers=basic())
    assert answer.status_code == 202 and answer.json() == {"message": "Accepted"}
    root_id = span_run_id(bytes.fromhex(TRACE), bytes.fromhex(ROOT))
    rows, _ = feedback_service.list_feedback(
        db, SYSTEM_ACTOR, filters={"run_id": str(root_id)}, limit=10, cursor=None
    )
    found = {r["key"]: r for r in rows}
    assert (found["helpfulness"]["score"], found["helpfulness"]["comment"]) == (0.25, "vague")
    assert (found["grade"]["value"], found["grade"]["score"]) == ("good", 1.0)
    assert found["resolved"]["value"] is False and found["tone"]["value"] == "curt"
    # The same batch again (an SDK retry) adds nothing; one bad score refuses the request, naming it.
    assert client.post("/api/public/scores", json=scores, headers=basic()).status_code == 202
    refused = client.post(
        "/api/public/scores",
        json=[{"id": "b1", "traceId": TRACE, "name": "grade", "value": 7}],
        headers=basic(),
    )
    assert refused.status_code == 400 and refused.json()["error"]["field"].startswith("[0]")
    session = client.post(
        "/api/public/scores",
        json=[{"id": "b2", "sessionId": "s-1", "name": "x", "value": 1}],
        headers=basic(),
    )
    assert session.status_code == 400 and "session" in session.json()["error"]["message"]
    rows, _ = feedback_service.list_feedback(
        db, SYSTEM_ACTOR, filters={"run_id": str(root_id)}, limit=10, cursor=None
    )
    assert len(rows) == 4


def test_a_trace_score_before_its_root_waits_for_it(client: TestClient, db: Database) -> None:
    early = [{"id": "c1", "traceId": TRACE, "name": "helpfulness", "value": 1.0}]
    assert client.post("/api/public/scores", json=early, headers=basic()).status_code == 202
    export(client, [_span(ROOT, None, "root", {"langfuse.observation.type": "span"})])
    root_id = span_run_id(bytes.fromhex(TRACE), bytes.fromhex(ROOT))
    rows, _ = feedback_service.list_feedback(
        db, SYSTEM_ACTOR, filters={"run_id": str(root_id)}, limit=10, cursor=None
    )
    assert [(r["key"], r["trace_id"]) for r in rows] == [("helpfulness", trace_run_id(bytes.fromhex(TRACE)))]


def test_v3_envelope_answers_each_event(client: TestClient, db: Database) -> None:
    export(client, [_span(ROOT, None, "root", {"langfuse.observation.type": "span"})])
    batch = [
        {
            "id": "e1",
            "type": "score-create",
            "timestamp": "2026-01-01T00:00:00Z",
            "body": {"id": "s1", "traceId": TRACE, "name": "ok", "value": 1},
        },
        {
            "id": "e2",
            "type": "trace-create",
            "timestamp": "2026-01-01T00:00:00Z",
            "body": {"id": TRACE, "tags": ["batch-eval"]},
        },
        {"id": "e3", "type": "span-create", "timestamp": "2026-01-01T00:00:00Z", "body": {"id": "x"}},
        {
            "id": "e4",
            "type": "score-create",
            "timestamp": "2026-01-01T00:00:00Z",
            "body": {"id": "s2", "traceId": "nope", "name": "ok", "value": 1},
        },
    ]
    answer = client.post("/api/public/ingestion", json={"batch": batch, "metadata": {}}, headers=basic())
    assert answer.status_code == 207
    assert [s["id"] for s in answer.json()["successes"]] == ["e1", "e2"]
    errors = {e["id"]: e for e in answer.json()["errors"]}
    assert set(errors) == {"e3", "e4"} and "OpenTelemetry" in errors["e3"]["message"]
    assert errors["e4"]["status"] == 400 and errors["e4"]["error"].endswith("traceId")
    assert _runs(db)[ROOT]["tags"] == ["batch-eval"]


def test_a_reviewer_key_cannot_ingest(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    reviewer = make_user("reviewer")
    refused = client.post("/api/public/scores", json=[], headers=basic(secret=reviewer.key))
    assert refused.status_code == 403
    assert export(client, [], **basic(secret=reviewer.key)).status_code == 403
