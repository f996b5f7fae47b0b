"""Putting runs, pairs and sessions into queues, listing and removing them, resolving flags."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from reviewdesk.domain.limits import MAX_INT32, MIN_INT32, fits_int32
from reviewdesk.domain.permissions import Actor, Role
from reviewdesk.domain.run_payload import parse_uuid
from reviewdesk.errors import Forbidden, Invalid, NotFound
from reviewdesk.services import audit
from reviewdesk.services.clock import utcnow
from reviewdesk.services.paging import decode_ranked_cursor, encode_ranked_cursor
from reviewdesk.services.queue_access import load_manageable, load_visible
from reviewdesk.services.runs import compile_filter, project_clause
from reviewdesk.store import queue_contents as contents_store
from reviewdesk.store import queue_items as items_store
from reviewdesk.store import rules as rules_store
from reviewdesk.store import runs as runs_store
from reviewdesk.store import tables
from reviewdesk.store.database import Database

FILTER_CHUNK = 1000
MAX_IDS_PER_CALL = 10_000
ITEM_STATUSES = ("pending", "completed", "flagged", "removed")


def public_item(row: dict[str, Any]) -> dict[str, Any]:
    return {
        k: row[k]
        for k in (
            "id",
            "queue_id",
            "target_kind",
            "run_id",
            "run_b_id",
            "session_id",
            "source",
            "reason",
            "priority",
            "status",
            "reviews_done",
            "flag_reason",
            "added_by",
            "added_at",
            "completed_at",
        )
    }


def item_row(
    queue_id: uuid.UUID, actor: Actor, source: str, reason: str | None, priority: int, **target: Any
) -> dict[str, Any]:
    if target.get("run_b_id") is not None:
        # [a, b] and [b, a] are one comparison: the key is order-free, run A stays as given.
        low, high = sorted((str(target["run_id"]), str(target["run_b_id"])))
        key, kind = f"pair:{low}:{high}", "pair"
    elif target.get("session_id") is not None:
        key, kind = f"session:{target['session_id']}", "session"
    else:
        key, kind = str(target["run_id"]), "run"
    return {
        "id": uuid.uuid4(),
        "queue_id": queue_id,
        "target_key": key,
        "target_kind": kind,
        "run_id": target.get("run_id"),
        "run_b_id": target.get("run_b_id"),
        "session_id": target.get("session_id"),
        "source": source,
        "reason": reason,
        "priority": priority,
        "status": "pending",
        "reviews_done": 0,
        "flag_reason": None,
        "added_by": actor.email,
        "added_at": utcnow(),
        "completed_at": None,
    }


def insert_items(conn: Connection, actor: Actor, queue: dict[str, Any], rows: list[dict[str, Any]]) -> int:
    added = contents_store.insert_ignoring_duplicates(conn, rows)
    if added:
        audit.record(
            conn,
            actor,
            "queue.items_add",
            "queue",
            queue["id"],
            {"added": added, "source": rows[0]["source"], "reason": rows[0]["reason"]},
        )
    return added


def _options(payload: dict[str, Any]) -> tuple[str | None, int, str]:
    reason = payload.get("reason", payload.get("comment"))
    if reason is not None and not isinstance(reason, str):
        raise Invalid("must be a string", field="reason")
    priority = payload.get("priority", 0)
    if isinstance(priority, bool) or not isinstance(priority, int):
        raise Invalid("must be an integer", field="priority")
    if not fits_int32(priority):
        raise Invalid(f"must be between {MIN_INT32} and {MAX_INT32}", field="priority")
    source = payload.get("source", "api")
    if source not in ("manual", "api", "rule"):
        raise Invalid("must be manual or api", field="source")
    return reason, priority, source


def _targets(queue: dict[str, Any], payload: dict[str, Any]) -> list[dict[str, Any]]:
    if queue["kind"] == "pairwise":
        pairs = payload.get("pairs")
        if not isinstance(pairs, list) or not pairs:
            raise Invalid('a pairwise queue takes {"pairs": [[run_a, run_b], ...]}', field="pairs")
        targets = []
        for i, pair in enumerate(pairs):
            if not isinstance(pair, list) or len(pair) != 2:
                raise Invalid("each pair is [run_a_id, run_b_id]", field=f"pairs[{i}]")
            a = parse_uuid(pair[0], f"pairs[{i}][0]", required=True)
            b = parse_uuid(pair[1], f"pairs[{i}][1]", required=True)
            if a == b:
                raise Invalid("a pair needs two different runs", field=f"pairs[{i}]")
            targets.append({"run_id": a, "run_b_id": b})
        return targets
    if "session_ids" in payload:
        sessions = payload["session_ids"]
        if not isinstance(sessions, list) or not all(isinstance(s, str) and s for s in sessions):
            raise Invalid("must be a list of session ids", field="session_ids")
        return [{"session_id": s} for s in sessions]
    run_ids = payload.get("run_ids")
    if not isinstance(run_ids, list):
        raise Invalid("give run_ids (a list), a filter, or session_ids", field="run_ids")
    return [{"run_id": parse_uuid(r, f"run_ids[{i}]", required=True)} for i, r in enumerate(run_ids)]


def add_items(db: Database, actor: Actor, queue_id: uuid.UUID, payload: dict[str, Any]) -> dict[str, int]:
    """Add by run ids, session ids or pairs; or everything matching a filter (see add_by_filter)."""
    if not isinstance(payload, dict):
        raise Invalid("must be a JSON object", field="body")
    if "filter" in payload:
        return add_by_filter(db, actor, queue_id, payload)
    reason, priority, source = _options(payload)
    with db.write() as conn:
        queue = load_manageable(conn, actor, queue_id)
        targets = _targets(queue, payload)
        if len(targets) > MAX_IDS_PER_CALL:
            raise Invalid(f"at most {MAX_IDS_PER_CALL} per call; use a filter for more", field="run_ids")
        rows = list(
            {
                r["target_key"]: r
                for r in (item_row(queue_id, actor, source, reason, priority, **t) for t in targets)
            }.values()
        )
        added = insert_items(conn, actor, queue, rows)
    return {"added": added, "already_present": len(targets) - added}


def add_by_filter(db: Database, actor: Actor, queue_id: uuid.UUID, payload: dict[str, Any]) -> dict[str, int]:
    """Honour the filter exactly; add in chunks, each its own short write transaction."""
    reason, priority, source = _options(payload)
    project = payload.get("project")
    if project is not None and not isinstance(project, str):
        raise Invalid("must be a string", field="project")
    roots_only = payload.get("is_root", True)
    with db.read() as conn:
        queue = load_manageable(conn, actor, queue_id)
    if queue["kind"] == "pairwise":
        raise Invalid("a pairwise queue takes pairs, not a filter", field="filter")
    where = compile_filter(db, payload["filter"])
    if project is not None:
        where.append(project_clause(db, project))
    if roots_only is not None:
        where.append(tables.runs.c.is_root.is_(bool(roots_only)))
    added = present = 0
    after = None
    while True:
        with db.read() as conn:
            chunk = runs_store.search(conn, where, limit=FILTER_CHUNK, after=after)
        if not chunk:
            break
        rows = [item_row(queue_id, actor, source, reason, priority, run_id=r["id"]) for r in chunk]
        with db.write() as conn:
            n = insert_items(conn, actor, queue, rows)
        added += n
        present += len(rows) - n
        after = (chunk[-1]["start_time"], chunk[-1]["id"])
    return {"added": added, "already_present": present}


def list_items(
    db: Database,
    actor: Actor,
    queue_id: uuid.UUID,
    *,
    status: str | None,
    limit: int,
    offset: int = 0,
    after: tuple[int, datetime, uuid.UUID] | None = None,
) -> list[dict[str, Any]]:
    if status is not None and status not in ITEM_STATUSES:
        raise Invalid(f"must be one of {', '.join(ITEM_STATUSES)}", field="status")
    with db.read() as conn:
        load_visible(conn, actor, queue_id)
        if actor.role == Role.REVIEWER:
            raise Forbidden("reviewers work items through next; the item list is for queue managers")
        rows = contents_store.list_page(
            conn, queue_id, status=status, limit=limit, offset=offset, after=after
        )
        ids = [r["id"] for r in rows]
        matches = rules_store.matches_of_items(conn, ids)
        reviewers = contents_store.reviewers_of_items(conn, ids)
        return [
            {
                **public_item(r),
                "matched_rules": matches.get(r["id"], []),
                "reviewers": reviewers.get(r["id"], []),
            }
            for r in rows
        ]


def list_items_page(
    db: Database, actor: Actor, queue_id: uuid.UUID, *, status: str | None, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """One keyset page of the item list and the cursor of the next (None at the end)."""
    rows = list_items(db, actor, queue_id, status=status, limit=limit + 1, after=decode_ranked_cursor(cursor))
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], encode_ranked_cursor(last["priority"], last["added_at"], last["id"])


def remove_item(db: Database, actor: Actor, queue_id: uuid.UUID, item_id: uuid.UUID) -> None:
    with db.write() as conn:
        load_manageable(conn, actor, queue_id)
        item = items_store.get(conn, item_id)
        if item is None or item["queue_id"] != queue_id or item["status"] == "removed":
            raise NotFound(f"no item {item_id} in this queue", field="item_id")
        # Kept as a tombstone: a removed run must not come back through a rule or a bulk add.
        items_store.update(conn, item_id, {"status": "removed"})
        audit.record(
            conn,
            actor,
            "queue.item_remove",
            "queue_item",
            item_id,
            {"queue_id": str(queue_id), "run_id": str(item["run_id"]) if item["run_id"] else None},
        )


def resolve_flag(db: Database, actor: Actor, item_id: uuid.UUID, action: Any) -> dict[str, Any] | None:
    """An admin sends a flagged item back to pending, or removes it."""
    if action not in ("pending", "remove"):
        raise Invalid("must be pending or remove", field="action")
    with db.write() as conn:
        item = items_store.get(conn, item_id, for_update=True)
        if item is None:
            raise NotFound(f"no item {item_id}", field="item_id")
        load_manageable(conn, actor, item["queue_id"])
        if actor.role != Role.ADMIN:
            raise Forbidden("only an admin resolves flagged items")
        if item["status"] != "flagged":
            raise Invalid("the item is not flagged", field="item_id")
        audit.record(conn, actor, "queue.flag_resolve", "queue_item", item_id, {"action": action})
        if action == "remove":
            items_store.update(conn, item_id, {"status": "removed"})
            return None
        items_store.update(conn, item_id, {"status": "pending", "flag_reason": None})
        return public_item({**item, "status": "pending", "flag_reason": None})
