"""LangSmith run reads: /runs/query's conditions (projects by id, trace_filter on the trace's root,
tree_filter on any run of the trace, …) over our filter compiler, and stored rows whole (extra, events)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reviewdesk.domain.filters import SqlTargets, parse, split_sample_rate, to_sql
from reviewdesk.domain.permissions import Actor, Permission
from reviewdesk.errors import Invalid, NotFound
from reviewdesk.services.paging import check_limit, decode_cursor, encode_cursor
from reviewdesk.services.queue_access import require_trace_access
from reviewdesk.services.runs import compile_filter
from reviewdesk.store import feedback as feedback_store
from reviewdesk.store import runs as runs_store
from reviewdesk.store import tables
from reviewdesk.store.database import Database


@dataclass(frozen=True)
class RunQuery:
    """The conditions of one /runs/query, all AND-ed; `ids` alone ignores the others (as LangSmith does)."""

    project_ids: Sequence[uuid.UUID] | None = None
    filter: str | None = None
    trace_filter: str | None = None
    tree_filter: str | None = None
    is_root: bool | None = None
    run_type: str | None = None
    trace_id: uuid.UUID | None = None
    parent_run_id: uuid.UUID | None = None
    reference_example_ids: Sequence[uuid.UUID] | None = None
    ids: Sequence[uuid.UUID] | None = None
    start_time: datetime | None = None
    end_start_time: datetime | None = None  # exclusive upper bound on start_time (v2's max_start_time)
    error: bool | None = None
    limit: int = 100
    cursor: str | None = None
    with_feedback_stats: bool = False


def _related(db: Database, text: str | None, field: str, alias: str) -> list[sa.ColumnElement[bool]]:
    """`filter` evaluated on other runs of the candidate's trace: its root, or any run of it."""
    if text is None or not text.strip():
        return []
    node, rate = split_sample_rate(parse(text))
    if rate is not None:
        raise Invalid("random_sample belongs in a routing rule, not a search", field=field)
    if node is None:
        return []
    runs = tables.runs
    other = runs.alias(f"{alias}_runs")
    # Aliases for every table the filter reads, so nothing correlates to the outer query by accident.
    targets = SqlTargets(
        runs=other,  # type: ignore[arg-type]
        feedback=tables.feedback.alias(f"{alias}_feedback"),  # type: ignore[arg-type]
        projects=tables.projects.alias(f"{alias}_projects"),  # type: ignore[arg-type]
        dialect=db.dialect,
    )
    link = other.c.id == runs.c.trace_id if field == "trace_filter" else other.c.trace_id == runs.c.trace_id
    return [sa.exists().where(link, to_sql(node, targets))]


def _conditions(db: Database, query: RunQuery) -> list[sa.ColumnElement[bool]]:
    runs = tables.runs
    if query.ids is not None:
        return [runs.c.id.in_(list(query.ids))]
    where = compile_filter(db, query.filter)
    where += _related(db, query.trace_filter, "trace_filter", "root")
    where += _related(db, query.tree_filter, "tree_filter", "tree")
    if query.project_ids is not None:
        where.append(runs.c.project_id.in_(list(query.project_ids)))
    if query.is_root is not None:
        where.append(runs.c.is_root.is_(query.is_root))
    if query.run_type is not None:
        where.append(runs.c.run_type == query.run_type)
    if query.trace_id is not None:
        where.append(runs.c.trace_id == query.trace_id)
    if query.parent_run_id is not None:
        where.append(runs.c.parent_run_id == query.parent_run_id)
    if query.reference_example_ids is not None:
        where.append(runs.c.reference_example_id.in_(list(query.reference_example_ids)))
    if query.start_time is not None:
        where.append(runs.c.start_time >= query.start_time)
    if query.end_start_time is not None:
        where.append(runs.c.start_time < query.end_start_time)
    if query.error is not None:
        where.append(runs.c.error.is_not(None) if query.error else runs.c.error.is_(None))
    return where


def feedback_stats(conn: Connection, run_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """Per run and key: how many, the mean score, and counts of text values (LangSmith's feedback_stats)."""
    stats: dict[uuid.UUID, dict[str, Any]] = {}
    for run_id, rows in feedback_store.for_runs(conn, list(run_ids)).items():
        by_key: dict[str, dict[str, Any]] = {}
        for row in rows:
            entry = by_key.setdefault(row["key"], {"n": 0, "avg": None, "values": {}, "_scores": []})
            entry["n"] += 1
            if row["score"] is not None:
                entry["_scores"].append(row["score"])
            if isinstance(row["value"], str):
                entry["values"][row["value"]] = entry["values"].get(row["value"], 0) + 1
        for entry in by_key.values():
            scores = entry.pop("_scores")
            entry["avg"] = sum(scores) / len(scores) if scores else None
        stats[run_id] = by_key
    return stats


def query_runs(db: Database, actor: Actor, query: RunQuery) -> tuple[list[dict[str, Any]], str | None]:
    """Stored runs (with project and, when asked, feedback_stats), newest first, keyset-paged."""
    actor.require(Permission.READ_RUNS)
    limit = check_limit(query.limit)
    where = _conditions(db, query)
    with db.read() as conn:
        rows = runs_store.search(conn, where, limit=limit + 1, after=decode_cursor(query.cursor))
        more = len(rows) > limit
        rows = rows[:limit]
        if query.with_feedback_stats:
            stats = feedback_stats(conn, [r["id"] for r in rows])
            rows = [{**r, "feedback_stats": stats.get(r["id"], {})} for r in rows]
    next_cursor = encode_cursor(rows[-1]["start_time"], rows[-1]["id"]) if more and rows else None
    return rows, next_cursor


def get_run(db: Database, actor: Actor, run_id: uuid.UUID) -> dict[str, Any]:
    """One stored run whole, with its feedback_stats; reviewers only within their queues' traces."""
    with db.read() as conn:
        row = runs_store.get(conn, run_id)
        if not actor.can(Permission.READ_RUNS):
            require_trace_access(conn, actor, row["trace_id"] if row else None)
        if row is None:
            raise NotFound(f"no run {run_id}", field="run_id")
        return {**row, "feedback_stats": feedback_stats(conn, [run_id]).get(run_id, {})}
