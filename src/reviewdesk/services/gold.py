"""Gold items: known answers mixed into reviewers' streams, the reviews given on them, and the quality
figures they feed."""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Connection

from reviewdesk.domain.consensus import matches
from reviewdesk.domain.permissions import Actor, Permission
from reviewdesk.domain.rubric import check_answers, kept_answers
from reviewdesk.domain.run_payload import parse_uuid
from reviewdesk.errors import Conflict, Invalid
from reviewdesk.services import audit
from reviewdesk.services.clock import utcnow
from reviewdesk.services.dashboards import AGREEMENT_RATINGS, consensus_counts
from reviewdesk.services.queue_access import load_manageable, load_visible
from reviewdesk.services.queue_items import item_row
from reviewdesk.store import adjudications as adjudications_store
from reviewdesk.store import analytics as analytics_store
from reviewdesk.store import feedback_configs as configs_store
from reviewdesk.store import gold as gold_store
from reviewdesk.store import queue_contents as contents_store
from reviewdesk.store import queue_items as items_store
from reviewdesk.store import runs as runs_store
from reviewdesk.store.database import Database


def public_gold(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in ("item_id", "queue_id", "run_id", "answers", "source", "created_at")}


def _checked_answers(conn: Connection, queue: dict[str, Any], answers: Any) -> dict[str, Any]:
    rubric = [{**f, "required": False} for f in queue["rubric"]]
    configs = configs_store.get_many(conn, [f["key"] for f in rubric])
    checked = check_answers(rubric, configs, answers)
    if not checked:
        raise Invalid("give the known answer of at least one rubric field", field="answers")
    return kept_answers(checked)


def add_gold(db: Database, actor: Actor, queue_id: uuid.UUID, payload: dict[str, Any]) -> dict[str, Any]:
    """`{"run_id", "answers"}` marks a run's known answers; `{"item_id"}` promotes an adjudicated item
    (its adjudication becomes the answers). A run new to the queue becomes an item that only the gold
    draw hands out, so it never counts towards the queue's progress."""
    if not isinstance(payload, dict):
        raise Invalid("must be a JSON object", field="body")
    with db.write() as conn:
        queue = load_manageable(conn, actor, queue_id)
        if queue["kind"] != "single":
            raise Invalid("gold items are for single-run queues", field="queue_id")
        if payload.get("item_id") is not None:
            item_id = parse_uuid(payload["item_id"], "item_id", required=True)
            adjudication = adjudications_store.of_item(conn, item_id)
            if adjudication is None or adjudication["queue_id"] != queue_id:
                raise Invalid("only an adjudicated item of this queue can be promoted", field="item_id")
            item = items_store.get(conn, item_id)
            answers, source = adjudication["answers"], "adjudication"
        else:
            run_id = parse_uuid(payload.get("run_id"), "run_id", required=True)
            if not runs_store.fetch_by_ids(conn, [run_id]):
                raise Invalid(f"no run {run_id}", field="run_id")
            answers, source = _checked_answers(conn, queue, payload.get("answers")), "manual"
            item = _item_of_run(conn, actor, queue, run_id)
        if gold_store.get(conn, item["id"]) is not None:  # type: ignore[index]
            raise Conflict("the item is gold already", field="run_id")
        row = {
            "item_id": item["id"],  # type: ignore[index]
            "queue_id": queue_id,
            "run_id": item["run_id"],  # type: ignore[index]
            "answers": answers,
            "source": source,
            "created_by": actor.user_id,
            "created_at": utcnow(),
        }
        gold_store.insert(conn, row)
        audit.record(conn, actor, "queue.gold_add", "queue_item", row["item_id"], {"answers": answers})
        return public_gold(row)


def _item_of_run(conn: Connection, actor: Actor, queue: dict[str, Any], run_id: uuid.UUID) -> dict[str, Any]:
    existing = contents_store.ids_by_target(conn, queue["id"], [str(run_id)])
    if existing:
        return items_store.get(conn, existing[str(run_id)])  # type: ignore[return-value]
    row = {**item_row(queue["id"], actor, "api", None, 0, run_id=run_id), "status": "gold"}
    contents_store.insert_ignoring_duplicates(conn, [row])
    return row


def list_gold(db: Database, actor: Actor, queue_id: uuid.UUID) -> list[dict[str, Any]]:
    with db.read() as conn:
        load_manageable(conn, actor, queue_id)
        return [public_gold(r) for r in gold_store.of_queue(conn, queue_id)]


def draw_gold(conn: Connection, queue: dict[str, Any], review: dict[str, Any]) -> tuple[dict, dict] | None:
    """At the queue's gold rate, a gold item this reviewer has not seen (shown as an ordinary pending
    item); None otherwise. With no gold rate set this costs nothing: no statement runs."""
    rate = queue.get("gold_rate") or 0.0
    if rate <= 0 or random.random() >= rate:
        return None
    claimed = gold_store.claim(conn, review)
    if claimed is None:
        return None
    item, reserved = claimed
    return disguised(item), reserved


def disguised(item: dict[str, Any]) -> dict[str, Any]:
    """A gold item as any other pending item looks to a reviewer."""
    return {**item, "status": "pending", "reviews_done": 0, "completed_at": None}


def reviewer_quality(db: Database, actor: Actor, queue_id: uuid.UUID) -> dict[str, Any]:
    """Per reviewer: accuracy against gold answers (every review of a gold item: few, read through
    the gold table), agreement with the consensus over the queue's newest ratings (as the dashboard's
    agreement: `consensus_window` says from when), items reviewed and active review time (counted
    by the database). No statement reads the queue's whole review history into Python."""
    with db.read() as conn:
        queue = load_visible(conn, actor, queue_id)
        actor.require(Permission.READ_FEEDBACK)
        keys = [f["key"] for f in queue["rubric"]]
        gold_items = len(gold_store.of_queue(conn, queue_id))
        answered = gold_store.answered_in(conn, [queue_id])
        totals = gold_store.reviewer_totals(conn, queue_id)
        ratings = analytics_store.newest_human_ratings(conn, queue_id, keys, None, None, AGREEMENT_RATINGS)
        configs = configs_store.get_many(conn, keys)
    gold: dict[uuid.UUID, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in answered:
        entry = gold[row["reviewer_id"]]
        entry[2] += 1
        for key, expected in (row["gold"] or {}).items():
            entry[0] += matches(configs.get(key), (row["answers"] or {}).get(key), expected)
            entry[1] += 1
    consensus = consensus_counts(ratings, configs)
    capped = len(ratings) >= AGREEMENT_RATINGS
    return {
        "queue_id": queue_id,
        "gold_items": gold_items,
        "consensus_window": {
            "newest_ratings": AGREEMENT_RATINGS,
            "read_since": min(r["created_at"] for r in ratings) if capped else None,
        },
        "reviewers": [
            _quality_row(t, gold.get(t["reviewer_id"], (0, 0, 0)), consensus.get(t["reviewer_id"], (0, 0)))
            for t in totals
        ],
    }


def _quality_row(totals: dict[str, Any], gold: Sequence[int], consensus: Sequence[int]) -> dict[str, Any]:
    gold_right, gold_fields, gold_reviews = gold
    agree, compared = consensus
    return {
        "reviewer_id": totals["reviewer_id"],
        "email": totals["email"],
        "items_reviewed": totals["items_reviewed"],
        "gold_items_reviewed": gold_reviews,
        "gold_accuracy": gold_right / gold_fields if gold_fields else None,
        "gold_accuracy_reason": None if gold_fields else "no gold item reviewed",
        "consensus_agreement": agree / compared if compared else None,
        "consensus_agreement_reason": None if compared else "no item shared with other reviewers",
        "active_seconds": round(float(totals["active_seconds"] or 0), 3),
    }


def is_gold_review(conn: Connection, item: dict[str, Any], review: dict[str, Any] | None) -> bool:
    """A review of a gold item handed out by the gold draw (reserved, or submitted without feedback:
    gold answers are a test of the reviewer, not feedback on the run). Only asked off the hot path,
    for items that are not pending."""
    if review is None or not (
        review["status"] == "reserved" or (review["status"] == "submitted" and not review["feedback_ids"])
    ):
        return False
    return gold_store.get(conn, item["id"]) is not None


def submit_gold_review(
    conn: Connection,
    actor: Actor,
    queue: dict[str, Any],
    item: dict[str, Any],
    review: dict[str, Any],
    answers: dict[str, Any],
    comment: str | None,
) -> dict[str, Any]:
    """Record the reviewer's answers on a gold item; the item's own progress does not move."""
    values: dict[str, Any] = {"answers": answers, "comment": comment}
    if review["status"] == "reserved":
        values.update(status="submitted", submitted_at=utcnow(), reserved_until=None, feedback_ids=[])
    items_store.update_review(conn, review["id"], values)
    audit.record(
        conn, actor, "review.submit", "queue_item", item["id"], {"queue_id": str(queue["id"]), "gold": True}
    )
    return {"item_id": item["id"], "status": "submitted", "item_status": "pending", "feedback_ids": []}
