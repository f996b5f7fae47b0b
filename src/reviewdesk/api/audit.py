"""The audit trail and its verification."""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Depends, Request

from reviewdesk.api.deps import current_actor, get_db, json_object
from reviewdesk.api.responses import FastJSONResponse, page
from reviewdesk.domain.permissions import Actor
from reviewdesk.errors import Invalid
from reviewdesk.services import audit as audit_service
from reviewdesk.services.paging import check_limit
from reviewdesk.store.database import Database

router = APIRouter(tags=["audit"])


@router.get("/audit")
def list_audit(
    limit: int = 100,
    cursor: int | None = None,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    filters = {
        k: v
        for k, v in (("action", action), ("object_type", object_type), ("object_id", object_id))
        if v is not None
    }
    if cursor is not None and not 0 <= cursor < 2**63:
        raise Invalid("is not a cursor this server issued", field="cursor")
    items, next_before = audit_service.list_events(
        db, actor, limit=check_limit(limit), before_id=cursor, filters=filters
    )
    return page(items, next_before)


@router.get("/audit/verify")
def verify_audit(
    checkpoint: str | None = None, actor: Actor = Depends(current_actor), db: Database = Depends(get_db)
) -> FastJSONResponse:
    """`?checkpoint=` a checkpoint's JSON text (as printed by `reviewdesk audit checkpoint`) also
    checks that every event it counted is still there unchanged; POST takes it as a body."""
    parsed = None
    if checkpoint is not None:
        try:
            parsed = orjson.loads(checkpoint)
        except orjson.JSONDecodeError:
            raise Invalid("must be a checkpoint's JSON text", field="checkpoint") from None
    return FastJSONResponse(audit_service.verify(db, actor, parsed))


@router.post("/audit/verify")
async def verify_audit_against_checkpoint(
    request: Request, actor: Actor = Depends(current_actor), db: Database = Depends(get_db)
) -> FastJSONResponse:
    """Body `{"checkpoint": {...}}`: a checkpoint from `GET /audit/checkpoint` or `reviewdesk audit
    checkpoint`, kept outside the database."""
    body = await json_object(request)
    if "checkpoint" not in body:
        raise Invalid("is required", field="checkpoint")
    return FastJSONResponse(audit_service.verify(db, actor, body["checkpoint"]))


@router.get("/audit/checkpoint")
def audit_checkpoint(
    actor: Actor = Depends(current_actor), db: Database = Depends(get_db)
) -> FastJSONResponse:
    return FastJSONResponse(audit_service.checkpoint(db, actor))
