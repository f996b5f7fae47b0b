"""Users and API keys."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Response

from reviewdesk.api.deps import current_actor, get_db, json_object
from reviewdesk.api.responses import FastJSONResponse, page
from reviewdesk.domain.permissions import Actor
from reviewdesk.services import accounts, web_sessions
from reviewdesk.services.paging import by_creation, page_of_list
from reviewdesk.store.database import Database

router = APIRouter(tags=["users"])


@router.get("/me")
def me(actor: Actor = Depends(current_actor)) -> FastJSONResponse:
    return FastJSONResponse({"id": actor.user_id, "email": actor.email, "role": actor.role.value})


@router.post("/users", status_code=201)
def create_user(
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    user = accounts.create_user(
        db,
        actor,
        email=body.get("email"),
        role=body.get("role", "member"),
        password=body.get("password"),
        name=body.get("name"),
    )
    return FastJSONResponse(user, status_code=201)


@router.get("/users")
def list_users(
    limit: int = 100,
    cursor: str | None = None,
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    return page(*page_of_list(accounts.list_users(db, actor), limit=limit, cursor=cursor, key=by_creation))


@router.patch("/users/{user_id}")
def update_user(
    user_id: uuid.UUID,
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    return FastJSONResponse(accounts.update_user(db, actor, user_id, body))


@router.post("/users/{user_id}/api-keys", status_code=201)
def create_api_key(
    user_id: uuid.UUID,
    body: dict[str, Any] | None = None,
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    name = (body or {}).get("name", "")
    return FastJSONResponse(accounts.create_api_key(db, actor, user_id, name=name), status_code=201)


@router.get("/users/{user_id}/api-keys")
def list_api_keys(
    user_id: uuid.UUID,
    limit: int = 100,
    cursor: str | None = None,
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    rows = accounts.list_api_keys(db, actor, user_id)
    return page(*page_of_list(rows, limit=limit, cursor=cursor, key=by_creation))


@router.delete("/api-keys/{key_id}", status_code=204)
def revoke_api_key(
    key_id: uuid.UUID, actor: Actor = Depends(current_actor), db: Database = Depends(get_db)
) -> Response:
    accounts.revoke_api_key(db, actor, key_id)
    return Response(status_code=204)


@router.get("/users/{user_id}/sessions")
def list_web_sessions(
    user_id: uuid.UUID,
    limit: int = 100,
    cursor: str | None = None,
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """The user's logged-in browser sessions (the user itself, or an admin)."""
    rows = web_sessions.list_sessions(db, actor, user_id)
    return page(*page_of_list(rows, limit=limit, cursor=cursor, key=by_creation))


@router.delete("/users/{user_id}/sessions")
def end_web_sessions(
    user_id: uuid.UUID, actor: Actor = Depends(current_actor), db: Database = Depends(get_db)
) -> FastJSONResponse:
    """Sign the user out everywhere: every browser session ends at once (API keys are untouched)."""
    return FastJSONResponse({"ended": web_sessions.end_all(db, actor, user_id)})
