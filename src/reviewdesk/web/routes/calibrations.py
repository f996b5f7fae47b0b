"""/calibrations: the sessions of every queue over time, and one session's report (readers of feedback)."""

from __future__ import annotations

import uuid

from fastapi import Depends, Request
from starlette.responses import Response

from reviewdesk.domain.permissions import Actor
from reviewdesk.web.pages import calibrations as pages
from reviewdesk.web.render import render
from reviewdesk.web.routing import web_router
from reviewdesk.web.session import get_db, web_actor

router = web_router()


@router.get("/calibrations")
def calibrations_page(request: Request, actor: Actor = Depends(web_actor)) -> Response:
    return render(request, "calibrations.html", page=pages.build_calibrations_page(get_db(request), actor))


@router.get("/calibrations/{calibration_id}")
def calibration_report_page(
    calibration_id: uuid.UUID, request: Request, actor: Actor = Depends(web_actor)
) -> Response:
    page = pages.build_calibration_report_page(get_db(request), actor, calibration_id)
    return render(request, "calibration.html", page=page)
