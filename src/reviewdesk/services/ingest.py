"""Run ingest: validate a whole batch, then upsert it in one transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Connection

from reviewdesk.domain.permissions import Actor, Permission
from reviewdesk.domain.run_payload import DEFAULT_PROJECT, derive, normalize_run, overlay
from reviewdesk.errors import Invalid
from reviewdesk.services import evaluator_jobs, routing
from reviewdesk.services.clock import utcnow
from reviewdesk.store import projects as projects_store
from reviewdesk.store import runs as runs_store

MAX_RUNS_PER_BATCH = 100_000

# Payload field → stored column, where the names differ.
_COLUMN_OF = {"metadata": "meta"}


def normalize_batch(post: Any, patch: Any) -> dict[uuid.UUID, dict[str, Any]]:
    """Validate everything before writing anything, and fold posts and patches per run id."""
    folded: dict[uuid.UUID, dict[str, Any]] = {}
    for part, items in (("post", post), ("patch", patch)):
        if items is None:
            continue
        if not isinstance(items, list):
            raise Invalid("must be a list of runs", field=part)
        for index, raw in enumerate(items):
            run = normalize_run(raw, f"{part}[{index}]")
            folded[run["id"]] = overlay(folded.get(run["id"]), run)
    if len(folded) > MAX_RUNS_PER_BATCH:
        raise Invalid(f"at most {MAX_RUNS_PER_BATCH} runs per batch", field="post")
    return folded


def _stored_to_payload(row: dict[str, Any], project_names: dict[uuid.UUID, str]) -> dict[str, Any]:
    payload = {k: v for k, v in row.items() if k not in ("meta", "project_id", "created_at", "updated_at")}
    payload["metadata"] = row["meta"]
    payload["project"] = project_names.get(row["project_id"], DEFAULT_PROJECT)
    return payload


def write_runs(conn: Connection, updates: dict[uuid.UUID, dict[str, Any]]) -> list[dict[str, Any]]:
    """Merge updates into stored runs and upsert them; return the merged runs in payload form."""
    now = utcnow()
    ids = list(updates)
    stored = runs_store.fetch_for_update(conn, ids)
    project_names = projects_store.names_by_id(conn, {r["project_id"] for r in stored.values()})
    merged: dict[uuid.UUID, dict[str, Any]] = {}
    for run_id, update in updates.items():
        base = _stored_to_payload(stored[run_id], project_names) if run_id in stored else None
        merged[run_id] = overlay(base, update)
    _fill_trace_ids(conn, merged)
    project_ids = projects_store.ensure(
        conn, {r.get("project") or DEFAULT_PROJECT for r in merged.values()}, now
    )
    rows = []
    for run_id, run in merged.items():
        derive(run, now)
        row = {_COLUMN_OF.get(k, k): v for k, v in run.items() if k != "project"}
        row["project_id"] = project_ids[run.get("project") or DEFAULT_PROJECT]  # "" is the default, as above
        row["created_at"] = stored[run_id]["created_at"] if run_id in stored else now
        row["updated_at"] = now
        rows.append(row)
    runs_store.upsert(conn, rows)
    runs_store.attach_orphan_feedback(conn, [i for i in ids if i not in stored])
    # Routing runs in the same pass and transaction: an acknowledged run is already routed.
    routing.route_runs(conn, list(merged.values()), now)
    # Online evaluators: jobs only (no judge call here), durable with the runs they score.
    evaluator_jobs.enqueue_online(conn, list(merged.values()), now)
    return list(merged.values())


def _fill_trace_ids(conn: Connection, merged: dict[uuid.UUID, dict[str, Any]]) -> None:
    """A child sent without trace_id joins its parent's trace (our own API does not require it)."""
    orphans = [r for r in merged.values() if r.get("trace_id") is None and r.get("parent_run_id")]
    if not orphans:
        return
    known = runs_store.trace_ids_of(conn, {r["parent_run_id"] for r in orphans})
    for run in orphans:
        parent = run["parent_run_id"]
        in_batch = merged.get(parent, {}).get("trace_id")
        run["trace_id"] = in_batch or known.get(parent) or parent


def ingest_batch(db: Any, actor: Actor, *, post: Sequence[Any] | None, patch: Sequence[Any] | None) -> int:
    actor.require(Permission.INGEST)
    updates = normalize_batch(post, patch)
    if not updates:
        return 0
    with db.write() as conn:
        write_runs(conn, updates)
    return len(updates)


def ingest_one(db: Any, actor: Actor, raw: Any, *, run_id: uuid.UUID | None = None) -> uuid.UUID:
    """Create (POST /runs) or patch (PATCH /runs/{id}) a single run."""
    if run_id is not None:
        if not isinstance(raw, dict):
            raise Invalid("must be a JSON object", field="body")
        if raw.get("id") not in (None, str(run_id)):
            raise Invalid("does not match the run id in the path", field="id")
        raw = {**raw, "id": str(run_id)}
    ingest_batch(db, actor, post=[raw], patch=None)
    return run_id or uuid.UUID(str(raw["id"]))
