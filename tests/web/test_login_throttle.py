"""Login throttling counted in the database: every app process sees the same failures."""

from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from reviewdesk.app import create_app
from reviewdesk.config import parse_networks
from reviewdesk.errors import Unauthorized
from reviewdesk.services import login_throttle, sessions
from reviewdesk.store import login_throttle as throttle_store
from reviewdesk.store.database import Database
from tests.conftest import settings_for_tests
from tests.web.seed import PASSWORD, User, make_user

ADDRESS = "203.0.113.7"


class Clock:
    """A settable 'now' for the sessions service."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = login_throttle.utcnow()
        monkeypatch.setattr(login_throttle, "utcnow", lambda: self.now)

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
    actor = sessions.log_in(db, member.email, PASSWORD, address=ADDRESS)
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
    stale = login_throttle.throttle_key(login_throttle.PAIR, member.email, "192.0.2.1")
    with db.read() as conn:
        assert throttle_store.get(conn, stale)["failures"] == 2
    clock.advance(timedelta(minutes=16))
    _fail(db, member, 1)  # any failure prunes keys whose window is over and that hold no lock
    with db.read() as conn:
        assert throttle_store.get(conn, stale) is None
        row = throttle_store.get(
            conn, login_throttle.throttle_key(login_throttle.PAIR, member.email, ADDRESS)
        )
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


def test_one_account_tried_from_many_addresses_locks_everywhere(db, member, clock):
    for i in range(login_throttle.ACCOUNT.max_failures):
        _fail(db, member, 1, address=f"198.51.100.{i + 1}")  # 1 a pair: no pair ever locks
    with pytest.raises(sessions.TooManyAttempts) as locked:
        sessions.log_in(db, member.email, PASSWORD, address="192.0.2.200")  # a fresh address too
    assert locked.value.retry_after == 15 * 60
    clock.advance(timedelta(minutes=15))
    assert sessions.log_in(db, member.email, PASSWORD, address="192.0.2.200").email == member.email


def test_one_address_trying_many_accounts_is_locked_for_every_account(db, member, clock):
    for i in range(login_throttle.ADDRESS.max_failures):
        with pytest.raises(Unauthorized):  # a different, unknown email each time: spraying
            sessions.log_in(db, f"guess{i}@example.com", "password-123", address=ADDRESS)
    with pytest.raises(sessions.TooManyAttempts):
        sessions.log_in(db, member.email, PASSWORD, address=ADDRESS)
    sessions.log_in(db, member.email, PASSWORD, address="198.51.100.77")  # the account itself is fine


def _wrong_logins(client: TestClient, email: str, forwarded: list[str]) -> list[int]:
    statuses = []
    for address in forwarded:
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
        response = client.post(
            "/login",
            data={"csrf_token": token, "email": email, "password": "wrong-password"},
            headers={"x-forwarded-for": address},
            follow_redirects=False,
        )
        statuses.append(response.status_code)
    return statuses


def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(db, member):
    spoofed = [f"192.0.2.{i}" for i in range(1, 8)]  # a new "address" each try, to dodge the pair lock
    with TestClient(create_app(settings_for_tests(), db=db), client=("127.0.0.1", 1)) as loopback:
        # Not trusted by default, not even from loopback: all seven count against 127.0.0.1.
        assert _wrong_logins(loopback, member.email, spoofed) == [401] * 5 + [429] * 2
    trusted = settings_for_tests(trusted_proxies=parse_networks("10.0.0.0/8"))
    with TestClient(create_app(trusted, db=db), client=("10.1.2.3", 1)) as proxy:
        # From the proxy, each forwarded address is its own client (the account limit is higher).
        assert _wrong_logins(proxy, "other@example.com", spoofed) == [401] * 7
        # A client-written left end is not believed: the proxy appended the real address.
        assert _wrong_logins(
            proxy, "third@example.com", [f"192.0.2.{i}, 198.51.100.4" for i in range(6)]
        ) == [401] * 5 + [429]
