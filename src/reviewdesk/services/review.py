"""The review engine: reserve the next item, keep or give back the reservation, submit, skip, flag."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy.engine import Connection

from reviewdesk.domain.permissions import Actor
from reviewdesk.domain.rubric import PAIRWISE_KEY, check_answers
from reviewdesk.errors import Conflict, Invalid, NotFound
from reviewdesk.services import audit, webhooks
from reviewdesk.services import datasets as datasets_service
from reviewdesk.services import feedback as feedback_service
from reviewdesk.services.clock import utcnow
from reviewdesk.services.queue_access import load_workable
from reviewdesk.services.queue_items import public_item
from reviewdesk.services.runs import public_run
from reviewdesk.store import feedback as feedback_store
from reviewdesk.store import feedback_configs as configs_store
from reviewdesk.store import queue_items as items_store
from reviewdesk.store import queues as queues_store
from reviewdesk.store import runs as runs_store
from reviewdesk.store.database import Database

PAIRWISE_SCORES = {"A": (1.0, 0.0), "B": (0.0, 1.0), "tie": (0.5, 0.5), "both_bad": (0.0, 0.0)}


def _rubric_with_configs(conn: Connection, rubric: list[dict[str, Any]]) -> list[dict[str, Any]]:
    configs = configs_store.get_many(conn, [f["key"] for f in rubric])
    out = []
    for field in rubric:
        config = configs.get(field["key"], {})
        out.append(
            {
                **field,
                **{k: config.get(k) for k in ("type", "options", "min", "max", "max_length", "description")},
            }
        )
    return out


def _runs_in_order(conn: Connection, item: dict[str, Any], review: dict[str, Any]) -> list[dict[str, Any]]:
    """The runs to show: one run, a pair in the order shown to this reviewer, or a session's turns."""
    if item["session_id"] is not None:
        return [public_run(r) for r in runs_store.roots_of_session(conn, item["session_id"])]
    ids = [item["run_id"], item["run_b_id"]] if item["run_b_id"] else [item["run_id"]]
    if review.get("shown_order") == "BA":
        ids.reverse()
    found = {r["id"]: r for r in runs_store.fetch_by_ids(conn, ids)}
    # A run routed from inside a still-running chain may not have arrived yet.
    return [public_run(found[i]) if i in found else {"id": i, "missing": True} for i in ids]


def _feedback_view(
    conn: Connection, actor: Actor, queue: dict[str, Any], item: dict[str, Any], review: dict[str, Any]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Feedback the reviewer may read, and suggestions from automated feedback on rubric keys.

    In a blind queue a reviewer sees no other human's feedback on these runs until it has submitted.
    """
    run_ids = [r for r in (item["run_id"], item["run_b_id"]) if r]
    rows = feedback_store.list_page(conn, filters={"run_id": run_ids}, limit=500, after=None)
    hide_humans = queue["blind"] and review.get("status") != "submitted"
    visible = [
        feedback_service.public_feedback(r)
        for r in rows
        if not (hide_humans and r["source"] == "human" and r["created_by"] != actor.user_id)
    ]
    rubric_keys = {f["key"] for f in queue["rubric"]}
    suggestions: dict[str, Any] = {}
    for row in sorted(rows, key=lambda r: r["created_at"]):
        if row["source"] == "model" and row["key"] in rubric_keys:
            suggestions[row["key"]] = {
                "score": row["score"],
                "value": row["value"],
                "source": "model",
                "feedback_id": row["id"],
                "suggested": True,
            }
    return visible, suggestions


def _item_view(
    conn: Connection, actor: Actor, queue: dict[str, Any], item: dict[str, Any], review: dict[str, Any]
) -> dict[str, Any]:
    feedback, suggestions = _feedback_view(conn, actor, queue, item, review)
    rubric = (
        queues_store.rubric_version(
            conn, queue["id"], review.get("rubric_version") or queue["rubric_version"]
        )
        or queue["rubric"]
    )
    return {
        "item": public_item(item),
        "review": {
            k: review.get(k)
            for k in (
                "id",
                "status",
                "reserved_until",
                "started_at",
                "submitted_at",
                "shown_order",
                "answers",
                "comment",
                "rubric_version",
            )
        },
        "runs": _runs_in_order(conn, item, review),
        "rubric": _rubric_with_configs(conn, rubric),
        "rubric_version": review.get("rubric_version") or queue["rubric_version"],
        "queue": {
            "id": queue["id"],
            "name": queue["name"],
            "description": queue["description"],
            "kind": queue["kind"],
        },
        "reserved_until": review.get("reserved_until"),
        "feedback": feedback,
        "suggestions": suggestions,
    }


def _reserve(conn: Connection, actor: Actor, queue: dict[str, Any], item_id: uuid.UUID) -> dict[str, Any]:
    now = utcnow()
    until = now + timedelta(seconds=queue["reservation_seconds"])
    existing = items_store.review_of(conn, item_id, actor.user_id)
    shown = None
    if queue["kind"] == "pairwise":
        shown = random.choice(("AB", "BA"))  # per review, so position bias can be measured
    values = {
        "status": "reserved",
        "reserved_until": until,
        "started_at": now,
        "rubric_version": queue["rubric_version"],
        "shown_order": shown,
    }
    if existing:
        if existing["status"] in items_store.DONE_STATUSES:
            raise Conflict(f"you already {existing['status']} this item", field="item_id")
        items_store.update_review(conn, existing["id"], values)
        return {**existing, **values}
    row = {
        "id": uuid.uuid4(),
        "item_id": item_id,
        "queue_id": queue["id"],
        "reviewer_id": actor.user_id,
        "submitted_at": None,
        "answers": None,
        "comment": None,
        "reason": None,
        "feedback_ids": None,
        **values,
    }
    items_store.insert_review(conn, row)
    return row


def next_item(db: Database, actor: Actor, queue_id: uuid.UUID) -> dict[str, Any] | None:
    """Reserve the next item for the caller (or hand back the one it already holds); None when done."""
    if actor.user_id is None:
        raise Invalid("only a user can review", field="actor")
    with db.write() as conn:
        queue = load_workable(conn, actor, queue_id)
        now = utcnow()
        held = items_store.held_reservation(conn, queue_id, actor.user_id, now)
        if held is not None:
            item = items_store.get(conn, held["item_id"])
            if item is not None and item["status"] == "pending":
                return _item_view(conn, actor, queue, item, held)
        item_id = items_store.claimable_item_id(
            conn, queue_id, actor.user_id, queue["reviewers_per_item"], now
        )
        if item_id is None:
            return None
        review = _reserve(conn, actor, queue, item_id)
        item = items_store.get(conn, item_id)
        return _item_view(conn, actor, queue, item, review)


def _load_for_reviewer(conn: Connection, actor: Actor, item_id: uuid.UUID, *, lock: bool = False):  # type: ignore[no-untyped-def]
    item = items_store.get(conn, item_id, for_update=lock)
    if item is None:
        raise NotFound(f"no item {item_id}", field="item_id")
    queue = load_workable(conn, actor, item["queue_id"])
    review = items_store.review_of(conn, item_id, actor.user_id)
    return item, queue, review


def get_item(db: Database, actor: Actor, item_id: uuid.UUID) -> dict[str, Any]:
    """An item the caller reviewed or holds (for going back through its history)."""
    with db.read() as conn:
        item, queue, review = _load_for_reviewer(conn, actor, item_id)
        if review is None:
            raise Conflict("you have no reservation or review on this item; use next", field="item_id")
        return _item_view(conn, actor, queue, item, review)


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


def _write_feedback(
    conn: Connection,
    actor: Actor,
    queue: dict[str, Any],
    item: dict[str, Any],
    review: dict[str, Any],
    checked: dict[str, tuple[float | None, Any]],
    comment: str | None,
    correction: Any,
) -> list[uuid.UUID]:
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
                    conn,
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
                    conn,
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
            _feedback_row(conn, actor, queue, item["run_id"], key, score, value, comment, correction, extra)
        )
    if not checked and (comment or correction):
        rows.append(
            _feedback_row(
                conn, actor, queue, item["run_id"], "comment", None, None, comment, correction, extra
            )
        )
    for row in rows:
        feedback_store.insert(conn, row)
    return [r["id"] for r in rows]


def _feedback_row(
    conn: Connection,
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
    trace_ids = runs_store.trace_ids_of(conn, [run_id])
    return {
        "id": uuid.uuid4(),
        "run_id": run_id,
        "trace_id": trace_ids.get(run_id),
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


def submit(db: Database, actor: Actor, item_id: uuid.UUID, payload: dict[str, Any]) -> dict[str, Any]:
    """Write one feedback row per answered field; the item completes at reviewers_per_item submits.

    Submitting the same answers again changes nothing; different answers amend the review (audited).
    """
    if not isinstance(payload, dict):
        raise Invalid("must be a JSON object", field="body")
    comment = _check_text(payload.get("comment"), "comment")
    correction = payload.get("correction")
    with db.write() as conn:
        item, queue, review = _load_for_reviewer(conn, actor, item_id, lock=True)
        version = (review or {}).get("rubric_version") or queue["rubric_version"]
        rubric = queues_store.rubric_version(conn, queue["id"], version) or queue["rubric"]
        configs = configs_store.get_many(conn, [f["key"] for f in rubric])
        checked = check_answers(
            rubric, configs, payload.get("answers", {}), pairwise=queue["kind"] == "pairwise"
        )
        answers = {k: v for k, (_s, v) in checked.items()}
        queue_at_version = {**queue, "rubric_version": version}
        if review is not None and review["status"] == "submitted":
            return _amend(conn, actor, queue_at_version, item, review, checked, answers, comment, correction)
        if review is not None and review["status"] in ("skipped", "flagged"):
            raise Conflict(f"you {review['status']} this item", field="item_id")
        if item["status"] != "pending":
            raise Conflict(f"the item is {item['status']}", field="item_id")
        if review is None:
            # A lapsed or never-taken reservation: accept the review if the item still needs one.
            review = _reserve(conn, actor, queue, item_id)
        feedback_ids = _write_feedback(
            conn, actor, queue_at_version, item, review, checked, comment, correction
        )
        _correction_to_dataset(conn, actor, queue, item, correction)
        now = utcnow()
        items_store.update_review(
            conn,
            review["id"],
            {
                "status": "submitted",
                "submitted_at": now,
                "reserved_until": None,
                "answers": answers,
                "comment": comment,
                "feedback_ids": [str(f) for f in feedback_ids],
            },
        )
        done = item["reviews_done"] + 1
        completed = done >= queue["reviewers_per_item"]
        items_store.update(
            conn,
            item_id,
            {
                "reviews_done": done,
                "status": "completed" if completed else "pending",
                "completed_at": now if completed else None,
            },
        )
        if completed:
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
    feedback_ids = _write_feedback(conn, actor, queue, item, review, checked, comment, correction)
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
