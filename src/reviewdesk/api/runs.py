"""Run ingest, reads and search."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends

from reviewdesk.api.deps import current_actor, get_db, json_body, json_object
from reviewdesk.api.responses import FastJSONResponse
from reviewdesk.domain.permissions import Actor
from reviewdesk.domain.run_payload import parse_uuid
from reviewdesk.errors import Invalid
from reviewdesk.services import ingest
from reviewdesk.services import runs as runs_service
from reviewdesk.store.database import Database

router = APIRouter(tags=["runs"])


@router.post("/runs/batch", status_code=202)
def ingest_batch(
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """`{"post": [run…], "patch": [run…]}`: idempotent upsert by id; answered after the commit."""
    unknown = set(body) - {"post", "patch"}
    if unknown:
        raise Invalid("unknown key; expected post and/or patch", field=sorted(unknown)[0])
    accepted = ingest.ingest_batch(db, actor, post=body.get("post"), patch=body.get("patch"))
    return FastJSONResponse({"accepted": accepted}, status_code=202)


@router.post("/runs", status_code=202)
def create_run(
    body: Any = Depends(json_body), actor: Actor = Depends(current_actor), db: Database = Depends(get_db)
) -> FastJSONResponse:
    run_id = ingest.ingest_one(db, actor, body)
    return FastJSONResponse({"accepted": 1, "id": run_id}, status_code=202)


@router.patch("/runs/{run_id}", status_code=202)
def patch_run(
    run_id: uuid.UUID,
    body: Any = Depends(json_body),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    ingest.ingest_one(db, actor, body, run_id=run_id)
    return FastJSONResponse({"accepted": 1, "id": run_id}, status_code=202)


@router.get("/runs/{run_id}")
def get_run(
    run_id: uuid.UUID, actor: Actor = Depends(current_actor), db: Database = Depends(get_db)
) -> FastJSONResponse:
    return FastJSONResponse(runs_service.get_run(db, actor, run_id))


@router.get("/traces/{trace_id}")
def get_trace(
    trace_id: uuid.UUID, actor: Actor = Depends(current_actor), db: Database = Depends(get_db)
) -> FastJSONResponse:
    return FastJSONResponse(runs_service.get_trace(db, actor, trace_id))


_SEARCH_KEYS = {"filter", "project", "is_root", "trace_id", "limit", "cursor"}


@router.post("/runs/search")
def search_runs(
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """`{"filter", "project", "is_root", "limit", "cursor"}` → runs, newest first."""
    unknown = set(body) - _SEARCH_KEYS
    if unknown:
        raise Invalid(f"unknown key; expected {', '.join(sorted(_SEARCH_KEYS))}", field=sorted(unknown)[0])
    for name in ("filter", "project", "cursor"):
        if body.get(name) is not None and not isinstance(body[name], str):
            raise Invalid("must be a string", field=name)
    trace_id = body.get("trace_id")
    items, next_cursor = runs_service.search_runs(
        db,
        actor,
        filter=body.get("filter"),
        project=body.get("project"),
        is_root=body.get("is_root"),
        trace_id=parse_uuid(trace_id, "trace_id"),
        limit=body.get("limit", 100),
        cursor=body.get("cursor"),
    )
    return FastJSONResponse({"items": items, "next_cursor": next_cursor})
