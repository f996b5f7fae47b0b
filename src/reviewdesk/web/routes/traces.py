"""The trace explorer and the trace view."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from fastapi import Depends, Request
from starlette.datastructures import ImmutableMultiDict
from starlette.responses import RedirectResponse, Response

from reviewdesk.domain.permissions import Actor
from reviewdesk.errors import Invalid
from reviewdesk.web.pages import trace_view as trace_pages
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
    dataset: uuid.UUID | None = None,
    version: int | None = None,
    actor: Actor = Depends(web_actor),
) -> Response:
    notice, link = None, None
    if added is not None and dataset is not None:
        notice = f"Added {added} example(s) to the dataset (now version {version}); {present or 0} were already in it."
        link = ("Open the dataset", f"/datasets/{dataset}")
    elif added is not None:
        notice = f"Added {added} run(s) to the queue; {present or 0} were already in it."
    page = pages.build_explorer(
        get_db(request),
        actor,
        filter=q,
        roots_only=roots,
        project=project,
        cursor=cursor,
        notice=notice,
        notice_link=link,
    )
    return render(request, "explorer.html", page=page)


@router.get("/traces/count")
def match_count(
    request: Request, q: str = "", roots: bool = True, project: str = "", actor: Actor = Depends(web_actor)
) -> Response:
    count = pages.count_matching(get_db(request), actor, filter=q, roots_only=roots, project=project)
    return render(request, "_match_count.html", page=count)


def _search_of(form: ImmutableMultiDict[str, str]) -> dict[str, str]:
    return {
        "q": form.get("filter") or "",
        "roots": "true" if form.get("roots_only") else "false",
        "project": form.get("project") or "",
    }


def _add_failed(request: Request, actor: Actor, exc: Invalid) -> Response:
    """The explorer again with the reason by the add panel, and the selection as it was."""
    form = form_of(request)
    page = pages.build_explorer(
        get_db(request),
        actor,
        filter=form.get("filter") or "",
        roots_only=bool(form.get("roots_only")),
        project=form.get("project") or "",
        cursor=None,
        add_error=f"{exc.field}: {exc.message}" if exc.field else exc.message,
        draft=form,
    )
    return render(request, "explorer.html", page=page, status=400)


@router.post("/traces/add-to-queue")
def add_to_queue(request: Request, actor: Actor = Depends(web_actor)) -> Response:
    form = form_of(request)
    try:
        result = pages.add_to_queue(get_db(request), actor, form)
    except Invalid as exc:
        return _add_failed(request, actor, exc)
    query = {**_search_of(form), "added": result.added, "present": result.already_present}
    return RedirectResponse(f"/traces?{urlencode(query)}", status_code=303)


@router.post("/traces/add-to-dataset")
def add_to_dataset(request: Request, actor: Actor = Depends(web_actor)) -> Response:
    form = form_of(request)
    try:
        result = pages.add_to_dataset(get_db(request), actor, form)
    except Invalid as exc:
        return _add_failed(request, actor, exc)
    query = {
        **_search_of(form),
        "added": result.added,
        "present": result.already_present,
        "dataset": str(result.dataset["id"]),
        "version": result.version,
    }
    return RedirectResponse(f"/traces?{urlencode(query)}", status_code=303)


@router.get("/traces/{trace_id}")
def trace_view(
    trace_id: uuid.UUID, request: Request, annotated: str | None = None, actor: Actor = Depends(web_actor)
) -> Response:
    notice = "Your score was saved." if annotated else None
    page = trace_pages.build_trace_page(get_db(request), actor, trace_id, notice=notice)
    return render(request, "trace.html", page=page)


@router.get("/runs/{run_id}")
def run_in_its_trace(run_id: uuid.UUID, request: Request, actor: Actor = Depends(web_actor)) -> Response:
    """Any run (a child span, an OTel root) opens inside its trace, scrolled to the run."""
    return RedirectResponse(trace_pages.run_location(get_db(request), actor, run_id), status_code=303)


@router.post("/runs/{run_id}/annotate")
def annotate(run_id: uuid.UUID, request: Request, actor: Actor = Depends(web_actor)) -> Response:
    db, form = get_db(request), form_of(request)
    try:
        row = trace_pages.annotate(db, actor, run_id, form)
    except Invalid as exc:
        # Shown in place, in the span's own form, with what was typed kept.
        page = trace_pages.failed_annotation_page(db, actor, run_id, form, exc)
        return render(request, "trace.html", page=page, status=400)
    return RedirectResponse(f"/traces/{row['trace_id'] or run_id}?annotated=1#run-{run_id}", status_code=303)
