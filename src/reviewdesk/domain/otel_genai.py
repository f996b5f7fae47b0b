"""The OpenTelemetry GenAI semantic conventions (current and legacy) read into a SpanContent."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reviewdesk.domain.otel_content import (
    SpanContent,
    as_cost,
    as_object,
    indexed,
    joined_or_parts,
    parse_json,
    text_of,
    tool_call,
)

RUN_TYPES = {
    "chat": "llm",
    "text_completion": "llm",
    "generate_content": "llm",
    "embeddings": "embedding",
    "execute_tool": "tool",
    "invoke_agent": "chain",
    "create_agent": "chain",
}
# OpenLLMetry's `llm.request.type`, from before `gen_ai.operation.name` existed.
_LEGACY_REQUEST_TYPES = {"chat": "llm", "completion": "llm", "embedding": "embedding", "rerank": "retriever"}


def read_genai(content: SpanContent) -> None:
    operation = content.take_text("gen_ai.operation.name")
    request_type = content.take_text("llm.request.type")
    run_type = RUN_TYPES.get(operation or "") or _LEGACY_REQUEST_TYPES.get(request_type or "")
    model = content.take_text("gen_ai.response.model", "gen_ai.request.model")
    provider = content.take_text("gen_ai.provider.name", "gen_ai.system")
    if run_type is None and operation is None and (model or provider):
        run_type = "llm"  # a model call from an instrumentation that predates gen_ai.operation.name
    prompt = content.take_count("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens")
    completion = content.take_count("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens")
    content.fill(
        run_type=run_type,
        model=model,
        provider=provider,
        prompt_tokens=prompt,
        completion_tokens=completion,
        total_tokens=content.take_count("gen_ai.usage.total_tokens", "llm.usage.total_tokens"),
        cost=as_cost(content.take("gen_ai.usage.cost")),
        session_id=content.take_text("gen_ai.conversation.id"),
    )
    content.fill(inputs=_inputs(content), outputs=_outputs(content))


def _inputs(content: SpanContent) -> dict[str, Any] | None:
    system = _system_message(content.take("gen_ai.system_instructions"))
    messages = _messages(content.take("gen_ai.input.messages"), "user")
    if messages is None:
        legacy = content.take_indexed("gen_ai.prompt")
        messages = [_legacy_message(m, "user") for m in legacy] if legacy else None
    if messages is None:
        flat = content.take("gen_ai.prompt")
        parsed = _messages(flat, "user")
        if parsed is None and flat is not None:
            return as_object(flat, "input")
        messages = parsed
    if system is not None:
        messages = [system, *(messages or [])]
    if messages is not None:
        return {"messages": messages}
    arguments = content.take("gen_ai.tool.call.arguments")
    return as_object(arguments, "input")


def _outputs(content: SpanContent) -> dict[str, Any] | None:
    messages = _messages(content.take("gen_ai.output.messages"), "assistant")
    if messages is None:
        legacy = content.take_indexed("gen_ai.completion")
        messages = [_legacy_message(m, "assistant") for m in legacy] if legacy else None
    if messages is None:
        flat = content.take("gen_ai.completion")
        parsed = _messages(flat, "assistant")
        if parsed is None and flat is not None:
            return as_object(flat, "output")
        messages = parsed
    if messages is not None:
        return {"messages": messages}
    return as_object(content.take("gen_ai.tool.call.result"), "output")


def _messages(value: Any, default_role: str) -> list[dict[str, Any]] | None:
    """`gen_ai.input.messages` / `gen_ai.output.messages`: JSON text or a structured array."""
    parsed = parse_json(value)
    if not isinstance(parsed, list) or not all(isinstance(m, Mapping) for m in parsed):
        return None
    return [_message(m, default_role) for m in parsed]


def _message(raw: Mapping[str, Any], default_role: str) -> dict[str, Any]:
    message: dict[str, Any] = {"role": str(raw.get("role") or default_role)}
    parts = raw.get("parts")
    if not isinstance(parts, list):
        # Not the parts schema: an OpenAI-style message, kept as sent.
        message.update({k: v for k, v in raw.items() if k != "role"})
        message.setdefault("content", "")
        return message
    shown: list[dict[str, Any]] = []
    calls = []
    for part in parts:
        if not isinstance(part, Mapping):
            continue
        kind = part.get("type")
        if kind == "text":
            shown.append({"type": "text", "text": str(part.get("content", ""))})
        elif kind == "tool_call":
            calls.append(tool_call(part.get("id"), part.get("name"), part.get("arguments")))
        elif kind == "tool_call_response":
            message["tool_call_id"] = None if part.get("id") is None else str(part["id"]).strip()
            shown.append({"type": "text", "text": text_of(part.get("response", ""))})
        elif kind == "reasoning":
            message["reasoning"] = str(part.get("content", ""))
        elif kind == "uri" and part.get("modality") == "image":
            shown.append({"type": "image_url", "image_url": {"url": part.get("uri")}})
        else:
            shown.append(dict(part))
    message["content"] = joined_or_parts(shown)
    if calls:
        message["tool_calls"] = calls
    for key in ("name", "finish_reason"):
        if raw.get(key):
            message[key] = raw[key]
    return message


def _system_message(value: Any) -> dict[str, Any] | None:
    """`gen_ai.system_instructions`: a list of parts (or plain text) → one system message."""
    if value is None:
        return None
    parsed = parse_json(value)
    if isinstance(parsed, list):
        parts = [
            {"type": "text", "text": str(p.get("content", ""))}
            if isinstance(p, Mapping) and p.get("type") == "text"
            else {"type": "text", "text": text_of(p)}
            for p in parsed
        ]
        return {"role": "system", "content": joined_or_parts(parts)}
    return {"role": "system", "content": text_of(parsed)}


def _legacy_message(flat: Mapping[str, Any], default_role: str) -> dict[str, Any]:
    """`gen_ai.prompt.N.*` / `gen_ai.completion.N.*` (OpenLLMetry and pre-1.37 instrumentations)."""
    message: dict[str, Any] = {
        "role": str(flat.get("role") or default_role),
        "content": flat.get("content") if flat.get("content") is not None else "",
    }
    calls = indexed(flat, "tool_calls")
    if calls:
        message["tool_calls"] = [tool_call(c.get("id"), c.get("name"), c.get("arguments")) for c in calls]
    for key in ("tool_call_id", "finish_reason", "name"):
        if flat.get(key):
            message[key] = flat[key]
    return message
