"""The audit trail: recording events in the caller's transaction, listing, verifying the keyed chain
against the database and, when given one, a signed checkpoint kept outside it (docs/security.md)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from reviewdesk.domain.audit_chain import (
    GENESIS_HASH,
    canonical_event,
    checkpoint_signed,
    first_broken_link,
    sign_checkpoint,
)
from reviewdesk.domain.permissions import Actor, Permission
from reviewdesk.errors import Conflict, Invalid
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


def checkpoint(db: Database, actor: Actor) -> dict[str, Any]:
    """A signed (count, head, time) to keep outside the database, after checking the chain holds:
    a checkpoint of a broken chain would vouch for the break."""
    actor.require(Permission.READ_AUDIT)
    with db.read() as conn:
        result = _verify_chain(conn)
        if not result["ok"]:
            raise Conflict(
                f"the audit chain is broken at event {result['first_bad']}: no checkpoint signed",
                code="audit_chain_broken",
            )
        return sign_checkpoint(
            audit_store.chain_key(conn),
            count=result["events"],
            head_id=result["head_id"],
            head_hash=result["head_hash"],
            at=utcnow(),
        )


def verify(db: Database, actor: Actor, checkpoint: dict[str, Any] | None = None) -> dict[str, Any]:
    """`ok` when every event's keyed hash holds, the head names the newest event and, given a
    checkpoint, the trail still holds every event the checkpoint counted, unchanged."""
    actor.require(Permission.READ_AUDIT)
    if checkpoint is not None and not isinstance(checkpoint, dict):
        raise Invalid("must be a checkpoint object", field="checkpoint")
    with db.read() as conn:
        result = _verify_chain(conn)
        if checkpoint is not None:
            result["checkpoint"] = _against_checkpoint(conn, checkpoint, result)
            result["ok"] = result["ok"] and result["checkpoint"]["ok"]
    return {k: v for k, v in result.items() if k not in ("head_id", "head_hash")}


def _verify_chain(conn: Connection) -> dict[str, Any]:
    key = audit_store.chain_key(conn)
    count, prev, last_id = 0, GENESIS_HASH, None
    for event in audit_store.iterate_all(conn):
        count += 1
        bad = first_broken_link(key, [event], prev)
        if bad is not None:
            return {"ok": False, "events": count, "first_bad": bad, "reason": "edited"}
        prev, last_id = event["hash"], event["id"]
    head = audit_store.head(conn)
    # The head names the newest event appended: if the chain ends before it, the newest were deleted.
    if (head is None and count) or (head is not None and head != (last_id, prev)):
        return {
            "ok": False,
            "events": count,
            "first_bad": head[0] if head else last_id,
            "reason": "head_mismatch",
        }
    return {"ok": True, "events": count, "first_bad": None, "head_id": last_id, "head_hash": prev}


def _against_checkpoint(
    conn: Connection, checkpoint: dict[str, Any], chain: dict[str, Any]
) -> dict[str, Any]:
    """What the trail says about a checkpoint: events it counted must all be there, unchanged."""
    key = audit_store.chain_key(conn)
    if not checkpoint_signed(key, checkpoint):
        return {"ok": False, "reason": "the checkpoint's signature does not hold (altered, or another key)"}
    count, head_id, head_hash = checkpoint["count"], checkpoint["head_id"], checkpoint["head_hash"]
    if chain["events"] < count:
        return {
            "ok": False,
            "reason": f"the trail holds {chain['events']} events; the checkpoint counted {count}",
        }
    if head_id is not None:
        if audit_store.hash_of(conn, head_id) != head_hash:
            return {"ok": False, "reason": f"event {head_id}, the checkpoint's head, is gone or changed"}
        if audit_store.count_events(conn, up_to_id=head_id) != count:
            return {"ok": False, "reason": f"events up to {head_id} are missing or were added"}
    return {"ok": True, "reason": None, "count": count, "at": checkpoint.get("at")}
