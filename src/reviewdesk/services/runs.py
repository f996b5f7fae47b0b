"""Reading runs: by id, a whole trace as a tree, and search with the filter language."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from reviewdesk.domain.filters import Node, SqlTargets, parse, split_sample_rate, to_sql
from reviewdesk.domain.filters.to_sql import indexed_search_texts
from reviewdesk.domain.payload_blocks import preview_line
from reviewdesk.domain.permissions import Actor, Permission
from reviewdesk.errors import Invalid, NotFound
from reviewdesk.services.paging import check_limit, decode_cursor, encode_cursor
from reviewdesk.services.queue_access import require_trace_access
from reviewdesk.store import projects as projects_store
from reviewdesk.store import runs as runs_store
from reviewdesk.store import tables
from reviewdesk.store.database import Database


def public_run(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "trace_id": row["trace_id"],
        "parent_run_id": row["parent_run_id"],
        "dotted_order": row["dotted_order"],
        "project": row.get("project"),
        "name": row["name"],
        "run_type": row["run_type"],
        "status": row["status"],
        "is_root": row["is_root"],
        "inputs": row["inputs"],
        "outputs": row["outputs"],
        "error": row["error"],
        "start_time": row["start_time"],
        "end_time": row["end_time"],
        "latency_ms": row["latency_ms"],
        "tags": row["tags"] or [],
        "metadata": row["meta"] or {},
        "usage": {
            "prompt_tokens": row["prompt_tokens"],
            "completion_tokens": row["completion_tokens"],
            "total_tokens": row["total_tokens"],
        },
        "cost": row["cost"],
        "session_id": row["session_id"],
    }


def get_run(db: Database, actor: Actor, run_id: uuid.UUID) -> dict[str, Any]:
    with db.read() as conn:
        row = runs_store.get(conn, run_id)
        if not actor.can(Permission.READ_RUNS):
            require_trace_access(conn, actor, row["trace_id"] if row else None)
    if row is None:
        raise NotFound(f"no run {run_id}", field="id")
    return public_run(row)


def previews_of(db: Database, actor: Actor, run_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[str, str]]:
    """The first line of each run's input and output (for lists of items); runs not found are left out."""
    actor.require(Permission.READ_RUNS)
    if not run_ids:
        return {}
    with db.read() as conn:
        rows = runs_store.fetch_by_ids(conn, list(dict.fromkeys(run_ids)))
    return {
        r["id"]: (preview_line(r["inputs"], output=False), preview_line(r["outputs"], output=True))
        for r in rows
    }


def get_trace(db: Database, actor: Actor, trace_id: uuid.UUID) -> dict[str, Any]:
    """The trace's runs nested under their parents; runs whose parent is missing hang off the top."""
    with db.read() as conn:
        require_trace_access(conn, actor, trace_id)
        rows = runs_store.by_trace(conn, trace_id)
    if not rows:
        raise NotFound(f"no trace {trace_id}", field="trace_id")
    nodes = {r["id"]: {**public_run(r), "children": []} for r in rows}
    roots = []
    for node in nodes.values():
        parent = nodes.get(node["parent_run_id"]) if node["parent_run_id"] else None
        (parent["children"] if parent else roots).append(node)
    return {"trace_id": trace_id, "run_count": len(rows), "roots": roots}


def filter_targets(db: Database, node: Node | None = None) -> SqlTargets:
    """The tables a filter reads; given the filter, also which of its search() texts are too common
    for the full-text index to help (SQLite; see store/runs.py common_search_texts)."""
    common: frozenset[str] = frozenset()
    texts = indexed_search_texts(node) if node is not None and db.dialect == "sqlite" else set()
    if texts:
        with db.read() as conn:
            common = runs_store.common_search_texts(conn, texts)
    return SqlTargets(
        runs=tables.runs,
        feedback=tables.feedback,
        projects=tables.projects,
        dialect=db.dialect,
        common_searches=common,
    )


def project_clause(db: Database, name: str) -> sa.ColumnElement[bool]:
    """Filter by project id, not by a join on its name, so the planner can use the project index."""
    if not isinstance(name, str):
        raise Invalid("must be a string", field="project")
    with db.read() as conn:
        found = projects_store.ids_by_name(conn, [name])
    return tables.runs.c.project_id == found[name] if name in found else sa.false()


def compile_filter(db: Database, text: str | None) -> list[sa.ColumnElement[bool]]:
    if text is not None and not isinstance(text, str):
        raise Invalid("must be a string", field="filter")
    if text is None or not text.strip():
        return []
    node, rate = split_sample_rate(parse(text))
    if rate is not None:
        raise Invalid("random_sample belongs in a routing rule, not a search", field="filter")
    return [] if node is None else [to_sql(node, filter_targets(db, node))]


def search_runs(
    db: Database,
    actor: Actor,
    *,
    filter: str | None = None,
    project: str | None = None,
    is_root: bool | None = None,
    trace_id: uuid.UUID | None = None,
    limit: int | None = 100,
    cursor: str | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    actor.require(Permission.READ_RUNS)
    limit = check_limit(limit)
    where = compile_filter(db, filter)
    if project is not None:
        where.append(project_clause(db, project))
    if is_root is not None:
        if not isinstance(is_root, bool):
            raise Invalid("must be true or false", field="is_root")
        where.append(tables.runs.c.is_root.is_(is_root))
    if trace_id is not None:
        where.append(tables.runs.c.trace_id == trace_id)
    after = decode_cursor(cursor)
    with db.read() as conn:
        rows = runs_store.search(conn, where, limit=limit + 1, after=after)
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1]["start_time"], rows[-1]["id"]) if more and rows else None
    return [public_run(r) for r in rows], next_cursor
