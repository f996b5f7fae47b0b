"""The OpenAPI document as the API really behaves: request bodies, 400 (not 422), errors, auth."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi import routing as fastapi_routing
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel

from reviewdesk.api.schemas import (
    EXTRA_SUCCESS,
    PUBLIC_OPERATIONS,
    READS_WITH_CONFLICT,
    REQUEST_BODIES,
    operation_key,
)
from reviewdesk.api.schemas.common import ErrorBody

ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}
ERRORS = {
    400: "Bad input: a malformed or invalid body, query parameter or path; `field` names it",
    401: "No API key, or one that is unknown or revoked",
    403: "The caller's role or queue assignment does not allow this",
    404: "Something named in the path or body does not exist (or is not visible to the caller)",
    409: "Conflicts with what is stored (a duplicate id or name, an item in another state)",
    413: "The request body is larger than the server accepts",
    415: "The body's media type or encoding is not one this operation reads",
    503: "A query ran past REVIEWDESK_QUERY_TIMEOUT_S and was stopped; narrow it and try again",
}
SECURITY_SCHEMES = {
    "apiKey": {"type": "apiKey", "in": "header", "name": "x-api-key"},
    "bearer": {"type": "http", "scheme": "bearer"},
}
_BODY_METHODS = {"POST", "PUT", "PATCH"}
_MEDIA_TYPES_READ = {"otlp.export_traces", "langsmith.runs.ingest_multipart"}


def install(app: FastAPI) -> None:
    """Serve `document(app)` at the app's openapi_url (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def api_routes(app: FastAPI) -> list[Any]:
    """The documented routes, each with its full path_format, methods and endpoint."""
    # FastAPI ≥ 0.16x keeps included routers nested and exposes each route through a context.
    contexts = getattr(fastapi_routing, "iter_route_contexts", None)
    routes = list(contexts(app.routes)) if contexts else list(app.routes)
    out = []
    for route in routes:
        original = getattr(route, "original_route", route)
        if isinstance(original, APIRoute) and route.include_in_schema:
            out.append(route)
    return out


def document(app: FastAPI) -> dict[str, Any]:
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description='Errors answer `{"error": {"code", "message", "field"}}` with a 4xx status. '
        'Lists take `limit` and `cursor` and answer `{"items", "next_cursor"}`; '
        "send `next_cursor` back as `cursor` until it is null.",
        routes=app.routes,
    )
    components = schema.setdefault("components", {})
    models = components.setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        models.pop(name, None)
    _add_model(models, ErrorBody)
    components["securitySchemes"] = SECURITY_SCHEMES
    schema["security"] = [{"apiKey": []}, {"bearer": []}]
    for route in api_routes(app):
        key = operation_key(route.endpoint)
        for method in route.methods:
            operation = schema["paths"][route.path_format][method.lower()]
            _describe(operation, route, key, method, models)
    return schema


def _describe(operation: dict[str, Any], route: Any, key: str, method: str, models: dict[str, Any]) -> None:
    body = REQUEST_BODIES.get(key)
    if body is not None and not body.absent:
        content = dict(body.content)
        if body.model is not None:
            content["application/json"] = {"schema": _add_model(models, body.model)}
        operation["requestBody"] = {"required": body.required, "content": content}
    public = key in PUBLIC_OPERATIONS
    if public:
        operation["security"] = []
    responses = operation.setdefault("responses", {})
    responses.pop("422", None)
    for status, description in EXTRA_SUCCESS.get(key, {}).items():
        responses.setdefault(str(status), {"description": description})
    codes = [400] if public else [400, 401, 403, 404]
    if not public and (method != "GET" or key in READS_WITH_CONFLICT):
        codes.append(409)
    if "requestBody" in operation or method in _BODY_METHODS:
        codes.append(413)
    if key in _MEDIA_TYPES_READ:
        codes.append(415)
    if not public:
        codes.append(503)  # every authenticated operation reads the database under the query timeout
    for status in codes:
        responses[str(status)] = {
            "description": ERRORS[status],
            "content": {"application/json": {"schema": ERROR_REF}},
        }


def _add_model(models: dict[str, Any], model: type[BaseModel]) -> dict[str, str]:
    """Put the model (and the models it uses) into components; answer a reference to it."""
    json_schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in json_schema.pop("$defs", {}).items():
        models.setdefault(name, definition)
    models.setdefault(model.__name__, json_schema)
    return {"$ref": f"#/components/schemas/{model.__name__}"}
