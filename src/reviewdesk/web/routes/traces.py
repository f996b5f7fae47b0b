"""The trace explorer and the trace view."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from fastapi import Depends, Request
from starlette.responses import RedirectResponse, Response

from reviewdesk.domain.permissions import Actor
from reviewdesk.web.pages import traces as pages
from reviewdesk.web.render import render
from reviewdesk.web.routing import form_of, web_router
from reviewdesk.web.session import get_db, web_actor

router = web_router()


@router.get("/traces")
def explorer(
    request: Request,
    q: str = "",
    roots: bool = True,
    project: str = "",
    cursor: str | None = None,
    added: int | None = None,
    present: int | None = None,
    actor: Actor = Depends(web_actor),
) -> Response:
    notice = None
    if added is not None:
        notice = f"Added {added} run(s) to the queue; {present or 0} were already in it."
    page = pages.build_explorer(
        get_db(request), actor, filter=q, roots_only=roots, project=project, cursor=cursor, notice=notice
    )
    return render(request, "explorer.html", page=page)


@router.get("/traces/count")
def match_count(
    request: Request, q: str = "", roots: bool = True, project: str = "", actor: Actor = Depends(web_actor)
) -> Response:
    count = pages.count_matching(get_db(request), actor, filter=q, roots_only=roots, project=project)
    return render(request, "_match_count.html", page=count)


@router.post("/traces/add-to-queue")
def add_to_queue(request: Request, actor: Actor = Depends(web_actor)) -> Response:
    form = form_of(request)
    result = pages.add_to_queue(get_db(request), actor, form)
    query = {
        "q": form.get("filter") or "",
        "roots": "true" if form.get("roots_only") else "false",
        "project": form.get("project") or "",
        "added": result.added,
        "present": result.already_present,
    }
    return RedirectResponse(f"/traces?{urlencode(query)}", status_code=303)


@router.get("/traces/{trace_id}")
def trace_view(
    trace_id: uuid.UUID, request: Request, annotated: str | None = None, actor: Actor = Depends(web_actor)
) -> Response:
    notice = "Your score was saved." if annotated else None
    page = pages.build_trace_page(get_db(request), actor, trace_id, notice=notice)
    return render(request, "trace.html", page=page)


@router.post("/runs/{run_id}/annotate")
def annotate(run_id: uuid.UUID, request: Request, actor: Actor = Depends(web_actor)) -> Response:
    row = pages.annotate(get_db(request), actor, run_id, form_of(request))
    return RedirectResponse(f"/traces/{row['trace_id'] or run_id}?annotated=1#run-{run_id}", status_code=303)
