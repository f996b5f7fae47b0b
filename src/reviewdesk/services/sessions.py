"""Browser sessions: who a session's user is now, and changing one's own password."""

from __future__ import annotations

import hashlib
import uuid

from argon2 import PasswordHasher

from reviewdesk.domain.permissions import Actor, Role
from reviewdesk.errors import Invalid, Unauthorized
from reviewdesk.services import accounts, audit
from reviewdesk.store import users as users_store
from reviewdesk.store.database import Database

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 8


def password_stamp(password_hash: str | None) -> str:
    """A short digest of the stored hash: a session carries it, so a password change ends old sessions."""
    return hashlib.sha256((password_hash or "").encode()).hexdigest()[:16]


def log_in(db: Database, email: str, password: str) -> tuple[Actor, str]:
    """Check the password; return the actor and the stamp its session must carry."""
    actor = accounts.authenticate_password(db, email, password)
    with db.read() as conn:
        row = users_store.get(conn, actor.user_id) if actor.user_id else None
    if row is None:
        raise Unauthorized("wrong email or password")
    return actor, password_stamp(row["password_hash"])


def session_actor(db: Database, user_id: uuid.UUID, stamp: str) -> Actor:
    """The actor behind a session, as the user is now: disabled users and old passwords end it."""
    with db.read() as conn:
        row = users_store.get(conn, user_id)
    if row is None or row["disabled"] or not row["password_hash"]:
        raise Unauthorized("the session has ended; log in again")
    if password_stamp(row["password_hash"]) != stamp:
        raise Unauthorized("the password changed; log in again")
    return Actor(user_id=row["id"], email=row["email"], role=Role(row["role"]))


def change_own_password(db: Database, actor: Actor, current: str, new: str) -> str:
    """Any user may change its own password given the current one; returns the new session stamp."""
    if actor.user_id is None:
        raise Invalid("only a user has a password", field="actor")
    if not isinstance(new, str) or len(new) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"must be at least {MIN_PASSWORD_LENGTH} characters", field="new_password")
    try:
        accounts.authenticate_password(db, actor.email, current)
    except Unauthorized:
        raise Invalid("is not your current password", field="current_password") from None
    new_hash = _hasher.hash(new)
    with db.write() as conn:
        users_store.update(conn, actor.user_id, {"password_hash": new_hash})
        audit.record(conn, actor, "user.password_change", "user", actor.user_id, {"password": "changed"})
    return password_stamp(new_hash)
