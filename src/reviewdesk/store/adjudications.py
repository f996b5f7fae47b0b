"""Adjudications, and the submitted reviews of a queue's completed items that they settle."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reviewdesk.store.tables import adjudications, gold_items, queue_items, reviews, users


def insert(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(adjudications.insert().values(**row))


def update(conn: Connection, adjudication_id: uuid.UUID, values: dict[str, Any]) -> None:
    conn.execute(adjudications.update().where(adjudications.c.id == adjudication_id).values(**values))


def of_item(conn: Connection, item_id: uuid.UUID) -> dict[str, Any] | None:
    row = conn.execute(sa.select(adjudications).where(adjudications.c.item_id == item_id)).mappings().first()
    return dict(row) if row else None


def of_queue(conn: Connection, queue_id: uuid.UUID) -> dict[uuid.UUID, dict[str, Any]]:
    query = sa.select(adjudications).where(adjudications.c.queue_id == queue_id)
    return {r["item_id"]: dict(r) for r in conn.execute(query).mappings()}


def reviews_of_shared_items(
    conn: Connection, queue_id: uuid.UUID, item_id: uuid.UUID | None = None
) -> list[dict[str, Any]]:
    """Submitted reviews of the queue's completed items (or of one item), gold items left out, with
    reviewer and run, oldest item first."""
    query = (
        sa.select(
            reviews.c.id,
            reviews.c.item_id,
            reviews.c.reviewer_id,
            reviews.c.answers,
            reviews.c.comment,
            reviews.c.submitted_at,
            reviews.c.rubric_version,
            users.c.email,
            users.c.name,
            queue_items.c.run_id,
            queue_items.c.completed_at,
        )
        .join(queue_items, queue_items.c.id == reviews.c.item_id)
        .outerjoin(users, users.c.id == reviews.c.reviewer_id)
        .outerjoin(gold_items, gold_items.c.item_id == queue_items.c.id)
        .where(
            reviews.c.queue_id == queue_id,
            reviews.c.status == "submitted",
            queue_items.c.reviews_done >= 2,
            gold_items.c.item_id.is_(None),
        )
        .order_by(queue_items.c.completed_at, queue_items.c.id, reviews.c.submitted_at)
    )
    if item_id is not None:
        query = query.where(reviews.c.item_id == item_id)
    else:
        query = query.where(queue_items.c.status == "completed")
    return [dict(r) for r in conn.execute(query).mappings()]
