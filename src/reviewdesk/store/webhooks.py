"""Webhooks, their delivery outbox (with the claim across processes) and the queues' backlog alert state."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reviewdesk.store.tables import annotation_queues, webhook_deliveries, webhooks


def insert(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(webhooks.insert().values(**row))


def get(conn: Connection, webhook_id: uuid.UUID) -> dict[str, Any] | None:
    row = conn.execute(sa.select(webhooks).where(webhooks.c.id == webhook_id)).mappings().first()
    return dict(row) if row else None


def of_queue(conn: Connection, queue_id: uuid.UUID) -> list[dict[str, Any]]:
    query = sa.select(webhooks).where(webhooks.c.queue_id == queue_id).order_by(webhooks.c.created_at)
    return [dict(r) for r in conn.execute(query).mappings()]


def delete(conn: Connection, webhook_id: uuid.UUID) -> None:
    conn.execute(webhooks.delete().where(webhooks.c.id == webhook_id))


def insert_deliveries(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(webhook_deliveries.insert(), rows)


def deliveries_of(
    conn: Connection,
    webhook_id: uuid.UUID,
    *,
    status: str | None,
    limit: int,
    offset: int = 0,
    after: tuple[datetime, uuid.UUID] | None = None,
) -> list[dict[str, Any]]:
    """Newest first; `after` (created_at, id) of the last row seen continues the list (keyset)."""
    query = sa.select(webhook_deliveries).where(webhook_deliveries.c.webhook_id == webhook_id)
    if status is not None:
        query = query.where(webhook_deliveries.c.status == status)
    if after is not None:
        at, last_id = after
        c = webhook_deliveries.c
        query = query.where(sa.or_(c.created_at < at, sa.and_(c.created_at == at, c.id > last_id)))
    query = query.order_by(webhook_deliveries.c.created_at.desc(), webhook_deliveries.c.id)
    return [dict(r) for r in conn.execute(query.limit(limit).offset(offset)).mappings()]


def _due(now: datetime) -> sa.Select:
    return (
        sa.select(webhook_deliveries.c.id)
        .join(webhooks, webhooks.c.id == webhook_deliveries.c.webhook_id)
        .where(
            webhook_deliveries.c.status == "pending",
            webhook_deliveries.c.next_attempt_at <= now,
            webhooks.c.enabled.is_(True),
        )
    )


def any_due(conn: Connection, now: datetime) -> bool:
    """A cheap read first, so an idle poller never takes SQLite's write lock."""
    return conn.execute(_due(now).limit(1)).first() is not None


def claim_due(conn: Connection, now: datetime, lease_until: datetime, limit: int) -> list[dict[str, Any]]:
    """Lease up to `limit` due deliveries to the caller: one more attempt, hidden until `lease_until`.

    The lease (not a status) is what hides a delivery in flight, so one whose sender died becomes
    due again when the lease runs out. PostgreSQL: SKIP LOCKED lets processes claim disjoint rows
    at once. SQLite: the caller's BEGIN IMMEDIATE already serializes claimers.
    """
    query = _due(now).order_by(webhook_deliveries.c.next_attempt_at).limit(limit)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=webhook_deliveries)
    ids = [i for (i,) in conn.execute(query)]
    if not ids:
        return []
    conn.execute(
        webhook_deliveries.update()
        .where(webhook_deliveries.c.id.in_(ids))
        .values(attempts=webhook_deliveries.c.attempts + 1, next_attempt_at=lease_until)
    )
    claimed = (
        sa.select(webhook_deliveries, webhooks.c.url, webhooks.c.secret)
        .join(webhooks, webhooks.c.id == webhook_deliveries.c.webhook_id)
        .where(webhook_deliveries.c.id.in_(ids))
    )
    return [dict(r) for r in conn.execute(claimed).mappings()]


def record_attempt(conn: Connection, delivery_id: uuid.UUID, attempt: int, values: dict[str, Any]) -> bool:
    """Store an attempt's outcome unless the lease was lost (another sender took a later attempt)."""
    result = conn.execute(
        webhook_deliveries.update()
        .where(
            webhook_deliveries.c.id == delivery_id,
            webhook_deliveries.c.attempts == attempt,
            webhook_deliveries.c.status == "pending",
        )
        .values(**values)
    )
    return result.rowcount == 1


def set_backlog_alerted(conn: Connection, queue_id: uuid.UUID, at: datetime) -> bool:
    """Mark the queue as alerted; False when it already was (so exactly one process fires the alert)."""
    result = conn.execute(
        annotation_queues.update()
        .where(annotation_queues.c.id == queue_id, annotation_queues.c.backlog_alerted_at.is_(None))
        .values(backlog_alerted_at=at)
    )
    return result.rowcount == 1


def clear_backlog_alerted(conn: Connection, queue_id: uuid.UUID) -> bool:
    result = conn.execute(
        annotation_queues.update()
        .where(annotation_queues.c.id == queue_id, annotation_queues.c.backlog_alerted_at.is_not(None))
        .values(backlog_alerted_at=None)
    )
    return result.rowcount == 1
