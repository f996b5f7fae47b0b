"""Sessions, CSRF, throttling, headers and sanitizing, checked over HTTP without a browser."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from reviewdesk.app import create_app
from reviewdesk.domain.permissions import SYSTEM_ACTOR, Actor, Role
from reviewdesk.errors import Forbidden, Unauthorized
from reviewdesk.services import accounts, item_traces, review, sessions
from reviewdesk.store.database import Database
from reviewdesk.web.markdown import render_markdown
from reviewdesk.web.pages.auth import safe_next
from tests.conftest import settings_for_tests
from tests.web.seed import PASSWORD, World, make_world


@pytest.fixture
def world(db: Database) -> World:
    return make_world(db, runs=3, pairs=1)


def _client(db: Database, base_url: str = "http://testserver") -> TestClient:
    return TestClient(create_app(settings_for_tests(), db=db), base_url=base_url)


@pytest.fixture
def web_client(db: Database) -> Iterator[TestClient]:
    with _client(db) as client:
        yield client


def _form_token(client: TestClient, path: str = "/login") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def _login(client: TestClient, email: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    token = _form_token(client)
    return client.post(
        "/login", data={"csrf_token": token, "email": email, "password": password}, follow_redirects=False
    )


def test_session_cookie_flags_and_security_headers(web_client, world):
    response = _login(web_client, world.member.email)
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    page = web_client.get("/")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"
    # No inline script or handler in any page we serve: all JS comes from /static.
    for path in ("/", "/traces", f"/queues/{world.single_queue['id']}", "/admin/score-configs"):
        html = web_client.get(path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), path
        assert not re.search(r"\son[a-z]+=", html), path


def test_the_cookie_is_secure_over_https(db, world):
    with _client(db, "https://testserver") as client:
        response = _login(client, world.member.email)
        assert "Secure" in response.headers["set-cookie"]


def test_forms_without_the_csrf_token_are_refused(web_client, world):
    _login(web_client, world.admin.email)
    missing = web_client.post("/admin/score-configs", data={"key": "x", "type": "boolean"})
    assert missing.status_code == 403 and "form expired" in missing.text
    wrong = web_client.post(
        "/admin/score-configs", data={"key": "x", "type": "boolean"}, headers={"X-CSRF-Token": "0" * 64}
    )
    assert wrong.status_code == 403
    token = re.search(r'name="csrf-token" content="([^"]+)"', web_client.get("/").text).group(1)
    by_header = web_client.post(
        "/admin/score-configs",
        data={"key": "x", "type": "boolean"},
        headers={"X-CSRF-Token": token},
        follow_redirects=False,
    )
    assert by_header.status_code == 303
    # A token from one session is worthless in another.
    with TestClient(web_client.app) as other:
        _login(other, world.admin.email)
        stolen = other.post("/admin/score-configs", data={"key": "y", "type": "boolean", "csrf_token": token})
        assert stolen.status_code == 403


def test_login_is_throttled_after_repeated_failures(web_client, world):
    for _ in range(5):
        assert _login(web_client, world.member.email, "wrong-password").status_code == 401
    blocked = _login(web_client, world.member.email)  # even the right password waits now
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
    assert "Too many failed attempts" in blocked.text
    assert _login(web_client, world.reviewer.email).status_code == 303  # other emails are not held up


def test_logout_and_password_change_end_sessions(db, web_client, world):
    _login(web_client, world.member.email)
    token = re.search(r'name="csrf-token" content="([^"]+)"', web_client.get("/").text).group(1)
    with TestClient(web_client.app) as second:
        _login(second, world.member.email)
        assert second.get("/", follow_redirects=False).status_code == 200
        changed = web_client.post(
            "/account/password",
            data={
                "csrf_token": token,
                "current_password": PASSWORD,
                "new_password": "a-new-password",
                "confirm_password": "a-new-password",
            },
        )
        assert "Your password was changed" in changed.text
        assert second.get("/", follow_redirects=False).status_code == 303  # the other session ended
    assert web_client.get("/", follow_redirects=False).status_code == 200  # this one carries on
    new_token = re.search(r'name="csrf-token" content="([^"]+)"', web_client.get("/").text).group(1)
    out = web_client.post("/logout", data={"csrf_token": new_token}, follow_redirects=False)
    assert out.status_code == 303
    assert web_client.get("/", follow_redirects=False).status_code == 303
    accounts.update_user(db, SYSTEM_ACTOR, world.reviewer.id, {"disabled": True})
    with pytest.raises(Unauthorized):
        sessions.log_in(db, world.reviewer.email, PASSWORD, address="test")


def test_wrong_current_password_does_not_change_it(db, world):
    actor = Actor(user_id=world.member.id, email=world.member.email, role=Role.MEMBER)
    with pytest.raises(Exception, match="current password"):
        sessions.change_own_password(db, actor, "not-it", "another-password", user_agent="", address="")
    sessions.log_in(db, world.member.email, PASSWORD, address="test")


def test_login_redirects_only_within_the_site():
    assert safe_next("/queues/1/review?item=2") == "/queues/1/review?item=2"
    for hostile in ("//evil.example/", "https://evil.example/", "/\\evil.example", "", None):
        assert safe_next(hostile) == "/"


def test_markdown_is_sanitized():
    html = str(
        render_markdown("# T\n<script>x()</script> [a](javascript:alert(1)) <img src=x onerror=y()>\n")
    )
    assert "<h1>T</h1>" in html
    assert "<script" not in html and "<img" not in html  # shown as text: &lt;script&gt;
    assert "&lt;script&gt;" in html
    assert 'href="javascript' not in html


def test_item_trace_needs_a_hold_or_a_review_of_the_item(db, world):
    reviewer = Actor(user_id=world.reviewer.id, email=world.reviewer.email, role=Role.REVIEWER)
    outsider = Actor(user_id=world.other_reviewer.id, email=world.other_reviewer.email, role=Role.REVIEWER)
    view = review.next_item(db, reviewer, world.single_queue["id"])
    item_id = view["item"]["id"]
    trace = item_traces.item_trace(db, reviewer, item_id)
    assert trace["roots"][0]["id"] == view["runs"][0]["id"]
    with pytest.raises(Forbidden):
        item_traces.item_trace(db, outsider, item_id)
    admin = Actor(user_id=world.admin.id, email=world.admin.email, role=Role.ADMIN)
    # An admin oversees the item without holding it: the same trace, and no reservation taken.
    assert item_traces.item_trace(db, admin, item_id)["roots"][0]["id"] == view["runs"][0]["id"]
    review.submit(db, reviewer, item_id, {"answers": {"overall_quality": "good", "groundedness": "grounded"}})
    assert item_traces.item_trace(db, reviewer, item_id)["run_count"] >= 1  # reviewed: still readable
    with pytest.raises(Exception, match="no run"):
        item_traces.item_trace(db, reviewer, item_id, uuid.uuid4())


def test_heartbeat_extends_the_reservation_and_stops_when_it_is_gone(web_client, world):
    _login(web_client, world.reviewer.email)
    page = web_client.get(f"/queues/{world.single_queue['id']}/review").text
    item = re.search(r'hx-post="/items/([0-9a-f-]+)/heartbeat"', page).group(1)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    headers = {"X-CSRF-Token": token, "HX-Request": "true"}
    beat = web_client.post(f"/items/{item}/heartbeat", headers=headers)
    assert beat.status_code == 200 and "data-until-ms" in beat.text
    web_client.post(
        f"/items/{item}/skip", data={"csrf_token": token, "queue_id": str(world.single_queue["id"])}
    )
    stopped = web_client.post(f"/items/{item}/heartbeat", headers=headers)
    assert stopped.status_code == 286 and "lapsed" in stopped.text  # htmx stops polling on 286
