"""LangSmith feedback and feedback configs translated onto ours: one feedback row per LangSmith
feedback, one score config per key (LangSmith's inline `feedback_config` registers the key once)."""

from __future__ import annotations

import contextlib
import math
from typing import Any

from reviewdesk.domain.permissions import Actor, Permission
from reviewdesk.domain.run_payload import parse_uuid
from reviewdesk.errors import Conflict, Invalid, NotFound
from reviewdesk.services import feedback as feedback_service
from reviewdesk.services import feedback_configs
from reviewdesk.store.database import Database

# LangSmith's feedback_source.type → our source. "app" is feedback from the application's own users.
SOURCE_IN = {"api": "api", "model": "model", "app": "user", "human": "human", "user": "user"}
# What LangSmith keeps beside a score that we have no column for: it rides in the row's `extra`.
_KEPT_IN_EXTRA = ("session_id", "start_time", "comparative_experiment_id", "feedback_group_id", "error")


def _number(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise Invalid("must be a finite number", field=field)
    return float(value)


def config_from_langsmith(key: str, config: Any, description: str | None = None) -> dict[str, Any] | None:
    """Our score config for a LangSmith feedback_config; None when ours cannot bound it (no min/max)."""
    if not isinstance(config, dict):
        raise Invalid("must be an object with a type", field="feedback_config")
    kind = config.get("type")
    if kind == "continuous":
        if config.get("min") is None or config.get("max") is None:
            return None  # unbounded: any score is accepted, exactly as without a config
        low = _number(config["min"], "feedback_config.min")
        high = _number(config["max"], "feedback_config.max")
        return {"key": key, "type": "continuous", "min": low, "max": high, "description": description}
    if kind == "categorical":
        if config.get("allows_multiple_categories"):
            raise Invalid(
                "categorical feedback with several categories per answer is not supported",
                field="feedback_config.allows_multiple_categories",
            )
        categories = config.get("categories")
        if not isinstance(categories, list):
            raise Invalid("a categorical config needs categories", field="feedback_config.categories")
        options = []
        for i, category in enumerate(categories):
            if not isinstance(category, dict):
                raise Invalid("each category is {value, label}", field=f"feedback_config.categories[{i}]")
            score = _number(category.get("value"), f"feedback_config.categories[{i}].value")
            label = category.get("label")
            options.append(
                {"value": label if isinstance(label, str) and label else f"{score:g}", "score": score}
            )
        return {"key": key, "type": "categorical", "options": options, "description": description}
    if kind == "freeform":
        return {"key": key, "type": "freeform", "description": description}
    raise Invalid("must be continuous, categorical or freeform", field="feedback_config.type")


def ensure_config(db: Database, actor: Actor, key: str, config: dict[str, Any] | None) -> None:
    """Register a key's config the first time it arrives; an existing config is never changed here."""
    if config is None or not actor.can(Permission.MANAGE_CONFIGS):
        return
    try:
        feedback_configs.get_config(db, actor, key)
        return
    except NotFound:
        pass
    # Created concurrently: the same key, kept as the other request made it.
    with contextlib.suppress(Conflict):
        feedback_configs.create_config(db, actor, config)


def feedback_from_langsmith(raw: Any, field: str = "body") -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Our feedback payload and the score config it brings (if any) for one LangSmith feedback object."""
    if not isinstance(raw, dict):
        raise Invalid("must be a JSON object", field=field)
    run_id = raw.get("run_id") or raw.get("trace_id")
    if run_id is None:
        raise Invalid(
            "session-level feedback (a project without a run) is not supported: "
            "ReviewDesk feedback always scores a run; give run_id or trace_id",
            field=f"{field}.run_id",
        )
    key = raw.get("key", "unnamed")
    source_info = raw.get("feedback_source") if isinstance(raw.get("feedback_source"), dict) else {}
    source_type = source_info.get("type") or "api"
    if source_type not in SOURCE_IN:
        raise Invalid(
            f"unknown feedback_source.type {str(source_type)[:40]!r}", field=f"{field}.feedback_source"
        )
    extra: dict[str, Any] = dict(raw["extra"]) if isinstance(raw.get("extra"), dict) else {}
    for name in _KEPT_IN_EXTRA:
        if raw.get(name) is not None:
            extra[name] = raw[name]
    if source_info.get("metadata"):
        extra["feedback_source_metadata"] = source_info["metadata"]
    payload = {
        "id": raw.get("id"),
        "run_id": run_id,
        "key": key,
        "score": raw.get("score"),
        "value": raw.get("value"),
        "comment": raw.get("comment"),
        "correction": raw.get("correction"),
        "source": SOURCE_IN[source_type],
        "extra": extra or None,
    }
    config = None
    if raw.get("feedback_config") is not None and isinstance(key, str):
        config = config_from_langsmith(key, raw["feedback_config"])
    return payload, config


def trace_id_hint(raw: dict[str, Any]) -> Any:
    """The trace a feedback names, for a run that has not arrived yet (the run fills it in later)."""
    return parse_uuid(raw.get("trace_id"), "trace_id")


def create_feedback(db: Database, actor: Actor, raw: Any) -> dict[str, Any]:
    """POST /feedback: never a 404 for a run not yet seen (the SDK would retry for minutes)."""
    payload, config = feedback_from_langsmith(raw)
    if config is not None:
        ensure_config(db, actor, config["key"], config)
    try:
        return feedback_service.create_feedback(db, actor, payload)
    except Conflict:
        # The SDK re-sends a POST after a timeout: the same id for the same run and key is that retry.
        existing = feedback_service.get_feedback(db, actor, parse_uuid(payload["id"], "id", required=True))
        if str(existing["run_id"]) == str(payload["run_id"]) and existing["key"] == payload["key"]:
            return existing
        raise
