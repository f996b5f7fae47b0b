"""GenAI log events (OTLP logs) → the message content of the span each one names.

Two shapes are read:
- `gen_ai.client.inference.operation.details` (opentelemetry-util-genai ≥ 1.0): the content sits in
  the record's attributes (`gen_ai.input.messages`, `gen_ai.output.messages`,
  `gen_ai.system_instructions`) as structured values, the body empty;
- the older per-message events `gen_ai.{system,user,assistant,tool}.message` and `gen_ai.choice`
  (OpenLLMetry's events mode, util-genai ≤ 0.3), with the content in the body.
Any other record (application logging) carries no message content and is skipped.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from reviewdesk.domain.otel_content import SpanContent, parse_json, text_of, tool_call
from reviewdesk.domain.otel_genai import read_genai
from reviewdesk.domain.otel_mapping import span_run_id, trace_run_id

DETAILS_EVENT = "gen_ai.client.inference.operation.details"
_MESSAGE_EVENTS = {
    "gen_ai.system.message": "system",
    "gen_ai.user.message": "user",
    "gen_ai.assistant.message": "assistant",
    "gen_ai.tool.message": "tool",
}
CHOICE_EVENT = "gen_ai.choice"


@dataclass
class SpanMessages:
    """What the log events of one span said: inputs and outputs as the span attributes would give them."""

    run_id: uuid.UUID
    trace_id: uuid.UUID
    inputs: list[dict[str, Any]] = field(default_factory=list)
    outputs: list[dict[str, Any]] = field(default_factory=list)
    whole_inputs: dict[str, Any] | None = None
    whole_outputs: dict[str, Any] | None = None

    def content(self) -> dict[str, Any]:
        inputs = self.whole_inputs or ({"messages": self.inputs} if self.inputs else None)
        outputs = self.whole_outputs or ({"messages": self.outputs} if self.outputs else None)
        return {"inputs": inputs, "outputs": outputs}


def event_name(record: Mapping[str, Any]) -> str:
    attributes = record.get("attributes") or {}
    return str(record.get("event_name") or attributes.get("event.name") or "")


def messages_by_span(records: Iterable[Mapping[str, Any]]) -> dict[uuid.UUID, SpanMessages]:
    """Records in arrival order → per span (by run id) the messages they carry; others are skipped."""
    found: dict[uuid.UUID, SpanMessages] = {}
    for record in records:
        name = event_name(record)
        if name != DETAILS_EVENT and name not in _MESSAGE_EVENTS and name != CHOICE_EVENT:
            continue
        trace_id, span_id = record.get("trace_id") or b"", record.get("span_id") or b""
        if len(trace_id) != 16 or len(span_id) != 8 or not any(trace_id) or not any(span_id):
            continue  # an event outside any span has nowhere to go
        run_id = span_run_id(bytes(trace_id), bytes(span_id))
        span = found.setdefault(run_id, SpanMessages(run_id, trace_run_id(bytes(trace_id))))
        if name == DETAILS_EVENT:
            content = SpanContent(record.get("attributes") or {})
            read_genai(content)
            span.whole_inputs = content.inputs or span.whole_inputs
            span.whole_outputs = content.outputs or span.whole_outputs
        elif name == CHOICE_EVENT:
            span.outputs.append(_choice(parse_json(record.get("body"))))
        else:
            span.inputs.append(_message(parse_json(record.get("body")), _MESSAGE_EVENTS[name]))
    return found


def _message(body: Any, role: str) -> dict[str, Any]:
    if not isinstance(body, Mapping):
        return {"role": role, "content": "" if body is None else text_of(body)}
    message: dict[str, Any] = {"role": str(body.get("role") or role)}
    content = body.get("content")
    message["content"] = (
        "" if content is None else content if isinstance(content, str | list) else text_of(content)
    )
    calls = body.get("tool_calls")
    if isinstance(calls, list) and calls:
        message["tool_calls"] = [_tool_call(c) for c in calls if isinstance(c, Mapping)]
    if body.get("id") is not None and role == "tool":
        message["tool_call_id"] = str(body["id"])
    return message


def _choice(body: Any) -> dict[str, Any]:
    if not isinstance(body, Mapping):
        return {"role": "assistant", "content": "" if body is None else text_of(body)}
    inner = dict(body["message"]) if isinstance(body.get("message"), Mapping) else {}
    # OpenLLMetry puts a choice's tool calls beside its message, not in it.
    if "tool_calls" not in inner and isinstance(body.get("tool_calls"), list):
        inner["tool_calls"] = body["tool_calls"]
    message = _message(inner, "assistant")
    if body.get("finish_reason"):
        message["finish_reason"] = body["finish_reason"]
    return message


def _tool_call(call: Mapping[str, Any]) -> dict[str, Any]:
    function = call.get("function") if isinstance(call.get("function"), Mapping) else {}
    return tool_call(call.get("id"), function.get("name"), function.get("arguments"))
