"""Browser sessions: logging in (throttled), who a session's user is now, changing one's password."""

from __future__ import annotations

import hashlib
import math
import uuid
from datetime import timedelta

from argon2 import PasswordHasher

from reviewdesk.domain.permissions import Actor, Role
from reviewdesk.errors import Invalid, ReviewDeskError, Unauthorized
from reviewdesk.services import accounts, audit
from reviewdesk.services.clock import utcnow
from reviewdesk.store import login_throttle as throttle_store
from reviewdesk.store import users as users_store
from reviewdesk.store.database import Database

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 8
# Password guessing: this many failures for one email from one address within the window lock
# that pair out. Counted in the database, so every app process sees the same count.
MAX_LOGIN_FAILURES = 5
LOGIN_FAILURE_WINDOW = timedelta(minutes=15)
LOGIN_LOCKOUT = timedelta(minutes=15)


class TooManyAttempts(ReviewDeskError):
    code = "too_many_attempts"
    status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__("too many failed attempts; try again later", field="email")
        self.retry_after = retry_after


def password_stamp(password_hash: str | None) -> str:
    """A short digest of the stored hash: a session carries it, so a password change ends old sessions."""
    return hashlib.sha256((password_hash or "").encode()).hexdigest()[:16]


def _throttle_key(email: str, address: str) -> str:
    # Hashed: the table never holds the emails people mistyped.
    return hashlib.sha256(f"{email.strip().lower()}|{address}".encode()).hexdigest()


def _record_failure(db: Database, key: str) -> None:
    now = utcnow()
    with db.write() as conn:
        row = throttle_store.hold(conn, key, now)
        lock_over = row["locked_until"] is not None and row["locked_until"] <= now
        if lock_over or row["window_started_at"] <= now - LOGIN_FAILURE_WINDOW:
            row = {**row, "failures": 0, "window_started_at": now, "locked_until": None}
        failures = row["failures"] + 1
        locked_until = now + LOGIN_LOCKOUT if failures >= MAX_LOGIN_FAILURES else None
        throttle_store.update(
            conn,
            key,
            {
                "failures": failures,
                "window_started_at": row["window_started_at"],
                "locked_until": locked_until,
            },
        )
        throttle_store.delete_stale(conn, now - LOGIN_FAILURE_WINDOW, now)


def log_in(db: Database, email: str, password: str, *, address: str) -> tuple[Actor, str]:
    """Check the password from a client address; return the actor and the stamp its session must
    carry. A locked (email, address) pair gets TooManyAttempts without its password being tried."""
    key = _throttle_key(email, address)
    now = utcnow()
    with db.read() as conn:
        held = throttle_store.get(conn, key)
    if held and held["locked_until"] is not None and held["locked_until"] > now:
        raise TooManyAttempts(max(1, math.ceil((held["locked_until"] - now).total_seconds())))
    try:
        actor = accounts.authenticate_password(db, email, password)
        with db.read() as conn:
            row = users_store.get(conn, actor.user_id) if actor.user_id else None
        if row is None:
            raise Unauthorized("wrong email or password")
    except Unauthorized:
        _record_failure(db, key)
        raise
    if held is not None:
        with db.write() as conn:
            throttle_store.delete(conn, key)
    return actor, password_stamp(row["password_hash"])


def session_actor(db: Database, user_id: uuid.UUID, stamp: str) -> Actor:
    """The actor behind a session, as the user is now: disabled users and old passwords end it."""
    with db.read() as conn:
        row = users_store.get(conn, user_id)
    if row is None or row["disabled"] or not row["password_hash"]:
        raise Unauthorized("the session has ended; log in again")
    if password_stamp(row["password_hash"]) != stamp:
        raise Unauthorized("the password changed; log in again")
    return Actor(
        user_id=row["id"],
        email=row["email"],
        role=Role(row["role"]),
        grants=frozenset(row.get("permissions") or ()),
    )


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
