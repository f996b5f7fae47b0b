"""ASGI middleware: the security headers of every response (API, errors, docs, web pages, files).

One place decides them, so an API error, a 404, a 413 from the body limit and a web page carry the
same policy. The Content-Security-Policy depends on what the response is: HTML pages get the web
app's policy (scripts and styles from our own origin only), `/docs` and `/redoc` a policy the
vendored Swagger UI and Redoc run under, and everything else (JSON, CSV, files) one that lets
nothing load. A response that sets a header itself keeps its own value.
"""

from __future__ import annotations

import logging

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reviewdesk.api.responses import FastJSONResponse

log = logging.getLogger("reviewdesk")

PAGE_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# Redoc inserts <style> elements (styled-components) and searches in a blob: worker; both UIs
# draw icons from data: URLs. Scripts still come from our origin only.
DOCS_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "worker-src 'self' blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
NON_PAGE_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
DOCS_PATHS = ("/docs", "/redoc")
COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


def content_security_policy(path: str, content_type: str) -> str:
    if path in DOCS_PATHS:
        return DOCS_CSP
    if content_type.startswith("text/html"):
        return PAGE_CSP
    return NON_PAGE_CSP


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                for name, value in COMMON_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
                if "content-security-policy" not in headers:
                    csp = content_security_policy(scope["path"], headers.get("content-type", ""))
                    headers["Content-Security-Policy"] = csp
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            # A bug: answer in the error shape, with the headers, then let the server log it.
            if not started:
                body = {
                    "error": {"code": "internal_error", "message": "internal server error", "field": None}
                }
                await FastJSONResponse(body, status_code=500)(scope, receive, send_with_headers)
            raise
