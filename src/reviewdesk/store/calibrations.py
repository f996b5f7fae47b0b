"""Calibration sessions and the runs a new one can be drawn from."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reviewdesk.store.tables import calibrations, queue_items

CANDIDATES = 5000


def insert(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(calibrations.insert().values(**row))


def get(conn: Connection, calibration_id: uuid.UUID) -> dict[str, Any] | None:
    row = conn.execute(sa.select(calibrations).where(calibrations.c.id == calibration_id)).mappings().first()
    return dict(row) if row else None


def of_queue(conn: Connection, queue_id: uuid.UUID) -> dict[str, Any] | None:
    """The session whose own queue this is."""
    row = conn.execute(sa.select(calibrations).where(calibrations.c.queue_id == queue_id)).mappings().first()
    return dict(row) if row else None


def list_for(conn: Connection, source_queue_id: uuid.UUID | None, limit: int) -> list[dict[str, Any]]:
    """Sessions of one source queue (or all), oldest first, so a trend reads left to right."""
    query = sa.select(calibrations).order_by(calibrations.c.created_at, calibrations.c.id)
    if source_queue_id is not None:
        query = query.where(calibrations.c.source_queue_id == source_queue_id)
    return [dict(r) for r in conn.execute(query.limit(limit)).mappings()]


def history_until(conn: Connection, calibration: dict[str, Any], limit: int) -> list[dict[str, Any]]:
    """The newest `limit` sessions of the calibration's source queue up to and including it, oldest first."""
    c = calibrations.c
    query = (
        sa.select(calibrations)
        .where(
            c.source_queue_id == calibration["source_queue_id"],
            sa.or_(
                c.created_at < calibration["created_at"],
                sa.and_(c.created_at == calibration["created_at"], c.id <= calibration["id"]),
            ),
        )
        .order_by(c.created_at.desc(), c.id.desc())
        .limit(limit)
    )
    return [dict(r) for r in reversed(conn.execute(query).mappings().all())]


def latest_for(conn: Connection, source_queue_id: uuid.UUID, *, completed: bool) -> dict[str, Any] | None:
    """The newest completed session of the queue, or the newest still open."""
    done = calibrations.c.completed_at.is_not(None) if completed else calibrations.c.completed_at.is_(None)
    query = (
        sa.select(calibrations)
        .where(calibrations.c.source_queue_id == source_queue_id, done)
        .order_by(calibrations.c.created_at.desc(), calibrations.c.id)
        .limit(1)
    )
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def mark_complete(conn: Connection, calibration_id: uuid.UUID, at: datetime, alert_fields: list[str]) -> bool:
    """Record the session's end once; whether this call was the one that did."""
    query = (
        calibrations.update()
        .where(calibrations.c.id == calibration_id, calibrations.c.completed_at.is_(None))
        .values(completed_at=at, alert_fields=alert_fields)
    )
    return conn.execute(query).rowcount == 1


def candidate_runs(conn: Connection, queue_id: uuid.UUID) -> list[uuid.UUID]:
    """Runs of the queue's single-run items, completed ones first, newest first."""
    query = (
        sa.select(queue_items.c.run_id)
        .where(
            queue_items.c.queue_id == queue_id,
            queue_items.c.target_kind == "run",
            queue_items.c.status.in_(("completed", "pending")),
        )
        .order_by((queue_items.c.status == "completed").desc(), queue_items.c.added_at.desc())
        .limit(CANDIDATES)
    )
    return [r for (r,) in conn.execute(query)]


def open_items(conn: Connection, queue_id: uuid.UUID) -> int:
    query = sa.select(sa.func.count()).where(
        queue_items.c.queue_id == queue_id, queue_items.c.status == "pending"
    )
    return conn.execute(query).scalar_one()
