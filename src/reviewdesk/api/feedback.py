"""Feedback CRUD."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Query, Response

from reviewdesk.api.deps import current_actor, get_db, json_object
from reviewdesk.api.responses import FastJSONResponse, page
from reviewdesk.domain.permissions import Actor
from reviewdesk.services import feedback as feedback_service
from reviewdesk.store.database import Database

router = APIRouter(tags=["feedback"])


@router.post("/feedback", status_code=201)
def create_feedback(
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    return FastJSONResponse(feedback_service.create_feedback(db, actor, body), status_code=201)


@router.get("/feedback")
def list_feedback(
    run_id: list[str] | None = Query(None),
    trace_id: list[str] | None = Query(None),
    key: list[str] | None = Query(None),
    source: list[str] | None = Query(None),
    queue_id: list[str] | None = Query(None),
    created_by: list[str] | None = Query(None),
    limit: int = 100,
    cursor: str | None = None,
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    filters = {
        "run_id": run_id,
        "trace_id": trace_id,
        "key": key,
        "source": source,
        "queue_id": queue_id,
        "created_by": created_by,
    }
    items, next_cursor = feedback_service.list_feedback(
        db, actor, filters=filters, limit=limit, cursor=cursor
    )
    return page(items, next_cursor)


@router.get("/feedback/{feedback_id}")
def get_feedback(
    feedback_id: uuid.UUID, actor: Actor = Depends(current_actor), db: Database = Depends(get_db)
) -> FastJSONResponse:
    return FastJSONResponse(feedback_service.get_feedback(db, actor, feedback_id))


@router.patch("/feedback/{feedback_id}")
def update_feedback(
    feedback_id: uuid.UUID,
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    return FastJSONResponse(feedback_service.update_feedback(db, actor, feedback_id, body))


@router.delete("/feedback/{feedback_id}", status_code=204)
def delete_feedback(
    feedback_id: uuid.UUID, actor: Actor = Depends(current_actor), db: Database = Depends(get_db)
) -> Response:
    feedback_service.delete_feedback(db, actor, feedback_id)
    return Response(status_code=204)
