"""Users and their API keys."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reviewdesk.store.tables import api_keys, users


def count(conn: Connection) -> int:
    return conn.execute(sa.select(sa.func.count()).select_from(users)).scalar_one()


def insert(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(users.insert().values(**row))


def get(conn: Connection, user_id: uuid.UUID) -> dict[str, Any] | None:
    row = conn.execute(sa.select(users).where(users.c.id == user_id)).mappings().first()
    return dict(row) if row else None


def by_email(conn: Connection, email: str) -> dict[str, Any] | None:
    row = conn.execute(sa.select(users).where(users.c.email == email)).mappings().first()
    return dict(row) if row else None


def list_all(conn: Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(sa.select(users).order_by(users.c.email)).mappings()]


def update(conn: Connection, user_id: uuid.UUID, values: dict[str, Any]) -> None:
    conn.execute(users.update().where(users.c.id == user_id).values(**values))


def insert_key(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(api_keys.insert().values(**row))


def get_key(conn: Connection, key_id: uuid.UUID) -> dict[str, Any] | None:
    row = conn.execute(sa.select(api_keys).where(api_keys.c.id == key_id)).mappings().first()
    return dict(row) if row else None


def user_by_key_hash(conn: Connection, key_hash: str) -> dict[str, Any] | None:
    query = (
        sa.select(users, api_keys.c.id.label("api_key_id"))
        .select_from(api_keys.join(users, users.c.id == api_keys.c.user_id))
        .where(api_keys.c.key_hash == key_hash, api_keys.c.revoked_at.is_(None))
    )
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def keys_of(conn: Connection, user_id: uuid.UUID) -> list[dict[str, Any]]:
    query = sa.select(api_keys).where(api_keys.c.user_id == user_id).order_by(api_keys.c.created_at)
    return [dict(r) for r in conn.execute(query).mappings()]


def revoke_key(conn: Connection, key_id: uuid.UUID, at: datetime) -> None:
    conn.execute(api_keys.update().where(api_keys.c.id == key_id).values(revoked_at=at))
