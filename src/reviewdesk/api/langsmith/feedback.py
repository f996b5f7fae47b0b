"""LangSmith feedback: our feedback rows; a run not yet seen is never a 404 (the SDK would retry for minutes)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response

from reviewdesk.api.deps import current_actor, get_db, json_object
from reviewdesk.api.langsmith import shapes
from reviewdesk.api.langsmith.deps import refuse_unknown
from reviewdesk.api.langsmith.paging import check_window, walk
from reviewdesk.api.responses import FastJSONResponse
from reviewdesk.domain.permissions import Actor
from reviewdesk.errors import Invalid
from reviewdesk.services import feedback as feedback_service
from reviewdesk.services import langsmith_feedback
from reviewdesk.store.database import Database

router = APIRouter(tags=["langsmith"])


@router.post("/feedback")
def create_feedback(
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """`create_feedback` without a trace_id, or with batching off; an inline feedback_config registers the key."""
    return FastJSONResponse(shapes.feedback(langsmith_feedback.create_feedback(db, actor, body)))


def _sources(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    unknown = [v for v in values if v not in langsmith_feedback.SOURCE_IN]
    if unknown:
        raise Invalid(f"unknown source {unknown[0]!r}", field="source")
    return sorted({langsmith_feedback.SOURCE_IN[v] for v in values})


@router.get("/feedback")
def list_feedback(
    request: Request,
    run: list[str] | None = Query(None),
    key: list[str] | None = Query(None),
    source: list[str] | None = Query(None),
    limit: int = 100,
    offset: int = 0,
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    refuse_unknown(request.query_params.keys(), {"run", "key", "source", "limit", "offset"}, "/feedback")
    limit, offset = check_window(limit, offset)
    filters = {"run_id": run, "key": key, "source": _sources(source)}

    def fetch(size: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
        return feedback_service.list_feedback(db, actor, filters=filters, limit=size, cursor=cursor)

    return FastJSONResponse([shapes.feedback(f) for f in walk(fetch, limit, offset)])


@router.get("/feedback/{feedback_id}")
def read_feedback(
    feedback_id: uuid.UUID, actor: Actor = Depends(current_actor), db: Database = Depends(get_db)
) -> FastJSONResponse:
    return FastJSONResponse(shapes.feedback(feedback_service.get_feedback(db, actor, feedback_id)))


@router.patch("/feedback/{feedback_id}")
def update_feedback(
    feedback_id: uuid.UUID,
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """Only the keys sent change; a null clears (the author or an admin may amend)."""
    refuse_unknown(body, {"score", "value", "comment", "correction"}, "PATCH /feedback")
    return FastJSONResponse(shapes.feedback(feedback_service.update_feedback(db, actor, feedback_id, body)))


@router.delete("/feedback/{feedback_id}", status_code=204)
def delete_feedback(
    feedback_id: uuid.UUID, actor: Actor = Depends(current_actor), db: Database = Depends(get_db)
) -> Response:
    feedback_service.delete_feedback(db, actor, feedback_id)
    return Response(status_code=204)
