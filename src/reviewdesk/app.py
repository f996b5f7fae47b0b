"""create_app(settings): routers, middleware, error mapping and the lifespan that owns the database."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from reviewdesk import __version__
from reviewdesk.api import (
    adjudications,
    analytics,
    audit,
    calibrations,
    contract,
    datasets,
    evaluators,
    feedback,
    feedback_configs,
    health,
    items,
    langfuse,
    openapi,
    otlp,
    otlp_signals,
    projects,
    queues,
    runs,
    users,
    webhooks,
)
from reviewdesk.api import langsmith as langsmith_api
from reviewdesk.api.body_limit import BodyLimitMiddleware
from reviewdesk.api.responses import FastJSONResponse, error_response
from reviewdesk.api.security_headers import SecurityHeadersMiddleware
from reviewdesk.config import Settings
from reviewdesk.errors import Invalid, ReviewDeskError
from reviewdesk.services import bootstrap
from reviewdesk.services.destinations import guard_for
from reviewdesk.services.evaluator_jobs import EvaluatorWorker
from reviewdesk.services.webhook_dispatcher import WebhookDispatcher
from reviewdesk.store.database import Database
from reviewdesk.web import mount as mount_web

log = logging.getLogger("reviewdesk")

_STATUS_CODES = {401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}


def _field_of(loc: tuple) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _install_error_handlers(app: FastAPI, operation_index: contract.OperationIndex) -> None:
    @app.exception_handler(ReviewDeskError)
    async def _typed(_request: Request, exc: ReviewDeskError) -> FastJSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return error_response(exc, headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> FastJSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        return error_response(Invalid(str(first.get("msg")), field=_field_of(tuple(first.get("loc", ())))))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> FastJSONResponse:
        code = _STATUS_CODES.get(exc.status_code, "http_error")
        body = {"error": {"code": code, "message": str(exc.detail), "field": None}}
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            allowed = operation_index.allowed_methods(request.app, request.scope["path"])
            if allowed:
                headers["Allow"] = ", ".join(allowed)
            body["error"]["message"] = (
                f"{request.method} is not allowed here; allowed: {headers.get('Allow')}"
            )
        return FastJSONResponse(body, status_code=exc.status_code, headers=headers or None)


def create_app(settings: Settings | None = None, *, db: Database | None = None) -> FastAPI:
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database = db or Database(settings.resolved_database_url, maintain_tables=settings.table_maintenance)
        first = bootstrap.prepare(database, settings)
        if first.generated_password:
            # Printed once, on the very first start, so an operator can log in.
            print(
                f"ReviewDesk first start: admin {first.admin_email} password {first.generated_password}",
                flush=True,
            )
        database.query_timeout_s = settings.query_timeout_s  # after migrations, which may take long
        app.state.db = database
        app.state.secret_key = first.secret_key
        dispatcher = None
        if settings.webhooks_enabled:
            dispatcher = WebhookDispatcher(
                database, poll_seconds=settings.webhook_poll_seconds, guard=app.state.destination_guard
            )
            dispatcher.start()
        worker = None
        if settings.evaluator_worker:
            worker = EvaluatorWorker(
                database,
                app.state.destination_guard,
                poll_seconds=settings.evaluator_poll_seconds,
                lease_seconds=settings.evaluator_lease_seconds,
            )
            worker.start()
        yield
        if worker is not None:
            worker.stop()
        if dispatcher is not None:
            dispatcher.stop()
        if db is None:
            database.dispose()

    app = FastAPI(
        title="ReviewDesk",
        version=__version__,
        lifespan=lifespan,
        # /docs and /redoc are served from vendored assets by web/routes/api_docs.py.
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        default_response_class=FastJSONResponse,
    )
    app.state.settings = settings
    # Every outbound call (webhooks, LLM judges) goes through this one guard; tests swap its resolver.
    app.state.destination_guard = guard_for(settings)
    operation_index = contract.OperationIndex()
    _install_error_handlers(app, operation_index)
    for module in (
        health,
        runs,
        projects,
        feedback,
        feedback_configs,
        users,
        audit,
        queues,
        items,
        webhooks,
        datasets,
        calibrations,
        adjudications,
        analytics,
        evaluators,
    ):
        app.include_router(module.router, prefix="/api/v1")
    # OTLP exporters append /v1/traces to OTEL_EXPORTER_OTLP_ENDPOINT: http://HOST:PORT/otlp or the bare host.
    for prefix in ("/otlp", ""):
        app.include_router(otlp.router, prefix=prefix)
        app.include_router(otlp_signals.router, prefix=prefix)
    # LANGSMITH_ENDPOINT=http://HOST:PORT/langsmith (or …/langsmith/api/v1): the LangSmith SDK unmodified.
    for prefix in langsmith_api.V1_PREFIXES:
        app.include_router(langsmith_api.router, prefix=prefix)
    for prefix in langsmith_api.PLATFORM_PREFIXES:
        app.include_router(langsmith_api.platform_router, prefix=prefix)
    app.include_router(langsmith_api.v2_router, prefix=langsmith_api.V2_PREFIX)
    # LANGFUSE_HOST=http://HOST:PORT: the Langfuse SDK's OTLP exporter, scores and auth check.
    app.include_router(langfuse.router)
    # A LANGFUSE_HOST with a trailing "/" makes the SDK's exporter post to //api/public/otel/…
    app.add_api_route(
        "//api/public/otel/v1/traces", langfuse.export_traces, methods=["POST"], include_in_schema=False
    )
    mount_web(app)
    app.add_middleware(contract.QueryContractMiddleware, index=operation_index)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeadersMiddleware)  # outermost: even a 413 or a 400 carries the headers
    openapi.install(app)
    return app


# How uvicorn must serve the app: it does not rewrite the client's address from X-Forwarded-For
# (uvicorn trusts it from 127.0.0.1 by default); the app believes forwarded headers only from
# REVIEWDESK_TRUSTED_PROXIES (web/session.client_address).
UVICORN_OPTIONS = {"proxy_headers": False}


def app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory` (used by `reviewdesk serve --workers N`)."""
    return create_app(Settings.from_env())
