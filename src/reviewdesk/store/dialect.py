"""The few dialect branches: upserts and insert-if-absent for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection


def insert_for(dialect: str, table: sa.Table):  # type: ignore[no-untyped-def]
    """The dialect's INSERT, which knows ON CONFLICT."""
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def _insert(conn: Connection, table: sa.Table):  # type: ignore[no-untyped-def]
    return insert_for(conn.dialect.name, table)


def upsert_statement(
    conn: Connection, table: sa.Table, key: Sequence[str], update: Sequence[str]
) -> sa.Insert:
    stmt = _insert(conn, table)
    return stmt.on_conflict_do_update(
        index_elements=list(key), set_={name: stmt.excluded[name] for name in update}
    )


def insert_ignore_statement(conn: Connection, table: sa.Table, key: Sequence[str]) -> sa.Insert:
    return _insert(conn, table).on_conflict_do_nothing(index_elements=list(key))
