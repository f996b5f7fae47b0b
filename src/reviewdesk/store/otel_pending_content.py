"""Message content from OTLP log events waiting for its span: put, taken once the span is written."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reviewdesk.store.dialect import upsert_statement
from reviewdesk.store.tables import otel_pending_content as pending


def put(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """rows: {run_id, inputs, outputs, received_at}; a later event for the same span replaces it."""
    if rows:
        conn.execute(upsert_statement(conn, pending, ["run_id"], ["inputs", "outputs", "received_at"]), rows)


def take(conn: Connection, run_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """The waiting content of these runs, removed from the table."""
    found: dict[uuid.UUID, dict[str, Any]] = {}
    for start in range(0, len(run_ids), 5000):
        chunk = list(run_ids[start : start + 5000])
        rows = conn.execute(sa.select(pending).where(pending.c.run_id.in_(chunk))).mappings().all()
        if rows:
            found.update({row["run_id"]: dict(row) for row in rows})
            conn.execute(pending.delete().where(pending.c.run_id.in_([r["run_id"] for r in rows])))
    return found


def forget_older_than(conn: Connection, cutoff: datetime) -> None:
    conn.execute(pending.delete().where(pending.c.received_at < cutoff))
