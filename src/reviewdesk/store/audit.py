"""The append-only audit table and the head of its hash chain."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from reviewdesk.domain.audit_chain import GENESIS_HASH, chain_hash, derive_audit_key
from reviewdesk.store import settings_kv
from reviewdesk.store.dialect import insert_ignore_statement
from reviewdesk.store.tables import audit_chain_head, audit_events

_EVENT_COLUMNS = ("at", "actor", "action", "object_type", "object_id", "details")
_HEAD_ID = 1

AUDIT_KEY_OPTION = "reviewdesk_audit_key"

_HEAD = sa.select(audit_chain_head.c.event_id, audit_chain_head.c.hash).where(
    audit_chain_head.c.id == _HEAD_ID
)
_LAST_EVENT = sa.select(audit_events.c.id, audit_events.c.hash).order_by(audit_events.c.id.desc()).limit(1)
_INSERT_EVENT = audit_events.insert().returning(audit_events.c.id)
_MOVE_HEAD = audit_chain_head.update().where(audit_chain_head.c.id == _HEAD_ID)


def use_key(engine: Engine, key: bytes) -> None:
    """Every connection of this engine chains with `key` (bootstrap sets it from the server secret)."""
    engine.update_execution_options(**{AUDIT_KEY_OPTION: key})


def chain_key(conn: Connection) -> bytes:
    """The chain's key: the one bootstrap gave the engine or, for code that runs without the app (a
    script, a test), the one derived from the secret stored in the database (created if absent)."""
    key = conn.get_execution_options().get(AUDIT_KEY_OPTION)
    if key is None:
        secret = settings_kv.get(conn, "secret_key") or settings_kv.put_if_absent(
            conn, "secret_key", secrets.token_hex(32)
        )
        key = derive_audit_key(secret)
        use_key(conn.engine, key)
    return key


def append(conn: Connection, event: dict[str, Any], canonical: bytes) -> tuple[int, str]:
    """Append an event after the chain's head and move the head to it; (id, hash).

    `canonical` is the event's canonical bytes (`domain.audit_chain.canonical_event`). Appends are
    serialized: by the head's row lock on PostgreSQL, by BEGIN IMMEDIATE on SQLite. The keyed hash is
    computed here, never by the database server: the key must not travel in statement parameters
    (a server's statement log would hold it).
    """
    key = chain_key(conn)
    head_query = _HEAD.with_for_update() if conn.dialect.name == "postgresql" else _HEAD
    head = conn.execute(head_query).first()
    if head is None:  # no head row yet (an emptied table): make one from the newest event
        _ensure_head(conn)
        head = conn.execute(head_query).one()
    new_hash = chain_hash(key, head.hash, canonical)
    event_id = conn.execute(_INSERT_EVENT, {**event, "prev_hash": head.hash, "hash": new_hash}).scalar_one()
    conn.execute(_MOVE_HEAD, {"event_id": event_id, "hash": new_hash})
    return event_id, new_hash


def _ensure_head(conn: Connection) -> None:
    """Create the head row from the newest event if it is missing (a table emptied by hand or by a
    test)."""
    last = conn.execute(_LAST_EVENT).first()
    row = {"id": _HEAD_ID, "event_id": last.id if last else None, "hash": last.hash if last else GENESIS_HASH}
    conn.execute(insert_ignore_statement(conn, audit_chain_head, ["id"]), row)


def head(conn: Connection) -> tuple[int | None, str] | None:
    """The chain's head: (newest event id, its hash), or None when there is no head row."""
    row = conn.execute(_HEAD).first()
    return (row.event_id, row.hash) if row is not None else None


def list_page(conn: Connection, *, limit: int, before_id: int | None, filters: dict[str, Any]) -> list[dict]:
    query = sa.select(audit_events)
    for name, value in filters.items():
        query = query.where(audit_events.c[name] == value)
    if before_id is not None:
        query = query.where(audit_events.c.id < before_id)
    query = query.order_by(audit_events.c.id.desc()).limit(limit)
    return [dict(r) for r in conn.execute(query).mappings()]


def iterate_all(conn: Connection, batch: int = 5000) -> Iterator[dict[str, Any]]:
    last = 0
    while True:
        query = (
            sa.select(audit_events).where(audit_events.c.id > last).order_by(audit_events.c.id).limit(batch)
        )
        rows = [dict(r) for r in conn.execute(query).mappings()]
        if not rows:
            return
        yield from rows
        last = rows[-1]["id"]


def count_events(conn: Connection, *, up_to_id: int | None = None) -> int:
    query = sa.select(sa.func.count()).select_from(audit_events)
    if up_to_id is not None:
        query = query.where(audit_events.c.id <= up_to_id)
    return int(conn.execute(query).scalar_one())


def hash_of(conn: Connection, event_id: int) -> str | None:
    return conn.execute(sa.select(audit_events.c.hash).where(audit_events.c.id == event_id)).scalar()
