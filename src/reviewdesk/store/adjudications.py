"""Adjudications, and the submitted reviews of a queue's completed items that they settle."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection

from reviewdesk.store.tables import adjudications, gold_items, queue_items, queue_rubrics, reviews, users


def insert(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(adjudications.insert().values(**row))


def update(conn: Connection, adjudication_id: uuid.UUID, values: dict[str, Any]) -> None:
    conn.execute(adjudications.update().where(adjudications.c.id == adjudication_id).values(**values))


def of_item(conn: Connection, item_id: uuid.UUID) -> dict[str, Any] | None:
    row = conn.execute(sa.select(adjudications).where(adjudications.c.item_id == item_id)).mappings().first()
    return dict(row) if row else None


def of_items(conn: Connection, item_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    query = sa.select(adjudications).where(adjudications.c.item_id.in_(item_ids))
    return {r["item_id"]: dict(r) for r in conn.execute(query).mappings()}


def rubric_keys(conn: Connection, queue_id: uuid.UUID) -> list[str]:
    """Every key of every rubric version of the queue (the fields a review can have answered)."""
    query = sa.select(queue_rubrics.c.rubric).where(queue_rubrics.c.queue_id == queue_id)
    return sorted({f["key"] for (rubric,) in conn.execute(query) for f in rubric or []})


def _answer(conn: Connection, table: Any, key: str) -> Any:
    """A review's answer to `key` as the database compares it; a missing or null answer is NULL."""
    if conn.dialect.name == "postgresql":
        value = sa.type_coerce(table.c.answers, JSONB)[key]
        return sa.case((sa.func.jsonb_typeof(value) == "null", None), else_=value)
    return sa.func.json_extract(table.c.answers, "$." + json.dumps(key))


def _disagrees(conn: Connection, keys: Sequence[str]) -> Any:
    """The item's submitted reviews gave two or more values to some key (as
    `domain.consensus.disagreeing_fields` finds, which the page's cases are then built with)."""
    if not keys:
        return sa.false()
    r = reviews.alias("r")
    return (
        sa.select(r.c.item_id)
        .where(r.c.item_id == queue_items.c.id, r.c.status == "submitted")
        .group_by(r.c.item_id)
        .having(sa.or_(*(sa.func.count(sa.distinct(_answer(conn, r, k))) > 1 for k in keys)))
        .exists()
    )


def _cases(conn: Connection, queue_id: uuid.UUID, keys: Sequence[str], status: str) -> Any:
    """The queue's completed items reviewed twice or more, gold items left out, that are cases of
    `status`: open (disagreeing, not adjudicated), resolved (adjudicated) or all (either)."""
    settled = sa.exists().where(adjudications.c.item_id == queue_items.c.id)
    wanted = {
        "open": sa.and_(~settled, _disagrees(conn, keys)),
        "resolved": settled,
        "all": sa.or_(settled, _disagrees(conn, keys)),
    }[status]
    return sa.and_(
        queue_items.c.queue_id == queue_id,
        queue_items.c.status == "completed",
        queue_items.c.reviews_done >= 2,
        ~sa.exists().where(gold_items.c.item_id == queue_items.c.id),
        wanted,
    )


def case_items(
    conn: Connection,
    queue_id: uuid.UUID,
    keys: Sequence[str],
    status: str,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[dict[str, Any]]:
    """A keyset page of the queue's cases, oldest completed first: id and completed_at of each."""
    query = (
        sa.select(queue_items.c.id, queue_items.c.completed_at)
        .where(_cases(conn, queue_id, keys, status))
        .order_by(queue_items.c.completed_at, queue_items.c.id)
        .limit(limit)
    )
    if after is not None:
        at, item_id = after
        query = query.where(
            sa.or_(
                queue_items.c.completed_at > at,
                sa.and_(queue_items.c.completed_at == at, queue_items.c.id > item_id),
            )
        )
    return [dict(r) for r in conn.execute(query).mappings()]


def count_cases(conn: Connection, queue_id: uuid.UUID, keys: Sequence[str], status: str, at_most: int) -> int:
    """How many cases of `status` the queue has, counting no further than `at_most`."""
    found = sa.select(queue_items.c.id).where(_cases(conn, queue_id, keys, status)).limit(at_most).subquery()
    return conn.execute(sa.select(sa.func.count()).select_from(found)).scalar_one()


def reviews_of_shared_items(conn: Connection, item_ids: Sequence[uuid.UUID]) -> list[dict[str, Any]]:
    """Submitted reviews of these items, those reviewed twice or more and not gold, with reviewer and
    run, oldest first. (Given the queue, or ordered by item, SQLite walks the whole queue.)"""
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
            reviews.c.item_id.in_(item_ids),
            reviews.c.status == "submitted",
            queue_items.c.reviews_done >= 2,
            gold_items.c.item_id.is_(None),
        )
        .order_by(reviews.c.submitted_at)
    )
    return [dict(r) for r in conn.execute(query).mappings()]
