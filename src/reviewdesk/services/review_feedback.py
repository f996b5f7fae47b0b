"""The feedback rows a submitted review writes: one per answered field, or, in a pairwise queue, one on
each run of the pair (1 / 0 / 0.5) linked by a group id."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.engine import Connection

from reviewdesk.domain.permissions import Actor
from reviewdesk.domain.rubric import PAIRWISE_KEY
from reviewdesk.services.clock import utcnow
from reviewdesk.store import feedback as feedback_store
from reviewdesk.store import runs as runs_store

PAIRWISE_SCORES = {"A": (1.0, 0.0), "B": (0.0, 1.0), "tie": (0.5, 0.5), "both_bad": (0.0, 0.0)}


def write_review_feedback(conn: Connection, rows: list[dict[str, Any]]) -> list[uuid.UUID]:
    """Insert a review's feedback rows in one statement, looking up any trace id not yet known."""
    missing = {row["run_id"] for row in rows if row["trace_id"] is None}
    if missing:
        trace_of = runs_store.trace_ids_of(conn, missing)
        for row in rows:
            if row["trace_id"] is None:
                row["trace_id"] = trace_of.get(row["run_id"])
    feedback_store.insert_many(conn, rows)
    return [r["id"] for r in rows]


def review_feedback_rows(
    actor: Actor,
    queue: dict[str, Any],
    item: dict[str, Any],
    review: dict[str, Any],
    checked: dict[str, tuple[float | None, Any]],
    comment: str | None,
    correction: Any,
    trace_of: dict[uuid.UUID, uuid.UUID],
) -> list[dict[str, Any]]:
    """The rows a review writes; `trace_of` maps the item's run ids to their trace ids where known."""
    rows = []
    extra = {"item_id": str(item["id"]), "review_id": str(review["id"])}
    for key, (score, value) in checked.items():
        if key == PAIRWISE_KEY:
            winner = value
            if review.get("shown_order") == "BA" and value in ("A", "B"):
                winner = "B" if value == "A" else "A"  # answers name the shown sides
            score_a, score_b = PAIRWISE_SCORES[winner]
            group = {
                **extra,
                "group_id": str(review["id"]),
                "shown_order": review.get("shown_order"),
                "answer": value,
            }
            rows.append(
                _feedback_row(
                    actor,
                    queue,
                    item["run_id"],
                    key,
                    score_a,
                    winner,
                    comment,
                    None,
                    {**group, "side": "A"},
                )
            )
            rows.append(
                _feedback_row(
                    actor,
                    queue,
                    item["run_b_id"],
                    key,
                    score_b,
                    winner,
                    comment,
                    None,
                    {**group, "side": "B"},
                )
            )
            continue
        rows.append(
            _feedback_row(actor, queue, item["run_id"], key, score, value, comment, correction, extra)
        )
    if not checked and (comment or correction):
        rows.append(
            _feedback_row(actor, queue, item["run_id"], "comment", None, None, comment, correction, extra)
        )
    for row in rows:
        row["trace_id"] = trace_of.get(row["run_id"])
    return rows


def _feedback_row(
    actor: Actor,
    queue: dict[str, Any],
    run_id: uuid.UUID,
    key: str,
    score: float | None,
    value: Any,
    comment: str | None,
    correction: Any,
    extra: dict[str, Any],
) -> dict[str, Any]:
    now = utcnow()
    return {
        "id": uuid.uuid4(),
        "run_id": run_id,
        "trace_id": None,
        "key": key,
        "score": score,
        "value": value,
        "comment": comment,
        "correction": correction,
        "source": "human",
        "created_by": actor.user_id,
        "queue_id": queue["id"],
        "rubric_version": queue["rubric_version"],
        "extra": extra,
        "created_at": now,
        "updated_at": now,
    }
