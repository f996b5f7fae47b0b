"""Login throttling counted in the database: every app process sees the same failures."""

from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from reviewdesk.app import create_app
from reviewdesk.errors import Unauthorized
from reviewdesk.services import sessions
from reviewdesk.store import login_throttle as throttle_store
from reviewdesk.store.database import Database
from tests.conftest import settings_for_tests
from tests.web.seed import PASSWORD, User, make_user

ADDRESS = "203.0.113.7"


class Clock:
    """A settable 'now' for the sessions service."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = sessions.utcnow()
        monkeypatch.setattr(sessions, "utcnow", lambda: self.now)

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture
def member(db: Database) -> User:
    return make_user(db, "member", "throttled@example.com")


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


def _fail(db: Database, user: User, times: int, address: str = ADDRESS) -> None:
    for _ in range(times):
        with pytest.raises(Unauthorized):
            sessions.log_in(db, user.email, "wrong-password", address=address)


def test_five_failures_lock_the_pair_for_fifteen_minutes(db, member, clock):
    _fail(db, member, 5)
    with pytest.raises(sessions.TooManyAttempts) as locked:
        sessions.log_in(db, member.email, PASSWORD, address=ADDRESS)  # the right password waits too
    assert locked.value.retry_after == 15 * 60
    assert locked.value.status == 429
    # Only this email from this address: the same email elsewhere, and the email's case, are separate.
    sessions.log_in(db, member.email, PASSWORD, address="198.51.100.1")
    with pytest.raises(sessions.TooManyAttempts):
        sessions.log_in(db, member.email.upper(), PASSWORD, address=ADDRESS)
    clock.advance(timedelta(minutes=14, seconds=59))
    with pytest.raises(sessions.TooManyAttempts) as still:
        sessions.log_in(db, member.email, PASSWORD, address=ADDRESS)
    assert still.value.retry_after == 1
    clock.advance(timedelta(seconds=1))
    actor, _stamp = sessions.log_in(db, member.email, PASSWORD, address=ADDRESS)
    assert actor.email == member.email


def test_failures_older_than_the_window_and_a_success_start_the_count_again(db, member, clock):
    _fail(db, member, 4)
    clock.advance(timedelta(minutes=15))
    _fail(db, member, 4)  # a fresh window: 4, not 8
    sessions.log_in(db, member.email, PASSWORD, address=ADDRESS)  # success clears the count
    _fail(db, member, 4)
    sessions.log_in(db, member.email, PASSWORD, address=ADDRESS)
    _fail(db, member, 5)
    with pytest.raises(sessions.TooManyAttempts):
        sessions.log_in(db, member.email, PASSWORD, address=ADDRESS)
    # After the lock, the next failure opens a new window rather than locking again at once.
    clock.advance(timedelta(minutes=15))
    _fail(db, member, 1)
    sessions.log_in(db, member.email, PASSWORD, address=ADDRESS)


def test_concurrent_failures_are_all_counted(db, member):
    errors: list[BaseException] = []

    def attempt() -> None:
        try:
            sessions.log_in(db, member.email, "wrong-password", address=ADDRESS)
        except BaseException as exc:  # noqa: BLE001 - collected and checked below
            errors.append(exc)

    threads = [threading.Thread(target=attempt) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(errors) == 5 and all(type(e) is Unauthorized for e in errors)
    with pytest.raises(sessions.TooManyAttempts):
        sessions.log_in(db, member.email, PASSWORD, address=ADDRESS)


def test_stale_keys_are_forgotten(db, member, clock):
    _fail(db, member, 2, address="192.0.2.1")
    stale = sessions._throttle_key(member.email, "192.0.2.1")
    with db.read() as conn:
        assert throttle_store.get(conn, stale)["failures"] == 2
    clock.advance(timedelta(minutes=16))
    _fail(db, member, 1)  # any failure prunes keys whose window is over and that hold no lock
    with db.read() as conn:
        assert throttle_store.get(conn, stale) is None
        row = throttle_store.get(conn, sessions._throttle_key(member.email, ADDRESS))
    assert row["failures"] == 1 and isinstance(row["window_started_at"], datetime)
    assert member.email not in row["key"]  # keys are hashed: mistyped emails are not stored


def _login(client: TestClient, email: str, password: str) -> int:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    response = client.post(
        "/login", data={"csrf_token": token, "email": email, "password": password}, follow_redirects=False
    )
    return response.status_code


def test_two_app_processes_share_the_count(db, member):
    """Two apps on one database stand in for two processes behind a load balancer."""
    with (
        TestClient(create_app(settings_for_tests(), db=db), client=(ADDRESS, 1)) as first,
        TestClient(create_app(settings_for_tests(), db=db), client=(ADDRESS, 2)) as second,
        TestClient(create_app(settings_for_tests(), db=db), client=("198.51.100.9", 3)) as elsewhere,
    ):
        for client in (first, second, first, second):
            assert _login(client, member.email, "wrong-password") == 401
        assert _login(second, member.email, "wrong-password") == 401  # the fifth, counted by both
        token = re.search(r'name="csrf_token" value="([^"]+)"', first.get("/login").text).group(1)
        blocked = first.post(
            "/login",
            data={"csrf_token": token, "email": member.email, "password": PASSWORD},
            follow_redirects=False,
        )
        assert blocked.status_code == 429
        assert 14 * 60 < int(blocked.headers["retry-after"]) <= 15 * 60
        assert "Try again in 15 minutes" in blocked.text
        assert _login(elsewhere, member.email, PASSWORD) == 303  # another address is not held up
