"""The web router's route class: CSRF on every unsafe request, typed errors as pages, no-store."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import parse_qsl, quote

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.datastructures import ImmutableMultiDict
from starlette.responses import RedirectResponse, Response

from reviewdesk.domain.limits import check_form_fields
from reviewdesk.errors import Forbidden, Invalid, ReviewDeskError
from reviewdesk.web.render import render
from reviewdesk.web.session import CSRF_FIELD, CSRF_HEADER, LoginRequired, csrf_ok

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# The security headers common to every response (CSP, nosniff, frame and referrer policy) are set
# by api/security_headers.py for the whole app; pages add only what is theirs.
PAGE_HEADERS = {"Cache-Control": "no-store"}


class CsrfFailed(Forbidden):
    code = "csrf_failed"


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def error_page(request: Request, exc: ReviewDeskError) -> Response:
    if is_htmx(request):
        # htmx swaps the message into the page's flash area (see app.js responseHandling).
        headers = {"HX-Retarget": "#flash", "HX-Reswap": "innerHTML"}
        return render(request, "_error.html", page=exc, status=exc.status, headers=headers)
    return render(request, "error.html", page=exc, status=exc.status)


def _login_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    location = f"/login?next={quote(target, safe='')}"
    if is_htmx(request):
        return Response(status_code=401, headers={"HX-Redirect": location})
    return RedirectResponse(location, status_code=303)


async def _parse_form(request: Request) -> ImmutableMultiDict[str, str]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    body = await request.body()
    if body and content_type not in ("application/x-www-form-urlencoded", ""):
        raise Invalid("forms are sent url-encoded", field="body")
    try:
        fields = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        raise Invalid("the form is not UTF-8", field="body") from None
    check_form_fields(fields)  # NUL and sizes, as for every JSON body (domain/limits.py)
    return ImmutableMultiDict(fields)


class WebRoute(APIRoute):
    """Every web route goes through here: one place maps errors and adds the headers."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                if request.method in UNSAFE_METHODS:
                    form = await _parse_form(request)
                    sent = request.headers.get(CSRF_HEADER) or form.get(CSRF_FIELD)
                    if not csrf_ok(request, sent):
                        raise CsrfFailed("the form expired or came from elsewhere; reload the page and retry")
                    request.state.form = form
                response = await handler(request)
            except LoginRequired:
                response = _login_redirect(request)
            except RequestValidationError as exc:
                first = exc.errors()[0] if exc.errors() else {"msg": "invalid request"}
                response = error_page(request, Invalid(f"bad request: {first.get('msg')}"))
            except ReviewDeskError as exc:
                response = error_page(request, exc)
            for name, value in PAGE_HEADERS.items():
                response.headers.setdefault(name, value)
            return response

        return guarded


def web_router() -> APIRouter:
    return APIRouter(route_class=WebRoute, include_in_schema=False)


def form_of(request: Request) -> ImmutableMultiDict[str, str]:
    """The parsed url-encoded body of the current (CSRF-checked) request."""
    return getattr(request.state, "form", ImmutableMultiDict())
