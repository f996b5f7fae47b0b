"""OTLP spans → runs: both conventions, legacy attributes, deterministic ids, errors and projects."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from reviewdesk.domain.otel_mapping import (
    MAX_KEPT_ATTRIBUTES,
    MAX_KEPT_CHARS,
    project_of,
    span_run_id,
    span_to_run,
    trace_run_id,
)
from reviewdesk.domain.run_payload import normalize_run
from reviewdesk.errors import Invalid

TRACE = bytes.fromhex("5b8efff798038103d269b633813fc60c")
ROOT = bytes.fromhex("eee19b7ec3c1b174")
CHILD = bytes.fromhex("0123456789abcdef")
START_NS = 1_793_534_400_123_456_789  # 2026-11-01T12:00:00.123456789Z


def span(**fields: Any) -> dict[str, Any]:
    """A decoded span as api/otlp.py hands it to the mapping."""
    base: dict[str, Any] = {
        "trace_id": TRACE,
        "span_id": CHILD,
        "parent_span_id": ROOT,
        "flags": 0x100,
        "name": "chat gpt-4o",
        "kind": 3,
        "start_time_unix_nano": START_NS,
        "end_time_unix_nano": START_NS + 1_500_000_000,
        "attributes": {},
        "events": [],
        "status_code": 0,
        "status_message": "",
        "resource": {"service.name": "support-bot"},
        "scope": {"name": "opentelemetry.instrumentation.openai", "version": "0.40.0"},
    }
    base.update(fields)
    return base


def test_ids_are_derived_from_the_trace_and_span_ids_and_stable():
    root = span_to_run(span(span_id=ROOT, parent_span_id=b""))
    child = span_to_run(span())
    assert root["parent_run_id"] is None
    assert child["parent_run_id"] == root["id"]
    assert root["trace_id"] == child["trace_id"] == trace_run_id(TRACE) == uuid.UUID(bytes=TRACE)
    assert child["id"] == span_run_id(TRACE, CHILD) == span_to_run(span())["id"]  # re-sent: same run
    assert child["id"] != root["id"]
    # The recipe docs/opentelemetry.md gives users, so they can put feedback on a span they made.
    namespace = uuid.UUID("6f1d3c56-0b0e-5a49-9c1f-2f4b5e7d8a10")
    assert child["id"] == uuid.uuid5(namespace, f"{int(TRACE.hex(), 16):032x}{int(CHILD.hex(), 16):016x}")
    other_trace = bytes.fromhex("00000000000000000000000000000001")
    assert span_to_run(span(trace_id=other_trace))["id"] != child["id"]  # span ids repeat across traces
    assert span_to_run(span(parent_span_id=bytes(8)))["parent_run_id"] is None  # all-zero: no parent


def test_a_span_whose_parent_is_remote_is_a_root_here_and_keeps_the_parent_span_id():
    run = span_to_run(span(flags=0x300))
    assert run["parent_run_id"] is None
    assert run["trace_id"] == trace_run_id(TRACE)
    assert run["metadata"]["otel.parent_span_id"] == ROOT.hex()
    assert normalize_run(run, "run")["parent_run_id"] is None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"trace_id": b"\x01" * 8}, "traceId"),
        ({"trace_id": bytes(16)}, "traceId"),
        ({"span_id": b""}, "spanId"),
        ({"parent_span_id": b"\x01\x02"}, "parentSpanId"),
        ({"start_time_unix_nano": 10**30}, "startTimeUnixNano"),
    ],
)
def test_unusable_ids_and_times_are_invalid(fields, field):
    with pytest.raises(Invalid) as caught:
        span_to_run(span(**fields))
    assert caught.value.field == field


def test_times_come_from_unix_nanoseconds():
    run = span_to_run(span())
    assert run["start_time"] == datetime(2026, 11, 1, 12, 0, 0, 123456, tzinfo=UTC)
    assert (run["end_time"] - run["start_time"]).total_seconds() == 1.5
    assert span_to_run(span(end_time_unix_nano=0))["end_time"] is None


def test_genai_conventions_map_to_messages_model_tokens_and_session():
    attributes = {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.response.model": "gpt-4o-2024-08-06",
        "gen_ai.provider.name": "openai",
        "gen_ai.usage.input_tokens": 120,
        "gen_ai.usage.output_tokens": 30,
        "gen_ai.conversation.id": "conv-42",
        "gen_ai.system_instructions": json.dumps([{"type": "text", "content": "Answer from the docs."}]),
        "gen_ai.input.messages": json.dumps(
            [
                {"role": "user", "parts": [{"type": "text", "content": "Weather in Paris?"}]},
                {
                    "role": "assistant",
                    "parts": [
                        {
                            "type": "tool_call",
                            "id": "call_1",
                            "name": "weather",
                            "arguments": {"city": "Paris"},
                        }
                    ],
                },
                {
                    "role": "tool",
                    "parts": [{"type": "tool_call_response", "id": "call_1", "response": "rainy"}],
                },
            ]
        ),
        "gen_ai.output.messages": json.dumps(
            [{"role": "assistant", "parts": [{"type": "text", "content": "Rainy."}], "finish_reason": "stop"}]
        ),
        "server.address": "api.openai.com",
    }
    run = normalize_run(span_to_run(span(attributes=attributes)), "run")
    assert run["run_type"] == "llm"
    assert run["inputs"] == {
        "messages": [
            {"role": "system", "content": "Answer from the docs."},
            {"role": "user", "content": "Weather in Paris?"},
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "weather", "arguments": '{"city":"Paris"}'},
                    }
                ],
            },
            {"role": "tool", "content": "rainy", "tool_call_id": "call_1"},
        ]
    }
    assert run["outputs"] == {
        "messages": [{"role": "assistant", "content": "Rainy.", "finish_reason": "stop"}]
    }
    assert run["metadata"]["model"] == run["metadata"]["ls_model_name"] == "gpt-4o-2024-08-06"
    assert run["metadata"]["ls_provider"] == "openai"
    assert (run["prompt_tokens"], run["completion_tokens"], run["total_tokens"]) == (120, 30, 150)
    assert run["session_id"] == "conv-42"
    assert run["project"] == "support-bot"
    # Mapped attributes are not repeated; the rest are kept, and the request model stays visible there.
    kept = run["metadata"]["otel.attributes"]
    assert kept == {"gen_ai.request.model": "gpt-4o", "server.address": "api.openai.com"}
    assert run["metadata"]["otel.resource"] == {"service.name": "support-bot"}
    assert run["metadata"]["otel.span_kind"] == "CLIENT"
    assert run["metadata"]["otel.span_id"] == CHILD.hex()


def test_legacy_indexed_genai_attributes():
    attributes = {
        "gen_ai.system": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
        "llm.request.type": "chat",
        "gen_ai.prompt.0.role": "system",
        "gen_ai.prompt.0.content": "Be brief.",
        "gen_ai.prompt.1.role": "user",
        "gen_ai.prompt.1.content": "Where is order 7?",
        "gen_ai.completion.0.role": "assistant",
        "gen_ai.completion.0.finish_reason": "tool_calls",
        "gen_ai.completion.0.tool_calls.0.id": "call_9",
        "gen_ai.completion.0.tool_calls.0.name": "lookup_order",
        "gen_ai.completion.0.tool_calls.0.arguments": '{"order": 7}',
        "gen_ai.usage.prompt_tokens": 50,
        "gen_ai.usage.completion_tokens": 7,
        "llm.usage.total_tokens": 57,
    }
    run = span_to_run(span(attributes=attributes))
    assert run["run_type"] == "llm"
    assert run["inputs"] == {
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Where is order 7?"},
        ]
    }
    assert run["outputs"] == {
        "messages": [
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [
                    {
                        "id": "call_9",
                        "type": "function",
                        "function": {"name": "lookup_order", "arguments": '{"order": 7}'},
                    }
                ],
                "finish_reason": "tool_calls",
            }
        ]
    }
    assert run["usage"] == {"prompt_tokens": 50, "completion_tokens": 7, "total_tokens": 57}
    assert run["metadata"]["ls_provider"] == "openai"
    assert "otel.attributes" not in run["metadata"] or not any(
        k.startswith("gen_ai.prompt") for k in run["metadata"]["otel.attributes"]
    )


@pytest.mark.parametrize(
    ("operation", "run_type"),
    [
        ("chat", "llm"),
        ("text_completion", "llm"),
        ("generate_content", "llm"),
        ("embeddings", "embedding"),
        ("execute_tool", "tool"),
        ("invoke_agent", "chain"),
        ("create_agent", "chain"),
        ("something_new", "chain"),
    ],
)
def test_genai_operation_names_map_to_run_types(operation, run_type):
    assert span_to_run(span(attributes={"gen_ai.operation.name": operation}))["run_type"] == run_type


def test_genai_tool_call_arguments_and_result():
    run = span_to_run(
        span(
            attributes={
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": "lookup_order",
                "gen_ai.tool.call.arguments": '{"order": 7}',
                "gen_ai.tool.call.result": "shipped",
            }
        )
    )
    assert (run["run_type"], run["inputs"], run["outputs"]) == ("tool", {"order": 7}, {"output": "shipped"})


def test_openinference_llm_span():
    attributes = {
        "openinference.span.kind": "LLM",
        "llm.model_name": "gpt-4o",
        "llm.provider": "openai",
        "llm.token_count.prompt": 80,
        "llm.token_count.completion": 20,
        "llm.token_count.total": 100,
        "llm.cost.total": 0.0021,
        "llm.invocation_parameters": '{"temperature": 0.2}',
        "llm.input_messages.0.message.role": "system",
        "llm.input_messages.0.message.content": "You help with orders.",
        "llm.input_messages.1.message.role": "user",
        "llm.input_messages.1.message.contents.0.message_content.type": "text",
        "llm.input_messages.1.message.contents.0.message_content.text": "What is this?",
        "llm.input_messages.1.message.contents.1.message_content.type": "image",
        "llm.input_messages.1.message.contents.1.message_content.image.image.url": "https://x.test/a.png",
        "llm.output_messages.0.message.role": "assistant",
        "llm.output_messages.0.message.tool_calls.0.tool_call.id": "c1",
        "llm.output_messages.0.message.tool_calls.0.tool_call.function.name": "lookup_order",
        "llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments": '{"order": 7}',
        "input.value": '{"messages": []}',
        "input.mime_type": "application/json",
        "session.id": "sess-1",
        "user.id": "user-9",
        "metadata": '{"tenant": "acme", "experiment": "b"}',
        "tag.tags": ["production", "eu"],
    }
    run = normalize_run(span_to_run(span(attributes=attributes)), "run")
    assert run["run_type"] == "llm"
    assert run["inputs"]["messages"] == [
        {"role": "system", "content": "You help with orders."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is this?"},
                {"type": "image_url", "image_url": {"url": "https://x.test/a.png"}},
            ],
        },
    ]
    assert run["outputs"]["messages"][0]["tool_calls"] == [
        {"id": "c1", "type": "function", "function": {"name": "lookup_order", "arguments": '{"order": 7}'}}
    ]
    assert run["metadata"]["model"] == "gpt-4o"
    assert (run["prompt_tokens"], run["completion_tokens"], run["total_tokens"]) == (80, 20, 100)
    assert run["cost"] == pytest.approx(0.0021)
    assert run["session_id"] == "sess-1"
    assert run["tags"] == ["production", "eu"]
    assert run["metadata"]["tenant"] == "acme"
    assert run["metadata"]["user_id"] == "user-9"
    assert run["metadata"]["invocation_params"] == {"temperature": 0.2}


def test_openinference_chain_values_and_retriever_documents():
    chain = span_to_run(
        span(
            attributes={
                "openinference.span.kind": "CHAIN",
                "input.value": "Where is my order?",
                "input.mime_type": "text/plain",
                "output.value": '{"answer": "Tomorrow."}',
                "output.mime_type": "application/json",
            }
        )
    )
    assert chain["inputs"] == {"input": "Where is my order?"}
    assert chain["outputs"] == {"answer": "Tomorrow."}
    retriever = span_to_run(
        span(
            attributes={
                "openinference.span.kind": "RETRIEVER",
                "input.value": "order policy",
                "retrieval.documents.0.document.id": "kb-1",
                "retrieval.documents.0.document.content": "Orders ship in 2 days.",
                "retrieval.documents.0.document.score": 0.8,
            }
        )
    )
    assert retriever["run_type"] == "retriever"
    assert retriever["inputs"] == {"input": "order policy"}
    assert retriever["outputs"] == {
        "documents": [{"id": "kb-1", "content": "Orders ship in 2 days.", "score": 0.8}]
    }


@pytest.mark.parametrize(
    ("kind", "run_type"),
    [
        ("LLM", "llm"),
        ("CHAIN", "chain"),
        ("TOOL", "tool"),
        ("RETRIEVER", "retriever"),
        ("EMBEDDING", "embedding"),
        ("AGENT", "chain"),
        ("RERANKER", "retriever"),
        ("GUARDRAIL", "chain"),
        ("EVALUATOR", "chain"),
        ("UNKNOWN", "chain"),
    ],
)
def test_openinference_span_kinds_map_to_run_types(kind, run_type):
    assert span_to_run(span(attributes={"openinference.span.kind": kind}))["run_type"] == run_type


def test_a_span_without_conventions_is_a_chain_with_its_attributes_kept():
    run = span_to_run(span(attributes={"http.method": "POST"}))
    assert (run["run_type"], run["inputs"], run["outputs"]) == ("chain", None, None)
    assert run["metadata"]["otel.attributes"] == {"http.method": "POST"}


def test_error_status_takes_the_exception_event():
    exception = {
        "name": "exception",
        "time_unix_nano": START_NS + 10,
        "attributes": {
            "exception.type": "openai.RateLimitError",
            "exception.message": "Rate limit reached",
            "exception.stacktrace": "Traceback (most recent call last):\n  ...",
        },
    }
    run = span_to_run(
        span(status_code=2, status_message="openai.RateLimitError: Rate limit", events=[exception])
    )
    # The SDK's status message repeats the exception: said once.
    assert run["error"] == (
        "openai.RateLimitError: Rate limit reached\n\nTraceback (most recent call last):\n  ..."
    )
    other = span_to_run(span(status_code=2, status_message="gave up after 3 tries", events=[exception]))
    assert other["error"].startswith("gave up after 3 tries\nopenai.RateLimitError: Rate limit reached\n\n")
    assert run["events"][0]["name"] == "exception"
    assert run["events"][0]["time"] == "2026-11-01T12:00:00.123456Z"
    assert span_to_run(span(status_code=2, status_message="upstream timeout"))["error"] == "upstream timeout"
    assert span_to_run(span(status_code=2))["error"] == "error"
    # An exception recorded on a span that did not fail (handled, retried) is no error.
    assert span_to_run(span(status_code=1, events=[exception]))["error"] is None


def test_project_from_attribute_then_resource_then_service_name():
    resource = {"service.name": "support-bot", "openinference.project.name": "phoenix-proj"}
    assert project_of({}, {"service.name": "support-bot"}) == "support-bot"
    assert project_of({}, resource) == "phoenix-proj"
    assert project_of({}, {**resource, "reviewdesk.project": "from-resource"}) == "from-resource"
    assert project_of({"reviewdesk.project": "from-span"}, resource) == "from-span"
    assert project_of({}, {"service.name": "unknown_service:python"}) is None
    run = span_to_run(span(attributes={"reviewdesk.project": "from-span"}))
    assert run["project"] == "from-span"
    assert "otel.attributes" not in run["metadata"]


def test_kept_attributes_are_bounded():
    attributes = {f"custom.{i}": "x" * (MAX_KEPT_CHARS + 10) for i in range(MAX_KEPT_ATTRIBUTES + 5)}
    kept = span_to_run(span(attributes=attributes))["metadata"]["otel.attributes"]
    assert len(kept) == MAX_KEPT_ATTRIBUTES + 1
    assert kept["otel.dropped_attributes"] == 5
    assert len(kept["custom.0"]) == MAX_KEPT_CHARS + 1


def test_bad_counts_and_costs_are_dropped_not_fatal():
    run = span_to_run(
        span(
            attributes={
                "gen_ai.usage.input_tokens": -3,
                "llm.token_count.completion": 2.5,
                "llm.cost.total": "nan",
            }
        )
    )
    assert run["usage"] == {"prompt_tokens": None, "completion_tokens": None, "total_tokens": None}
    assert run["cost"] is None
    assert normalize_run(run, "run")["total_tokens"] is None
