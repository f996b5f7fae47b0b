"""Projects: namespaces of runs, created on first sight."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reviewdesk.store.dialect import insert_ignore_statement
from reviewdesk.store.tables import projects


def ids_by_name(conn: Connection, names: Iterable[str]) -> dict[str, uuid.UUID]:
    wanted = set(names)
    if not wanted:
        return {}
    rows = conn.execute(sa.select(projects.c.name, projects.c.id).where(projects.c.name.in_(wanted)))
    return {name: pid for name, pid in rows}


def ensure(conn: Connection, names: Iterable[str], now: datetime) -> dict[str, uuid.UUID]:
    wanted = set(names)
    found = ids_by_name(conn, wanted)
    missing = wanted - found.keys()
    if missing:
        conn.execute(
            insert_ignore_statement(conn, projects, ["name"]),
            [{"id": uuid.uuid4(), "name": n, "created_at": now, "description": None} for n in missing],
        )
        found = ids_by_name(conn, wanted)
    return found


def insert(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(projects.insert().values(**row))


def get(conn: Connection, project_id: uuid.UUID) -> dict[str, Any] | None:
    row = conn.execute(sa.select(projects).where(projects.c.id == project_id)).mappings().first()
    return dict(row) if row else None


def list_page(conn: Connection, *, name: str | None, limit: int, after: str | None) -> list[dict[str, Any]]:
    query = sa.select(projects).order_by(projects.c.name).limit(limit)
    if name is not None:
        query = query.where(projects.c.name == name)
    if after is not None:
        query = query.where(projects.c.name > after)
    return [dict(r) for r in conn.execute(query).mappings()]


def names_by_id(conn: Connection, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = conn.execute(sa.select(projects.c.id, projects.c.name).where(projects.c.id.in_(wanted)))
    return {pid: name for pid, name in rows}
