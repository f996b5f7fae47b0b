"""The reviewer web app: server-rendered pages over the same services as the API."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from reviewdesk.web.render import STATIC_DIR


class _Static(StaticFiles):
    """Static files; URLs carry a content hash, so they may be cached for long (nosniff and the other
    security headers come from api/security_headers.py, as for every response)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"cache-control", b"public, max-age=31536000, immutable"))
                message = {**message, "headers": headers}
            await send(message)

        await super().__call__(scope, receive, send_with_headers)


def mount(app: FastAPI) -> None:
    """Add the web routes and /static to the app (called by create_app)."""
    from reviewdesk.web.routes import (
        admin,
        api_docs,
        auth,
        calibrations,
        dashboards,
        datasets,
        evaluators,
        exports,
        projects,
        queues,
        review,
        rules,
        traces,
        webhooks,
    )

    for module in (
        auth,
        queues,
        review,
        rules,
        traces,
        datasets,
        exports,
        admin,
        api_docs,
        dashboards,
        projects,
        evaluators,
        webhooks,
        calibrations,
    ):
        app.include_router(module.router)
    app.mount("/static", _Static(directory=STATIC_DIR), name="static")
