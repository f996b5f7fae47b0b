"""LangSmith annotation queues over ours: rubric items onto our rubric (registering a score config
for a key that has none), and a queue's runs with LangSmith's per-reviewer statuses."""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

from reviewdesk.domain.permissions import Actor
from reviewdesk.domain.score_configs import validate_key
from reviewdesk.errors import Conflict, Invalid, NotFound
from reviewdesk.services import feedback_configs, queue_items
from reviewdesk.services.queue_access import load_visible
from reviewdesk.store import queue_contents as contents_store
from reviewdesk.store import queue_items as items_store
from reviewdesk.store import runs as runs_store
from reviewdesk.store.database import Database

REVIEW_STATUSES = ("needs_my_review", "needs_others_review", "completed")
_SCAN = 500


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def config_for_rubric_item(key: str, item: dict[str, Any]) -> dict[str, Any]:
    """A score config for a rubric key that has none yet.

    Two or more `value_descriptions` make a categorical config (labels are the values; numeric labels
    are also the scores, otherwise the scores count 0, 1, 2… in the given order). `score_descriptions`
    make it continuous: between the lowest and highest numeric keys, else 0–1. A bare key (the
    tutorial's `{"feedback_key": "reviewer_note"}`) says nothing of a score: it is free text.
    """
    values = item.get("value_descriptions") or {}
    scores = item.get("score_descriptions") or {}
    for name, given in (("value_descriptions", values), ("score_descriptions", scores)):
        if not isinstance(given, dict) or not all(isinstance(v, str) for v in given.values()):
            raise Invalid("must map values to descriptions", field=f"rubric_items.{name}")
    if len(values) >= 2:
        options = [
            {
                "value": label,
                "description": text,
                "score": _number(label) if _number(label) is not None else float(i),
            }
            for i, (label, text) in enumerate(values.items())
        ]
        return {"key": key, "type": "categorical", "options": options}
    if not values and not scores:
        return {"key": key, "type": "freeform", "description": item.get("description")}
    bounds = sorted(n for n in (_number(k) for k in scores) if n is not None)
    low, high = (bounds[0], bounds[-1]) if len(bounds) >= 2 and bounds[0] < bounds[-1] else (0.0, 1.0)
    described = "; ".join(f"{k}: {v}" for k, v in scores.items()) or None
    return {"key": key, "type": "continuous", "min": low, "max": high, "description": described}


def rubric_from_items(db: Database, actor: Actor, items: Any) -> list[dict[str, Any]]:
    """Our rubric fields, in order; a key without a config gets one (see config_for_rubric_item)."""
    if not isinstance(items, list):
        raise Invalid("must be a list of rubric items", field="rubric_items")
    fields = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise Invalid("each rubric item is an object with a feedback_key", field=f"rubric_items[{i}]")
        key = validate_key(item.get("feedback_key"), f"rubric_items[{i}].feedback_key")
        for unsupported in ("required_if", "visible_if", "regex_validator"):
            if item.get(unsupported):
                raise Invalid(
                    "conditional and regex-checked rubric items are not supported", field=unsupported
                )
        try:
            feedback_configs.get_config(db, actor, key)
        except NotFound:
            with contextlib.suppress(Conflict):  # created concurrently: use that one
                feedback_configs.create_config(db, actor, config_for_rubric_item(key, item))
        description = item.get("description")
        if description is not None and not isinstance(description, str):
            raise Invalid("must be a string", field=f"rubric_items[{i}].description")
        fields.append({"key": key, "required": bool(item.get("is_required")), "instructions": description})
    return fields


def _review_state(reviews: list[dict[str, Any]], reviewer: uuid.UUID | None) -> tuple[bool, Any]:
    """Whether this reviewer finished the item, and when anyone last did."""
    done = [r for r in reviews if r["status"] in items_store.DONE_STATUSES]
    mine = any(r["reviewer_id"] == reviewer for r in done)
    last = max((r["submitted_at"] for r in done if r["submitted_at"]), default=None)
    return mine, last


def queue_runs(
    db: Database, actor: Actor, queue_id: uuid.UUID, *, status: str | None, limit: int, offset: int
) -> list[dict[str, Any]]:
    """Items in queue order with their run (None when it has not arrived) and last review time.

    `needs_my_review`: pending items the caller has not finished; `needs_others_review`: pending
    items the caller finished that still wait for other reviewers; `completed`: completed items.
    """
    if status is not None and status not in REVIEW_STATUSES:
        raise Invalid(f"must be one of {', '.join(REVIEW_STATUSES)}", field="status")
    if status in (None, "completed"):
        items = queue_items.list_items(db, actor, queue_id, status=status, limit=limit, offset=offset)
    else:
        items = _pending_for(
            db, actor, queue_id, mine=status == "needs_others_review", limit=limit, offset=offset
        )
    with db.read() as conn:
        found = {
            r["id"]: r for r in runs_store.fetch_by_ids(conn, [i["run_id"] for i in items if i["run_id"]])
        }
        out = []
        for item in items:
            _mine, last = _review_state(contents_store.reviews_of_item(conn, item["id"]), actor.user_id)
            out.append({"item": item, "run": found.get(item["run_id"]), "last_reviewed_time": last})
    return out


def _pending_for(
    db: Database, actor: Actor, queue_id: uuid.UUID, *, mine: bool, limit: int, offset: int
) -> list[dict[str, Any]]:
    kept: list[dict[str, Any]] = []
    scanned = skipped = 0
    while len(kept) < limit:
        page = queue_items.list_items(db, actor, queue_id, status="pending", limit=_SCAN, offset=scanned)
        scanned += len(page)
        with db.read() as conn:
            for item in page:
                done_by_me, _last = _review_state(
                    contents_store.reviews_of_item(conn, item["id"]), actor.user_id
                )
                if done_by_me != mine:
                    continue
                if skipped < offset:
                    skipped += 1
                elif len(kept) < limit:
                    kept.append(item)
        if len(page) < _SCAN:
            break
    return kept


def item_of_run(db: Database, actor: Actor, queue_id: uuid.UUID, run_id: uuid.UUID) -> uuid.UUID:
    with db.read() as conn:
        load_visible(conn, actor, queue_id)
        found = contents_store.ids_by_target(conn, queue_id, [str(run_id)])
    if str(run_id) not in found:
        raise NotFound(f"run {run_id} is not in this queue", field="run_id")
    return found[str(run_id)]


def remove_run(db: Database, actor: Actor, queue_id: uuid.UUID, run_id: uuid.UUID) -> None:
    queue_items.remove_item(db, actor, queue_id, item_of_run(db, actor, queue_id, run_id))
