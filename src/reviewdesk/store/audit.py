"""The append-only audit table."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reviewdesk.domain.audit_chain import GENESIS_HASH
from reviewdesk.store.dialect import lock_audit_chain
from reviewdesk.store.tables import audit_events

_LAST_HASH = sa.select(audit_events.c.hash).order_by(audit_events.c.id.desc()).limit(1)
_APPEND = audit_events.insert().returning(audit_events.c.id)


def last_hash_locked(conn: Connection) -> str:
    lock_audit_chain(conn)
    return conn.execute(_LAST_HASH).scalar() or GENESIS_HASH


def append(conn: Connection, row: dict[str, Any]) -> int:
    return conn.execute(_APPEND, row).scalar_one()


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
