"""Feedback rows: insert, read, update, delete and filtered keyset-paged lists."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reviewdesk.domain.limits import MAX_INT32
from reviewdesk.store import feedback_hourly
from reviewdesk.store.tables import feedback

# Writes that change what the hourly counts count (see store/feedback_hourly.py).
_COUNTED = {"key", "score", "value", "source", "queue_id", "created_by", "created_at"}


_UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


def evaluator_columns(row: dict[str, Any]) -> dict[str, Any]:
    """An evaluator's score (model feedback whose `extra` names the evaluator and version, as
    services/evaluator_jobs.py writes it, or a client posting on its behalf) also gets them in the
    indexed columns; the same rule as migration 0019's backfill."""
    extra = row.get("extra")
    found: dict[str, Any] = {"evaluator_id": None, "evaluator_version": None}
    if row.get("source") != "model" or not isinstance(extra, dict):
        return found
    named, version = extra.get("evaluator_id"), extra.get("evaluator_version")
    if not isinstance(named, str) or isinstance(version, bool) or not isinstance(version, int):
        return found
    if not _UUID_TEXT.fullmatch(named) or not 0 <= version <= MAX_INT32:
        return found
    return {"evaluator_id": uuid.UUID(named), "evaluator_version": version}


def insert(conn: Connection, row: dict[str, Any]) -> None:
    row = {**row, **evaluator_columns(row)}
    conn.execute(feedback.insert().values(**row))
    feedback_hourly.add(conn, [row])


_INSERT = feedback.insert()


def insert_many(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        rows = [{**row, **evaluator_columns(row)} for row in rows]
        conn.execute(_INSERT, rows)
        feedback_hourly.add(conn, rows)


# Two fixed parameters rather than an expanding IN list (which SQLAlchemy re-renders on every call):
# an item has one run or a pair.
# The runs' rows are picked first, inside a subquery that OFFSET 0 keeps PostgreSQL from flattening:
# otherwise its generic plan (a prepared statement's) may walk the created_at index backwards over the
# whole table looking for these runs' rows.
_OF_RUN_PAIR = (
    sa.select(feedback)
    .where(feedback.c.run_id.in_([sa.bindparam(n, type_=feedback.c.run_id.type) for n in ("run_a", "run_b")]))
    .offset(0)
    .subquery("of_runs")
)
_NEWEST_OF_RUN_PAIR = (
    sa.select(_OF_RUN_PAIR)
    .order_by(_OF_RUN_PAIR.c.created_at.desc(), _OF_RUN_PAIR.c.id.desc())
    .limit(sa.bindparam("limit", type_=sa.Integer))
)


def newest_of_runs(conn: Connection, run_ids: Sequence[uuid.UUID], limit: int) -> list[dict[str, Any]]:
    """The newest `limit` feedback rows on one run or a pair (what a reviewer reads beside an item)."""
    if not run_ids:  # a session item: its feedback is on the session's runs, not shown here
        return []
    if len(run_ids) > 2:
        raise ValueError("one run or a pair")
    params = {"run_a": run_ids[0], "run_b": run_ids[-1], "limit": limit}
    return [dict(r) for r in conn.execute(_NEWEST_OF_RUN_PAIR, params).mappings()]


def get(conn: Connection, feedback_id: uuid.UUID) -> dict[str, Any] | None:
    row = conn.execute(sa.select(feedback).where(feedback.c.id == feedback_id)).mappings().first()
    return dict(row) if row else None


def update(conn: Connection, feedback_id: uuid.UUID, values: dict[str, Any]) -> None:
    old = get(conn, feedback_id) if _COUNTED & values.keys() else None
    conn.execute(feedback.update().where(feedback.c.id == feedback_id).values(**values))
    if old is not None:
        feedback_hourly.add(conn, [old], sign=-1)
        feedback_hourly.add(conn, [{**old, **values}])


def delete(conn: Connection, feedback_id: uuid.UUID) -> None:
    old = get(conn, feedback_id)
    conn.execute(feedback.delete().where(feedback.c.id == feedback_id))
    if old is not None:
        feedback_hourly.add(conn, [old], sign=-1)


def list_page(
    conn: Connection,
    *,
    filters: dict[str, Any],
    limit: int,
    after: tuple[datetime, uuid.UUID] | None,
) -> list[dict[str, Any]]:
    """Newest first. `filters` maps a column name to one value or a list of values."""
    query = sa.select(feedback)
    for name, wanted in filters.items():
        column = feedback.c[name]
        if isinstance(wanted, list | tuple):
            query = query.where(column.in_(wanted))
        else:
            query = query.where(column == wanted)
    if after is not None:
        at, last_id = after
        query = query.where(
            sa.or_(feedback.c.created_at < at, sa.and_(feedback.c.created_at == at, feedback.c.id < last_id))
        )
    query = query.order_by(feedback.c.created_at.desc(), feedback.c.id.desc()).limit(limit)
    return [dict(r) for r in conn.execute(query).mappings()]


def for_runs(conn: Connection, run_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[dict[str, Any]]]:
    grouped: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for start in range(0, len(run_ids), 5000):
        query = sa.select(feedback).where(feedback.c.run_id.in_(list(run_ids[start : start + 5000])))
        for row in conn.execute(query).mappings():
            grouped.setdefault(row["run_id"], []).append(dict(row))
    return grouped


def move_trace_feedback_to_roots(conn: Connection, roots: dict[uuid.UUID, uuid.UUID]) -> None:
    """Feedback held under its trace's id (a score on a trace whose root had not arrived) moves to the
    trace's root run (trace id → root run id)."""
    for trace_id, root_id in roots.items():
        conn.execute(
            feedback.update().where(feedback.c.run_id == trace_id).values(run_id=root_id, trace_id=trace_id)
        )
