"""Request dependencies: the database, the authenticated actor, the JSON body."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Request

from reviewdesk.domain.limits import check_json
from reviewdesk.domain.permissions import Actor
from reviewdesk.errors import Invalid
from reviewdesk.services import accounts
from reviewdesk.services.destinations import DestinationGuard
from reviewdesk.store.database import Database


def get_db(request: Request) -> Database:
    return request.app.state.db


def api_key_from(request: Request) -> str | None:
    key = request.headers.get("x-api-key")
    if key:
        return key.strip()
    auth = request.headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def current_actor(request: Request) -> Actor:
    """Every route but /health depends on this: no key or a bad one is a 401."""
    actor = accounts.authenticate_key(get_db(request), api_key_from(request))
    request.state.actor = actor
    return actor


async def json_body(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        raise Invalid("a JSON body is required", field="body", code="malformed_json")
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise Invalid(f"malformed JSON: {exc}", field="body", code="malformed_json") from None
    check_json(body)  # depth, NUL, sizes: errors name the path, e.g. post[3].inputs.a
    return body


async def json_object(request: Request) -> dict[str, Any]:
    body = await json_body(request)
    if not isinstance(body, dict):
        raise Invalid("must be a JSON object", field="body")
    return body


def destination_guard(request: Request) -> DestinationGuard:
    """The outbound destination policy every saved or called URL passes (built once in create_app)."""
    return request.app.state.destination_guard
