"""LangSmith sessions: our projects (a run naming an unknown project still creates it on ingest)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from reviewdesk.api.deps import current_actor, get_db, json_object
from reviewdesk.api.langsmith import shapes
from reviewdesk.api.langsmith.deps import flag, refuse_unknown, tenant
from reviewdesk.api.langsmith.paging import check_window, walk
from reviewdesk.api.responses import FastJSONResponse
from reviewdesk.domain.permissions import Actor
from reviewdesk.errors import Conflict, Invalid, NotFound
from reviewdesk.services import projects
from reviewdesk.store.database import Database

router = APIRouter(tags=["langsmith"])

_LIST_PARAMS = {
    "limit",
    "offset",
    "name",
    "name_contains",
    "id",
    "include_stats",
    "reference_free",
    "reference_dataset",
}


@router.get("/sessions")
def list_sessions(
    request: Request,
    limit: int = 100,
    offset: int = 0,
    name: str | None = None,
    name_contains: str | None = None,
    id: list[uuid.UUID] | None = Query(None),
    reference_free: str | None = None,
    reference_dataset: list[uuid.UUID] | None = Query(None),
    include_stats: str | None = None,
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """A JSON list, offset-paged; `name=` answers `read_project(project_name=…)` (an empty list: none)."""
    refuse_unknown(request.query_params.keys(), _LIST_PARAMS, "/sessions")
    limit, offset = check_window(limit, offset)
    flag(reference_free, "reference_free")  # every project of ours is reference-free
    flag(include_stats, "include_stats")  # the SDK sends it; our sessions carry no run statistics
    owner = tenant(request)
    if reference_dataset:
        return FastJSONResponse([])  # no project of ours is an experiment on a dataset
    if id:
        found = []
        for project_id in id:
            try:
                found.append(projects.get_project(db, actor, project_id))
            except NotFound:
                continue
        rows = found[offset : offset + limit]
    else:

        def fetch(size: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
            items, next_cursor = projects.list_projects(db, actor, name=name, limit=size, cursor=cursor)
            if name_contains:
                items = [p for p in items if name_contains.lower() in p["name"].lower()]
            return items, next_cursor

        rows = walk(fetch, limit, offset)
    return FastJSONResponse([shapes.session(p, owner) for p in rows])


@router.get("/sessions/{project_id}")
def read_session(
    request: Request,
    project_id: uuid.UUID,
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    return FastJSONResponse(shapes.session(projects.get_project(db, actor, project_id), tenant(request)))


@router.post("/sessions")
def create_session(
    request: Request,
    upsert: str | None = None,
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """`create_project`; with `upsert=true` an existing project of that name is answered as is."""
    if body.get("reference_dataset_id") is not None:
        raise Invalid("experiment projects on a dataset are not supported", field="reference_dataset_id")
    payload = {"name": body.get("name"), "description": body.get("description")}
    try:
        project = projects.create_project(db, actor, payload)
    except Conflict:
        if not flag(upsert, "upsert"):
            raise
        project = projects.list_projects(db, actor, name=payload["name"], limit=1, cursor=None)[0][0]
    return FastJSONResponse(shapes.session(project, tenant(request)))


@router.patch("/sessions/{project_id}")
def update_session(project_id: uuid.UUID, actor: Actor = Depends(current_actor)) -> FastJSONResponse:
    raise Invalid("projects cannot be renamed or ended here; they are created by name", code="unsupported")


@router.delete("/sessions/{project_id}", status_code=204)
def delete_session(project_id: uuid.UUID, actor: Actor = Depends(current_actor)) -> FastJSONResponse:
    raise Invalid(
        "projects cannot be deleted: their runs may be under review and are part of the audit trail",
        code="unsupported",
    )
