"""OTLP/HTTP by hand: the JSON mapping, gzip, partial success, auth and malformed bodies."""

from __future__ import annotations

import gzip
import uuid
import zlib

import httpx
import orjson
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span

from reviewdesk.domain.otel_mapping import span_run_id
from tests.compat.conftest import by_name, runs_of_trace
from tests.conftest import ADMIN_KEY

TRACE_HEX = "4bf92f3577b34da6a3ce929d0e0e4736"
ROOT_HEX, CHILD_HEX = "00f067aa0ba902b7", "b7ad6b7169203331"
START_NS = 1_793_534_400_000_000_000
JSON_HEADERS = {"x-api-key": ADMIN_KEY, "content-type": "application/json"}
PROTOBUF_HEADERS = {"x-api-key": ADMIN_KEY, "content-type": "application/x-protobuf"}


def _json_span(span_id: str, parent: str, name: str, **fields) -> dict:  # type: ignore[no-untyped-def]
    return {
        "traceId": TRACE_HEX,
        "spanId": span_id,
        "parentSpanId": parent,
        "name": name,
        "kind": "SPAN_KIND_CLIENT",  # enums by name or by number
        "startTimeUnixNano": str(START_NS),  # int64 as a decimal string, per the JSON mapping
        "endTimeUnixNano": START_NS + 2_000_000_000,
        "status": {"code": "STATUS_CODE_OK"},
        **fields,
    }


def _json_request(*spans: dict) -> dict:
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "json-bot"}}]},
                "scopeSpans": [{"scope": {"name": "hand-made", "version": "1"}, "spans": list(spans)}],
            }
        ]
    }


LLM_ATTRIBUTES = [
    {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
    {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o"}},
    {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "42"}},
    {"key": "gen_ai.usage.output_tokens", "value": {"intValue": 8}},
    {"key": "gen_ai.prompt.0.role", "value": {"stringValue": "user"}},
    {"key": "gen_ai.prompt.0.content", "value": {"stringValue": "Hi"}},
    {"key": "gen_ai.completion.0.content", "value": {"stringValue": "Hello!"}},
    {"key": "temperature", "value": {"doubleValue": 0.2}},
    {"key": "stop", "value": {"arrayValue": {"values": [{"stringValue": "\n\n"}]}}},
    {"key": "extra", "value": {"kvlistValue": {"values": [{"key": "a", "value": {"boolValue": True}}]}}},
]


def test_json_gzip_with_the_otlp_json_mapping(db, otlp_url):
    body = _json_request(
        _json_span(ROOT_HEX, "", "agent"),
        _json_span(CHILD_HEX, ROOT_HEX, "chat", attributes=list(LLM_ATTRIBUTES)),
    )
    response = httpx.post(
        f"{otlp_url}/otlp/v1/traces",
        content=gzip.compress(orjson.dumps(body)),
        headers={**JSON_HEADERS, "content-encoding": "gzip"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {}

    runs = by_name(runs_of_trace(db, uuid.UUID(TRACE_HEX)))
    agent, chat = runs["agent"], runs["chat"]
    assert agent["is_root"] and agent["project"] == "json-bot"
    assert (
        chat["parent_run_id"] == agent["id"] == span_run_id(bytes.fromhex(TRACE_HEX), bytes.fromhex(ROOT_HEX))
    )
    assert chat["inputs"] == {"messages": [{"role": "user", "content": "Hi"}]}
    assert chat["outputs"] == {"messages": [{"role": "assistant", "content": "Hello!"}]}
    assert chat["usage"] == {"prompt_tokens": 42, "completion_tokens": 8, "total_tokens": 50}
    assert chat["metadata"]["otel.attributes"] == {"temperature": 0.2, "stop": ["\n\n"], "extra": {"a": True}}
    assert chat["metadata"]["otel.span_kind"] == "CLIENT"
    assert chat["start_time"].timestamp() == START_NS / 1e9

    # Sent again (and with a changed output): the same two runs, updated.
    body["resourceSpans"][0]["scopeSpans"][0]["spans"][1]["attributes"][6] = {
        "key": "gen_ai.completion.0.content",
        "value": {"stringValue": "Hello again!"},
    }
    assert httpx.post(f"{otlp_url}/v1/traces", content=orjson.dumps(body), headers=JSON_HEADERS).json() == {}
    again = runs_of_trace(db, uuid.UUID(TRACE_HEX))
    assert len(again) == 2
    assert by_name(again)["chat"]["outputs"]["messages"][0]["content"] == "Hello again!"


def test_json_partial_success_keeps_the_good_spans(db, otlp_url):
    body = _json_request(
        _json_span(ROOT_HEX, "", "good"),
        _json_span("not-hex", "", "bad id"),
        _json_span(
            CHILD_HEX, ROOT_HEX, "bad value", attributes=[{"key": "n", "value": {"intValue": "many"}}]
        ),
    )
    response = httpx.post(f"{otlp_url}/otlp/v1/traces", content=orjson.dumps(body), headers=JSON_HEADERS)
    assert response.status_code == 200
    partial = response.json()["partialSuccess"]
    assert partial["rejectedSpans"] == "2"
    assert "spans[1].spanId: must be 16 hex digits" in partial["errorMessage"]
    assert "spans[2].attributes[0].value: must be an integer" in partial["errorMessage"]
    assert [r["name"] for r in runs_of_trace(db, uuid.UUID(TRACE_HEX))] == ["good"]


def _pb_span(trace_id: bytes, span_id: bytes, name: str) -> Span:
    return Span(
        trace_id=trace_id,
        span_id=span_id,
        name=name,
        start_time_unix_nano=START_NS,
        end_time_unix_nano=START_NS + 1_000_000,
        attributes=[KeyValue(key="openinference.span.kind", value=AnyValue(string_value="TOOL"))],
    )


def test_protobuf_partial_success_answers_in_protobuf(db, otlp_url):
    trace_id = bytes.fromhex(TRACE_HEX)
    request = ExportTraceServiceRequest(
        resource_spans=[
            ResourceSpans(
                scope_spans=[
                    ScopeSpans(
                        spans=[
                            _pb_span(trace_id, bytes.fromhex(ROOT_HEX), "lookup"),
                            _pb_span(trace_id[:8], bytes.fromhex(CHILD_HEX), "short trace id"),
                        ]
                    )
                ]
            )
        ]
    )
    response = httpx.post(
        f"{otlp_url}/otlp/v1/traces", content=request.SerializeToString(), headers=PROTOBUF_HEADERS
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-protobuf"
    answer = ExportTraceServiceResponse.FromString(response.content)
    assert answer.partial_success.rejected_spans == 1
    assert f"span {CHILD_HEX}: traceId: must be 16 bytes" in answer.partial_success.error_message
    [run] = runs_of_trace(db, uuid.UUID(TRACE_HEX))
    assert (run["name"], run["run_type"], run["project"]) == ("lookup", "tool", "default")


def test_an_empty_export_is_accepted(shared_otlp_url):
    response = httpx.post(f"{shared_otlp_url}/v1/traces", content=b"", headers=PROTOBUF_HEADERS)
    assert response.status_code == 200
    assert ExportTraceServiceResponse.FromString(response.content) == ExportTraceServiceResponse()
    # The Python exporters' Compression.Deflate is zlib-wrapped deflate.
    deflated = httpx.post(
        f"{shared_otlp_url}/v1/traces",
        content=zlib.compress(b'{"resourceSpans": []}'),
        headers={
            **JSON_HEADERS,
            "content-encoding": "deflate",
            "content-type": "application/json; charset=utf-8",
        },
    )
    assert (deflated.status_code, deflated.json()) == (200, {})


@pytest.mark.parametrize("path", ["/otlp/v1/traces", "/v1/traces"])
@pytest.mark.parametrize("headers", [{}, {"x-api-key": "rd_wrong"}, {"authorization": "Bearer rd_wrong"}])
def test_a_missing_or_wrong_key_is_401(shared_otlp_url, path, headers):
    response = httpx.post(
        f"{shared_otlp_url}{path}", content=b"{}", headers={"content-type": "application/json", **headers}
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(
    ("content", "headers", "status", "code"),
    [
        (b"\x0a\xff\xff\xff", PROTOBUF_HEADERS, 400, "malformed_protobuf"),
        (b'{"resourceSpans": [', JSON_HEADERS, 400, "malformed_json"),
        (b'{"resourceSpans": {}}', JSON_HEADERS, 400, "invalid"),
        (b"not gzip", {**JSON_HEADERS, "content-encoding": "gzip"}, 400, "malformed_body"),
        (b"{}", {**JSON_HEADERS, "content-encoding": "br"}, 400, "unsupported_content_encoding"),
        (b"{}", {**JSON_HEADERS, "content-type": "text/plain"}, 400, "unsupported_content_type"),
        (gzip.compress(b" " * (21 * 1024 * 1024)), {**JSON_HEADERS, "content-encoding": "gzip"}, 413, None),
    ],
)
def test_unreadable_bodies_are_refused_in_the_error_shape(shared_otlp_url, content, headers, status, code):
    response = httpx.post(f"{shared_otlp_url}/otlp/v1/traces", content=content, headers=headers)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == (code or "payload_too_large")
    assert error["message"]


def test_nul_rejects_its_span_and_deep_attributes_the_request(db, otlp_url):
    """domain/limits.py over OTLP: NUL is a rejected span (partial success, the rest kept, on both
    databases); attributes nested past the JSON depth limit refuse the request, never a 500."""
    body = _json_request(_json_span(ROOT_HEX, "", "good"), _json_span(CHILD_HEX, ROOT_HEX, "bad\x00name"))
    response = httpx.post(f"{otlp_url}/otlp/v1/traces", content=orjson.dumps(body), headers=JSON_HEADERS)
    assert response.status_code == 200
    partial = response.json()["partialSuccess"]
    assert partial["rejectedSpans"] == "1" and "NUL" in partial["errorMessage"]
    assert [r["name"] for r in runs_of_trace(db, uuid.UUID(TRACE_HEX))] == ["good"]
    value: dict = {"stringValue": "leaf"}
    for _ in range(50):  # 4 JSON levels each
        value = {"kvlistValue": {"values": [{"key": "a", "value": value}]}}
    deep = _json_request(_json_span(ROOT_HEX, "", "deep", attributes=[{"key": "k", "value": value}]))
    response = httpx.post(f"{otlp_url}/otlp/v1/traces", content=orjson.dumps(deep), headers=JSON_HEADERS)
    assert response.status_code == 400
    assert "deeper than 64 levels" in response.json()["error"]["message"]
