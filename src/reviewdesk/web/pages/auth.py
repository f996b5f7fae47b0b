"""The login, account and password pages."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from reviewdesk.domain.permissions import Actor
from reviewdesk.services import web_sessions
from reviewdesk.store.database import Database


def safe_next(target: str | None) -> str:
    """Only same-site paths: `next=//evil.example` or a full URL would make login an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@dataclass
class LoginPage:
    next: str = "/"
    email: str = ""
    error: str | None = None


@dataclass
class PasswordPage:
    error: str | None = None
    changed: bool = False


@dataclass
class AccountPage:
    """The account page: who you are and where you are logged in."""

    email: str
    role: str
    sessions: list[dict[str, Any]] = field(default_factory=list)
    notice: str | None = None
    idle_minutes: int = 60


_NOTICES = {
    "ended": "The session was ended: that browser must log in again.",
    "ended-others": "Every other session was ended.",
}


def build_account_page(
    db: Database, actor: Actor, current: uuid.UUID, *, notice: str | None = None, idle_minutes: int = 60
) -> AccountPage:
    assert actor.user_id is not None  # web_actor answers users only
    rows = web_sessions.list_sessions(db, actor, actor.user_id, current=current)
    rows.sort(key=lambda r: (not r["current"], -r["last_seen_at"].timestamp()))
    return AccountPage(
        email=actor.email,
        role=actor.role.value,
        sessions=[{**r, "browser": describe_user_agent(r["user_agent"])} for r in rows],
        notice=_NOTICES.get(notice or ""),
        idle_minutes=idle_minutes,
    )


def describe_user_agent(user_agent: str) -> str:
    """A short, readable name for a browser ("Firefox on Linux"); the raw text is shown beside it."""
    ua = user_agent or ""
    browser = next(
        (name for token, name in _BROWSERS if token in ua),
        "Unknown browser" if ua else "No user agent",
    )
    system = next((name for token, name in _SYSTEMS if token in ua), "")
    return f"{browser} on {system}" if system else browser


# Order matters: Edge and Chrome say "Chrome", Chrome says "Safari".
_BROWSERS = (
    ("Edg/", "Edge"),
    ("Firefox/", "Firefox"),
    ("HeadlessChrome", "Headless Chrome"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
    ("python-httpx", "python-httpx"),
    ("testclient", "Test client"),
)
_SYSTEMS = (
    ("Windows", "Windows"),
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)
