"""Score configs (feedback configs)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Response

from reviewdesk.api.deps import current_actor, get_db, json_object
from reviewdesk.api.responses import FastJSONResponse, page
from reviewdesk.domain.permissions import Actor
from reviewdesk.services import feedback_configs as configs_service
from reviewdesk.services.paging import page_of_list
from reviewdesk.store.database import Database

router = APIRouter(tags=["feedback-configs"])


@router.post("/feedback-configs", status_code=201)
def create_config(
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    return FastJSONResponse(configs_service.create_config(db, actor, body), status_code=201)


@router.get("/feedback-configs")
def list_configs(
    limit: int = 100,
    cursor: str | None = None,
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """By key."""
    rows = configs_service.list_configs(db, actor)
    return page(*page_of_list(rows, limit=limit, cursor=cursor, key=lambda config: (config["key"],)))


@router.get("/feedback-configs/{key}")
def get_config(
    key: str, actor: Actor = Depends(current_actor), db: Database = Depends(get_db)
) -> FastJSONResponse:
    return FastJSONResponse(configs_service.get_config(db, actor, key))


@router.patch("/feedback-configs/{key}")
def update_config(
    key: str,
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    return FastJSONResponse(configs_service.update_config(db, actor, key, body))


@router.delete("/feedback-configs/{key}", status_code=204)
def delete_config(
    key: str, actor: Actor = Depends(current_actor), db: Database = Depends(get_db)
) -> Response:
    configs_service.delete_config(db, actor, key)
    return Response(status_code=204)
