"""The audit trail: recording events in the caller's transaction, listing, verifying the chain."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from reviewdesk.domain.audit_chain import GENESIS_HASH, canonical_event, first_broken_link
from reviewdesk.domain.permissions import Actor, Permission
from reviewdesk.services.clock import utcnow
from reviewdesk.store import audit as audit_store
from reviewdesk.store.database import Database


def record(
    conn: Connection,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: object,
    details: dict[str, Any] | None = None,
) -> None:
    """Append one event inside the caller's transaction, so the write and its record commit together."""
    event = {
        "at": utcnow(),
        "actor": actor.email,
        "action": action,
        "object_type": object_type,
        "object_id": None if object_id is None else str(object_id),
        "details": details,
    }
    audit_store.append(conn, event, canonical_event(event))


def list_events(
    db: Database, actor: Actor, *, limit: int, before_id: int | None, filters: dict[str, Any]
) -> tuple[list[dict[str, Any]], int | None]:
    actor.require(Permission.READ_AUDIT)
    with db.read() as conn:
        rows = audit_store.list_page(conn, limit=limit, before_id=before_id, filters=filters)
    next_before = rows[-1]["id"] if len(rows) == limit else None
    return rows, next_before


def verify(db: Database, actor: Actor) -> dict[str, Any]:
    actor.require(Permission.READ_AUDIT)
    count = 0
    prev = GENESIS_HASH
    last_id = None
    with db.read() as conn:
        for event in audit_store.iterate_all(conn):
            count += 1
            bad = first_broken_link([event], prev)
            if bad is not None:
                return {"ok": False, "events": count, "first_bad": bad}
            prev, last_id = event["hash"], event["id"]
        head = audit_store.head(conn)
    # The head names the newest event appended: if the chain ends before it, the newest were deleted.
    if (head is None and count) or (head is not None and head != (last_id, prev)):
        return {"ok": False, "events": count, "first_bad": head[0] if head else last_id}
    return {"ok": True, "events": count, "first_bad": None}
