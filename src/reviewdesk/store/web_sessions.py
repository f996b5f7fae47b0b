"""Logged-in browser sessions: one row per login, found by the SHA-256 of the cookie's token."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reviewdesk.store.tables import users, web_sessions

# The one statement every page pays for: the session and its user, by the unique token index.
_LIVE = (
    sa.select(
        web_sessions.c.id,
        web_sessions.c.user_id,
        web_sessions.c.last_seen_at,
        web_sessions.c.expires_at,
        users.c.email,
        users.c.role,
        users.c.disabled,
        users.c.permissions,
    )
    .join(users, users.c.id == web_sessions.c.user_id)
    .where(web_sessions.c.token_hash == sa.bindparam("token_hash"))
)
_TOUCH = web_sessions.update().where(web_sessions.c.id == sa.bindparam("session_id"))


def insert(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(web_sessions.insert().values(**row))


def with_user(conn: Connection, token_hash: str) -> dict[str, Any] | None:
    row = conn.execute(_LIVE, {"token_hash": token_hash}).mappings().first()
    return dict(row) if row else None


def touch(conn: Connection, session_id: uuid.UUID, now: datetime) -> None:
    conn.execute(_TOUCH, {"session_id": session_id, "last_seen_at": now})


def of_user(conn: Connection, user_id: uuid.UUID) -> list[dict[str, Any]]:
    query = (
        sa.select(web_sessions)
        .where(web_sessions.c.user_id == user_id)
        .order_by(web_sessions.c.last_seen_at.desc(), web_sessions.c.id)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def delete(conn: Connection, session_id: uuid.UUID, *, user_id: uuid.UUID | None = None) -> int:
    query = web_sessions.delete().where(web_sessions.c.id == session_id)
    if user_id is not None:
        query = query.where(web_sessions.c.user_id == user_id)
    return conn.execute(query).rowcount or 0


def delete_by_token_hash(conn: Connection, token_hash: str) -> int:
    return conn.execute(web_sessions.delete().where(web_sessions.c.token_hash == token_hash)).rowcount or 0


def delete_of_user(conn: Connection, user_id: uuid.UUID, *, keep: uuid.UUID | None = None) -> int:
    query = web_sessions.delete().where(web_sessions.c.user_id == user_id)
    if keep is not None:
        query = query.where(web_sessions.c.id != keep)
    return conn.execute(query).rowcount or 0


def delete_ended(conn: Connection, now: datetime, idle_before: datetime) -> int:
    """Forget sessions past their lifetime or idle too long: the table stays as small as its users."""
    query = web_sessions.delete().where(
        sa.or_(web_sessions.c.expires_at <= now, web_sessions.c.last_seen_at < idle_before)
    )
    return conn.execute(query).rowcount or 0
