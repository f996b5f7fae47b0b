"""Logging in and out, the account page (own sessions) and changing one's own password."""

from __future__ import annotations

import math
import uuid

from fastapi import Depends, Request
from starlette.responses import RedirectResponse, Response

from reviewdesk.domain.permissions import Actor
from reviewdesk.errors import Invalid, Unauthorized
from reviewdesk.services import sessions, web_sessions
from reviewdesk.web.pages.auth import LoginPage, PasswordPage, build_account_page, safe_next
from reviewdesk.web.render import render
from reviewdesk.web.routing import form_of, web_router
from reviewdesk.web.session import (
    anonymous_session,
    clear_session,
    client_address,
    get_db,
    idle_timeout,
    logged_in_session,
    read_session,
    web_actor,
    write_session,
)

router = web_router()


def _user_agent(request: Request) -> str:
    return request.headers.get("user-agent", "")


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    session = read_session(request)
    fresh = session is None
    if fresh:
        session = anonymous_session()
        request.state.web_session = session
    response = render(request, "login.html", page=LoginPage(next=safe_next(next)))
    if fresh:
        write_session(request, response, session)
    return response


@router.post("/login")
def login(request: Request) -> Response:
    form = form_of(request)
    email = form.get("email", "")
    page = LoginPage(next=safe_next(form.get("next", "/")), email=email)
    db = get_db(request)
    address = client_address(request)
    try:
        actor = sessions.log_in(db, email, form.get("password", ""), address=address)
    except sessions.TooManyAttempts as exc:
        page.error = f"Too many failed attempts. Try again in {math.ceil(exc.retry_after / 60)} minutes."
        headers = {"Retry-After": str(exc.retry_after)}
        return render(request, "login.html", page=page, status=429, headers=headers)
    except Unauthorized:
        page.error = "Wrong email or password."
        return render(request, "login.html", page=page, status=401)
    previous = read_session(request)
    if previous is not None and previous.user_id is not None:
        web_sessions.end_session(db, previous.sid)  # logging in again replaces this browser's session
    # A new session token at login: a session fixed before login is worth nothing after it.
    token = web_sessions.start_session(
        db, actor, user_agent=_user_agent(request), address=address, idle=idle_timeout(request)
    )
    response = RedirectResponse(page.next, status_code=303)
    write_session(request, response, logged_in_session(actor.user_id, token))
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    session = read_session(request)
    if session is not None and session.user_id is not None:
        web_sessions.end_session(get_db(request), session.sid)
    response = RedirectResponse("/login", status_code=303)
    clear_session(request, response)
    return response


@router.get("/account")
def account_page(request: Request, notice: str | None = None, actor: Actor = Depends(web_actor)) -> Response:
    page = build_account_page(
        get_db(request),
        actor,
        request.state.web_session_id,
        notice=notice,
        idle_minutes=request.app.state.settings.session_idle_minutes,
    )
    return render(request, "account.html", page=page)


@router.post("/account/sessions/{session_id}/end")
def end_own_session(session_id: uuid.UUID, request: Request, actor: Actor = Depends(web_actor)) -> Response:
    web_sessions.end_one(get_db(request), actor, session_id)
    if session_id == request.state.web_session_id:
        response = RedirectResponse("/login", status_code=303)
        clear_session(request, response)
        return response
    return RedirectResponse("/account?notice=ended", status_code=303)


@router.post("/account/sessions/end-others")
def end_other_sessions(request: Request, actor: Actor = Depends(web_actor)) -> Response:
    web_sessions.end_all(get_db(request), actor, actor.user_id, keep=request.state.web_session_id)
    return RedirectResponse("/account?notice=ended-others", status_code=303)


@router.get("/account/password")
def password_form(request: Request, actor: Actor = Depends(web_actor)) -> Response:
    return render(request, "password.html", page=PasswordPage())


@router.post("/account/password")
def change_password(request: Request, actor: Actor = Depends(web_actor)) -> Response:
    form = form_of(request)
    if form.get("new_password") != form.get("confirm_password"):
        page = PasswordPage(error="The new passwords do not match.")
        return render(request, "password.html", page=page, status=400)
    try:
        token = sessions.change_own_password(
            get_db(request),
            actor,
            form.get("current_password", ""),
            form.get("new_password", ""),
            user_agent=_user_agent(request),
            address=client_address(request),
        )
    except Invalid as exc:
        return render(request, "password.html", page=PasswordPage(error=exc.message), status=400)
    session = logged_in_session(actor.user_id, token)
    request.state.web_session = session  # the page's CSRF token must match the new session
    response = render(request, "password.html", page=PasswordPage(changed=True))
    write_session(request, response, session)
    return response
