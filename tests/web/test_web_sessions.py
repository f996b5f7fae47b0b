"""Web sessions kept in the database: whatever ends one ends it at once, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from reviewdesk.app import create_app
from reviewdesk.services.clock import utcnow
from reviewdesk.store.database import Database
from reviewdesk.store.tables import web_sessions
from reviewdesk.web.session import COOKIE
from tests.client.conftest import serve
from tests.conftest import ADMIN_KEY, settings_for_tests
from tests.web.seed import PASSWORD, User, make_user

CHROME_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
)
FIREFOX_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"


@pytest.fixture
def app(db: Database):  # type: ignore[no-untyped-def]
    return create_app(settings_for_tests(), db=db)


@pytest.fixture
def member(db: Database, app) -> User:  # type: ignore[no-untyped-def]
    with TestClient(app):  # the app's start creates the first admin before anyone else
        pass
    return make_user(db, "member", "sessions@example.com")


def _browser(app, user_agent: str = CHROME_UA, address: str = "203.0.113.5") -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(app, headers={"user-agent": user_agent}, client=(address, 50000))


def _login(client: TestClient, email: str, password: str = PASSWORD) -> str:
    """Log in through the form; return the page's CSRF token."""
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    response = client.post(
        "/login", data={"csrf_token": token, "email": email, "password": password}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    return re.search(r'name="csrf-token" content="([^"]+)"', client.get("/").text).group(1)


def _logged_in(client: TestClient) -> bool:
    status = client.get("/", follow_redirects=False).status_code
    assert status in (200, 303)
    return status == 200


@pytest.fixture
def browser(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with _browser(app) as client:
        yield client


def test_the_old_cookie_and_its_csrf_token_open_nothing_after_logout(app, member, browser):
    csrf = _login(browser, member.email)
    stolen_cookie = browser.cookies[COOKIE]
    assert browser.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    with _browser(app) as thief:
        thief.cookies.set(COOKIE, stolen_cookie)
        assert not _logged_in(thief)
        replay = thief.post(
            "/admin/score-configs",
            data={"key": "x", "type": "boolean", "csrf_token": csrf},
            follow_redirects=False,
        )
        assert replay.status_code in (303, 403)
        assert "/login" in replay.headers.get("location", "/login")


@pytest.mark.parametrize(
    "change",
    [{"role": "reviewer"}, {"disabled": True}, {"password": "set-by-the-admin"}],
    ids=["role", "disabled", "password"],
)
def test_an_admin_change_ends_the_users_sessions_at_once(app, member, browser, change):
    _login(browser, member.email)
    with TestClient(app, headers={"x-api-key": ADMIN_KEY}) as api:
        unchanged = api.patch(f"/api/v1/users/{member.id}", json={"role": "member", "disabled": False})
        assert unchanged.status_code == 200
        assert _logged_in(browser)  # saving the same values ends nothing
        assert api.patch(f"/api/v1/users/{member.id}", json=change).status_code == 200
    assert not _logged_in(browser)


def test_sign_out_everywhere_by_an_admin_and_not_by_others(app, db, member, browser):
    _login(browser, member.email)
    with _browser(app, FIREFOX_UA) as second:
        _login(second, member.email)
        with TestClient(app, headers={"x-api-key": ADMIN_KEY}) as api:
            listed = api.get(f"/api/v1/users/{member.id}/sessions").json()["items"]
            assert {s["user_agent"] for s in listed} == {CHROME_UA, FIREFOX_UA}
            other = make_user(db, "member")
            from reviewdesk.domain.permissions import SYSTEM_ACTOR
            from reviewdesk.services import accounts

            key = accounts.create_api_key(db, SYSTEM_ACTOR, other.id)["key"]
            refused = api.delete(f"/api/v1/users/{member.id}/sessions", headers={"x-api-key": key})
            assert refused.status_code == 403
            assert _logged_in(browser) and _logged_in(second)
            assert api.delete(f"/api/v1/users/{member.id}/sessions").json() == {"ended": 2}
        assert not _logged_in(browser) and not _logged_in(second)


def test_the_admin_page_signs_a_user_out_everywhere(app, member, browser):
    _login(browser, member.email)
    with _browser(app) as admin:
        csrf = _login(admin, "admin@example.com", "admin-password-1")
        done = admin.post(f"/admin/users/{member.id}/sessions/end", data={"csrf_token": csrf})
        assert "signed out everywhere" in done.text
    assert not _logged_in(browser)


def test_an_idle_session_ends_and_last_seen_is_written_at_most_once_a_minute(db, member, browser):
    _login(browser, member.email)

    def last_seen():  # type: ignore[no-untyped-def]
        with db.read() as conn:
            return conn.execute(sa.select(web_sessions.c.last_seen_at)).scalar_one()

    first = last_seen()
    assert _logged_in(browser) and last_seen() == first  # within the minute: no write
    with db.write() as conn:
        conn.execute(web_sessions.update().values(last_seen_at=utcnow() - timedelta(minutes=2)))
    assert _logged_in(browser) and last_seen() > first  # a minute on: written again
    with db.write() as conn:  # the default idle timeout is 60 minutes
        conn.execute(web_sessions.update().values(last_seen_at=utcnow() - timedelta(minutes=61)))
    assert not _logged_in(browser)
    with db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(web_sessions)).scalar_one() == 0


def test_the_idle_timeout_is_a_setting(db, member):
    app = create_app(settings_for_tests(session_idle_minutes=5), db=db)
    with _browser(app) as client:
        _login(client, member.email)
        with db.write() as conn:
            conn.execute(web_sessions.update().values(last_seen_at=utcnow() - timedelta(minutes=6)))
        assert not _logged_in(client)


def test_a_session_past_its_lifetime_ends_however_busy(db, member, browser):
    _login(browser, member.email)
    with db.write() as conn:
        conn.execute(web_sessions.update().values(expires_at=utcnow() - timedelta(seconds=1)))
    assert not _logged_in(browser)


def test_the_account_page_lists_sessions_and_ends_one_or_all_others(app, db, member, browser):
    csrf = _login(browser, member.email)
    with _browser(app, FIREFOX_UA, "198.51.100.23") as laptop, _browser(app, "curl/8.5") as third:
        _login(laptop, member.email)
        _login(third, member.email)
        page = browser.get("/account").text
        assert "Chrome on Linux" in page and "Firefox on Windows" in page and "198.51.100.23" in page
        assert page.count('badge-mine">this browser') == 1
        ids = re.findall(r'action="/account/sessions/([0-9a-f-]+)/end"', page)
        assert len(ids) == 3
        firefox_id = re.search(
            r'Firefox on Windows.*?action="/account/sessions/([0-9a-f-]+)/end"', page, re.S
        ).group(1)
        ended = browser.post(f"/account/sessions/{firefox_id}/end", data={"csrf_token": csrf})
        assert "The session was ended" in ended.text
        assert not _logged_in(laptop) and _logged_in(third) and _logged_in(browser)
        browser.post("/account/sessions/end-others", data={"csrf_token": csrf})
        assert not _logged_in(third) and _logged_in(browser)


def test_nobody_ends_another_users_session_from_the_account_page(app, db, member, browser):
    _login(browser, member.email)
    with db.read() as conn:
        member_session = conn.execute(sa.select(web_sessions.c.id)).scalar_one()
    with _browser(app) as other:
        csrf = _login(other, make_user(db, "admin").email)
        refused = other.post(f"/account/sessions/{member_session}/end", data={"csrf_token": csrf})
        assert refused.status_code == 404
    assert _logged_in(browser)


def test_forwarded_for_from_loopback_is_not_believed_by_the_real_server(db, member):
    """uvicorn trusts X-Forwarded-For from 127.0.0.1 by default; ReviewDesk serves with it off and
    believes it only from REVIEWDESK_TRUSTED_PROXIES (none by default)."""
    with serve(db) as url, httpx.Client(base_url=url, headers={"x-forwarded-for": "192.0.2.99"}) as client:
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
        client.post("/login", data={"csrf_token": token, "email": member.email, "password": PASSWORD})
        listed = httpx.get(
            f"{url}/api/v1/users/{member.id}/sessions", headers={"x-api-key": ADMIN_KEY}
        ).json()["items"]
    assert [s["address"] for s in listed] == ["127.0.0.1"]


def test_logging_in_again_replaces_the_browsers_session(db, member, browser):
    _login(browser, member.email)
    _login(browser, member.email)
    with db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(web_sessions)).scalar_one() == 1
    assert _logged_in(browser)
