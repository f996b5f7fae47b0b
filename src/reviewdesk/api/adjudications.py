"""Adjudication of disagreeing reviews, gold items and reviewer quality."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends

from reviewdesk.api.deps import current_actor, get_db, json_object
from reviewdesk.api.responses import FastJSONResponse, page
from reviewdesk.domain.permissions import Actor
from reviewdesk.services import adjudication, gold
from reviewdesk.services.paging import page_of_list
from reviewdesk.store.database import Database

router = APIRouter(tags=["adjudication"])


@router.get("/queues/{queue_id}/adjudications")
def list_adjudications(
    queue_id: uuid.UUID,
    status: str = "open",
    limit: int = 50,
    cursor: str | None = None,
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """Completed items whose reviews disagree, oldest first: `status=open|resolved|all` (readers of
    feedback and adjudicators). A page: `{"items", "next_cursor"}`."""
    listing = adjudication.list_adjudications(db, actor, queue_id, status, limit, cursor)
    return page(listing["items"], listing["next_cursor"])


@router.get("/items/{item_id}/adjudication")
def get_adjudication_case(
    item_id: uuid.UUID, actor: Actor = Depends(current_actor), db: Database = Depends(get_db)
) -> FastJSONResponse:
    """One item's reviews side by side and its adjudication, if any."""
    return FastJSONResponse(adjudication.get_case(db, actor, item_id))


@router.post("/items/{item_id}/adjudicate")
def adjudicate(
    item_id: uuid.UUID,
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """`{"answers": {key: value}, "comment"}` (admins, or users granted `adjudicate`)."""
    return FastJSONResponse(adjudication.adjudicate(db, actor, item_id, body))


@router.post("/queues/{queue_id}/gold", status_code=201)
def add_gold(
    queue_id: uuid.UUID,
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """`{"run_id", "answers"}` or `{"item_id"}` of an adjudicated item (queue managers)."""
    return FastJSONResponse(gold.add_gold(db, actor, queue_id, body), status_code=201)


@router.get("/queues/{queue_id}/gold")
def list_gold(
    queue_id: uuid.UUID,
    limit: int = 100,
    cursor: str | None = None,
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """The queue's gold items and their answers (queue managers only: reviewers must not see them);
    keyset pages."""
    rows = gold.list_gold(db, actor, queue_id)
    return page(
        *page_of_list(rows, limit=limit, cursor=cursor, key=lambda r: (r["created_at"], r["item_id"]))
    )


@router.get("/queues/{queue_id}/reviewer-quality")
def reviewer_quality(
    queue_id: uuid.UUID, actor: Actor = Depends(current_actor), db: Database = Depends(get_db)
) -> FastJSONResponse:
    """Per reviewer: accuracy on gold, agreement with the consensus, items reviewed, active time
    (readers of feedback)."""
    return FastJSONResponse(gold.reviewer_quality(db, actor, queue_id))
