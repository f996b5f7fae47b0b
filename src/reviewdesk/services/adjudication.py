"""Adjudication: the final value of an item whose reviews disagree, recorded as feedback marked
adjudicated and linked to the reviews it settles."""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from reviewdesk.domain.consensus import disagreeing_fields
from reviewdesk.domain.permissions import Actor, Permission
from reviewdesk.domain.rubric import check_answers, kept_answers
from reviewdesk.errors import Forbidden, Invalid, NotFound
from reviewdesk.services import audit
from reviewdesk.services.clock import utcnow
from reviewdesk.services.paging import check_limit, decode_cursor, encode_cursor
from reviewdesk.services.queue_access import load_visible
from reviewdesk.services.review_feedback import write_review_feedback
from reviewdesk.store import adjudications as adjudications_store
from reviewdesk.store import feedback as feedback_store
from reviewdesk.store import feedback_configs as configs_store
from reviewdesk.store import queue_items as items_store
from reviewdesk.store.database import Database

STATUSES = ("open", "resolved", "all")
# The open cases are counted up to here (`open_capped` says the count stopped): finding each case
# compares its reviews, so an exact count of a long queue's history would cost as much as reading it.
OPEN_COUNT_CAP = 1_000


def _require_adjudicator(actor: Actor) -> None:
    if not actor.can(Permission.ADJUDICATE):
        raise Forbidden("adjudicating needs an admin or the adjudicate permission")


def _require_reader(actor: Actor) -> None:
    if not (actor.can(Permission.READ_FEEDBACK) or actor.can(Permission.ADJUDICATE)):
        raise Forbidden(f"the {actor.role.value} role may not read adjudications")


def public_adjudication(row: dict[str, Any]) -> dict[str, Any]:
    body = {k: row[k] for k in ("id", "item_id", "queue_id", "run_id", "answers", "comment", "created_at")}
    body["adjudicator_id"] = row["adjudicator_id"]
    body["review_ids"] = row["review_ids"]
    body["feedback_ids"] = row["feedback_ids"]
    return body


def _case(item_id: uuid.UUID, reviews: list[dict[str, Any]], adjudication: dict | None) -> dict[str, Any]:
    return {
        "item_id": item_id,
        "run_id": reviews[0]["run_id"],
        "completed_at": reviews[0]["completed_at"],
        "disagreeing_fields": disagreeing_fields(r["answers"] for r in reviews),
        "status": "resolved" if adjudication else "open",
        "reviews": [
            {
                "review_id": r["id"],
                "reviewer_id": r["reviewer_id"],
                "reviewer": r["email"],
                "answers": r["answers"] or {},
                "comment": r["comment"],
                "submitted_at": r["submitted_at"],
                "rubric_version": r["rubric_version"],
            }
            for r in reviews
        ],
        "adjudication": public_adjudication(adjudication) if adjudication else None,
    }


def list_adjudications(
    db: Database,
    actor: Actor,
    queue_id: uuid.UUID,
    status: str = "open",
    limit: int | None = 50,
    cursor: str | None = None,
) -> dict[str, Any]:
    """Completed items whose reviews disagree on a field: `open` (not settled yet), `resolved`, `all`.

    A keyset page, oldest completed item first: `items` and `next_cursor` (the key of the last item
    handed out, so an item settled between pages neither repeats nor hides another). The database
    finds the page's items, so only their reviews are read; `open` is counted there too, up to
    OPEN_COUNT_CAP."""
    if status not in STATUSES:
        raise Invalid(f"must be one of {', '.join(STATUSES)}", field="status")
    limit = check_limit(limit, default=50)
    after = decode_cursor(cursor)
    _require_reader(actor)
    with db.read() as conn:
        queue = load_visible(conn, actor, queue_id)
        keys = adjudications_store.rubric_keys(conn, queue_id)
        found = adjudications_store.case_items(conn, queue_id, keys, status, after, limit + 1)
        page = found[:limit]
        ids = [i["id"] for i in page]
        rows = adjudications_store.reviews_of_shared_items(conn, ids) if ids else []
        settled = adjudications_store.of_items(conn, ids) if ids else {}
        open_count = adjudications_store.count_cases(conn, queue_id, keys, "open", OPEN_COUNT_CAP + 1)
    grouped: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[row["item_id"]].append(row)
    last = page[-1] if page and len(found) > limit else None
    return {
        "queue_id": queue_id,
        "queue_name": queue["name"],
        "rubric": queue["rubric"],
        "status": status,
        "open": min(open_count, OPEN_COUNT_CAP),
        "open_capped": open_count > OPEN_COUNT_CAP,
        "items": [_case(i["id"], grouped[i["id"]], settled.get(i["id"])) for i in page if grouped[i["id"]]],
        "next_cursor": encode_cursor(last["completed_at"], last["id"]) if last else None,
    }


def get_case(db: Database, actor: Actor, item_id: uuid.UUID) -> dict[str, Any]:
    """One item's reviews side by side, with its adjudication if any."""
    _require_reader(actor)
    with db.read() as conn:
        item = items_store.get(conn, item_id)
        if item is None:
            raise NotFound(f"no item {item_id}", field="item_id")
        load_visible(conn, actor, item["queue_id"])
        reviews = adjudications_store.reviews_of_shared_items(conn, [item_id])
        adjudication = adjudications_store.of_item(conn, item_id)
    if not reviews:
        raise NotFound("the item has no reviews to compare", field="item_id")
    return _case(item_id, reviews, adjudication)


def adjudicate(db: Database, actor: Actor, item_id: uuid.UUID, payload: dict[str, Any]) -> dict[str, Any]:
    """`{"answers": {key: value}, "comment"}`: the final values, written as feedback marked
    adjudicated (linked to the reviews); adjudicating again replaces the earlier adjudication."""
    _require_adjudicator(actor)
    if not isinstance(payload, dict):
        raise Invalid("must be a JSON object", field="body")
    comment = payload.get("comment")
    if comment is not None and not isinstance(comment, str):
        raise Invalid("must be a string", field="comment")
    with db.write() as conn:
        item = items_store.get(conn, item_id, for_update=True)
        if item is None:
            raise NotFound(f"no item {item_id}", field="item_id")
        queue = load_visible(conn, actor, item["queue_id"])
        if item["run_id"] is None or item["run_b_id"] is not None:
            raise Invalid("only single-run items are adjudicated", field="item_id")
        reviews = adjudications_store.reviews_of_shared_items(conn, [item_id])
        if not reviews:
            raise Invalid("the item has no submitted reviews to settle", field="item_id")
        rubric = [{**f, "required": False} for f in queue["rubric"]]
        configs = configs_store.get_many(conn, [f["key"] for f in rubric])
        checked = check_answers(rubric, configs, payload.get("answers"))
        if not checked:
            raise Invalid("give the final value of at least one rubric field", field="answers")
        previous = adjudications_store.of_item(conn, item_id)
        adjudication_id = previous["id"] if previous else uuid.uuid4()
        review_ids = [str(r["id"]) for r in reviews]
        if previous:
            for feedback_id in previous["feedback_ids"]:
                feedback_store.delete(conn, uuid.UUID(feedback_id))
        now = utcnow()
        extra = {"adjudicated": True, "adjudication_id": str(adjudication_id), "review_ids": review_ids}
        rows = [
            {
                "id": uuid.uuid4(),
                "run_id": item["run_id"],
                "trace_id": None,  # looked up by write_review_feedback
                "key": key,
                "score": score,
                "value": value,
                "comment": comment,
                "correction": None,
                "source": "human",
                "created_by": actor.user_id,
                "queue_id": queue["id"],
                "rubric_version": queue["rubric_version"],
                "extra": extra,
                "created_at": now,
                "updated_at": now,
            }
            for key, (score, value) in checked.items()
        ]
        feedback_ids = [str(f) for f in write_review_feedback(conn, rows)]
        answers = kept_answers(checked)
        row = {
            "id": adjudication_id,
            "item_id": item_id,
            "queue_id": queue["id"],
            "run_id": item["run_id"],
            "answers": answers,
            "comment": comment,
            "adjudicator_id": actor.user_id,
            "review_ids": review_ids,
            "feedback_ids": feedback_ids,
            "created_at": now,
        }
        if previous:
            adjudications_store.update(conn, adjudication_id, row)
        else:
            adjudications_store.insert(conn, row)
        audit.record(
            conn,
            actor,
            "item.adjudicate",
            "queue_item",
            item_id,
            {"queue_id": str(queue["id"]), "answers": answers, "replaced": previous is not None},
        )
        return public_adjudication(row)
