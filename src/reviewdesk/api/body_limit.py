"""ASGI middleware: refuse request bodies over the configured size with a 413 in the error shape, and
query strings or paths that break domain/limits.py (NUL, length) with a 400 naming the parameter.

The query check is here, before any route, so that no handler (API or web page) ever sends a NUL
to the database: PostgreSQL refuses it, SQLite would store it.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reviewdesk.api.responses import error_response
from reviewdesk.domain.limits import check_query_params, check_text
from reviewdesk.errors import Invalid, PayloadTooLarge


class _TooLarge(Exception):
    pass


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _error(self) -> PayloadTooLarge:
        return PayloadTooLarge(f"the request body exceeds {self.max_bytes} bytes", field="body")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            _check_request_line(scope)
        except Invalid as error:
            await error_response(error)(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                await error_response(self._error())(scope, receive, send)
                return
        received = 0
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not response_started:
                await error_response(self._error())(scope, receive, send)


def _check_request_line(scope: Scope) -> None:
    check_text(scope.get("path", ""), "path", max_chars=8_000)
    query = scope.get("query_string", b"").decode("latin-1")
    if query:
        # As Starlette decodes it for the routes (UTF-8, replacement characters for bad bytes).
        check_query_params(parse_qsl(query, keep_blank_values=True, encoding="utf-8", errors="replace"))
