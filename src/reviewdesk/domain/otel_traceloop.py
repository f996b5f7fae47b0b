"""OpenLLMetry's (traceloop-sdk) decorator spans read into a SpanContent: `traceloop.span.kind` →
run type, `traceloop.entity.input/output` → inputs/outputs, association properties → metadata
(with `user_id` / `session_id` as the run's user and session)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reviewdesk.domain.otel_content import SpanContent, as_object, call_arguments, json_or_text

PREFIX = "traceloop."
ASSOCIATION = "traceloop.association.properties."
RUN_TYPES = {"workflow": "chain", "task": "chain", "agent": "chain", "tool": "tool"}
_KEPT_AS_METADATA = {
    "traceloop.workflow.name": "workflow_name",
    "traceloop.entity.name": "entity_name",
    "traceloop.entity.path": "entity_path",
    "traceloop.entity.version": "entity_version",
    "traceloop.span.kind": "span_kind",
}


def is_traceloop(attributes: Mapping[str, Any]) -> bool:
    return any(key.startswith(PREFIX) for key in attributes)


def read_traceloop(content: SpanContent) -> None:
    kind = content.attributes.get("traceloop.span.kind")
    for key, name in _KEPT_AS_METADATA.items():
        value = content.take(key)
        if value is not None:
            content.metadata[name] = value
    properties = {
        key[len(ASSOCIATION) :]: content.take(key)
        for key in list(content.attributes)
        if key.startswith(ASSOCIATION)
    }
    content.metadata.update(properties)
    content.fill(
        run_type=RUN_TYPES.get(str(kind)) if kind is not None else None,
        session_id=_text(properties.get("session_id")),
        user_id=_text(properties.get("user_id")),
        inputs=entity_input(content.take("traceloop.entity.input")),
        outputs=entity_output(content.take("traceloop.entity.output")),
    )


def entity_input(value: Any) -> dict[str, Any] | None:
    """`{"args": […], "kwargs": {…}}` → the keyword arguments (and the positional ones when there are
    any); LangChain's `{"inputs": …}` → its inputs; text cut short by the SDK stays text."""
    if value is None:
        return None
    parsed = json_or_text(value)
    if isinstance(parsed, dict):
        if isinstance(parsed.get("inputs"), dict):
            return parsed["inputs"]
        return call_arguments(parsed)
    return {"input": parsed}


def entity_output(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    parsed = json_or_text(value)
    if isinstance(parsed, dict) and set(parsed) <= {"outputs", "kwargs"} and "outputs" in parsed:
        return as_object(parsed["outputs"], "output")
    return as_object(parsed, "output")


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)
