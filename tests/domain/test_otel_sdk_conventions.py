"""SDK-specific attributes: OpenLLMetry's decorator spans (and its 0.47-era LLM spans) and Langfuse's."""

from __future__ import annotations

from typing import Any

from reviewdesk.domain.otel_log_events import messages_by_span
from reviewdesk.domain.otel_mapping import span_run_id, span_to_run
from tests.domain.test_otel_mapping import CHILD, ROOT, TRACE, span


def _run(attributes: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return span_to_run(span(attributes=attributes, **fields))


def test_traceloop_decorator_span_kinds_inputs_and_association_properties() -> None:
    run = _run(
        {
            "traceloop.span.kind": "tool",
            "traceloop.entity.name": "lookup_order",
            "traceloop.entity.input": '{"args": [], "kwargs": {"order_id": "7"}}',
            "traceloop.entity.output": '"shipped"',
            "traceloop.association.properties.session_id": "conv-7",
            "traceloop.association.properties.user_id": "u-42",
            "traceloop.association.properties.retries": 2,
        }
    )
    assert (run["run_type"], run["inputs"], run["outputs"]) == (
        "tool",
        {"order_id": "7"},
        {"output": "shipped"},
    )
    assert run["session_id"] == "conv-7" and run["metadata"]["user_id"] == "u-42"
    assert run["metadata"]["retries"] == 2 and run["metadata"]["entity_name"] == "lookup_order"
    assert "otel.attributes" not in run["metadata"]
    for kind in ("workflow", "task", "agent"):
        assert _run({"traceloop.span.kind": kind})["run_type"] == "chain"


def test_traceloop_truncated_and_langchain_shaped_values() -> None:
    cut = _run({"traceloop.span.kind": "task", "traceloop.entity.input": '{"args": ["a very long que'})
    assert cut["inputs"] == {"input": '{"args": ["a very long que'}
    chain = _run(
        {
            "traceloop.span.kind": "workflow",
            "traceloop.entity.input": '{"inputs": {"question": "Where?"}, "tags": [], "metadata": {}, "kwargs": {}}',
            "traceloop.entity.output": '{"outputs": {"answer": "Tomorrow."}, "kwargs": {}}',
        }
    )
    assert (chain["inputs"], chain["outputs"]) == ({"question": "Where?"}, {"answer": "Tomorrow."})


def test_openllmetry_047_llm_span_with_indexed_messages_and_tool_calls() -> None:
    run = _run(
        {
            "llm.request.type": "chat",
            "gen_ai.system": "openai",
            "gen_ai.request.model": "gpt-4o",
            "gen_ai.prompt.0.role": "user",
            "gen_ai.prompt.0.content": "Where is order 7?",
            "gen_ai.completion.0.role": "assistant",
            "gen_ai.completion.0.finish_reason": "tool_calls",
            "gen_ai.completion.0.tool_calls.0.id": "c1",
            "gen_ai.completion.0.tool_calls.0.name": "lookup",
            "gen_ai.completion.0.tool_calls.0.arguments": '{"id": 7}',
            "gen_ai.usage.prompt_tokens": 12,
            "gen_ai.usage.completion_tokens": 3,
            "llm.usage.total_tokens": 15,
            "traceloop.association.properties.session_id": "conv-7",
        }
    )
    assert run["run_type"] == "llm" and run["metadata"]["ls_model_name"] == "gpt-4o"
    assert run["inputs"] == {"messages": [{"role": "user", "content": "Where is order 7?"}]}
    (message,) = run["outputs"]["messages"]
    assert message["tool_calls"][0]["function"] == {"name": "lookup", "arguments": '{"id": 7}'}
    assert run["usage"] == {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15}
    assert run["session_id"] == "conv-7"


def test_langfuse_v3_metadata_is_native_and_as_root_cuts_the_parent() -> None:
    run = _run(
        {
            "langfuse.observation.type": "span",
            "langfuse.observation.metadata.region": "eu",  # v3: a str stays as it is
            "langfuse.observation.metadata.tries": 3,
            "langfuse.internal.as_root": True,
        }
    )
    assert run["parent_run_id"] is None and run["metadata"]["otel.parent_span_id"] == ROOT.hex()
    assert (run["metadata"]["region"], run["metadata"]["tries"]) == ("eu", 3)
    assert "otel.attributes" not in run["metadata"]


def test_log_events_outside_a_span_or_not_genai_are_skipped() -> None:
    records = [
        {"trace_id": TRACE, "span_id": CHILD, "event_name": "gen_ai.user.message", "body": {"content": "hi"}},
        {"trace_id": b"", "span_id": b"", "event_name": "gen_ai.user.message", "body": {"content": "lost"}},
        {"trace_id": TRACE, "span_id": CHILD, "event_name": "", "attributes": {}, "body": "app log"},
        {
            "trace_id": TRACE,
            "span_id": CHILD,
            "attributes": {"event.name": "gen_ai.tool.message"},
            "body": {"content": "ok", "id": "c1"},
        },
    ]
    found = messages_by_span(records)
    assert list(found) == [span_run_id(TRACE, CHILD)]
    assert found[span_run_id(TRACE, CHILD)].content()["inputs"] == {
        "messages": [
            {"role": "user", "content": "hi"},
            {"role": "tool", "content": "ok", "tool_call_id": "c1"},
        ]
    }
