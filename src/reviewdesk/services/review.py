"""The review engine: reserve the next item, keep or give back the reservation, submit, skip, flag."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy.engine import Connection

from reviewdesk.domain.permissions import Actor, Permission
from reviewdesk.domain.rubric import check_answers, kept_answers
from reviewdesk.errors import Conflict, Invalid, NotFound
from reviewdesk.services import audit, calibrations, gold, webhooks
from reviewdesk.services import datasets as datasets_service
from reviewdesk.services.clock import utcnow
from reviewdesk.services.queue_access import (
    load_visible,
    load_workable,
    require_live_item,
    require_workable,
    with_facts,
)
from reviewdesk.services.review_feedback import review_feedback_rows, write_review_feedback
from reviewdesk.services.review_view import item_view, rubric_at, rubric_configs
from reviewdesk.store import feedback as feedback_store
from reviewdesk.store import gold as gold_store
from reviewdesk.store import queue_items as items_store
from reviewdesk.store.database import Database
from reviewdesk.store.queue_items import DONE_STATUSES


def _review_row(actor: Actor, queue: dict[str, Any], item_id: uuid.UUID | None) -> dict[str, Any]:
    """A new reservation of the item by the caller, as a review row."""
    now = utcnow()
    shown = None
    if queue["kind"] == "pairwise":
        shown = random.choice(("AB", "BA"))  # per review, so position bias can be measured
    return {
        "id": uuid.uuid4(),
        "item_id": item_id,
        "queue_id": queue["id"],
        "reviewer_id": actor.user_id,
        "status": "reserved",
        "reserved_until": now + timedelta(seconds=queue["reservation_seconds"]),
        "started_at": now,
        "rubric_version": queue["rubric_version"],
        "shown_order": shown,
        "submitted_at": None,
        "answers": None,
        "comment": None,
        "reason": None,
        "feedback_ids": None,
    }


def _reserve(conn: Connection, actor: Actor, queue: dict[str, Any], item_id: uuid.UUID) -> dict[str, Any]:
    """Reserve the item for the caller: a new review, or its released or lapsed one taken up again."""
    review = items_store.reserve_review(conn, _review_row(actor, queue, item_id))
    if review is None:
        raise Conflict(f"you already {_finished_status(conn, actor, item_id)} this item", field="item_id")
    return review


def _finished_status(conn: Connection, actor: Actor, item_id: uuid.UUID) -> str:
    review = items_store.review_of(conn, item_id, actor.user_id)
    return review["status"] if review else "finished"


def next_item(db: Database, actor: Actor, queue_id: uuid.UUID) -> dict[str, Any] | None:
    """Reserve the next item for the caller (or hand back the one it already holds); None when done."""
    if actor.user_id is None:
        raise Invalid("only a user can review", field="actor")
    with db.write(durable=False) as conn:  # a reservation lost in a crash only lapses
        now = utcnow()
        queue = load_workable(conn, actor, queue_id, held_at=now)
        if queue["_held_item_id"] is not None:
            item = items_store.get(conn, queue["_held_item_id"])
            held = items_store.review_of(conn, queue["_held_item_id"], actor.user_id)
            if item is not None and held is not None and item["status"] == "pending":
                return item_view(conn, actor, queue, item, held)
            if item is not None and held is not None and gold_store.get(conn, item["id"]) is not None:
                return item_view(conn, actor, queue, gold.disguised(item), held)
        row = _review_row(actor, queue, None)
        claimed = gold.draw_gold(conn, queue, row) or items_store.claim(
            conn, row, queue["reviewers_per_item"], now
        )
        if claimed is None:
            return None
        item, review = claimed
        return item_view(conn, actor, queue, item, review)


def reserve_following(
    db: Database, actor: Actor, queue_id: uuid.UUID, current_item_ids: list[uuid.UUID]
) -> dict[str, Any] | None:
    """Prefetch: the item to review after the current one (and any whose submit is still on its way),
    reserved now so it is ready the moment they are done. An item already held besides those is
    handed back, so asking twice holds at most one extra. None when nothing else is left."""
    if len(current_item_ids) > 20:
        raise Invalid("at most 20 items to look past", field="after")
    if actor.user_id is None:
        raise Invalid("only a user can review", field="actor")
    with db.write(durable=False) as conn:
        now = utcnow()
        queue = load_workable(conn, actor, queue_id)
        held = items_store.held_besides(conn, queue_id, actor.user_id, current_item_ids, now)
        if held is not None:
            item = items_store.get(conn, held)
            review = items_store.review_of(conn, held, actor.user_id)
            if item is not None and review is not None and item["status"] == "pending":
                return item_view(conn, actor, queue, item, review)
        claimed = items_store.claim(
            conn,
            _review_row(actor, queue, None),
            queue["reviewers_per_item"],
            now,
            excluding=current_item_ids,
        )
        if claimed is None:
            return None
        item, review = claimed
        return item_view(conn, actor, queue, item, review)


def _load_for_reviewer(conn: Connection, actor: Actor, item_id: uuid.UUID, *, lock: bool = False):  # type: ignore[no-untyped-def]
    item = items_store.get(conn, item_id, for_update=lock)
    if item is None:
        raise NotFound(f"no item {item_id}", field="item_id")
    require_live_item(actor, item)
    queue = load_workable(conn, actor, item["queue_id"])
    review = items_store.review_of(conn, item_id, actor.user_id)
    return item, queue, review


def get_item(db: Database, actor: Actor, item_id: uuid.UUID) -> dict[str, Any]:
    """An item the caller reviewed or holds (for going back through its history)."""
    with db.read() as conn:
        item, queue, review = _load_for_reviewer(conn, actor, item_id)
        if review is None:
            raise Conflict("you have no reservation or review on this item; use next", field="item_id")
        return item_view(conn, actor, queue, item, review)


def read_item(db: Database, actor: Actor, item_id: uuid.UUID) -> dict[str, Any]:
    """`GET /items/{id}`: as `get_item` for a reviewer; those who manage queues (admins, members)
    read any item of a queue they see, with `review` null when they have none on it — an
    overseer's read, which reserves nothing and hides no feedback (they read all feedback anyway).
    """
    if not actor.can(Permission.MANAGE_QUEUES):
        return get_item(db, actor, item_id)
    with db.read() as conn:
        item = items_store.get(conn, item_id)
        if item is None:
            raise NotFound(f"no item {item_id}", field="item_id")
        queue = load_visible(conn, actor, item["queue_id"])
        review = items_store.review_of(conn, item_id, actor.user_id) if actor.user_id else None
        if review is None:
            return {**item_view(conn, actor, queue, item, {}), "review": None}
        return item_view(conn, actor, queue, item, review)


def heartbeat(db: Database, actor: Actor, item_id: uuid.UUID) -> dict[str, Any]:
    with db.write() as conn:
        item, queue, review = _load_for_reviewer(conn, actor, item_id, lock=True)
        if review is None or review["status"] != "reserved":
            raise Conflict("you hold no reservation on this item", field="item_id")
        until = utcnow() + timedelta(seconds=queue["reservation_seconds"])
        items_store.update_review(conn, review["id"], {"reserved_until": until})
        return {"item_id": item_id, "reserved_until": until}


def release(db: Database, actor: Actor, item_id: uuid.UUID) -> None:
    with db.write() as conn:
        _item, _queue, review = _load_for_reviewer(conn, actor, item_id, lock=True)
        if review is None or review["status"] != "reserved":
            raise Conflict("you hold no reservation on this item", field="item_id")
        items_store.update_review(conn, review["id"], {"status": "released", "reserved_until": None})
        audit.record(conn, actor, "review.release", "queue_item", item_id, None)


def _check_text(value: Any, field: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise Invalid("must be a string", field=field)
    return value


def submit(db: Database, actor: Actor, item_id: uuid.UUID, payload: dict[str, Any]) -> dict[str, Any]:
    """Write one feedback row per answered field; the item completes at reviewers_per_item submits.

    Submitting the same answers again changes nothing; different answers amend the review (audited).
    """
    if not isinstance(payload, dict):
        raise Invalid("must be a JSON object", field="body")
    comment = _check_text(payload.get("comment"), "comment")
    correction = payload.get("correction")
    with db.write() as conn:
        found = items_store.item_for_reviewer(conn, item_id, actor.user_id, for_update=True)
        if found is None:
            raise NotFound(f"no item {item_id}", field="item_id")
        item, review, trace_of = require_live_item(actor, found.item), found.review, found.trace_of
        queue = require_workable(conn, actor, with_facts(actor, found.queue, found.facts))
        version = (review or {}).get("rubric_version") or queue["rubric_version"]
        rubric = rubric_at(conn, queue, version)
        configs = rubric_configs(conn, queue, rubric)
        checked = check_answers(
            rubric, configs, payload.get("answers", {}), pairwise=queue["kind"] == "pairwise"
        )
        answers = kept_answers(checked)
        queue_at_version = {**queue, "rubric_version": version}

        def amend(submitted: dict[str, Any]) -> dict[str, Any]:
            return _amend(
                conn,
                actor,
                queue_at_version,
                item,
                submitted,
                checked,
                answers,
                comment,
                correction,
                trace_of,
            )

        if review is not None and review["status"] not in DONE_STATUSES and item["status"] != "pending":
            # On PostgreSQL the review came from the snapshot item_for_reviewer's statement began
            # with, before the item's lock was granted: a concurrent request of this reviewer may
            # have finished it since. This and a lost conditional finish below are the two signs.
            review = items_store.review_of(conn, item_id, actor.user_id)
        if item["status"] != "pending" and gold.is_gold_review(conn, item, review):
            return gold.submit_gold_review(conn, actor, queue, item, review, answers, comment)  # type: ignore[arg-type]
        if review is not None and review["status"] == "submitted":
            return amend(review)
        if review is not None and review["status"] in ("skipped", "flagged"):
            raise Conflict(f"you {review['status']} this item", field="item_id")
        if item["status"] != "pending":
            raise Conflict(f"the item is {item['status']}", field="item_id")
        if review is None:
            # A lapsed or never-taken reservation: accept the review if the item still needs one.
            review = _reserve(conn, actor, queue, item_id)
        rows = review_feedback_rows(
            actor, queue_at_version, item, review, checked, comment, correction, trace_of
        )
        now = utcnow()
        done = item["reviews_done"] + 1
        completed = done >= queue["reviewers_per_item"]
        finished = items_store.finish_review(
            conn,
            review["id"],
            {
                "status": "submitted",
                "submitted_at": now,
                "reserved_until": None,
                "answers": answers,
                "comment": comment,
                "feedback_ids": [str(row["id"]) for row in rows],
            },
            item_id,
            {
                "reviews_done": done,
                "status": "completed" if completed else "pending",
                "completed_at": now if completed else None,
            },
        )
        if not finished:
            review = items_store.review_of(conn, item_id, actor.user_id)  # see above
            if review is not None and review["status"] == "submitted":
                return amend(review)
            raise Conflict(
                f"you already {(review or {}).get('status', 'finished')} this item", field="item_id"
            )
        feedback_ids = write_review_feedback(conn, rows)
        _correction_to_dataset(conn, actor, queue, item, correction)
        if completed and queue.get("calibration_of") is not None:
            calibrations.on_item_completed(conn, queue)
        if completed and queue.get("_webhooks_enabled", True):
            event = webhooks.item_payload(queue, item, completed_at=now, reviews_done=done)
            webhooks.enqueue(conn, queue["id"], "item.completed", event)
        audit.record(
            conn,
            actor,
            "review.submit",
            "queue_item",
            item_id,
            {"queue_id": str(queue["id"]), "answers": answers, "rubric_version": version},
        )
        return {
            "item_id": item_id,
            "status": "submitted",
            "item_status": "completed" if completed else "pending",
            "feedback_ids": feedback_ids,
        }


def _correction_to_dataset(
    conn: Connection, actor: Actor, queue: dict[str, Any], item: dict[str, Any], correction: Any
) -> None:
    """A reviewer's correction goes straight into the queue's default dataset, when it names one."""
    if (
        correction is None
        or not queue.get("default_dataset_id")
        or item["run_id"] is None
        or item["run_b_id"]
    ):
        return
    datasets_service.upsert_run_example(conn, actor, queue["default_dataset_id"], item["run_id"])


def _amend(
    conn: Connection,
    actor: Actor,
    queue: dict[str, Any],
    item: dict[str, Any],
    review: dict[str, Any],
    checked: dict[str, tuple[float | None, Any]],
    answers: dict[str, Any],
    comment: str | None,
    correction: Any,
    trace_of: dict[uuid.UUID, uuid.UUID],
) -> dict[str, Any]:
    unchanged = review["answers"] == answers and review["comment"] == comment and correction is None
    if unchanged:
        return {
            "item_id": item["id"],
            "status": "submitted",
            "item_status": item["status"],
            "feedback_ids": [uuid.UUID(f) for f in review["feedback_ids"] or []],
            "amended": False,
        }
    for feedback_id in review["feedback_ids"] or []:
        feedback_store.delete(conn, uuid.UUID(feedback_id))
    rows = review_feedback_rows(actor, queue, item, review, checked, comment, correction, trace_of)
    feedback_ids = write_review_feedback(conn, rows)
    _correction_to_dataset(conn, actor, queue, item, correction)
    items_store.update_review(
        conn,
        review["id"],
        {"answers": answers, "comment": comment, "feedback_ids": [str(f) for f in feedback_ids]},
    )
    audit.record(
        conn, actor, "review.amend", "queue_item", item["id"], {"before": review["answers"], "after": answers}
    )
    return {
        "item_id": item["id"],
        "status": "submitted",
        "item_status": item["status"],
        "feedback_ids": feedback_ids,
        "amended": True,
    }


def _close_without_score(db: Database, actor: Actor, item_id: uuid.UUID, status: str, reason: Any) -> dict:
    reason = _check_text(reason, "reason")
    if status == "flagged" and not (reason and reason.strip()):
        raise Invalid("a flag needs a reason", field="reason")
    with db.write() as conn:
        item, queue, review = _load_for_reviewer(conn, actor, item_id, lock=True)
        if review is not None and review["status"] in ("submitted", "skipped", "flagged"):
            raise Conflict(f"you already {review['status']} this item", field="item_id")
        if review is None:
            review = _reserve(conn, actor, queue, item_id)
        items_store.update_review(
            conn,
            review["id"],
            {"status": status, "reason": reason, "reserved_until": None, "submitted_at": utcnow()},
        )
        if status == "flagged":
            items_store.update(conn, item_id, {"status": "flagged", "flag_reason": reason})
            event = webhooks.item_payload(queue, item, reason=reason, flagged_by=actor.user_id)
            webhooks.enqueue(conn, queue["id"], "item.flagged", event)
        action = "review.skip" if status == "skipped" else "review.flag"
        audit.record(
            conn, actor, action, "queue_item", item_id, {"queue_id": str(queue["id"]), "reason": reason}
        )
        return {"item_id": item_id, "status": status}


def skip(db: Database, actor: Actor, item_id: uuid.UUID, reason: Any = None) -> dict[str, Any]:
    """Pass the item on; it is never handed to this reviewer again."""
    return _close_without_score(db, actor, item_id, "skipped", reason)


def flag(db: Database, actor: Actor, item_id: uuid.UUID, reason: Any) -> dict[str, Any]:
    """Take the item out of review for an admin to resolve."""
    return _close_without_score(db, actor, item_id, "flagged", reason)


def history(db: Database, actor: Actor, queue_id: uuid.UUID, limit: int = 50) -> list[dict[str, Any]]:
    """The caller's own finished reviews in this queue, newest first (← in the review view)."""
    with db.read() as conn:
        load_workable(conn, actor, queue_id)
        rows = items_store.my_history(conn, queue_id, actor.user_id, limit)
    return [
        {k: r[k] for k in ("item_id", "status", "submitted_at", "answers", "comment", "reason")} for r in rows
    ]
