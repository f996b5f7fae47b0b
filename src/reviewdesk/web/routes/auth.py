"""Logging in and out, and changing one's own password."""

from __future__ import annotations

import math

from fastapi import Depends, Request
from starlette.responses import RedirectResponse, Response

from reviewdesk.domain.permissions import Actor
from reviewdesk.errors import Invalid, Unauthorized
from reviewdesk.services import sessions
from reviewdesk.web.pages.auth import LoginPage, PasswordPage, safe_next
from reviewdesk.web.render import render
from reviewdesk.web.routing import form_of, web_router
from reviewdesk.web.session import (
    clear_session,
    get_db,
    new_session,
    read_session,
    web_actor,
    write_session,
)

router = web_router()


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    session = read_session(request)
    fresh = session is None
    if fresh:
        session = new_session()
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
    try:
        actor, stamp = sessions.log_in(
            get_db(request), email, form.get("password", ""), address=_client_address(request)
        )
    except sessions.TooManyAttempts as exc:
        page.error = f"Too many failed attempts. Try again in {math.ceil(exc.retry_after / 60)} minutes."
        headers = {"Retry-After": str(exc.retry_after)}
        return render(request, "login.html", page=page, status=429, headers=headers)
    except Unauthorized:
        page.error = "Wrong email or password."
        return render(request, "login.html", page=page, status=401)
    response = RedirectResponse(page.next, status_code=303)
    # A new session id at login: a session fixed before login is worth nothing after it.
    write_session(request, response, new_session(actor.user_id, stamp))
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    response = RedirectResponse("/login", status_code=303)
    clear_session(request, response)
    return response


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
        stamp = sessions.change_own_password(
            get_db(request), actor, form.get("current_password", ""), form.get("new_password", "")
        )
    except Invalid as exc:
        return render(request, "password.html", page=PasswordPage(error=exc.message), status=400)
    session = new_session(actor.user_id, stamp)
    request.state.web_session = session  # the page's CSRF token must match the new session
    response = render(request, "password.html", page=PasswordPage(changed=True))
    write_session(request, response, session)
    return response
