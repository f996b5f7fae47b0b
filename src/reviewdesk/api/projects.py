"""Projects."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends

from reviewdesk.api.deps import current_actor, get_db, json_object
from reviewdesk.api.responses import FastJSONResponse, page
from reviewdesk.domain.permissions import Actor
from reviewdesk.services import projects as projects_service
from reviewdesk.store.database import Database

router = APIRouter(tags=["projects"])


@router.post("/projects", status_code=201)
def create_project(
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    return FastJSONResponse(projects_service.create_project(db, actor, body), status_code=201)


@router.get("/projects")
def list_projects(
    name: str | None = None,
    limit: int = 100,
    cursor: str | None = None,
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    items, next_cursor = projects_service.list_projects(db, actor, name=name, limit=limit, cursor=cursor)
    return page(items, next_cursor)


@router.get("/projects/{project_id}")
def get_project(
    project_id: uuid.UUID, actor: Actor = Depends(current_actor), db: Database = Depends(get_db)
) -> FastJSONResponse:
    return FastJSONResponse(projects_service.get_project(db, actor, project_id))
