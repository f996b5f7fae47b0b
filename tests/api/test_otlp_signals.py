"""OTLP logs and metrics: GenAI log events give their span its messages whichever arrives first (and
however many requests they take); metrics are answered as accepted so exporters stay quiet."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)

from reviewdesk.domain.otel_mapping import span_run_id
from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.services import runs as runs_service
from reviewdesk.store.database import Database

TRACE, SPAN = "5b8efff798038103d269b633813fc60c", "eee19b7ec3c1b174"
JSON = {"content-type": "application/json"}


def _kv(key: str, value: object) -> dict:
    return {"key": key, "value": _any(value)}


def _any(value: object) -> dict:
    if isinstance(value, dict):
        return {"kvlistValue": {"values": [_kv(k, v) for k, v in value.items()]}}
    if isinstance(value, list):
        return {"arrayValue": {"values": [_any(v) for v in value]}}
    return {"stringValue": value}


def _logs(*records: dict) -> str:
    return json.dumps({"resourceLogs": [{"scopeLogs": [{"logRecords": list(records)}]}]})


def _record(event: str, body: object = None, attributes: dict | None = None, span: str = SPAN) -> dict:
    record = {
        "traceId": TRACE,
        "spanId": span,
        "eventName": event,
        "attributes": [_kv(k, v) for k, v in (attributes or {}).items()],
    }
    if body is not None:
        record["body"] = _any(body)
    return record


def _span(attributes: dict | None = None) -> str:
    span = {
        "traceId": TRACE,
        "spanId": SPAN,
        "name": "chat gpt-4o",
        "startTimeUnixNano": "1767225600000000000",
        "endTimeUnixNano": "1767225601000000000",
        "attributes": [_kv(k, v) for k, v in {"gen_ai.operation.name": "chat", **(attributes or {})}.items()],
    }
    return json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]})


def _run(db: Database) -> dict:
    return runs_service.get_run(db, SYSTEM_ACTOR, span_run_id(bytes.fromhex(TRACE), bytes.fromhex(SPAN)))


DETAILS = _record(
    "gen_ai.client.inference.operation.details",
    attributes={
        "gen_ai.input.messages": [
            {"role": "user", "parts": [{"type": "text", "content": "Where is order 7?"}]}
        ],
        "gen_ai.output.messages": [
            {
                "role": "assistant",
                "parts": [{"type": "text", "content": "Tomorrow."}],
                "finish_reason": "stop",
            }
        ],
        "gen_ai.system_instructions": [{"type": "text", "content": "Be brief."}],
    },
)


def test_details_event_before_its_span(client: TestClient, db: Database) -> None:
    assert client.post("/otlp/v1/logs", content=_logs(DETAILS), headers=JSON).status_code == 200
    assert client.post("/otlp/v1/traces", content=_span(), headers=JSON).status_code == 200
    run = _run(db)
    assert [m["role"] for m in run["inputs"]["messages"]] == ["system", "user"]
    assert run["outputs"]["messages"][0]["content"] == "Tomorrow."


def test_per_message_events_after_their_span_over_several_requests(client: TestClient, db: Database) -> None:
    client.post("/otlp/v1/traces", content=_span(), headers=JSON)
    for record in (
        _record("gen_ai.system.message", {"content": "Be brief."}),
        _record("gen_ai.user.message", {"content": "Where is order 7?"}),
        _record(
            "gen_ai.choice",
            {
                "index": 0,
                "finish_reason": "tool_calls",
                "message": {"content": ""},
                "tool_calls": [
                    {"id": "c1", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}
                ],
            },
        ),
        _record("app.log", "a log line of the application, not an event"),
    ):
        assert client.post("/otlp/v1/logs", content=_logs(record), headers=JSON).status_code == 200
    run = _run(db)
    assert [(m["role"], m["content"]) for m in run["inputs"]["messages"]] == [
        ("system", "Be brief."),
        ("user", "Where is order 7?"),
    ]
    assert run["outputs"]["messages"][0]["tool_calls"][0]["function"]["name"] == "lookup"


def test_the_spans_own_content_wins(client: TestClient, db: Database) -> None:
    own = json.dumps([{"role": "user", "parts": [{"type": "text", "content": "from the span"}]}])
    client.post("/otlp/v1/traces", content=_span({"gen_ai.input.messages": own}), headers=JSON)
    client.post("/otlp/v1/logs", content=_logs(DETAILS), headers=JSON)
    run = _run(db)
    assert run["inputs"]["messages"] == [{"role": "user", "content": "from the span"}]
    assert run["outputs"]["messages"][0]["content"] == "Tomorrow."  # the span had none


def test_metrics_are_answered_and_dropped(client: TestClient) -> None:
    proto = client.post(
        "/otlp/v1/metrics",
        content=ExportMetricsServiceRequest().SerializeToString(),
        headers={"content-type": "application/x-protobuf"},
    )
    assert proto.status_code == 200
    ExportMetricsServiceResponse.FromString(proto.content)
    assert client.post("/v1/metrics", content="{}", headers=JSON).json() == {}
    bad = client.post(
        "/otlp/v1/metrics", content=b"\xff\xff", headers={"content-type": "application/x-protobuf"}
    )
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "body"
    assert client.post("/otlp/v1/logs", content="[1]", headers=JSON).status_code == 400


def test_logs_and_metrics_need_a_key(client: TestClient) -> None:
    for path in ("/otlp/v1/logs", "/otlp/v1/metrics"):
        assert client.post(path, content="{}", headers={**JSON, "x-api-key": "nope"}).status_code == 401
