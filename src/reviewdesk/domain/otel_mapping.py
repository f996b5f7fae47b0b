"""OTLP spans, decoded to plain dicts, mapped to run payloads with ids derived from the span's own ids.

A decoded span is a dict with: `trace_id` (16 bytes), `span_id` (8 bytes), `parent_span_id` (empty or
8 bytes), `flags`, `name`, `kind` (the OTLP enum number), `start_time_unix_nano`, `end_time_unix_nano`,
`attributes` (key → plain value), `events` ([{name, time_unix_nano, attributes}]), `status_code`,
`status_message`, `resource` (the resource's attributes) and `scope` ({name, version}).

Ids: every span's run id is a UUIDv5 of (trace id, span id), so a re-sent span upserts the same run and
a child names its parent's run id without having seen the parent. Every run of an OTLP trace carries
the trace id itself (as a UUID) as its `trace_id`, known to all spans before the root arrives.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from reviewdesk.domain.otel_content import SpanContent
from reviewdesk.domain.otel_genai import read_genai
from reviewdesk.domain.otel_langfuse import is_langfuse, read_langfuse
from reviewdesk.domain.otel_openinference import read_openinference
from reviewdesk.domain.otel_traceloop import is_traceloop, read_traceloop
from reviewdesk.errors import Invalid

# Fixed forever: changing it would give every re-sent span a new run id.
SPAN_NAMESPACE = uuid.UUID("6f1d3c56-0b0e-5a49-9c1f-2f4b5e7d8a10")
SPAN_KINDS = ("UNSPECIFIED", "INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER")
STATUS_ERROR = 2
# SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE | SPAN_FLAGS_CONTEXT_IS_REMOTE: the parent lives in another process.
REMOTE_PARENT_FLAGS = 0x300
PROJECT_ATTRIBUTE = "reviewdesk.project"
LANGFUSE_AS_ROOT = "langfuse.internal.as_root"
# What a convention reader looks at; a span with none of it skips that reader.
GENAI_PREFIXES = ("gen_ai.", "llm.request.type", "llm.usage.")
OPENINFERENCE_PREFIXES = ("openinference.", "input.", "output.", "llm.", "retrieval.", "embedding.")
OPENINFERENCE_KEYS = frozenset({"session.id", "user.id", "metadata", "tag.tags"})

MAX_KEPT_ATTRIBUTES = 128
MAX_KEPT_CHARS = 4096
MAX_KEPT_ITEMS = 64
MAX_KEPT_EVENTS = 32
MAX_NAME_CHARS = 500
MAX_PROJECT_CHARS = 200
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NO_SPAN = bytes(8)


def trace_run_id(trace_id: bytes) -> uuid.UUID:
    """The `trace_id` every run of this OTLP trace carries: the 16 bytes themselves."""
    return uuid.UUID(bytes=trace_id)


def span_run_id(trace_id: bytes, span_id: bytes) -> uuid.UUID:
    # Span ids are only unique within a trace, so the trace id is part of the name.
    return uuid.uuid5(SPAN_NAMESPACE, trace_id.hex() + span_id.hex())


def span_to_run(span: Mapping[str, Any]) -> dict[str, Any]:
    """One decoded span → a run payload for `normalize_run`; Invalid if its ids or times are unusable."""
    trace_id = _span_id_bytes(span.get("trace_id"), 16, "traceId")
    span_id = _span_id_bytes(span.get("span_id"), 8, "spanId")
    parent_span_id = span.get("parent_span_id") or b""
    if parent_span_id and len(parent_span_id) != 8:
        raise Invalid("must be empty or 8 bytes (16 hex digits)", field="parentSpanId")
    has_parent = bool(parent_span_id) and parent_span_id != _NO_SPAN
    attributes = span.get("attributes") or {}
    # A parent in another process (a gateway, a frontend) often reports elsewhere or not at all:
    # the first span in this process is then a root here, so it can be searched and routed as one.
    # Langfuse's `as_root` names a parent span that is never exported: a root too.
    remote_parent = has_parent and (
        (span.get("flags") or 0) & REMOTE_PARENT_FLAGS == REMOTE_PARENT_FLAGS
        or attributes.get(LANGFUSE_AS_ROOT) is True
    )
    resource = span.get("resource") or {}
    content = read_conventions(attributes, resource)
    error = span_error(span) or content.error
    metadata = _metadata(span, content, resource, trace_id, span_id)
    if remote_parent:
        metadata["otel.parent_span_id"] = parent_span_id.hex()
    is_root = not has_parent or remote_parent
    name = str(span.get("name") or "")
    if is_root and content.metadata.get("trace_name"):
        # Langfuse names the trace apart from its root observation; the trace's name is what people search.
        metadata["observation_name"] = name
        name = str(content.metadata["trace_name"])
    return {
        "id": span_run_id(trace_id, span_id),
        "trace_id": trace_run_id(trace_id),
        "parent_run_id": None if is_root else span_run_id(trace_id, parent_span_id),
        "project": project_of(attributes, resource),
        "name": name[:MAX_NAME_CHARS],
        "run_type": content.run_type or "chain",
        "inputs": content.inputs,
        "outputs": content.outputs,
        "error": error,
        "start_time": unix_nano_time(span.get("start_time_unix_nano"), "startTimeUnixNano"),
        "end_time": unix_nano_time(span.get("end_time_unix_nano"), "endTimeUnixNano"),
        "tags": content.tags,
        "metadata": metadata,
        "events": _events(span.get("events") or ()),
        "usage": {
            "prompt_tokens": content.prompt_tokens,
            "completion_tokens": content.completion_tokens,
            "total_tokens": content.total_tokens,
        },
        "cost": content.cost,
        "session_id": content.session_id,
    }


def read_conventions(attributes: Mapping[str, Any], resource: Mapping[str, Any] | None = None) -> SpanContent:
    """Langfuse, then OpenLLMetry, then the GenAI conventions, then OpenInference: the first to name a
    field wins it (the SDK-specific attributes say more than the generic ones beside them)."""
    content = SpanContent(attributes)
    if is_langfuse(attributes):
        read_langfuse(content, resource or {})
    if is_traceloop(attributes):
        read_traceloop(content)
    genai = openinference = False
    for key in attributes:
        if key.startswith(GENAI_PREFIXES):
            genai = True
        elif key.startswith(OPENINFERENCE_PREFIXES) or key in OPENINFERENCE_KEYS:
            openinference = True
    if genai:
        read_genai(content)
    if openinference:
        read_openinference(content)
    return content


def project_of(attributes: Mapping[str, Any], resource: Mapping[str, Any]) -> str | None:
    """`reviewdesk.project` on the span or resource, then Phoenix's project, then `service.name`."""
    for value in (
        attributes.get(PROJECT_ATTRIBUTE),
        resource.get(PROJECT_ATTRIBUTE),
        resource.get("openinference.project.name"),
        resource.get("service.name"),
    ):
        # The SDKs' placeholder for "no service name set" is no project: runs go to the default one.
        if value and not str(value).startswith("unknown_service"):
            return str(value)[:MAX_PROJECT_CHARS]
    return None


def span_error(span: Mapping[str, Any]) -> str | None:
    """Status ERROR → the recorded exception (type: message, then the stack), else the status message."""
    if span.get("status_code") != STATUS_ERROR:
        return None
    message = str(span.get("status_message") or "")
    for event in span.get("events") or ():
        if event.get("name") != "exception":
            continue
        attributes = event.get("attributes") or {}
        kind, text = attributes.get("exception.type"), attributes.get("exception.message")
        headline = ": ".join(str(p) for p in (kind, text) if p) or message or "exception"
        if message and message not in headline:
            headline = f"{message}\n{headline}"
        stack = attributes.get("exception.stacktrace")
        return f"{headline}\n\n{stack}" if stack else headline
    return message or "error"


def unix_nano_time(value: Any, field: str) -> datetime | None:
    if not value:
        return None
    try:
        return _EPOCH + timedelta(microseconds=int(value) // 1000)
    except (OverflowError, ValueError, TypeError):
        raise Invalid("is not a time in unix nanoseconds", field=field) from None


def bounded(values: Mapping[str, Any]) -> dict[str, Any]:
    """At most MAX_KEPT_ATTRIBUTES keys, long strings and lists cut, so metadata stays reviewable."""
    kept = {}
    for index, (key, value) in enumerate(values.items()):
        if index >= MAX_KEPT_ATTRIBUTES:
            kept["otel.dropped_attributes"] = len(values) - MAX_KEPT_ATTRIBUTES
            break
        kept[key] = _bounded_value(value)
    return kept


def _bounded_value(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_KEPT_CHARS:
        return value[:MAX_KEPT_CHARS] + "…"
    if isinstance(value, list):
        return [_bounded_value(v) for v in value[:MAX_KEPT_ITEMS]]
    if isinstance(value, dict):
        return bounded(value)
    return value


def _span_id_bytes(value: Any, size: int, field: str) -> bytes:
    if not isinstance(value, bytes | bytearray) or len(value) != size:
        raise Invalid(f"must be {size} bytes ({size * 2} hex digits)", field=field)
    if not any(value):
        raise Invalid("must not be all zeros", field=field)
    return bytes(value)


def _metadata(
    span: Mapping[str, Any],
    content: SpanContent,
    resource: Mapping[str, Any],
    trace_id: bytes,
    span_id: bytes,
) -> dict[str, Any]:
    metadata = dict(content.metadata)
    if content.model:
        metadata["ls_model_name"] = metadata["model"] = content.model
    if content.provider:
        metadata["ls_provider"] = content.provider
    if content.user_id:
        metadata["user_id"] = content.user_id
    kind = span.get("kind") or 0
    metadata["otel.trace_id"] = trace_id.hex()
    metadata["otel.span_id"] = span_id.hex()
    metadata["otel.span_kind"] = SPAN_KINDS[kind] if 0 <= kind < len(SPAN_KINDS) else str(kind)
    scope = span.get("scope") or {}
    if scope.get("name"):
        metadata["otel.scope"] = {"name": scope["name"], "version": scope.get("version") or None}
    rest = {
        k: v for k, v in content.attributes.items() if k not in content.consumed and k != PROJECT_ATTRIBUTE
    }
    if rest:
        metadata["otel.attributes"] = bounded(rest)
    if resource:
        metadata["otel.resource"] = bounded(resource)
    return metadata


def _events(events: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]] | None:
    if not events:
        return None
    kept = []
    for event in events[:MAX_KEPT_EVENTS]:
        at = unix_nano_time(event.get("time_unix_nano"), "events.timeUnixNano")
        kept.append(
            {
                "name": str(event.get("name") or ""),
                "time": None if at is None else at.isoformat().replace("+00:00", "Z"),
                "attributes": bounded(event.get("attributes") or {}),
            }
        )
    return kept
