"""Working one item: read, heartbeat, release, submit, skip, flag, resolve a flag."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from reviewdesk.api.deps import current_actor, get_db, json_object
from reviewdesk.api.responses import FastJSONResponse
from reviewdesk.domain.permissions import Actor
from reviewdesk.services import queue_items, review
from reviewdesk.store.database import Database

router = APIRouter(tags=["review"])


async def optional_object(request: Request) -> dict[str, Any]:
    raw = await request.body()
    return await json_object(request) if raw.strip() else {}


@router.get("/items/{item_id}")
def get_item(
    item_id: uuid.UUID, actor: Actor = Depends(current_actor), db: Database = Depends(get_db)
) -> FastJSONResponse:
    """The item with its runs, rubric and feedback. A reviewer reads the items it holds or reviewed
    (409 otherwise: use `next`); admins and members read any item, `review` null if they have none."""
    return FastJSONResponse(review.read_item(db, actor, item_id))


@router.post("/items/{item_id}/heartbeat")
def heartbeat(
    item_id: uuid.UUID, actor: Actor = Depends(current_actor), db: Database = Depends(get_db)
) -> FastJSONResponse:
    return FastJSONResponse(review.heartbeat(db, actor, item_id))


@router.post("/items/{item_id}/release", status_code=204)
def release(
    item_id: uuid.UUID, actor: Actor = Depends(current_actor), db: Database = Depends(get_db)
) -> Response:
    review.release(db, actor, item_id)
    return Response(status_code=204)


@router.post("/items/{item_id}/submit")
def submit(
    item_id: uuid.UUID,
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """`{"answers": {key: value}, "comment", "correction"}`."""
    return FastJSONResponse(review.submit(db, actor, item_id, body))


@router.post("/items/{item_id}/skip")
def skip(
    item_id: uuid.UUID,
    body: dict[str, Any] = Depends(optional_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    return FastJSONResponse(review.skip(db, actor, item_id, body.get("reason")))


@router.post("/items/{item_id}/flag")
def flag(
    item_id: uuid.UUID,
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    return FastJSONResponse(review.flag(db, actor, item_id, body.get("reason")))


@router.post("/items/{item_id}/resolve")
def resolve(
    item_id: uuid.UUID,
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> Response:
    """An admin sends a flagged item back: `{"action": "pending"}` or `{"action": "remove"}`."""
    item = queue_items.resolve_flag(db, actor, item_id, body.get("action"))
    return Response(status_code=204) if item is None else FastJSONResponse(item)
