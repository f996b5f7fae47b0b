"""Our rows and dicts in the shapes the LangSmith SDK parses (langsmith-wire.md §3.3, §3.6, §4, §5, §6).

Hygiene the SDK depends on: no `attachments` key on runs or examples, never a null `trace_id`,
`dotted_order` or `dataset_id`, and always `tenant_id`, `reference_dataset_id`, `run_id`/`trace_id`.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from typing import Any

# The keys a Run always carries whatever `select` says (pydantic requires them, or we promise them).
RUN_REQUIRED = ("id", "name", "start_time", "run_type", "trace_id", "dotted_order")
SOURCE_OUT = {"api": "api", "model": "model", "user": "app", "human": "human"}
_CONFIG_NAMESPACE = uuid.UUID("6f3b7c2e-5d1a-4c8e-9b0f-2a7d4e6c8b13")


def tenant_id(secret_key: str) -> uuid.UUID:
    """One fixed id per installation, derived from its secret (so it never changes, and reveals nothing)."""
    digest = hashlib.blake2b(b"langsmith-tenant", key=secret_key.encode()[:64], digest_size=16).digest()
    return uuid.UUID(bytes=digest, version=4)


def parent_run_ids(dotted_order: str | None) -> list[str]:
    """Ancestors, root first: each dotted-order segment is a 22-character UTC stamp then the run id."""
    if not dotted_order:
        return []
    return [segment[22:] for segment in dotted_order.split(".")[:-1] if len(segment) > 22]


def run(row: dict[str, Any], select: Iterable[str] | None = None) -> dict[str, Any]:
    extra = dict(row.get("extra") or {})
    extra["metadata"] = row.get("meta") or {}
    body: dict[str, Any] = {
        "id": row["id"],
        "name": row["name"],
        "start_time": row["start_time"],
        "run_type": row["run_type"],
        "end_time": row["end_time"],
        "extra": extra,
        "error": row["error"],
        "events": row.get("events") or [],
        "inputs": row.get("inputs") or {},
        "outputs": row.get("outputs"),
        "reference_example_id": row.get("reference_example_id"),
        "parent_run_id": row["parent_run_id"],
        "parent_run_ids": parent_run_ids(row["dotted_order"]),
        "tags": row.get("tags") or [],
        "session_id": row["project_id"],
        "status": row["status"],
        "prompt_tokens": row["prompt_tokens"],
        "completion_tokens": row["completion_tokens"],
        "total_tokens": row["total_tokens"],
        "total_cost": row["cost"],
        "trace_id": row["trace_id"],
        "dotted_order": row["dotted_order"] or "",
        "feedback_stats": row.get("feedback_stats"),
    }
    if select is None:
        return body
    wanted = set(select) | set(RUN_REQUIRED)
    return {k: v for k, v in body.items() if k in wanted}


def session(project: dict[str, Any], tenant: uuid.UUID) -> dict[str, Any]:
    return {
        "id": project["id"],
        "name": project["name"],
        "description": project.get("description"),
        "start_time": project["created_at"],
        "end_time": None,
        "extra": {"metadata": {}},
        "tenant_id": tenant,
        "reference_dataset_id": None,
    }


def feedback(row: dict[str, Any]) -> dict[str, Any]:
    extra = dict(row.get("extra") or {}) if isinstance(row.get("extra"), dict) else {}
    value = row["value"]
    return {
        "id": row["id"],
        "created_at": row["created_at"],
        "modified_at": row["updated_at"],
        "run_id": row["run_id"],
        "trace_id": row["trace_id"],
        "key": row["key"],
        "score": row["score"],
        # LangSmith's value is a string, number, bool or object; a JSON list travels wrapped.
        "value": {"values": value} if isinstance(value, list) else value,
        "comment": row["comment"],
        "correction": row["correction"],
        "feedback_source": {
            "type": SOURCE_OUT.get(row["source"], row["source"]),
            "metadata": extra.pop("feedback_source_metadata", None) or {},
            "user_id": row.get("created_by"),
            "user_name": None,
        },
        "session_id": extra.get("session_id"),
        "start_time": extra.get("start_time"),
        "comparative_experiment_id": extra.get("comparative_experiment_id"),
        "feedback_group_id": extra.get("feedback_group_id"),
        "extra": {**extra, "queue_id": row.get("queue_id"), "rubric_version": row.get("rubric_version")},
    }


def feedback_config(config: dict[str, Any]) -> dict[str, Any]:
    """Our score config as LangSmith's FeedbackConfig; a boolean is a false/true categorical."""
    kind = config["type"]
    if kind == "continuous":
        return {"type": "continuous", "min": config["min"], "max": config["max"]}
    if kind == "categorical":
        categories = [
            {"value": float(o["score"]) if o.get("score") is not None else float(i), "label": o["value"]}
            for i, o in enumerate(config["options"])
        ]
        return {"type": "categorical", "categories": categories}
    if kind == "boolean":
        return {
            "type": "categorical",
            "categories": [{"value": 0.0, "label": "false"}, {"value": 1.0, "label": "true"}],
        }
    return {"type": "freeform"}


def config_id(key: str) -> uuid.UUID:
    """Configs are keyed by feedback key; LangSmith wants an id too, stable for the key."""
    return uuid.uuid5(_CONFIG_NAMESPACE, key)


def feedback_config_schema(config: dict[str, Any], tenant: uuid.UUID) -> dict[str, Any]:
    return {
        "id": config_id(config["key"]),
        "feedback_key": config["key"],
        "feedback_config": feedback_config(config),
        "tenant_id": tenant,
        "modified_at": config["updated_at"],
        "is_lower_score_better": None,
        # Ours are always enforced: feedback on the key is checked against its config.
        "is_enforced": True,
        "is_first": True,
        "is_deleted": False,
    }


def rubric_item(field: dict[str, Any], config: dict[str, Any] | None, tenant: uuid.UUID) -> dict[str, Any]:
    values = None
    if config is not None and config["type"] == "categorical":
        values = {o["value"]: o["description"] for o in config["options"] if o.get("description")} or None
    return {
        "feedback_key": field["key"],
        "description": field.get("instructions"),
        "value_descriptions": values,
        "score_descriptions": None,
        "is_required": field.get("required", False),
        "feedback_config_id": config_id(field["key"]) if config else None,
        "feedback_config": feedback_config_schema(config, tenant) if config else None,
    }


def queue(
    row: dict[str, Any],
    tenant: uuid.UUID,
    *,
    description: str | None,
    instructions: str | None,
    rubric_items: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "description": description,
        "tenant_id": tenant,
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "queue_type": row["kind"],
        "rubric_instructions": instructions,
        "rubric_items": rubric_items,
        "num_reviewers_per_item": row["reviewers_per_item"],
        # Ours always reserve the item a reviewer works on, so two never score the same one at once.
        "enable_reservations": True,
        "reservation_minutes": max(1, round(row["reservation_seconds"] / 60)),
        "reviewer_access_mode": row["reviewer_access"],
        "assigned_reviewers": [{"id": r} for r in row.get("reviewers") or []],
        "default_dataset": row.get("default_dataset_id"),
        "metadata": None,
    }


def queue_run(entry: dict[str, Any]) -> dict[str, Any]:
    """A queue's run with its queue info; an item whose run has not arrived yet says so."""
    item, row = entry["item"], entry["run"]
    if row is not None:
        body = run(row)
    else:
        body = {
            "id": item["run_id"] or item["id"],
            "name": "(run not received yet)",
            "start_time": item["added_at"],
            "run_type": "chain",
            "inputs": {},
            "extra": {"metadata": {}},
        }
    return {
        **body,
        "queue_run_id": item["id"],
        "added_at": item["added_at"],
        "last_reviewed_time": entry["last_reviewed_time"],
        "status": item["status"],
    }


def dataset(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "description": row["description"],
        "data_type": "kv",
        "created_at": row["created_at"],
        "modified_at": row["updated_at"],
        "example_count": row["example_count"],
        "session_count": 0,
        "metadata": {"version": row["version"], "tags": row["tags"], "splits": row["splits"]},
    }


def example(row: dict[str, Any]) -> dict[str, Any]:
    """LangSmith keeps an example's split in its metadata (`dataset_split`); ours is one column."""
    metadata = dict(row["metadata"] or {})
    if row["split"]:
        metadata["dataset_split"] = [row["split"]]
    return {
        "id": row["id"],
        "dataset_id": row["dataset_id"],
        "inputs": row["inputs"] or {},
        "outputs": row["outputs"],
        "metadata": metadata,
        "created_at": row["created_at"],
        "modified_at": row["created_at"],
        "source_run_id": row["source_run_id"],
    }
