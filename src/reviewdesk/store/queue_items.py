"""Queue items and reviews: reading an item for its reviewer, the atomic claim, and review bookkeeping."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reviewdesk.store import queues as queues_store
from reviewdesk.store.dialect import insert_for
from reviewdesk.store.tables import annotation_queues, queue_items, queue_reviewers, reviews, runs

DONE_STATUSES = ("submitted", "skipped", "flagged")


# The hot statements spell "status in DONE_STATUSES" as equalities: an IN list is an expanding
# parameter, and SQLAlchemy rewrites the statement's SQL text on every execution to expand it.
def _finished(status: sa.ColumnElement) -> sa.ColumnElement:
    return sa.or_(*(status == s for s in DONE_STATUSES))


def _unfinished(status: sa.ColumnElement) -> sa.ColumnElement:
    return sa.and_(*(status != s for s in DONE_STATUSES))


_ITEM = sa.select(queue_items).where(queue_items.c.id == sa.bindparam("item_id"))
_ITEM_LOCKED = _ITEM.with_for_update()  # SQLite renders no FOR UPDATE: BEGIN IMMEDIATE already serializes


def get(conn: Connection, item_id: uuid.UUID, *, for_update: bool = False) -> dict[str, Any] | None:
    row = conn.execute(_ITEM_LOCKED if for_update else _ITEM, {"item_id": item_id}).mappings().first()
    return dict(row) if row else None


_run_a = runs.alias("run_a")
_run_b = runs.alias("run_b")
_REVIEW_PREFIX = "review__"


@functools.cache
def _item_for_reviewer_statement(dialect: str, for_update: bool) -> sa.Select:
    query = (
        sa.select(
            queue_items,
            *[c.label(_REVIEW_PREFIX + c.name) for c in reviews.c],
            _run_a.c.trace_id.label("run_trace_id"),
            _run_b.c.trace_id.label("run_b_trace_id"),
            *queues_store.for_user_columns(dialect),
        )
        .select_from(
            queue_items.join(annotation_queues, annotation_queues.c.id == queue_items.c.queue_id)
            .outerjoin(
                reviews,
                sa.and_(
                    reviews.c.item_id == queue_items.c.id, reviews.c.reviewer_id == sa.bindparam("user_id")
                ),
            )
            .outerjoin(_run_a, _run_a.c.id == queue_items.c.run_id)
            .outerjoin(_run_b, _run_b.c.id == queue_items.c.run_b_id)
        )
        .where(queue_items.c.id == sa.bindparam("item_id"))
    )
    return query.with_for_update(of=queue_items) if for_update else query


@dataclass(frozen=True)
class ItemForReviewer:
    item: dict[str, Any]
    review: dict[str, Any] | None  # this reviewer's review of the item, if any
    trace_of: dict[uuid.UUID, uuid.UUID]  # the trace id of each run the item points at
    queue: dict[str, Any]
    facts: queues_store.UserFacts  # what the queue read answers for this reviewer


def item_for_reviewer(
    conn: Connection, item_id: uuid.UUID, reviewer_id: uuid.UUID, *, for_update: bool = False
) -> ItemForReviewer | None:
    """In one statement, what a submit needs: the item (locked on PostgreSQL if asked), this reviewer's
    review of it, the trace id of each of its runs, and its queue read for this reviewer.

    On PostgreSQL the review comes from the statement's snapshot, taken before the item's lock was
    granted: a concurrent request of the same reviewer may have finished it since (see
    `finish_review`)."""
    query = _item_for_reviewer_statement(conn.dialect.name, for_update)
    row = conn.execute(query, {"item_id": item_id, "user_id": reviewer_id}).mappings().first()
    if row is None:
        return None
    item = {c.name: row[c.name] for c in queue_items.c}
    review = None
    if row[_REVIEW_PREFIX + "id"] is not None:
        review = {c.name: row[_REVIEW_PREFIX + c.name] for c in reviews.c}
    trace_of = {}
    for run_key, trace_key in (("run_id", "run_trace_id"), ("run_b_id", "run_b_trace_id")):
        if item[run_key] is not None and row[trace_key] is not None:
            trace_of[item[run_key]] = row[trace_key]
    queue, facts = queues_store.split_for_user(row)
    return ItemForReviewer(item, review, trace_of, queue, facts)


# Prebuilt statements, the values passed as parameters: the compiled form is reused on every call.
_UPDATE_ITEM = queue_items.update().where(queue_items.c.id == sa.bindparam("_item_id"))
_UPDATE_REVIEW = reviews.update().where(reviews.c.id == sa.bindparam("_review_id"))


def update(conn: Connection, item_id: uuid.UUID, values: dict[str, Any]) -> None:
    conn.execute(_UPDATE_ITEM, {**values, "_item_id": item_id})


def _claim_conditions() -> list:
    """Pending, not finished by this reviewer, and fewer live reservations by others than reviews it
    still needs. Parameters: reviewer_id, now, needed."""
    reviewer = sa.bindparam("reviewer_id", type_=reviews.c.reviewer_id.type)
    # Not `NOT EXISTS`: PostgreSQL turns that into an anti-join, and its generic plan (the one a
    # prepared statement ends up with) joins against every review of the reviewer, a scan that grows
    # with the reviews table. A scalar subquery stays a per-candidate probe of the (item, reviewer) key.
    mine_done = (
        sa.select(sa.literal_column("1"))
        .where(
            reviews.c.item_id == queue_items.c.id,
            reviews.c.reviewer_id == reviewer,
            _finished(reviews.c.status),
        )
        .limit(1)
        .scalar_subquery()
    )
    others_holding = (
        sa.select(sa.func.count())
        .where(
            reviews.c.item_id == queue_items.c.id,
            reviews.c.status == "reserved",
            reviews.c.reserved_until > sa.bindparam("now", type_=reviews.c.reserved_until.type),
            reviews.c.reviewer_id != reviewer,
        )
        .scalar_subquery()
    )
    return [
        queue_items.c.status == "pending",
        mine_done.is_(None),
        queue_items.c.reviews_done + others_holding < sa.bindparam("needed", type_=sa.Integer),
    ]


_CLAIM = (
    sa.select(queue_items)
    .where(queue_items.c.queue_id == sa.bindparam("queue_id"), *_claim_conditions())
    .order_by(queue_items.c.priority.desc(), queue_items.c.added_at, queue_items.c.id)
    .limit(1)
)
_CLAIM_SKIP_LOCKED = _CLAIM.with_for_update(skip_locked=True, of=queue_items)
_CLAIM_SKIP_LOCKED_PASSING_OVER = _CLAIM_SKIP_LOCKED.where(
    queue_items.c.id.not_in(sa.bindparam("passed_over", expanding=True))
)
_CLAIM_EXCLUDING = _CLAIM.where(queue_items.c.id.not_in(sa.bindparam("passed_over", expanding=True)))
_HELD_OTHER = (
    sa.select(reviews.c.item_id)
    .where(
        reviews.c.queue_id == sa.bindparam("queue_id"),
        reviews.c.reviewer_id == sa.bindparam("reviewer_id"),
        reviews.c.status == "reserved",
        reviews.c.reserved_until > sa.bindparam("now"),
        reviews.c.item_id.not_in(sa.bindparam("item_ids", expanding=True)),
    )
    .order_by(reviews.c.started_at)
    .limit(1)
)


def held_besides(
    conn: Connection,
    queue_id: uuid.UUID,
    reviewer_id: uuid.UUID,
    item_ids: Sequence[uuid.UUID],
    now: datetime,
) -> uuid.UUID | None:
    """An item of the queue, not one of `item_ids`, the reviewer holds a live reservation on (a prefetched one)."""
    params = {"queue_id": queue_id, "reviewer_id": reviewer_id, "item_ids": list(item_ids), "now": now}
    return conn.execute(_HELD_OTHER, params).scalar()


_STILL_CLAIMABLE = sa.select(queue_items.c.id).where(
    queue_items.c.id == sa.bindparam("item_id"), *_claim_conditions()
)


@functools.cache
def _reserve_if_claimable_statement() -> sa.Insert:
    """PostgreSQL: the reservation, written only if a fresh look still finds the item claimable."""
    names = [c.name for c in reviews.c]
    values = sa.select(*[sa.bindparam(name, type_=reviews.c[name].type) for name in names]).where(
        sa.exists(_STILL_CLAIMABLE)
    )
    stmt = insert_for("postgresql", reviews).from_select(names, values)
    return stmt.on_conflict_do_update(
        index_elements=["item_id", "reviewer_id"],
        set_={name: stmt.excluded[name] for name in _RESERVED_FIELDS},
        where=_unfinished(reviews.c.status),
    ).returning(*reviews.c)


def claim(
    conn: Connection,
    review: dict[str, Any],
    reviews_needed: int,
    now: datetime,
    excluding: Sequence[uuid.UUID] = (),
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """Reserve for `review["reviewer_id"]` the highest-priority, oldest pending item of
    `review["queue_id"]` that it has not finished and that has a free slot; the item and the review
    row written (`review` with its `item_id` filled in), or None when there is none.

    SQLite: the caller's BEGIN IMMEDIATE already serializes claimers. PostgreSQL: candidates are locked
    with SKIP LOCKED and the reservation is written only if a fresh look still finds the item
    claimable, because the first statement's subqueries read a snapshot taken before the lock was
    granted (every write to an item's reviews holds that item's row lock, so the second look is exact).
    """
    params: dict[str, Any] = {
        "queue_id": review["queue_id"],
        "reviewer_id": review["reviewer_id"],
        "needed": reviews_needed,
        "now": now,
    }
    if conn.dialect.name != "postgresql":
        query = _CLAIM_EXCLUDING if excluding else _CLAIM
        item = conn.execute(query, {**params, "passed_over": list(excluding)}).mappings().first()
        if item is None:
            return None
        reserved = reserve_review(conn, {**review, "item_id": item["id"]})
        return (dict(item), reserved) if reserved else None
    passed_over: list[uuid.UUID] = list(excluding)  # `excluding`: items the caller already holds
    for _attempt in range(50):
        query = _CLAIM_SKIP_LOCKED_PASSING_OVER if passed_over else _CLAIM_SKIP_LOCKED
        item = conn.execute(query, {**params, "passed_over": passed_over}).mappings().first()
        if item is None:
            return None
        row = {**review, **params, "item_id": item["id"]}
        reserved = conn.execute(_reserve_if_claimable_statement(), row).mappings().first()
        if reserved is not None:
            return dict(item), dict(reserved)
        passed_over.append(item["id"])
    return None


_REVIEW_OF = sa.select(reviews).where(
    reviews.c.item_id == sa.bindparam("item_id"), reviews.c.reviewer_id == sa.bindparam("reviewer_id")
)


def review_of(conn: Connection, item_id: uuid.UUID, reviewer_id: uuid.UUID) -> dict[str, Any] | None:
    row = conn.execute(_REVIEW_OF, {"item_id": item_id, "reviewer_id": reviewer_id}).mappings().first()
    return dict(row) if row else None


_RESERVED_FIELDS = ("status", "reserved_until", "started_at", "rubric_version", "shown_order")


@functools.cache
def _reserve_statement(dialect: str) -> sa.Insert:
    stmt = insert_for(dialect, reviews)
    return stmt.on_conflict_do_update(
        index_elements=["item_id", "reviewer_id"],
        set_={name: stmt.excluded[name] for name in _RESERVED_FIELDS},
        where=_unfinished(reviews.c.status),
    ).returning(*reviews.c)


def reserve_review(conn: Connection, row: dict[str, Any]) -> dict[str, Any] | None:
    """Insert this reviewer's review of the item as reserved, or turn its released or lapsed one back
    into a reservation; None when the reviewer already finished the item (submitted, skipped, flagged)."""
    found = conn.execute(_reserve_statement(conn.dialect.name), row).mappings().first()
    return dict(found) if found else None


def update_review(conn: Connection, review_id: uuid.UUID, values: dict[str, Any]) -> None:
    conn.execute(_UPDATE_REVIEW, {**values, "_review_id": review_id})


_FINISH_REVIEW = _UPDATE_REVIEW.where(_unfinished(reviews.c.status))
_FINISHED_REVIEW_FIELDS = ("status", "submitted_at", "reserved_until", "answers", "comment", "feedback_ids")
_ITEM_PROGRESS_FIELDS = ("reviews_done", "status", "completed_at")


@functools.cache
def _finish_review_then_item_statement() -> sa.Update:
    """PostgreSQL: the conditional finish of a review and, only if it happened, the update of its item,
    in one round trip (a data-modifying CTE runs once, whether or not the outer statement reads it)."""
    finished = (
        reviews.update()
        .where(reviews.c.id == sa.bindparam("_review_id"), _unfinished(reviews.c.status))
        .values({n: sa.bindparam(f"review_{n}", type_=reviews.c[n].type) for n in _FINISHED_REVIEW_FIELDS})
        .returning(reviews.c.id)
        .cte("finished")
    )
    return (
        queue_items.update()
        .where(queue_items.c.id == sa.bindparam("_item_id"), sa.exists(sa.select(finished.c.id)))
        .values({n: sa.bindparam(f"item_{n}", type_=queue_items.c[n].type) for n in _ITEM_PROGRESS_FIELDS})
    )


def finish_review(
    conn: Connection,
    review_id: uuid.UUID,
    values: dict[str, Any],
    item_id: uuid.UUID,
    item_values: dict[str, Any],
) -> bool:
    """Set a review's values (all of `_FINISHED_REVIEW_FIELDS`) unless it is already finished and, if
    they were set, its item's (`_ITEM_PROGRESS_FIELDS`); whether they were. The caller holds the item's
    lock, so the item is there to update."""
    if conn.dialect.name == "postgresql":
        params = {f"review_{n}": values[n] for n in _FINISHED_REVIEW_FIELDS}
        params.update({f"item_{n}": item_values[n] for n in _ITEM_PROGRESS_FIELDS})
        params.update(_review_id=review_id, _item_id=item_id)
        return conn.execute(_finish_review_then_item_statement(), params).rowcount == 1
    if conn.execute(_FINISH_REVIEW, {**values, "_review_id": review_id}).rowcount != 1:
        return False
    update(conn, item_id, item_values)
    return True


def my_history(conn: Connection, queue_id: uuid.UUID, reviewer_id: uuid.UUID, limit: int) -> list[dict]:
    query = (
        sa.select(reviews)
        .where(
            reviews.c.queue_id == queue_id,
            reviews.c.reviewer_id == reviewer_id,
            reviews.c.status.in_(DONE_STATUSES),
        )
        .order_by(reviews.c.submitted_at.desc())
        .limit(limit)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def trace_reachable_by_reviewer(conn: Connection, reviewer_id: uuid.UUID, trace_id: uuid.UUID) -> bool:
    """Whether some live item (not removed) of a live queue (not archived) this user is assigned to
    lies in this trace: a run of it, either side of a pair, or a turn of its session."""
    by_run = sa.exists().where(
        queue_reviewers.c.user_id == reviewer_id,
        annotation_queues.c.id == queue_reviewers.c.queue_id,
        annotation_queues.c.archived.is_(False),
        queue_items.c.queue_id == queue_reviewers.c.queue_id,
        queue_items.c.status != "removed",
        runs.c.trace_id == trace_id,
        sa.or_(
            runs.c.id == queue_items.c.run_id,
            runs.c.id == queue_items.c.run_b_id,
            sa.and_(queue_items.c.session_id.is_not(None), runs.c.session_id == queue_items.c.session_id),
        ),
    )
    return bool(conn.execute(sa.select(by_run)).scalar())
