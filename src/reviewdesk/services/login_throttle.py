"""Password guessing, counted in the database so every app process sees the same failures.

Three counters per failed login: the (email, address) pair, the email across addresses (one account
sprayed from many machines) and the address across emails (one machine trying many accounts). Each
locks at its own threshold; a lock refuses the login before the password is tried.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import timedelta

from reviewdesk.errors import ReviewDeskError
from reviewdesk.services.clock import utcnow
from reviewdesk.store import login_throttle as throttle_store
from reviewdesk.store.database import Database

LOGIN_FAILURE_WINDOW = timedelta(minutes=15)
LOGIN_LOCKOUT = timedelta(minutes=15)


@dataclass(frozen=True)
class Limit:
    kind: str
    max_failures: int


# The pair locks first; the account limit is higher so that one user's typos never lock it, and the
# address limit higher still, since an office behind one NAT address shares it.
PAIR = Limit("pair", 5)
ACCOUNT = Limit("account", 20)
ADDRESS = Limit("address", 100)
LIMITS = (PAIR, ACCOUNT, ADDRESS)


class TooManyAttempts(ReviewDeskError):
    code = "too_many_attempts"
    status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__("too many failed attempts; try again later", field="email")
        self.retry_after = retry_after


def throttle_key(limit: Limit, email: str, address: str) -> str:
    # Hashed: the table never holds the emails people mistyped, nor where they came from.
    subject = {
        "pair": f"{email.strip().lower()}|{address}",
        "account": email.strip().lower(),
        "address": address,
    }[limit.kind]
    return f"{limit.kind}:" + hashlib.sha256(subject.encode()).hexdigest()


def check(db: Database, email: str, address: str) -> None:
    """TooManyAttempts if any of the three counters holds a lock now."""
    now = utcnow()
    keys = [throttle_key(limit, email, address) for limit in LIMITS]
    with db.read() as conn:
        rows = throttle_store.get_many(conn, keys)
    locked = [r["locked_until"] for r in rows if r["locked_until"] is not None and r["locked_until"] > now]
    if locked:
        raise TooManyAttempts(max(1, math.ceil((max(locked) - now).total_seconds())))


def record_failure(db: Database, email: str, address: str) -> None:
    now = utcnow()
    with db.write() as conn:
        for limit in LIMITS:
            key = throttle_key(limit, email, address)
            row = throttle_store.hold(conn, key, now)
            lock_over = row["locked_until"] is not None and row["locked_until"] <= now
            if lock_over or row["window_started_at"] <= now - LOGIN_FAILURE_WINDOW:
                row = {**row, "failures": 0, "window_started_at": now, "locked_until": None}
            failures = row["failures"] + 1
            locked_until = now + LOGIN_LOCKOUT if failures >= limit.max_failures else None
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


def clear_pair(db: Database, email: str, address: str) -> None:
    """A success forgets this pair's failures; the account and address counters run out their window,
    so a correct login now and then does not buy a guesser elsewhere a fresh allowance."""
    with db.write() as conn:
        throttle_store.delete(conn, throttle_key(PAIR, email, address))
