"""The real OpenTelemetry SDK and OTLP/HTTP exporters (protobuf and JSON) against a live server."""

from __future__ import annotations

import json
import uuid

import pytest
from opentelemetry.exporter.otlp.json.http.trace_exporter import OTLPSpanExporter as JsonSpanExporter
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as ProtoSpanExporter
from opentelemetry.trace import SpanKind

from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.services import feedback_configs, queue_items, queues, rules
from reviewdesk.services import runs as runs_service
from reviewdesk.store import runs as runs_store
from tests.compat.conftest import by_name, flushed, runs_of_trace
from tests.conftest import ADMIN_KEY


def _messages(role: str, text: str) -> str:
    return json.dumps([{"role": role, "parts": [{"type": "text", "content": text}]}])


def _trace_uuid(span) -> uuid.UUID:  # type: ignore[no-untyped-def]
    return uuid.UUID(int=span.get_span_context().trace_id)


def _genai_trace(tracer, model: str = "gpt-4o", tokens: tuple[int, int] = (120, 30)) -> uuid.UUID:  # type: ignore[no-untyped-def]
    """An agent run: a chat call, then a tool with a nested step, as GenAI instrumentations emit it."""
    with tracer.start_as_current_span(
        "invoke_agent support",
        attributes={
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.agent.name": "support",
            "gen_ai.request.model": model,
            "gen_ai.conversation.id": "conv-7",
            "gen_ai.input.messages": _messages("user", "Where is order 7?"),
            "gen_ai.output.messages": _messages("assistant", "Order 7 ships tomorrow."),
        },
    ) as root:
        with tracer.start_as_current_span(
            f"chat {model}",
            kind=SpanKind.CLIENT,
            attributes={
                "gen_ai.operation.name": "chat",
                "gen_ai.provider.name": "openai",
                "gen_ai.request.model": model,
                "gen_ai.response.model": f"{model}-2024-08-06",
                "gen_ai.system_instructions": json.dumps(
                    [{"type": "text", "content": "Answer from the docs."}]
                ),
                "gen_ai.input.messages": _messages("user", "Where is order 7?"),
                "gen_ai.output.messages": json.dumps(
                    [
                        {
                            "role": "assistant",
                            "parts": [
                                {
                                    "type": "tool_call",
                                    "id": "c1",
                                    "name": "lookup_order",
                                    "arguments": {"id": 7},
                                }
                            ],
                            "finish_reason": "tool_call",
                        }
                    ]
                ),
                "gen_ai.usage.input_tokens": tokens[0],
                "gen_ai.usage.output_tokens": tokens[1],
                "gen_ai.conversation.id": "conv-7",
            },
        ):
            pass
        with (
            tracer.start_as_current_span(
                "execute_tool lookup_order",
                attributes={
                    "gen_ai.operation.name": "execute_tool",
                    "gen_ai.tool.name": "lookup_order",
                    "gen_ai.tool.call.arguments": '{"id": 7}',
                    "gen_ai.tool.call.result": '{"status": "ships tomorrow"}',
                },
            ),
            tracer.start_as_current_span("orders db query", attributes={"db.system": "postgresql"}),
        ):
            pass
        return _trace_uuid(root)


def test_genai_spans_over_protobuf_arrive_as_runs_in_a_tree(db, otlp_url, tracer_provider):
    exporter = ProtoSpanExporter(
        endpoint=f"{otlp_url}/otlp/v1/traces", headers={"x-api-key": ADMIN_KEY}, compression=Compression.Gzip
    )
    provider, recording = tracer_provider(exporter, resource={"service.name": "support-bot"})
    trace_id = _genai_trace(provider.get_tracer("support-agent"))
    flushed(provider, recording)

    runs = by_name(runs_of_trace(db, trace_id))
    assert set(runs) == {
        "invoke_agent support",
        "chat gpt-4o",
        "execute_tool lookup_order",
        "orders db query",
    }
    root, chat = runs["invoke_agent support"], runs["chat gpt-4o"]
    tool, query = runs["execute_tool lookup_order"], runs["orders db query"]
    assert {r["project"] for r in runs.values()} == {"support-bot"}
    assert root["is_root"] and root["parent_run_id"] is None and root["run_type"] == "chain"
    assert root["inputs"] == {"messages": [{"role": "user", "content": "Where is order 7?"}]}
    assert root["outputs"] == {"messages": [{"role": "assistant", "content": "Order 7 ships tomorrow."}]}
    assert root["session_id"] == "conv-7" and root["status"] == "success"

    assert (chat["run_type"], chat["parent_run_id"]) == ("llm", root["id"])
    assert chat["inputs"]["messages"] == [
        {"role": "system", "content": "Answer from the docs."},
        {"role": "user", "content": "Where is order 7?"},
    ]
    assert chat["outputs"]["messages"][0]["tool_calls"] == [
        {"id": "c1", "type": "function", "function": {"name": "lookup_order", "arguments": '{"id":7}'}}
    ]
    assert chat["metadata"]["model"] == chat["metadata"]["ls_model_name"] == "gpt-4o-2024-08-06"
    assert chat["metadata"]["otel.span_kind"] == "CLIENT"
    assert chat["usage"] == {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150}
    assert chat["session_id"] == "conv-7"
    assert chat["latency_ms"] is not None and chat["latency_ms"] >= 0

    assert (tool["run_type"], tool["inputs"], tool["outputs"]) == (
        "tool",
        {"id": 7},
        {"status": "ships tomorrow"},
    )
    assert query["parent_run_id"] == tool["id"]
    assert query["metadata"]["otel.attributes"] == {"db.system": "postgresql"}

    tree = runs_service.get_trace(db, SYSTEM_ACTOR, trace_id)
    assert [r["name"] for r in tree["roots"]] == ["invoke_agent support"]
    children = {c["name"]: c for c in tree["roots"][0]["children"]}
    assert set(children) == {"chat gpt-4o", "execute_tool lookup_order"}
    assert [g["name"] for g in children["execute_tool lookup_order"]["children"]] == ["orders db query"]

    # The exporter sending the same spans again (a retry) updates the runs, never duplicates them.
    before = {r["id"] for r in runs.values()}
    assert recording.inner.export(recording.exported).name == "SUCCESS"
    assert {r["id"] for r in runs_of_trace(db, trace_id)} == before


def test_a_failing_span_records_the_exception_as_the_error(db, otlp_url, tracer_provider):
    exporter = ProtoSpanExporter(
        endpoint=f"{otlp_url}/v1/traces", headers={"authorization": f"Bearer {ADMIN_KEY}"}
    )
    provider, recording = tracer_provider(exporter)
    tracer = provider.get_tracer("support-agent")
    with pytest.raises(TimeoutError), tracer.start_as_current_span("chat gpt-4o") as span:
        span.set_attribute("gen_ai.operation.name", "chat")
        raise TimeoutError("the model did not answer within 30 s")
    flushed(provider, recording)

    [run] = runs_of_trace(db, _trace_uuid(span))
    assert run["status"] == "error"
    assert run["error"].startswith("TimeoutError: the model did not answer within 30 s\n\nTraceback")
    with db.read() as conn:
        stored = runs_store.get(conn, run["id"])
    assert [e["name"] for e in stored["events"]] == ["exception"]


def test_openinference_spans_over_json_arrive_from_the_environment_settings(
    db, otlp_url, tracer_provider, monkeypatch
):
    # The documented setup: only environment variables, the bare host, a Bearer key (URL-encoded space).
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", otlp_url)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", f"Authorization=Bearer%20{ADMIN_KEY}")
    provider, recording = tracer_provider(
        JsonSpanExporter(),
        resource={"service.name": "rag-app", "openinference.project.name": "rag-eval"},
        batch=False,
    )
    tracer = provider.get_tracer("openinference.instrumentation.langchain")
    with tracer.start_as_current_span(
        "RAG agent",
        attributes={
            "openinference.span.kind": "AGENT",
            "input.value": "How long do refunds take?",
            "input.mime_type": "text/plain",
            "output.value": '{"answer": "Refunds take 5 days."}',
            "output.mime_type": "application/json",
            "session.id": "sess-3",
            "user.id": "u-1",
            "metadata": '{"tenant": "acme"}',
            "tag.tags": ["production", "eu"],
        },
    ) as root:
        with tracer.start_as_current_span(
            "retrieve",
            attributes={
                "openinference.span.kind": "RETRIEVER",
                "input.value": "refund duration",
                "retrieval.documents.0.document.id": "kb-12",
                "retrieval.documents.0.document.content": "Refunds are processed within 5 days.",
                "retrieval.documents.0.document.score": 0.91,
            },
        ):
            pass
        with tracer.start_as_current_span(
            "ChatOpenAI",
            attributes={
                "openinference.span.kind": "LLM",
                "llm.model_name": "gpt-4o-mini",
                "llm.input_messages.0.message.role": "system",
                "llm.input_messages.0.message.content": "Use the context.",
                "llm.input_messages.1.message.role": "user",
                "llm.input_messages.1.message.content": "How long do refunds take?",
                "llm.output_messages.0.message.role": "assistant",
                "llm.output_messages.0.message.content": "Refunds take 5 days.",
                "llm.token_count.prompt": 210,
                "llm.token_count.completion": 12,
                "llm.token_count.total": 222,
                "session.id": "sess-3",
            },
        ):
            pass
    flushed(provider, recording)
    assert len(recording.results) == 3  # one request per span, children first: links hold regardless

    runs = by_name(runs_of_trace(db, _trace_uuid(root)))
    agent, retrieve, llm = runs["RAG agent"], runs["retrieve"], runs["ChatOpenAI"]
    assert {r["project"] for r in runs.values()} == {"rag-eval"}
    assert agent["is_root"] and agent["run_type"] == "chain"
    assert agent["inputs"] == {"input": "How long do refunds take?"}
    assert agent["outputs"] == {"answer": "Refunds take 5 days."}
    assert agent["session_id"] == "sess-3"
    assert agent["tags"] == ["production", "eu"]
    assert agent["metadata"]["tenant"] == "acme" and agent["metadata"]["user_id"] == "u-1"

    assert (retrieve["run_type"], retrieve["parent_run_id"]) == ("retriever", agent["id"])
    assert retrieve["outputs"] == {
        "documents": [{"id": "kb-12", "content": "Refunds are processed within 5 days.", "score": 0.91}]
    }
    assert (llm["run_type"], llm["parent_run_id"]) == ("llm", agent["id"])
    assert llm["inputs"] == {
        "messages": [
            {"role": "system", "content": "Use the context."},
            {"role": "user", "content": "How long do refunds take?"},
        ]
    }
    assert llm["outputs"] == {"messages": [{"role": "assistant", "content": "Refunds take 5 days."}]}
    assert llm["metadata"]["model"] == "gpt-4o-mini"
    assert llm["usage"] == {"prompt_tokens": 210, "completion_tokens": 12, "total_tokens": 222}
    assert llm["session_id"] == "sess-3"


def test_routing_rules_route_otel_runs(db, otlp_url, tracer_provider, monkeypatch):
    feedback_configs.create_config(db, SYSTEM_ACTOR, {"key": "correct", "type": "boolean"})
    queue = queues.create_queue(db, SYSTEM_ACTOR, {"name": "gpt-4o answers", "rubric": ["correct"]})
    rules.create_rule(
        db, SYSTEM_ACTOR, queue["id"], {"name": "gpt-4o", "filter": 'metadata.model == "gpt-4o"'}
    )
    rules.create_rule(
        db,
        SYSTEM_ACTOR,
        queue["id"],
        {"name": "long prompts", "filter": "total_tokens > 1000", "roots_only": False},
    )
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"{otlp_url}/otlp")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", f"x-api-key={ADMIN_KEY}")
    provider, recording = tracer_provider(ProtoSpanExporter())
    tracer = provider.get_tracer("support-agent")
    routed = _genai_trace(tracer, model="gpt-4o")
    not_routed = _genai_trace(tracer, model="gpt-4o-mini")
    long_prompt = _genai_trace(tracer, model="gpt-4o-mini", tokens=(1400, 100))
    flushed(provider, recording)

    items = queue_items.list_items(db, SYSTEM_ACTOR, queue["id"], status=None, limit=100, offset=0)
    routed_root = by_name(runs_of_trace(db, routed))["invoke_agent support"]
    long_chat = by_name(runs_of_trace(db, long_prompt))["chat gpt-4o-mini"]
    assert {i["run_id"] for i in items} == {routed_root["id"], long_chat["id"]}
    assert not {r["id"] for r in runs_of_trace(db, not_routed)} & {i["run_id"] for i in items}
    # Re-sent spans keep their one item each.
    recording.inner.export(recording.exported)
    assert len(queue_items.list_items(db, SYSTEM_ACTOR, queue["id"], status=None, limit=100, offset=0)) == 2
