"""Annotation queues, their rubric history and assigned reviewers."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reviewdesk.store.tables import annotation_queues, queue_reviewers, queue_rubrics, reviews, webhooks


def insert(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(annotation_queues.insert().values(**row))


_QUEUE = sa.select(annotation_queues).where(annotation_queues.c.id == sa.bindparam("queue_id"))
_QUEUE_LOCKED = _QUEUE.with_for_update()  # SQLite renders no FOR UPDATE: BEGIN IMMEDIATE already serializes
_USER_ASSIGNED = (
    sa.exists()
    .where(
        queue_reviewers.c.queue_id == annotation_queues.c.id,
        queue_reviewers.c.user_id == sa.bindparam("user_id"),
    )
    .label("user_assigned")
)
_WEBHOOKS_ENABLED = (
    sa.exists()
    .where(webhooks.c.queue_id == annotation_queues.c.id, webhooks.c.enabled.is_(True))
    .label("webhooks_enabled")
)
_HELD_ITEM_ID = (
    sa.select(reviews.c.item_id)
    .where(
        reviews.c.queue_id == annotation_queues.c.id,
        reviews.c.reviewer_id == sa.bindparam("user_id"),
        reviews.c.status == "reserved",
        reviews.c.reserved_until > sa.bindparam("held_at", type_=reviews.c.reserved_until.type),
    )
    .limit(1)
    .scalar_subquery()
    .label("held_item_id")
)
_QUEUE_PREFIX = "queue__"

# The score configs of the queue's current rubric keys, as one JSON array: the review cycle reads them
# with the queue instead of in a statement of their own.
_RUBRIC_CONFIGS_SQL = {
    "sqlite": """(SELECT json_group_array(json_object('key', fc.key, 'type', fc.type,
        'options', json(fc.options), 'min', fc.min, 'max', fc.max, 'max_length', fc.max_length,
        'description', fc.description))
      FROM feedback_configs AS fc
      WHERE fc.key IN (SELECT json_extract(r.value, '$.key') FROM json_each(annotation_queues.rubric) AS r))""",
    "postgresql": """(SELECT json_agg(json_build_object('key', fc.key, 'type', fc.type,
        'options', fc.options, 'min', fc.min, 'max', fc.max, 'max_length', fc.max_length,
        'description', fc.description))
      FROM feedback_configs AS fc
      WHERE fc.key IN (SELECT r ->> 'key' FROM jsonb_array_elements(annotation_queues.rubric) AS r))""",
}


def for_user_columns(dialect: str) -> list[Any]:
    """The queue's columns (labelled `queue__…`) and what it answers for one user (parameter
    `user_id`): assigned or not, an enabled webhook or not, the configs of its rubric."""
    configs = sa.literal_column(_RUBRIC_CONFIGS_SQL[dialect], type_=sa.JSON).label("rubric_configs")
    return [
        *[c.label(_QUEUE_PREFIX + c.name) for c in annotation_queues.c],
        _USER_ASSIGNED,
        _WEBHOOKS_ENABLED,
        configs,
    ]


def split_for_user(row: Any) -> tuple[dict[str, Any], UserFacts]:
    """The queue and the user's facts from a row selected with `for_user_columns`."""
    queue = {c.name: row[_QUEUE_PREFIX + c.name] for c in annotation_queues.c}
    facts = UserFacts(
        assigned=bool(row["user_assigned"]),
        webhooks_enabled=bool(row["webhooks_enabled"]),
        held_item_id=row.get("held_item_id"),
        rubric_configs={c["key"]: c for c in row["rubric_configs"] or []},
    )
    return queue, facts


@functools.cache
def _for_user_statement(dialect: str, holding: bool, for_update: bool) -> sa.Select:
    query = sa.select(*for_user_columns(dialect)).where(annotation_queues.c.id == sa.bindparam("queue_id"))
    if holding:
        query = query.add_columns(_HELD_ITEM_ID)
    return query.with_for_update(of=annotation_queues) if for_update else query


@dataclass(frozen=True)
class UserFacts:
    """What a queue read for one user also answers."""

    assigned: bool  # one of the queue's assigned reviewers
    webhooks_enabled: bool  # the queue has an enabled webhook
    held_item_id: uuid.UUID | None  # the item it holds a live reservation on (when asked)
    rubric_configs: dict[str, dict[str, Any]]  # score configs of the current rubric's keys


def get(conn: Connection, queue_id: uuid.UUID, *, for_update: bool = False) -> dict[str, Any] | None:
    row = conn.execute(_QUEUE_LOCKED if for_update else _QUEUE, {"queue_id": queue_id}).mappings().first()
    return dict(row) if row else None


def get_for_user(
    conn: Connection,
    queue_id: uuid.UUID,
    user_id: uuid.UUID,
    *,
    for_update: bool = False,
    held_at: datetime | None = None,
) -> tuple[dict[str, Any], UserFacts] | None:
    """In one statement, the queue and what the review cycle asks about it on every call: is this user
    assigned, has the queue a webhook, the rubric's score configs, and (with `held_at`) which item the
    user holds reserved."""
    query = _for_user_statement(conn.dialect.name, held_at is not None, for_update)
    params = {"queue_id": queue_id, "user_id": user_id, "held_at": held_at}
    row = conn.execute(query, params).mappings().first()
    return split_for_user(row) if row is not None else None


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


_RUBRIC_VERSION = sa.select(queue_rubrics.c.rubric).where(
    queue_rubrics.c.queue_id == sa.bindparam("queue_id"), queue_rubrics.c.version == sa.bindparam("version")
)


def rubric_version(conn: Connection, queue_id: uuid.UUID, version: int) -> list[dict[str, Any]] | None:
    return conn.execute(_RUBRIC_VERSION, {"queue_id": queue_id, "version": version}).scalar()


_REVIEWER_IDS = sa.select(queue_reviewers.c.user_id).where(
    queue_reviewers.c.queue_id == sa.bindparam("queue_id")
)


def reviewer_ids(conn: Connection, queue_id: uuid.UUID) -> list[uuid.UUID]:
    return [r for (r,) in conn.execute(_REVIEWER_IDS, {"queue_id": queue_id})]


def set_reviewers(conn: Connection, queue_id: uuid.UUID, user_ids: Iterable[uuid.UUID]) -> None:
    conn.execute(queue_reviewers.delete().where(queue_reviewers.c.queue_id == queue_id))
    rows = [{"queue_id": queue_id, "user_id": u} for u in set(user_ids)]
    if rows:
        conn.execute(queue_reviewers.insert(), rows)


def queue_ids_of_reviewer(conn: Connection, user_id: uuid.UUID) -> list[uuid.UUID]:
    query = sa.select(queue_reviewers.c.queue_id).where(queue_reviewers.c.user_id == user_id)
    return [r for (r,) in conn.execute(query)]
