"""Gold items: known answers mixed into reviewers' streams, and the quality figures they feed."""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy.engine import Connection

from reviewdesk.domain.backlog import active_seconds
from reviewdesk.domain.consensus import majority, matches
from reviewdesk.domain.permissions import Actor, Permission
from reviewdesk.domain.rubric import check_answers
from reviewdesk.domain.run_payload import parse_uuid
from reviewdesk.errors import Conflict, Invalid
from reviewdesk.services import audit
from reviewdesk.services.clock import utcnow
from reviewdesk.services.queue_access import load_manageable, load_visible
from reviewdesk.services.queue_items import item_row
from reviewdesk.store import adjudications as adjudications_store
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
    return {k: v for k, (_s, v) in checked.items()}


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
    """Per reviewer: accuracy against gold answers, agreement with the consensus of the other
    reviewers on shared items, items reviewed, and active review time."""
    with db.read() as conn:
        queue = load_visible(conn, actor, queue_id)
        actor.require(Permission.READ_FEEDBACK)
        gold = {g["item_id"]: g for g in gold_store.of_queue(conn, queue_id)}
        reviews = gold_store.submitted_reviews(conn, queue_id)
        configs = configs_store.get_many(conn, [f["key"] for f in queue["rubric"]])
    by_item: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    for r in reviews:
        if r["item_id"] not in gold:
            by_item[r["item_id"]].append(r)
    stats: dict[uuid.UUID, dict[str, Any]] = defaultdict(
        lambda: {"gold_right": 0, "gold_fields": 0, "gold_items": 0, "agree": 0, "compared": 0, "reviews": []}
    )
    for r in reviews:
        entry = stats[r["reviewer_id"]]
        entry["email"] = r["email"]
        entry["reviews"].append(r)
        if r["item_id"] in gold:
            entry["gold_items"] += 1
            for key, expected in gold[r["item_id"]]["answers"].items():
                entry["gold_fields"] += 1
                entry["gold_right"] += matches(configs.get(key), (r["answers"] or {}).get(key), expected)
    # Agreement with the consensus: on items reviewed by 2 or more, the share of a reviewer's answers
    # that equal the strict majority of all answers to the field; with no majority, no consensus
    # was reached and the answer does not count as agreeing.
    for item_reviews in by_item.values():
        if len(item_reviews) < 2:
            continue
        for r in item_reviews:
            for key, value in (r["answers"] or {}).items():
                given = [o["answers"][key] for o in item_reviews if (o["answers"] or {}).get(key) is not None]
                consensus = majority(given)
                stats[r["reviewer_id"]]["compared"] += 1
                stats[r["reviewer_id"]]["agree"] += consensus is not None and matches(
                    configs.get(key), value, consensus
                )
    return {
        "queue_id": queue_id,
        "gold_items": len(gold),
        "reviewers": [_quality_row(k, v) for k, v in stats.items()],
    }


def _quality_row(reviewer_id: uuid.UUID, s: dict[str, Any]) -> dict[str, Any]:
    seconds = active_seconds(s["reviews"])
    return {
        "reviewer_id": reviewer_id,
        "email": s["email"],
        "items_reviewed": len(s["reviews"]),
        "gold_items_reviewed": s["gold_items"],
        "gold_accuracy": s["gold_right"] / s["gold_fields"] if s["gold_fields"] else None,
        "gold_accuracy_reason": None if s["gold_fields"] else "no gold item reviewed",
        "consensus_agreement": s["agree"] / s["compared"] if s["compared"] else None,
        "consensus_agreement_reason": None if s["compared"] else "no item shared with other reviewers",
        "active_seconds": seconds,
    }
