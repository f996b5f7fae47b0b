"""What a queue holds: adding items without duplicates, paging through them, and who reviewed each."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reviewdesk.store.dialect import insert_ignore_statement
from reviewdesk.store.tables import queue_items, reviews, users


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


def list_page(
    conn: Connection,
    queue_id: uuid.UUID,
    *,
    status: str | None,
    limit: int,
    offset: int = 0,
    after: tuple[int, datetime, uuid.UUID] | None = None,
) -> list[dict[str, Any]]:
    """Highest priority first, then oldest; `after` (priority, added_at, id) continues a page (keyset)."""
    query = sa.select(queue_items).where(queue_items.c.queue_id == queue_id)
    if status is not None:
        query = query.where(queue_items.c.status == status)
    else:
        query = query.where(queue_items.c.status != "removed")
    if after is not None:
        priority, added_at, item_id = after
        c = queue_items.c
        query = query.where(
            sa.or_(
                c.priority < priority,
                sa.and_(
                    c.priority == priority,
                    sa.or_(c.added_at > added_at, sa.and_(c.added_at == added_at, c.id > item_id)),
                ),
            )
        )
    query = query.order_by(queue_items.c.priority.desc(), queue_items.c.added_at, queue_items.c.id)
    return [dict(r) for r in conn.execute(query.limit(limit).offset(offset)).mappings()]


def delete(conn: Connection, item_id: uuid.UUID) -> None:
    conn.execute(queue_items.delete().where(queue_items.c.id == item_id))


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
