"""The append-only audit table and the head of its hash chain."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reviewdesk.domain.audit_chain import GENESIS_HASH, chain_hash
from reviewdesk.store.dialect import insert_ignore_statement
from reviewdesk.store.tables import audit_chain_head, audit_events

_EVENT_COLUMNS = ("at", "actor", "action", "object_type", "object_id", "details")
_HEAD_ID = 1

_HEAD = sa.select(audit_chain_head.c.event_id, audit_chain_head.c.hash).where(
    audit_chain_head.c.id == _HEAD_ID
)
_LAST_EVENT = sa.select(audit_events.c.id, audit_events.c.hash).order_by(audit_events.c.id.desc()).limit(1)
_INSERT_EVENT = audit_events.insert().returning(audit_events.c.id)
_MOVE_HEAD = audit_chain_head.update().where(audit_chain_head.c.id == _HEAD_ID)


@functools.cache
def _append_in_one_statement() -> sa.Update:
    """PostgreSQL: lock the head, insert the event chained to it and move the head, in one statement.

    SELECT … FOR UPDATE returns the head's newest version once a concurrent append commits, so the
    lock and the read are one step; the hash is SHA-256 of the previous hash and the canonical event
    (`domain.audit_chain.event_hash`), computed by the server from the bytes we send.
    """
    head = (
        sa.select(audit_chain_head.c.hash)
        .where(audit_chain_head.c.id == _HEAD_ID)
        .with_for_update()
        .cte("head")
    )
    chained = sa.func.convert_to(head.c.hash, sa.literal_column("'UTF8'")).op(
        "||", return_type=sa.LargeBinary
    )(sa.bindparam("canonical", type_=sa.LargeBinary))
    new_hash = sa.func.encode(sa.func.sha256(chained), sa.literal_column("'hex'"))
    values = sa.select(
        *[sa.bindparam(name, type_=audit_events.c[name].type) for name in _EVENT_COLUMNS],
        head.c.hash,
        new_hash,
    ).select_from(head)
    event = (
        audit_events.insert()
        .from_select([*_EVENT_COLUMNS, "prev_hash", "hash"], values)
        .returning(audit_events.c.id, audit_events.c.hash)
        .cte("event")
    )
    return (
        audit_chain_head.update()
        .where(audit_chain_head.c.id == _HEAD_ID)
        .values(
            event_id=sa.select(event.c.id).scalar_subquery(), hash=sa.select(event.c.hash).scalar_subquery()
        )
        .returning(audit_chain_head.c.event_id, audit_chain_head.c.hash)
    )


def append(conn: Connection, event: dict[str, Any], canonical: bytes) -> tuple[int, str]:
    """Append an event after the chain's head and move the head to it; (id, hash).

    `canonical` is the event's canonical bytes (`domain.audit_chain.canonical_event`). Appends are
    serialized: by the head's row lock on PostgreSQL, by BEGIN IMMEDIATE on SQLite.
    """
    if conn.dialect.name == "postgresql":
        row = conn.execute(_append_in_one_statement(), {**event, "canonical": canonical}).first()
        if row is None:  # no head row yet (an emptied table): make one from the newest event, retry
            _ensure_head(conn)
            row = conn.execute(_append_in_one_statement(), {**event, "canonical": canonical}).one()
        return row[0], row[1]
    head = conn.execute(_HEAD).first()
    prev = head.hash if head is not None else _ensure_head(conn)
    new_hash = chain_hash(prev, canonical)
    event_id = conn.execute(_INSERT_EVENT, {**event, "prev_hash": prev, "hash": new_hash}).scalar_one()
    conn.execute(_MOVE_HEAD, {"event_id": event_id, "hash": new_hash})
    return event_id, new_hash


def _ensure_head(conn: Connection) -> str:
    """Create the head row from the newest event if it is missing (a table emptied by hand or by a
    test); returns the hash it starts from."""
    last = conn.execute(_LAST_EVENT).first()
    row = {"id": _HEAD_ID, "event_id": last.id if last else None, "hash": last.hash if last else GENESIS_HASH}
    conn.execute(insert_ignore_statement(conn, audit_chain_head, ["id"]), row)
    return row["hash"]


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
