"""The few dialect branches: upserts and insert-if-absent for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection


def _insert(conn: Connection, table: sa.Table):  # type: ignore[no-untyped-def]
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


def upsert_statement(
    conn: Connection, table: sa.Table, key: Sequence[str], update: Sequence[str]
) -> sa.Insert:
    stmt = _insert(conn, table)
    return stmt.on_conflict_do_update(
        index_elements=list(key), set_={name: stmt.excluded[name] for name in update}
    )


def insert_ignore_statement(conn: Connection, table: sa.Table, key: Sequence[str]) -> sa.Insert:
    return _insert(conn, table).on_conflict_do_nothing(index_elements=list(key))


def lock_audit_chain(conn: Connection) -> None:
    """Serialize appends to the audit chain. SQLite writers are already serialized by BEGIN IMMEDIATE."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(724201)"))


def relax_durability(conn: Connection) -> None:
    """For a transaction whose loss is harmless (a reservation simply lapses), skip waiting for the
    WAL flush on PostgreSQL. SQLite has no per-transaction switch; it keeps its setting."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SET LOCAL synchronous_commit = off"))
