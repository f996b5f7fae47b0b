"""Failed-login counters shared by every app process: one row per key (a hashed pair, account or address)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reviewdesk.store.dialect import insert_ignore_statement
from reviewdesk.store.tables import login_throttle


def get(conn: Connection, key: str) -> dict[str, Any] | None:
    row = conn.execute(sa.select(login_throttle).where(login_throttle.c.key == key)).mappings().first()
    return dict(row) if row else None


def get_many(conn: Connection, keys: list[str]) -> list[dict[str, Any]]:
    rows = conn.execute(sa.select(login_throttle).where(login_throttle.c.key.in_(keys))).mappings()
    return [dict(r) for r in rows]


def hold(conn: Connection, key: str, now: datetime) -> dict[str, Any]:
    """The key's row, created empty if absent and locked until the transaction ends, so two
    processes counting the same failure at once both count (SQLite writers are serialized anyway)."""
    conn.execute(
        insert_ignore_statement(conn, login_throttle, ["key"]).values(
            key=key, failures=0, window_started_at=now, locked_until=None
        )
    )
    query = sa.select(login_throttle).where(login_throttle.c.key == key)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return dict(conn.execute(query).mappings().one())


def update(conn: Connection, key: str, values: dict[str, Any]) -> None:
    conn.execute(login_throttle.update().where(login_throttle.c.key == key).values(**values))


def delete(conn: Connection, key: str) -> None:
    conn.execute(login_throttle.delete().where(login_throttle.c.key == key))


def delete_stale(conn: Connection, window_before: datetime, now: datetime) -> int:
    """Forget keys whose window ended and that hold no lock: the table stays as small as the attack."""
    result = conn.execute(
        login_throttle.delete().where(
            login_throttle.c.window_started_at < window_before,
            sa.or_(login_throttle.c.locked_until.is_(None), login_throttle.c.locked_until < now),
        )
    )
    return result.rowcount or 0
