"""Annotation queues, their rubric history and assigned reviewers."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reviewdesk.store.tables import annotation_queues, queue_reviewers, queue_rubrics


def insert(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(annotation_queues.insert().values(**row))


def get(conn: Connection, queue_id: uuid.UUID, *, for_update: bool = False) -> dict[str, Any] | None:
    query = sa.select(annotation_queues).where(annotation_queues.c.id == queue_id)
    if for_update and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def by_name(conn: Connection, name: str) -> dict[str, Any] | None:
    row = (
        conn.execute(sa.select(annotation_queues).where(annotation_queues.c.name == name)).mappings().first()
    )
    return dict(row) if row else None


def list_all(conn: Connection, *, include_archived: bool, only_ids: Iterable[uuid.UUID] | None) -> list[dict]:
    query = sa.select(annotation_queues).order_by(annotation_queues.c.name)
    if not include_archived:
        query = query.where(annotation_queues.c.archived.is_(False))
    if only_ids is not None:
        query = query.where(annotation_queues.c.id.in_(list(only_ids)))
    return [dict(r) for r in conn.execute(query).mappings()]


def update(conn: Connection, queue_id: uuid.UUID, values: dict[str, Any]) -> None:
    conn.execute(annotation_queues.update().where(annotation_queues.c.id == queue_id).values(**values))


def delete(conn: Connection, queue_id: uuid.UUID) -> None:
    conn.execute(annotation_queues.delete().where(annotation_queues.c.id == queue_id))


def add_rubric_version(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(queue_rubrics.insert().values(**row))


def rubric_version(conn: Connection, queue_id: uuid.UUID, version: int) -> list[dict[str, Any]] | None:
    query = sa.select(queue_rubrics.c.rubric).where(
        queue_rubrics.c.queue_id == queue_id, queue_rubrics.c.version == version
    )
    return conn.execute(query).scalar()


def reviewer_ids(conn: Connection, queue_id: uuid.UUID) -> list[uuid.UUID]:
    query = sa.select(queue_reviewers.c.user_id).where(queue_reviewers.c.queue_id == queue_id)
    return [r for (r,) in conn.execute(query)]


def set_reviewers(conn: Connection, queue_id: uuid.UUID, user_ids: Iterable[uuid.UUID]) -> None:
    conn.execute(queue_reviewers.delete().where(queue_reviewers.c.queue_id == queue_id))
    rows = [{"queue_id": queue_id, "user_id": u} for u in set(user_ids)]
    if rows:
        conn.execute(queue_reviewers.insert(), rows)


def queue_ids_of_reviewer(conn: Connection, user_id: uuid.UUID) -> list[uuid.UUID]:
    query = sa.select(queue_reviewers.c.queue_id).where(queue_reviewers.c.user_id == user_id)
    return [r for (r,) in conn.execute(query)]
