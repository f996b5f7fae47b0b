"""Logged-in browser sessions kept in the database, so ending one ends it at once.

The cookie carries a random token; the table holds its SHA-256. Each page costs one indexed lookup
(the session and its user in one statement) and, at most once a minute, a write of `last_seen_at`.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.engine import Connection

from reviewdesk.domain.permissions import Actor, Permission, Role
from reviewdesk.errors import NotFound, Unauthorized
from reviewdesk.services import audit
from reviewdesk.services.clock import utcnow
from reviewdesk.store import users as users_store
from reviewdesk.store import web_sessions as sessions_store
from reviewdesk.store.database import Database

SESSION_LIFETIME = timedelta(hours=12)
LAST_SEEN_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class LiveSession:
    id: uuid.UUID
    actor: Actor


def token_hash(token: str) -> str:
    # The token carries 192 random bits: a fast hash is enough, and a stolen table opens no session.
    return hashlib.sha256(token.encode()).hexdigest()


def insert_session(conn: Connection, user_id: uuid.UUID, *, user_agent: str, address: str) -> str:
    """A new session for the user inside the caller's transaction; returns the cookie's token."""
    now = utcnow()
    token = secrets.token_urlsafe(24)
    sessions_store.insert(
        conn,
        {
            "id": uuid.uuid4(),
            "token_hash": token_hash(token),
            "user_id": user_id,
            "created_at": now,
            "last_seen_at": now,
            "expires_at": now + SESSION_LIFETIME,
            "user_agent": (user_agent or "")[:300],
            "address": (address or "")[:100],
        },
    )
    return token


def start_session(db: Database, actor: Actor, *, user_agent: str, address: str, idle: timedelta) -> str:
    if actor.user_id is None:
        raise Unauthorized("only a user has a session")
    with db.write() as conn:
        now = utcnow()
        sessions_store.delete_ended(conn, now, now - idle)
        return insert_session(conn, actor.user_id, user_agent=user_agent, address=address)


def resume(db: Database, token: str, *, idle: timedelta) -> LiveSession:
    """The session this token opens and its user as they are now, or Unauthorized."""
    now = utcnow()
    with db.read() as conn:
        row = sessions_store.with_user(conn, token_hash(token))
    if row is None or row["disabled"]:
        raise Unauthorized("the session has ended; log in again")
    if row["expires_at"] <= now or row["last_seen_at"] < now - idle:
        with db.write(durable=False) as conn:
            sessions_store.delete(conn, row["id"])
        raise Unauthorized("the session expired; log in again")
    if now - row["last_seen_at"] >= LAST_SEEN_EVERY:
        # Losing this write in a power cut costs a minute of "last seen": not worth a flush.
        with db.write(durable=False) as conn:
            sessions_store.touch(conn, row["id"], now)
    actor = Actor(
        user_id=row["user_id"],
        email=row["email"],
        role=Role(row["role"]),
        grants=frozenset(row.get("permissions") or ()),
    )
    return LiveSession(id=row["id"], actor=actor)


def end_session(db: Database, token: str) -> None:
    """Logging out: the row goes, so the cookie (and its CSRF token) opens nothing any more."""
    with db.write() as conn:
        sessions_store.delete_by_token_hash(conn, token_hash(token))


def _public(row: dict[str, Any], current: uuid.UUID | None) -> dict[str, Any]:
    keys = ("id", "created_at", "last_seen_at", "expires_at", "user_agent", "address")
    return {**{k: row[k] for k in keys}, "current": row["id"] == current}


def list_sessions(
    db: Database, actor: Actor, user_id: uuid.UUID, *, current: uuid.UUID | None = None
) -> list[dict[str, Any]]:
    _require_self_or_admin(actor, user_id)
    with db.read() as conn:
        return [_public(r, current) for r in sessions_store.of_user(conn, user_id)]


def end_one(db: Database, actor: Actor, session_id: uuid.UUID) -> None:
    """A user ends one of its own sessions (the account page)."""
    if actor.user_id is None:
        raise NotFound("no such session", field="session_id")
    with db.write() as conn:
        if not sessions_store.delete(conn, session_id, user_id=actor.user_id):
            raise NotFound("no such session", field="session_id")
        audit.record(conn, actor, "session.end", "user", actor.user_id, {"session_id": str(session_id)})


def end_all(db: Database, actor: Actor, user_id: uuid.UUID, *, keep: uuid.UUID | None = None) -> int:
    """Sign a user out everywhere (an admin, or the user itself, keeping the session it acts from)."""
    _require_self_or_admin(actor, user_id)
    with db.write() as conn:
        if users_store.get(conn, user_id) is None:
            raise NotFound("no such user", field="user_id")
        ended = sessions_store.delete_of_user(conn, user_id, keep=keep)
        audit.record(conn, actor, "session.end_all", "user", user_id, {"ended": ended})
    return ended


def end_all_in(conn: Connection, user_id: uuid.UUID, *, keep: uuid.UUID | None = None) -> int:
    """Inside the caller's transaction: a password, role or disabled change ends the user's sessions."""
    return sessions_store.delete_of_user(conn, user_id, keep=keep)


def _require_self_or_admin(actor: Actor, user_id: uuid.UUID) -> None:
    if actor.user_id != user_id:
        actor.require(Permission.MANAGE_USERS)
