"""Validation and merging of run payloads as clients send them (ours, LangSmith's and OTel-mapped)."""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from reviewdesk.domain.limits import MAX_INT32, check_json
from reviewdesk.errors import Invalid

RUN_TYPES = frozenset({"chain", "llm", "tool", "retriever", "embedding", "prompt", "parser"})
DEFAULT_PROJECT = "default"
RUN_DEPTH_IN_BATCH = 3

# Fields a client may set on a run; a patch overlays only the ones it sends with a non-null value.
STORED_FIELDS = (
    "trace_id",
    "parent_run_id",
    "dotted_order",
    "project",
    "name",
    "run_type",
    "inputs",
    "outputs",
    "error",
    "start_time",
    "end_time",
    "tags",
    "metadata",
    "extra",
    "events",
    "prompt_tokens",
    "completion_tokens",
    "total_tokens",
    "cost",
    "session_id",
    "reference_example_id",
)


def parse_uuid(value: Any, field: str, *, required: bool = False) -> uuid.UUID | None:
    if value is None or value == "":
        if required:
            raise Invalid("is required", field=field)
        return None
    if isinstance(value, uuid.UUID):
        return value
    if not isinstance(value, str):
        raise Invalid("must be a UUID string", field=field)
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Invalid(f"is not a valid UUID: {value[:64]!r}", field=field) from None


def parse_time(value: Any, field: str) -> datetime | None:
    """ISO-8601 in, aware UTC out; naive strings are UTC (the LangSmith SDK sometimes sends them)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise Invalid(f"is not an ISO-8601 timestamp: {value[:64]!r}", field=field) from None
    elif isinstance(value, int | float) and not isinstance(value, bool):
        # Epoch seconds or milliseconds.
        seconds = value / 1000 if value > 1e11 else value
        parsed = datetime.fromtimestamp(seconds, tz=UTC)
    else:
        raise Invalid("must be an ISO-8601 timestamp string", field=field)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _object(value: Any, field: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise Invalid("must be a JSON object", field=field)
    return value


def _string(value: Any, field: str, *, max_length: int | None = None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise Invalid("must be a string", field=field)
    if max_length is not None and len(value) > max_length:
        raise Invalid(f"must be at most {max_length} characters", field=field)
    return value


# Token counts are INTEGER columns on both databases.
MAX_TOKEN_COUNT = MAX_INT32


def _count(value: Any, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= MAX_TOKEN_COUNT:
        raise Invalid(f"must be an integer from 0 to {MAX_TOKEN_COUNT:,}", field=field)
    return int(value)


def _number(value: Any, field: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = float(value)  # LangSmith sends costs as decimal strings
        except ValueError:
            raise Invalid("must be a number", field=field) from None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise Invalid("must be a finite number", field=field)
    return float(value)


def _tags(value: Any, field: str) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise Invalid("must be a list of strings", field=field)
    return value


def _usage(raw: Mapping[str, Any], extra: dict[str, Any] | None, field: str) -> dict[str, int | None]:
    usage = raw.get("usage")
    if usage is None and extra:
        usage = (extra.get("metadata") or {}).get("usage_metadata")
    if usage is None:
        outputs = raw.get("outputs")
        if isinstance(outputs, dict) and isinstance(outputs.get("usage_metadata"), dict):
            usage = outputs["usage_metadata"]
    if usage is not None and not isinstance(usage, dict):
        raise Invalid("must be a JSON object", field=f"{field}.usage")
    usage = usage or {}
    prompt = _count(
        raw.get("prompt_tokens", usage.get("prompt_tokens", usage.get("input_tokens"))),
        f"{field}.prompt_tokens",
    )
    completion = _count(
        raw.get("completion_tokens", usage.get("completion_tokens", usage.get("output_tokens"))),
        f"{field}.completion_tokens",
    )
    total = _count(raw.get("total_tokens", usage.get("total_tokens")), f"{field}.total_tokens")
    if total is None and (prompt is not None or completion is not None):
        total = _count((prompt or 0) + (completion or 0), f"{field}.total_tokens")
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": total}


def normalize_run(raw: Any, field: str) -> dict[str, Any]:
    """Check one run object and return its fields in stored form; absent or null fields are None."""
    if not isinstance(raw, dict):
        raise Invalid("must be a JSON object", field=field)
    # The limits of every JSON body, for runs that did not arrive as one (OTLP, multipart parts, imports):
    # a run counts as level 3, where it sits in a batch body ({"post": [run]}).
    check_json(raw, field, depth=RUN_DEPTH_IN_BATCH)
    run_type = raw.get("run_type")
    if run_type is not None and (not isinstance(run_type, str) or run_type not in RUN_TYPES):
        raise Invalid(
            f"unknown run_type {str(run_type)[:40]!r}; expected one of {', '.join(sorted(RUN_TYPES))}",
            field=f"{field}.run_type",
        )
    extra = _object(raw.get("extra"), f"{field}.extra")
    metadata = _object(raw.get("metadata"), f"{field}.metadata")
    if metadata is None and extra is not None and isinstance(extra.get("metadata"), dict):
        metadata = extra["metadata"]
    events = raw.get("events")
    if events is not None and not isinstance(events, list):
        raise Invalid("must be a list", field=f"{field}.events")
    project = raw.get("project", raw.get("session_name"))
    session_id = raw.get("session_id")
    if session_id is None and metadata:
        session_id = (
            metadata.get("session_id") or metadata.get("thread_id") or metadata.get("conversation_id")
        )
    run = {
        "id": parse_uuid(raw.get("id"), f"{field}.id", required=True),
        "trace_id": parse_uuid(raw.get("trace_id"), f"{field}.trace_id"),
        "parent_run_id": parse_uuid(raw.get("parent_run_id"), f"{field}.parent_run_id"),
        "dotted_order": _string(raw.get("dotted_order"), f"{field}.dotted_order", max_length=4000),
        "project": _string(project, f"{field}.project", max_length=200),
        "name": _string(raw.get("name"), f"{field}.name", max_length=500),
        "run_type": run_type,
        "inputs": _object(raw.get("inputs"), f"{field}.inputs"),
        "outputs": _object(raw.get("outputs"), f"{field}.outputs"),
        "error": _string(raw.get("error"), f"{field}.error"),
        "start_time": parse_time(raw.get("start_time"), f"{field}.start_time"),
        "end_time": parse_time(raw.get("end_time"), f"{field}.end_time"),
        "tags": _tags(raw.get("tags"), f"{field}.tags"),
        "metadata": metadata,
        "extra": extra,
        "events": events,
        "cost": _number(raw.get("cost", raw.get("total_cost")), f"{field}.cost"),
        "session_id": None if session_id is None else str(session_id)[:200],
        "reference_example_id": parse_uuid(raw.get("reference_example_id"), f"{field}.reference_example_id"),
        **_usage(raw, extra, field),
    }
    return run


def overlay(base: dict[str, Any] | None, update: Mapping[str, Any]) -> dict[str, Any]:
    """Apply `update` over `base`: a null in the update never erases a stored value."""
    merged = dict(base) if base else {}
    for key, value in update.items():
        if value is not None:
            merged[key] = value
    return merged


def derive(run: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Fill what the server derives: trace id, root flag, status, latency, defaults."""
    run["is_root"] = run.get("parent_run_id") is None
    if run.get("trace_id") is None:
        run["trace_id"] = run["id"] if run["is_root"] else None
    if run.get("start_time") is None:
        run["start_time"] = run.get("end_time") or now
    if run.get("project") is None:
        run["project"] = DEFAULT_PROJECT
    if run.get("name") is None:
        run["name"] = ""
    if run.get("run_type") is None:
        run["run_type"] = "chain"
    end = run.get("end_time")
    run["latency_ms"] = (end - run["start_time"]).total_seconds() * 1000 if end is not None else None
    if run.get("error"):
        run["status"] = "error"
    elif end is not None:
        run["status"] = "success"
    else:
        run["status"] = "pending"
    if run.get("dotted_order") is None and run["is_root"]:
        run["dotted_order"] = run["start_time"].strftime("%Y%m%dT%H%M%S%fZ") + str(run["id"])
    return run
