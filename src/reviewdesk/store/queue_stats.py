"""Reads behind a queue's progress and backlog figures: counts by status, finished reviews, items
added and completed over time, pairwise outcomes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reviewdesk.store.queue_items import DONE_STATUSES
from reviewdesk.store.tables import queue_items, reviews


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
        queue_items.c.status != "gold",  # handed out only as checks, never work to get through
        sa.or_(queue_items.c.added_at >= since, queue_items.c.completed_at >= since),
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def pairwise_outcomes(conn: Connection, queue_id: uuid.UUID) -> list[dict[str, Any]]:
    """Submitted pairwise reviews with the pair they judged."""
    query = (
        sa.select(reviews.c.answers, reviews.c.shown_order, queue_items.c.run_id, queue_items.c.run_b_id)
        .join(queue_items, queue_items.c.id == reviews.c.item_id)
        .where(reviews.c.queue_id == queue_id, reviews.c.status == "submitted")
    )
    return [dict(r) for r in conn.execute(query).mappings()]
