"""Logging in (throttled) and changing one's own password; the sessions themselves are web_sessions."""

from __future__ import annotations

from argon2 import PasswordHasher

from reviewdesk.domain.permissions import Actor
from reviewdesk.errors import Invalid, Unauthorized
from reviewdesk.services import accounts, audit, login_throttle, web_sessions
from reviewdesk.services.login_throttle import TooManyAttempts
from reviewdesk.store import users as users_store
from reviewdesk.store.database import Database

__all__ = ["TooManyAttempts", "change_own_password", "log_in"]

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 8


def log_in(db: Database, email: str, password: str, *, address: str) -> Actor:
    """Check the password from a client address. A locked pair, account or address gets
    TooManyAttempts without the password being tried."""
    login_throttle.check(db, email, address)
    try:
        actor = accounts.authenticate_password(db, email, password)
    except Unauthorized:
        login_throttle.record_failure(db, email, address)
        raise
    login_throttle.clear_pair(db, email, address)
    return actor


def change_own_password(
    db: Database, actor: Actor, current: str, new: str, *, user_agent: str, address: str
) -> str:
    """Any user may change its own password given the current one. Every session of the user ends,
    this one included; returns the token of the new session that replaces it."""
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
        ended = web_sessions.end_all_in(conn, actor.user_id)
        audit.record(
            conn,
            actor,
            "user.password_change",
            "user",
            actor.user_id,
            {"password": "changed", "sessions_ended": ended},
        )
        return web_sessions.insert_session(conn, actor.user_id, user_agent=user_agent, address=address)
