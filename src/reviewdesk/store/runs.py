"""Runs: batched upsert, reads by id and trace, and keyset-paged search."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reviewdesk.domain.filters.sql_json import fts_query
from reviewdesk.store.coltypes import UtcDateTime
from reviewdesk.store.dialect import upsert_statement
from reviewdesk.store.tables import feedback, projects, runs

_WRITABLE = [c.name for c in runs.columns if c.name not in ("id", "created_at")]
_READ_COLUMNS = [*runs.columns, projects.c.name.label("project")]


def fetch_for_update(conn: Connection, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """Stored rows for these ids, locked on PostgreSQL so a concurrent patch cannot interleave."""
    if not ids:
        return {}
    found: dict[uuid.UUID, dict[str, Any]] = {}
    for start in range(0, len(ids), 5000):
        query = sa.select(runs).where(runs.c.id.in_(ids[start : start + 5000]))
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        for row in conn.execute(query).mappings():
            found[row["id"]] = dict(row)
    return found


def trace_ids_of(conn: Connection, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    rows = conn.execute(sa.select(runs.c.id, runs.c.trace_id).where(runs.c.id.in_(wanted)))
    return {rid: tid for rid, tid in rows}


_ALL_COLUMNS = [c.name for c in runs.columns]


def upsert(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert or fully replace rows (callers merge with the stored row first)."""
    if rows:
        complete = [{name: row.get(name) for name in _ALL_COLUMNS} for row in rows]
        conn.execute(upsert_statement(conn, runs, ["id"], _WRITABLE), complete)


def attach_orphan_feedback(conn: Connection, run_ids: Sequence[uuid.UUID]) -> None:
    """Give feedback that arrived before its run the run's trace id."""
    if not run_ids:
        return
    trace_of_run = sa.select(runs.c.trace_id).where(runs.c.id == feedback.c.run_id).scalar_subquery()
    for start in range(0, len(run_ids), 5000):
        conn.execute(
            feedback.update()
            .where(feedback.c.trace_id.is_(None), feedback.c.run_id.in_(run_ids[start : start + 5000]))
            .values(trace_id=trace_of_run)
        )


def _joined() -> sa.Select:
    return sa.select(*_READ_COLUMNS).select_from(runs.join(projects, projects.c.id == runs.c.project_id))


def get(conn: Connection, run_id: uuid.UUID) -> dict[str, Any] | None:
    row = conn.execute(_joined().where(runs.c.id == run_id)).mappings().first()
    return dict(row) if row else None


def by_trace(conn: Connection, trace_id: uuid.UUID) -> list[dict[str, Any]]:
    query = _joined().where(runs.c.trace_id == trace_id).order_by(runs.c.dotted_order, runs.c.start_time)
    return [dict(r) for r in conn.execute(query).mappings()]


def search(
    conn: Connection,
    where: Sequence[sa.ColumnElement[bool]],
    *,
    limit: int,
    after: tuple[datetime, uuid.UUID] | None,
) -> list[dict[str, Any]]:
    """Newest first; `after` is the (start_time, id) of the last row of the previous page."""
    query = _joined().where(*where)
    if after is not None:
        start, last_id = after
        # A row-value comparison, unlike the equivalent OR, is an index range on both databases.
        cursor = sa.tuple_(sa.literal(start, UtcDateTime()), sa.literal(last_id, sa.Uuid()))
        query = query.where(sa.tuple_(runs.c.start_time, runs.c.id) < cursor)
    query = query.order_by(runs.c.start_time.desc(), runs.c.id.desc()).limit(limit)
    return [dict(r) for r in conn.execute(query).mappings()]


def matching_ids_and_start_times(
    conn: Connection, where: Sequence[sa.ColumnElement[bool]], since: datetime
) -> Iterator[tuple[uuid.UUID, datetime]]:
    """Stream (id, start_time) of matching runs since a time, without loading whole rows."""
    query = (
        sa.select(runs.c.id, runs.c.start_time)
        .select_from(runs.join(projects, projects.c.id == runs.c.project_id))
        .where(runs.c.start_time >= since, *where)
        .execution_options(yield_per=5000)
    )
    yield from ((run_id, start) for run_id, start in conn.execute(query))


_BY_IDS = _joined().where(runs.c.id.in_(sa.bindparam("ids", expanding=True)))
# One run or a pair (a review item) with fixed parameters: an expanding IN list is re-rendered per call.
_BY_ID_PAIR = _joined().where(
    runs.c.id.in_([sa.bindparam(n, type_=runs.c.id.type) for n in ("run_a", "run_b")])
)


def fetch_by_ids(conn: Connection, ids: Sequence[uuid.UUID]) -> list[dict[str, Any]]:
    if 1 <= len(ids) <= 2:
        rows = conn.execute(_BY_ID_PAIR, {"run_a": ids[0], "run_b": ids[-1]})
    else:
        rows = conn.execute(_BY_IDS, {"ids": list(ids)})
    return [dict(r) for r in rows.mappings()]


def roots_of_session(conn: Connection, session_id: str, limit: int = 200) -> list[dict[str, Any]]:
    """A conversation's turns, oldest first."""
    query = (
        _joined()
        .where(runs.c.session_id == session_id, runs.c.is_root.is_(True))
        .order_by(runs.c.start_time, runs.c.id)
        .limit(limit)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


# A search() text held (by its trigrams) by at least this many runs is "common": see common_search_texts.
COMMON_SEARCH_CANDIDATES = 5_000


def common_search_texts(conn: Connection, texts: Iterable[str]) -> frozenset[str]:
    """SQLite: the texts whose trigrams at least COMMON_SEARCH_CANDIDATES runs hold (counted by the
    full-text index, stopping there). SQLite's planner would start from the index for every one and
    check and sort all those runs; for a common text a scan in the query's order finds a page sooner.
    PostgreSQL: none (its planner weighs the index with statistics)."""
    if conn.dialect.name != "sqlite":
        return frozenset()
    common = set()
    for text in texts:
        query = fts_query(text)
        if query is None:
            continue
        held = conn.execute(
            sa.text("SELECT count(*) FROM (SELECT 1 FROM runs_search WHERE runs_search MATCH :q LIMIT :n)"),
            {"q": query, "n": COMMON_SEARCH_CANDIDATES},
        ).scalar_one()
        if held >= COMMON_SEARCH_CANDIDATES:
            common.add(text)
    return frozenset(common)
