"""The session cookie (signed, HttpOnly, SameSite=Lax), its CSRF token, and the logged-in actor.

A logged-in cookie carries the token of a row in web_sessions (services/web_sessions.py): ending the
row ends the cookie and the CSRF token derived from it. Before login the cookie holds only a random
id, the base of the login form's CSRF token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi import Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.responses import Response

from reviewdesk.domain.client_address import client_address as address_of
from reviewdesk.domain.permissions import Actor
from reviewdesk.errors import Unauthorized
from reviewdesk.services import web_sessions
from reviewdesk.store.database import Database

COOKIE = "rd_session"
MAX_AGE_SECONDS = 12 * 3600
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


class LoginRequired(Unauthorized):
    """No session, or one that ended: pages redirect to /login, htmx gets HX-Redirect."""


@dataclass(frozen=True)
class Session:
    sid: str  # the web_sessions token once logged in (a random id before), the base of the CSRF token
    user_id: uuid.UUID | None = None


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(request.app.state.secret_key, salt="reviewdesk.web.session")


def read_session(request: Request) -> Session | None:
    cached = getattr(request.state, "web_session", None)
    if cached is not None:
        return cached
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        data = _serializer(request).loads(raw, max_age=MAX_AGE_SECONDS)
        session = Session(sid=str(data["sid"]), user_id=uuid.UUID(data["uid"]) if data.get("uid") else None)
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    request.state.web_session = session
    return session


def anonymous_session() -> Session:
    return Session(sid=secrets.token_urlsafe(24))


def logged_in_session(user_id: uuid.UUID | None, token: str) -> Session:
    return Session(sid=token, user_id=user_id)


def write_session(request: Request, response: Response, session: Session) -> None:
    data = {"sid": session.sid, "uid": str(session.user_id) if session.user_id else None}
    response.set_cookie(
        COOKIE,
        _serializer(request).dumps(data),
        max_age=MAX_AGE_SECONDS,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    request.state.web_session = session


def clear_session(request: Request, response: Response) -> None:
    response.delete_cookie(
        COOKIE, path="/", httponly=True, samesite="lax", secure=request.url.scheme == "https"
    )


FLASH_COOKIE = "rd_flash"
FLASH_MAX_AGE_SECONDS = 300


def _flash_serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(request.app.state.secret_key, salt="reviewdesk.web.flash")


def set_flash(request: Request, response: Response, path: str, data: dict[str, Any]) -> None:
    """Something for the next GET of `path` in this session to show once (a new API key after its
    POST redirects). Signed and bound to the session id, sent only to `path`, gone after minutes."""
    session = read_session(request)
    if session is None:
        return
    response.set_cookie(
        FLASH_COOKIE,
        _flash_serializer(request).dumps({"sid": session.sid, "data": data}),
        max_age=FLASH_MAX_AGE_SECONDS,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path=path,
    )


def read_flash(request: Request) -> dict[str, Any] | None:
    """The flash for this session, if any; the page that shows it calls clear_flash."""
    raw = request.cookies.get(FLASH_COOKIE)
    session = read_session(request)
    if not raw or session is None:
        return None
    try:
        payload = _flash_serializer(request).loads(raw, max_age=FLASH_MAX_AGE_SECONDS)
    except BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("sid") != session.sid:
        return None
    data = payload.get("data")
    return data if isinstance(data, dict) else None


def clear_flash(request: Request, response: Response) -> None:
    """Shown once: the response deletes the flash, so a reload shows nothing."""
    if request.cookies.get(FLASH_COOKIE):
        response.delete_cookie(
            FLASH_COOKIE,
            path=request.url.path,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )


def csrf_token(request: Request, session: Session) -> str:
    key = hashlib.sha256(("csrf|" + request.app.state.secret_key).encode()).digest()
    return hmac.new(key, session.sid.encode(), hashlib.sha256).hexdigest()


def csrf_ok(request: Request, sent: str | None) -> bool:
    session = read_session(request)
    if session is None or not sent:
        return False
    return hmac.compare_digest(csrf_token(request, session), sent)


def get_db(request: Request) -> Database:
    return request.app.state.db


def client_address(request: Request) -> str:
    """The client's address: X-Forwarded-For only when the peer is a configured trusted proxy."""
    settings = request.app.state.settings
    peer = request.client.host if request.client else None
    return address_of(peer, request.headers.get("x-forwarded-for"), settings.trusted_proxies)


def idle_timeout(request: Request) -> timedelta:
    return timedelta(minutes=request.app.state.settings.session_idle_minutes)


def web_actor(request: Request) -> Actor:
    """The dependency of every page but /login: the actor of a live session, or LoginRequired."""
    session = read_session(request)
    if session is None or session.user_id is None:
        raise LoginRequired("please log in")
    try:
        live = web_sessions.resume(get_db(request), session.sid, idle=idle_timeout(request))
    except Unauthorized as exc:
        raise LoginRequired(exc.message) from None
    if live.actor.user_id != session.user_id:
        raise LoginRequired("please log in")
    request.state.actor = live.actor
    request.state.web_session_id = live.id
    return live.actor
