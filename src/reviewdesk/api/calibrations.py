"""Calibration sessions: create, list over time (drift), report per field."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends

from reviewdesk.api.deps import current_actor, get_db, json_object
from reviewdesk.api.responses import FastJSONResponse, page
from reviewdesk.domain.permissions import Actor
from reviewdesk.services import calibrations
from reviewdesk.services.paging import by_creation, page_of_list
from reviewdesk.store.database import Database

router = APIRouter(tags=["calibrations"])


@router.post("/calibrations", status_code=201)
def create_calibration(
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """`{"name", "queue_id", "item_count": 20 | "run_ids", "reviewers", "max_disagreement": 0.2,
    "min_alpha": 0.667}` (managers of the queue) → the session; its reviewers work `queue_id`."""
    return FastJSONResponse(calibrations.create_calibration(db, actor, body), status_code=201)


@router.get("/calibrations")
def list_calibrations(
    queue_id: uuid.UUID | None = None,
    limit: int = 100,
    cursor: str | None = None,
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """Sessions oldest first with per-field figures (readers of feedback); keyset pages."""
    rows = calibrations.list_calibrations(db, actor, queue_id)
    return page(*page_of_list(rows, limit=limit, cursor=cursor, key=by_creation))


@router.get("/calibrations/{calibration_id}/report")
def calibration_report(
    calibration_id: uuid.UUID, actor: Actor = Depends(current_actor), db: Database = Depends(get_db)
) -> FastJSONResponse:
    """Per field: percent agreement, disagreement, α with interval, disputed items, reviewer distances,
    alerts (readers of feedback)."""
    return FastJSONResponse(calibrations.report(db, actor, calibration_id))


@router.get("/queues/{queue_id}/calibration-status")
def calibration_status(
    queue_id: uuid.UUID, actor: Actor = Depends(current_actor), db: Database = Depends(get_db)
) -> FastJSONResponse:
    """When the queue was last calibrated and whether a session is due (anyone who sees the queue)."""
    return FastJSONResponse(calibrations.calibration_status(db, actor, queue_id))
