"""Gold items (known answers) of a queue, handing one to a reviewer, and the reviews behind reviewer
quality."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reviewdesk.domain.backlog import MAX_SECONDS_PER_ITEM, MIN_SECONDS_PER_ITEM
from reviewdesk.store import queue_items as items_store
from reviewdesk.store.analytics import seconds_between
from reviewdesk.store.queue_items import DONE_STATUSES
from reviewdesk.store.tables import gold_items, queue_items, reviews, users


def insert(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(gold_items.insert().values(**row))


def update(conn: Connection, item_id: uuid.UUID, values: dict[str, Any]) -> None:
    conn.execute(gold_items.update().where(gold_items.c.item_id == item_id).values(**values))


_GOLD = sa.select(gold_items).where(gold_items.c.item_id == sa.bindparam("item_id"))


def get(conn: Connection, item_id: uuid.UUID) -> dict[str, Any] | None:
    row = conn.execute(_GOLD, {"item_id": item_id}).mappings().first()
    return dict(row) if row else None


def of_queue(conn: Connection, queue_id: uuid.UUID) -> list[dict[str, Any]]:
    query = sa.select(gold_items).where(gold_items.c.queue_id == queue_id).order_by(gold_items.c.created_at)
    return [dict(r) for r in conn.execute(query).mappings()]


_UNSEEN_GOLD = (
    sa.select(queue_items)
    .join(gold_items, gold_items.c.item_id == queue_items.c.id)
    .where(
        gold_items.c.queue_id == sa.bindparam("queue_id"),
        ~sa.exists().where(
            reviews.c.item_id == gold_items.c.item_id,
            reviews.c.reviewer_id == sa.bindparam("reviewer_id"),
            reviews.c.status.in_(DONE_STATUSES),
        ),
    )
    .order_by(gold_items.c.created_at, gold_items.c.item_id)
    .limit(1)
)


def claim(conn: Connection, review: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """Reserve for the reviewer the oldest gold item of the queue it has not finished: any number of
    reviewers see each gold item, so there is no slot to count."""
    params = {"queue_id": review["queue_id"], "reviewer_id": review["reviewer_id"]}
    item = conn.execute(_UNSEEN_GOLD, params).mappings().first()
    if item is None:
        return None
    reserved = items_store.reserve_review(conn, {**review, "item_id": item["id"]})
    return (dict(item), reserved) if reserved else None


def reviewer_totals(conn: Connection, queue_id: uuid.UUID) -> list[dict[str, Any]]:
    """Per reviewer with a submitted review in the queue: how many, and their active seconds as
    `domain.backlog.timed_spans` counts them (from the reservation, or the reviewer's previous submit
    if later, to the submit; capped; short spans left out), summed by the database."""
    previous = sa.func.lag(reviews.c.submitted_at).over(
        partition_by=reviews.c.reviewer_id, order_by=reviews.c.submitted_at
    )
    spans = (
        sa.select(
            reviews.c.reviewer_id, reviews.c.started_at, reviews.c.submitted_at, previous.label("previous")
        )
        .where(
            reviews.c.queue_id == queue_id,
            reviews.c.status == "submitted",
            reviews.c.submitted_at.is_not(None),
        )
        .subquery("spans")
    )
    later = sa.func.greatest if conn.dialect.name == "postgresql" else sa.func.max
    start = later(spans.c.started_at, sa.func.coalesce(spans.c.previous, spans.c.started_at))
    seconds = seconds_between(conn, start, spans.c.submitted_at)
    timed = sa.case(
        (seconds < MIN_SECONDS_PER_ITEM, 0),
        (seconds > MAX_SECONDS_PER_ITEM, MAX_SECONDS_PER_ITEM),
        else_=seconds,
    )
    query = (
        sa.select(
            spans.c.reviewer_id,
            users.c.email,
            sa.func.count().label("items_reviewed"),
            sa.func.sum(timed).label("active_seconds"),
        )
        .outerjoin(users, users.c.id == spans.c.reviewer_id)
        .group_by(spans.c.reviewer_id, users.c.email)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def answered_in(
    conn: Connection, queue_ids: list[uuid.UUID], since: Any = None, until: Any = None
) -> list[dict[str, Any]]:
    """Submitted reviews of the queues' gold items in the window (None: open-ended), each with the
    known answers (as many rows as gold items times reviewers: few, read through the gold table)."""
    query = (
        sa.select(
            reviews.c.reviewer_id, reviews.c.queue_id, reviews.c.answers, gold_items.c.answers.label("gold")
        )
        .join(reviews, reviews.c.item_id == gold_items.c.item_id)
        .where(gold_items.c.queue_id.in_(queue_ids), reviews.c.status == "submitted")
    )
    if since is not None:
        query = query.where(reviews.c.submitted_at >= since)
    if until is not None:
        query = query.where(reviews.c.submitted_at < until)
    return [dict(r) for r in conn.execute(query).mappings()]
