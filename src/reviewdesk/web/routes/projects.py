"""The projects list: every project, linked to its runs in the explorer."""

from __future__ import annotations

from fastapi import Depends, Request
from starlette.responses import Response

from reviewdesk.domain.permissions import Actor
from reviewdesk.services import projects
from reviewdesk.web.render import render
from reviewdesk.web.routing import web_router
from reviewdesk.web.session import get_db, web_actor

router = web_router()
PAGE_SIZE = 200


@router.get("/projects")
def projects_page(request: Request, cursor: str | None = None, actor: Actor = Depends(web_actor)) -> Response:
    found, next_cursor = projects.list_projects(
        get_db(request), actor, name=None, limit=PAGE_SIZE, cursor=cursor
    )
    return render(
        request, "projects.html", page={"projects": found, "next_cursor": next_cursor, "cursor": cursor}
    )
