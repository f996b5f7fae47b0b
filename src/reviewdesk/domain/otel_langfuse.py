"""The Langfuse SDK's span attributes (`langfuse.observation.*`, `langfuse.trace.*`; v3 and v5) read
into a SpanContent: observation type → run type, input/output, model, usage and cost details,
metadata, trace name, user, session, tags, release/version, environment, level and status message."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reviewdesk.domain.otel_content import (
    SpanContent,
    as_cost,
    as_count,
    as_tags,
    call_arguments,
    json_or_text,
    parse_json,
)

PREFIX = "langfuse."
OBSERVATION = "langfuse.observation."
RUN_TYPES = {
    "generation": "llm",
    "embedding": "embedding",
    "tool": "tool",
    "retriever": "retriever",
    "span": "chain",
    "event": "chain",
    "agent": "chain",
    "chain": "chain",
    "evaluator": "chain",
    "guardrail": "chain",
}
# usage_details keys, Langfuse's own first, then the OpenAI names its integrations pass through.
_INPUT_KEYS = ("input", "prompt_tokens", "input_tokens")
_OUTPUT_KEYS = ("output", "completion_tokens", "output_tokens")
_TOTAL_KEYS = ("total", "total_tokens")
_KEPT_AS_METADATA = {
    "langfuse.observation.level": "level",
    "langfuse.observation.status_message": "status_message",
    "langfuse.observation.completion_start_time": "completion_start_time",
    "langfuse.observation.prompt.name": "prompt_name",
    "langfuse.observation.prompt.version": "prompt_version",
    "langfuse.version": "version",
    "langfuse.release": "release",
    "langfuse.environment": "environment",
    "langfuse.trace.public": "public",
    "langfuse.trace.name": "trace_name",
}


def is_langfuse(attributes: Mapping[str, Any]) -> bool:
    return any(key.startswith(PREFIX) for key in attributes)


def read_langfuse(content: SpanContent, resource: Mapping[str, Any]) -> None:
    kind = content.take_text("langfuse.observation.type")
    usage = parse_json(content.take("langfuse.observation.usage_details"))
    costs = parse_json(content.take("langfuse.observation.cost_details"))
    parameters = parse_json(content.take("langfuse.observation.model.parameters"))
    content.metadata.update(_metadata(content, "langfuse.trace.metadata"))
    content.metadata.update(_metadata(content, "langfuse.observation.metadata"))
    for key, name in _KEPT_AS_METADATA.items():
        value = decoded(content.take(key))
        if value is not None:
            content.metadata[name] = value
    for key, name in (("langfuse.release", "release"), ("langfuse.environment", "environment")):
        # v3 puts release (and environment) on the resource only.
        if name not in content.metadata and resource.get(key) is not None:
            content.metadata[name] = resource[key]
    if isinstance(parameters, dict):
        content.metadata["invocation_params"] = parameters
    if isinstance(usage, dict):
        content.metadata["usage_details"] = usage
    if isinstance(costs, dict):
        content.metadata["cost_details"] = costs
    # SDK bookkeeping, not the user's data.
    content.take("langfuse.internal.is_app_root")
    content.take("langfuse.internal.as_root")
    level = content.metadata.get("level")
    content.fill(
        run_type=RUN_TYPES.get(kind or "", "chain" if kind else None),
        model=content.take_text("langfuse.observation.model.name"),
        prompt_tokens=_usage(usage, _INPUT_KEYS),
        completion_tokens=_usage(usage, _OUTPUT_KEYS),
        total_tokens=_usage(usage, _TOTAL_KEYS),
        cost=_cost(costs),
        session_id=content.take_text("session.id"),
        user_id=content.take_text("user.id"),
        tags=as_tags(content.take("langfuse.trace.tags")),
        inputs=io_object(content.take("langfuse.observation.input"), "input"),
        outputs=io_object(content.take("langfuse.observation.output"), "output"),
        error=content.metadata.get("status_message") or "error" if level == "ERROR" else None,
    )
    # v3 keeps the trace's own input/output apart; v5 puts them on the root observation.
    content.fill(
        inputs=io_object(content.take("langfuse.trace.input"), "input"),
        outputs=io_object(content.take("langfuse.trace.output"), "output"),
    )


# v5 JSON-encodes every metadata value, strings too; v3 sends strings as they are.
decoded = json_or_text


def io_object(value: Any, key: str) -> dict[str, Any] | None:
    """Chat messages (a list of them, or one) become `{"messages": […]}`, as the review view shows them."""
    if value is None:
        return None
    parsed = parse_json(value)
    if isinstance(parsed, dict) and isinstance(parsed.get("role"), str):
        return {"messages": [parsed]}
    if isinstance(parsed, list) and parsed and all(isinstance(m, dict) and "role" in m for m in parsed):
        return {"messages": parsed}
    return call_arguments(parsed) if isinstance(parsed, dict) else {key: parsed}


def _metadata(content: SpanContent, prefix: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    whole = decoded(content.take(prefix))
    if isinstance(whole, dict):
        found.update(whole)
    elif whole is not None:
        found["metadata"] = whole
    head = prefix + "."
    for key in [k for k in content.attributes if k.startswith(head)]:
        found[key[len(head) :]] = decoded(content.take(key))
    return found


def _usage(usage: Any, keys: tuple[str, ...]) -> int | None:
    if not isinstance(usage, dict):
        return None
    for key in keys:
        count = as_count(usage.get(key)) if usage.get(key) is not None else None
        if count is not None:
            return count
    return None


def _cost(costs: Any) -> float | None:
    if not isinstance(costs, dict):
        return None
    total = as_cost(costs.get("total"))
    if total is not None:
        return total
    parts = [as_cost(v) for v in costs.values()]
    known = [p for p in parts if p is not None]
    return sum(known) if known else None
