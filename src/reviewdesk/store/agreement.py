"""Reads for agreement: every human rating of a queue, and human and model feedback on one key."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reviewdesk.store.tables import feedback, queue_rubrics, users


def human_ratings(conn: Connection, queue_id: uuid.UUID) -> list[dict[str, Any]]:
    query = (
        sa.select(
            feedback.c.run_id,
            feedback.c.key,
            feedback.c.score,
            feedback.c.value,
            feedback.c.created_by,
            feedback.c.extra,
            users.c.email,
        )
        .outerjoin(users, users.c.id == feedback.c.created_by)
        .where(feedback.c.queue_id == queue_id, feedback.c.source == "human")
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def ratings_of_key(conn: Connection, key: str, queue_id: uuid.UUID | None) -> list[dict[str, Any]]:
    """Human and model feedback on a key (human rows of one queue when given), oldest first."""
    query = (
        sa.select(
            feedback.c.run_id,
            feedback.c.source,
            feedback.c.score,
            feedback.c.value,
            feedback.c.created_by,
            feedback.c.created_at,
            feedback.c.extra,
            users.c.email,
        )
        .outerjoin(users, users.c.id == feedback.c.created_by)
        .where(feedback.c.key == key, feedback.c.source.in_(["human", "model"]))
        .order_by(feedback.c.created_at)
    )
    if queue_id is not None:
        query = query.where(sa.or_(feedback.c.source == "model", feedback.c.queue_id == queue_id))
    return [dict(r) for r in conn.execute(query).mappings()]


def rubric_history(conn: Connection, queue_id: uuid.UUID) -> list[list[dict[str, Any]]]:
    """Every rubric the queue has had, oldest first."""
    query = (
        sa.select(queue_rubrics.c.rubric)
        .where(queue_rubrics.c.queue_id == queue_id)
        .order_by(queue_rubrics.c.version)
    )
    return [r for (r,) in conn.execute(query)]
