"""Queue items and reviews: adding without duplicates, the atomic claim, and review bookkeeping."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reviewdesk.store.dialect import insert_ignore_statement
from reviewdesk.store.tables import queue_items, reviews, runs, users

DONE_STATUSES = ("submitted", "skipped", "flagged")


def insert_ignoring_duplicates(conn: Connection, rows: list[dict[str, Any]]) -> int:
    """Insert items; a target already in its queue is left alone. Returns how many were added."""
    if not rows:
        return 0
    keys = [r["target_key"] for r in rows]
    queue_id = rows[0]["queue_id"]
    before = _existing_keys(conn, queue_id, keys)
    conn.execute(insert_ignore_statement(conn, queue_items, ["queue_id", "target_key"]), rows)
    return len(set(keys) - before)


def _existing_keys(conn: Connection, queue_id: uuid.UUID, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), 5000):
        query = sa.select(queue_items.c.target_key).where(
            queue_items.c.queue_id == queue_id, queue_items.c.target_key.in_(keys[start : start + 5000])
        )
        found.update(k for (k,) in conn.execute(query))
    return found


def ids_by_target(conn: Connection, queue_id: uuid.UUID, keys: list[str]) -> dict[str, uuid.UUID]:
    query = sa.select(queue_items.c.target_key, queue_items.c.id).where(
        queue_items.c.queue_id == queue_id, queue_items.c.target_key.in_(keys)
    )
    return {k: i for k, i in conn.execute(query)}


def get(conn: Connection, item_id: uuid.UUID, *, for_update: bool = False) -> dict[str, Any] | None:
    query = sa.select(queue_items).where(queue_items.c.id == item_id)
    if for_update and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def list_page(
    conn: Connection, queue_id: uuid.UUID, *, status: str | None, limit: int, offset: int
) -> list[dict[str, Any]]:
    query = sa.select(queue_items).where(queue_items.c.queue_id == queue_id)
    if status is not None:
        query = query.where(queue_items.c.status == status)
    else:
        query = query.where(queue_items.c.status != "removed")
    query = query.order_by(queue_items.c.priority.desc(), queue_items.c.added_at, queue_items.c.id)
    return [dict(r) for r in conn.execute(query.limit(limit).offset(offset)).mappings()]


def update(conn: Connection, item_id: uuid.UUID, values: dict[str, Any]) -> None:
    conn.execute(queue_items.update().where(queue_items.c.id == item_id).values(**values))


def delete(conn: Connection, item_id: uuid.UUID) -> None:
    conn.execute(queue_items.delete().where(queue_items.c.id == item_id))


def _claim_conditions(reviewer_id: uuid.UUID, reviews_needed: int, now: datetime) -> list:
    mine_done = sa.exists().where(
        reviews.c.item_id == queue_items.c.id,
        reviews.c.reviewer_id == reviewer_id,
        reviews.c.status.in_(DONE_STATUSES),
    )
    others_holding = (
        sa.select(sa.func.count())
        .where(
            reviews.c.item_id == queue_items.c.id,
            reviews.c.status == "reserved",
            reviews.c.reserved_until > now,
            reviews.c.reviewer_id != reviewer_id,
        )
        .scalar_subquery()
    )
    return [
        queue_items.c.status == "pending",
        ~mine_done,
        queue_items.c.reviews_done + others_holding < reviews_needed,
    ]


def claimable_item_id(
    conn: Connection, queue_id: uuid.UUID, reviewer_id: uuid.UUID, reviews_needed: int, now: datetime
) -> uuid.UUID | None:
    """The highest-priority, oldest pending item this reviewer has not reviewed and that has a free slot.

    SQLite: the caller's BEGIN IMMEDIATE already serializes claimers. PostgreSQL: candidates are locked
    with SKIP LOCKED, then checked again by a fresh statement, because the first statement's
    subqueries read a snapshot taken before the lock was granted (every write to an item's reviews
    holds that item's row lock, so the second look is exact).
    """
    conditions = _claim_conditions(reviewer_id, reviews_needed, now)
    query = (
        sa.select(queue_items.c.id)
        .where(queue_items.c.queue_id == queue_id, *conditions)
        .order_by(queue_items.c.priority.desc(), queue_items.c.added_at, queue_items.c.id)
        .limit(1)
    )
    if conn.dialect.name != "postgresql":
        return conn.execute(query).scalar()
    passed_over: list[uuid.UUID] = []
    for _attempt in range(50):
        candidate_query = query.where(queue_items.c.id.not_in(passed_over)) if passed_over else query
        candidate = conn.execute(candidate_query.with_for_update(skip_locked=True, of=queue_items)).scalar()
        if candidate is None:
            return None
        recheck = sa.select(queue_items.c.id).where(queue_items.c.id == candidate, *conditions)
        if conn.execute(recheck).scalar() is not None:
            return candidate
        passed_over.append(candidate)
    return None


def held_reservation(
    conn: Connection, queue_id: uuid.UUID, reviewer_id: uuid.UUID, now: datetime
) -> dict | None:
    query = sa.select(reviews).where(
        reviews.c.queue_id == queue_id,
        reviews.c.reviewer_id == reviewer_id,
        reviews.c.status == "reserved",
        reviews.c.reserved_until > now,
    )
    row = conn.execute(query.limit(1)).mappings().first()
    return dict(row) if row else None


def review_of(conn: Connection, item_id: uuid.UUID, reviewer_id: uuid.UUID) -> dict[str, Any] | None:
    query = sa.select(reviews).where(reviews.c.item_id == item_id, reviews.c.reviewer_id == reviewer_id)
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def insert_review(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(reviews.insert().values(**row))


def update_review(conn: Connection, review_id: uuid.UUID, values: dict[str, Any]) -> None:
    conn.execute(reviews.update().where(reviews.c.id == review_id).values(**values))


def reviews_of_item(conn: Connection, item_id: uuid.UUID) -> list[dict[str, Any]]:
    query = sa.select(reviews).where(reviews.c.item_id == item_id).order_by(reviews.c.started_at)
    return [dict(r) for r in conn.execute(query).mappings()]


def reviewers_of_items(conn: Connection, item_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """Who reviewed (or holds) each item, with the review's status: one query for a page of items."""
    if not item_ids:
        return {}
    query = (
        sa.select(
            reviews.c.item_id,
            reviews.c.reviewer_id,
            users.c.email,
            users.c.name,
            reviews.c.status,
            reviews.c.reserved_until,
            reviews.c.submitted_at,
        )
        .join(users, users.c.id == reviews.c.reviewer_id, isouter=True)
        .where(reviews.c.item_id.in_(item_ids))
        .order_by(reviews.c.item_id, reviews.c.started_at, reviews.c.id)
    )
    grouped: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for row in conn.execute(query).mappings():
        entry = {k: row[k] for k in row if k != "item_id"}
        grouped.setdefault(row["item_id"], []).append(entry)
    return grouped


def status_counts(conn: Connection, queue_id: uuid.UUID) -> dict[str, int]:
    query = (
        sa.select(queue_items.c.status, sa.func.count())
        .where(queue_items.c.queue_id == queue_id)
        .group_by(queue_items.c.status)
    )
    return {status: n for status, n in conn.execute(query)}


def finished_reviews(conn: Connection, queue_id: uuid.UUID) -> list[dict[str, Any]]:
    query = sa.select(
        reviews.c.reviewer_id, reviews.c.status, reviews.c.started_at, reviews.c.submitted_at
    ).where(reviews.c.queue_id == queue_id, reviews.c.status.in_(DONE_STATUSES))
    return [dict(r) for r in conn.execute(query).mappings()]


def added_and_completed(conn: Connection, queue_id: uuid.UUID, since: datetime) -> list[dict[str, Any]]:
    query = sa.select(queue_items.c.added_at, queue_items.c.completed_at).where(
        queue_items.c.queue_id == queue_id,
        sa.or_(queue_items.c.added_at >= since, queue_items.c.completed_at >= since),
    )
    return [dict(r) for r in conn.execute(query).mappings()]


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


def trace_reachable_from_queues(conn: Connection, queue_ids: list[uuid.UUID], trace_id: uuid.UUID) -> bool:
    """Whether some item of these queues (either side of a pair, or a session) lies in this trace."""
    if not queue_ids:
        return False
    by_run = sa.exists().where(
        queue_items.c.queue_id.in_(queue_ids),
        runs.c.trace_id == trace_id,
        sa.or_(
            runs.c.id == queue_items.c.run_id,
            runs.c.id == queue_items.c.run_b_id,
            sa.and_(queue_items.c.session_id.is_not(None), runs.c.session_id == queue_items.c.session_id),
        ),
    )
    return bool(conn.execute(sa.select(by_run)).scalar())


def pairwise_outcomes(conn: Connection, queue_id: uuid.UUID) -> list[dict[str, Any]]:
    """Submitted pairwise reviews with the pair they judged."""
    query = (
        sa.select(reviews.c.answers, reviews.c.shown_order, queue_items.c.run_id, queue_items.c.run_b_id)
        .join(queue_items, queue_items.c.id == reviews.c.item_id)
        .where(reviews.c.queue_id == queue_id, reviews.c.status == "submitted")
    )
    return [dict(r) for r in conn.execute(query).mappings()]
