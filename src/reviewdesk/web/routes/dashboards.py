"""Dashboards: the page with its controls, each chart panel as a fragment, and a queue's own view."""

from __future__ import annotations

import uuid

from fastapi import Depends, Request
from starlette.responses import RedirectResponse, Response

from reviewdesk.domain.permissions import Actor
from reviewdesk.web.pages import dashboard_panels
from reviewdesk.web.pages import dashboards as pages
from reviewdesk.web.render import render
from reviewdesk.web.routing import web_router
from reviewdesk.web.session import get_db, web_actor

router = web_router()


@router.get("/dashboards")
def dashboard_page(request: Request, actor: Actor = Depends(web_actor)) -> Response:
    controls = pages.read_controls(dict(request.query_params))
    return render(request, "dashboards.html", page=pages.build_page(get_db(request), actor, controls))


@router.get("/dashboards/panels/{name}")
def dashboard_panel(name: str, request: Request, actor: Actor = Depends(web_actor)) -> Response:
    controls = pages.read_controls(dict(request.query_params))
    return render(
        request, "_dash_panel.html", page=dashboard_panels.build_panel(get_db(request), actor, name, controls)
    )


@router.get("/queues/{queue_id}/dashboard")
def queue_dashboard(queue_id: uuid.UUID, actor: Actor = Depends(web_actor)) -> Response:
    return RedirectResponse(f"/dashboards?queue={queue_id}", status_code=303)
