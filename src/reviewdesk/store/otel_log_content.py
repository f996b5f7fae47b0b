"""Message content gathered from OTLP log events, per span's run id: read, replaced, forgotten."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reviewdesk.store.dialect import upsert_statement
from reviewdesk.store.tables import otel_log_content as log_content


def put(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """rows: {run_id, inputs, outputs, received_at}, replacing what was gathered for that run."""
    if rows:
        conn.execute(
            upsert_statement(conn, log_content, ["run_id"], ["inputs", "outputs", "received_at"]), rows
        )


def of_runs(conn: Connection, run_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    found: dict[uuid.UUID, dict[str, Any]] = {}
    for start in range(0, len(run_ids), 5000):
        chunk = list(run_ids[start : start + 5000])
        rows = conn.execute(sa.select(log_content).where(log_content.c.run_id.in_(chunk))).mappings()
        found.update({row["run_id"]: dict(row) for row in rows})
    return found


def forget_older_than(conn: Connection, cutoff: datetime) -> None:
    conn.execute(log_content.delete().where(log_content.c.received_at < cutoff))


# The key space of these advisory locks (the first half of each 64-bit key), apart from others' keys.
_LOCK_SPACE = 0x6F74


def lock_traces(conn: Connection, trace_ids: Sequence[uuid.UUID]) -> None:
    """Make a span write and a log-content write of the same trace take turns (PostgreSQL).

    Without it, a span and its log events committed at the same moment each miss the other's
    uncommitted row, and the content never reaches the run. SQLite has one writer: nothing to do.
    Keys are taken in sorted order, so two writers never wait on each other in a cycle.
    """
    if conn.dialect.name != "postgresql" or not trace_ids:
        return
    keys = sorted({(_LOCK_SPACE << 48) | (trace.int & 0xFFFF_FFFF_FFFF) for trace in trace_ids})
    conn.execute(
        sa.text("SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:keys AS bigint[])) AS k ORDER BY k"),
        {"keys": keys},
    )
