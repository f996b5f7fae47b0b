"""The trace behind a queue item, for the reviewer who holds or reviewed that item."""

from __future__ import annotations

import uuid
from typing import Any

from reviewdesk.domain.blinding import blind_tree
from reviewdesk.domain.permissions import Actor
from reviewdesk.errors import NotFound
from reviewdesk.services import review
from reviewdesk.services.review_view import blinding_keys
from reviewdesk.services.runs import public_run
from reviewdesk.store import queues as queues_store
from reviewdesk.store import runs as runs_store
from reviewdesk.store.database import Database


def _tree(rows: list[dict[str, Any]], blind: frozenset[str] | None) -> list[dict[str, Any]]:
    nodes = {r["id"]: {**public_run(r), "children": []} for r in rows}
    roots = []
    for node in nodes.values():
        parent = nodes.get(node["parent_run_id"]) if node["parent_run_id"] else None
        (parent["children"] if parent else roots).append(node)
    return roots if blind is None else blind_tree(roots, blind)


def _blinding(conn: Any, view: dict[str, Any]) -> frozenset[str] | None:
    """A blind pairwise queue hides the model from every span of a side's trace, as from the side."""
    queue = queues_store.get(conn, view["queue"]["id"])
    return blinding_keys(queue, for_reviewer=view["review"].get("id") is not None) if queue else None


def item_trace(db: Database, actor: Actor, item_id: uuid.UUID, run_id: uuid.UUID | None = None) -> dict:
    """The span tree of one of the item's runs (the first shown one by default).

    Access follows `review.get_item`: the caller must hold or have reviewed the item, so a reviewer
    reaches these traces without the project-wide READ_RUNS that `/api/v1/traces` asks for.
    """
    view = review.get_item(db, actor, item_id)
    shown = [r for r in view["runs"] if not r.get("missing")]
    if run_id is not None:
        shown = [r for r in shown if r["id"] == run_id]
    if not shown:
        raise NotFound(f"no run {run_id} on item {item_id}", field="run_id")
    trace_id = shown[0]["trace_id"] or shown[0]["id"]
    with db.read() as conn:
        rows = runs_store.by_trace(conn, trace_id)
        blind = _blinding(conn, view)
    if not rows:
        raise NotFound(f"no trace {trace_id}", field="trace_id")
    roots = _tree(rows, blind)
    return {"trace_id": trace_id, "run_id": shown[0]["id"], "run_count": len(rows), "roots": roots}


def traces_of_shown_runs(db: Database, view: dict[str, Any]) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """The span trees behind the runs of an item view the caller was already allowed to read
    (`review.get_item` / `next_item`), keyed by run id: the review view's Sources panel reads them."""
    shown = [r for r in view["runs"] if not r.get("missing")]
    trace_ids = {r["id"]: r["trace_id"] or r["id"] for r in shown}
    trees: dict[uuid.UUID, list[dict[str, Any]]] = {}
    with db.read() as conn:
        blind = _blinding(conn, view)
        for trace_id in set(trace_ids.values()):
            trees[trace_id] = _tree(runs_store.by_trace(conn, trace_id), blind)
    return {run_id: trees[trace_id] for run_id, trace_id in trace_ids.items()}
