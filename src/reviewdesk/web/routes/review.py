"""Reviewing: the review view, submit / skip / flag, the reservation heartbeat, the item's trace."""

from __future__ import annotations

import uuid

from fastapi import Depends, Request
from starlette.responses import RedirectResponse, Response

from reviewdesk.domain.permissions import Actor
from reviewdesk.domain.run_payload import parse_uuid
from reviewdesk.errors import Conflict, Invalid
from reviewdesk.services import review
from reviewdesk.web.pages import review as pages
from reviewdesk.web.pages import trace_view
from reviewdesk.web.render import render
from reviewdesk.web.routing import form_of, web_router
from reviewdesk.web.session import get_db, web_actor

router = web_router()

NOTICES = {
    "submitted": "Submitted. Here is the next item.",
    "amended": "Your answers were amended.",
    "unchanged": "Nothing changed.",
    "skipped": "Skipped. Here is the next item.",
    "flagged": "Flagged for an admin. Here is the next item.",
}
STOP_POLLING = 286  # htmx stops an `every` trigger on this status


@router.get("/queues/{queue_id}/review")
def review_view(
    queue_id: uuid.UUID,
    request: Request,
    item: uuid.UUID | None = None,
    notice: str | None = None,
    actor: Actor = Depends(web_actor),
) -> Response:
    page = pages.build_review_page(get_db(request), actor, queue_id, item, notice=NOTICES.get(notice or ""))
    return render(request, "review.html", page=page)


@router.get("/queues/{queue_id}/review/prefetch")
def prefetch(queue_id: uuid.UUID, request: Request, actor: Actor = Depends(web_actor)) -> Response:
    """The item after `?after=` (the one being read, and any still being submitted), reserved and
    rendered while the reviewer reads."""
    after = [parse_uuid(v, "after", required=True) for v in request.query_params.getlist("after")]
    if not after:
        raise Invalid("is required", field="after")
    page = pages.build_review_page(get_db(request), actor, queue_id, prefetch_after=after)
    return render(request, "_review_item.html", page=page)


@router.get("/queues/{queue_id}/review/progress")
def progress(queue_id: uuid.UUID, request: Request, actor: Actor = Depends(web_actor)) -> Response:
    return render(request, "_progress.html", page=pages.progress_of(get_db(request), actor, queue_id))


def _swapping(request: Request) -> bool:
    """review.js posts with this header and swaps the prefetched item in itself: no redirect needed."""
    return request.headers.get("x-review-swap") == "1"


@router.post("/items/{item_id}/submit")
def submit(item_id: uuid.UUID, request: Request, actor: Actor = Depends(web_actor)) -> Response:
    db = get_db(request)
    form = form_of(request)
    try:
        result = pages.submit_form(db, actor, item_id, form)
    except Invalid as exc:
        queue_id = _queue_id(form)
        message = f"{exc.field}: {exc.message}" if exc.field else exc.message
        page = pages.build_review_page(db, actor, queue_id, item_id, error=message, typed=form)
        return render(request, "review.html", page=page, status=400)
    if _swapping(request) and not result.amended:
        return Response(status_code=204)
    if result.amended:
        target = f"/queues/{result.queue_id}/review?item={item_id}&notice=amended"
    else:
        target = f"/queues/{result.queue_id}/review?notice=submitted"
    return RedirectResponse(target, status_code=303)


def _queue_id(form: object) -> uuid.UUID:
    try:
        return uuid.UUID(str(form.get("queue_id")))  # type: ignore[attr-defined]
    except ValueError:
        raise Invalid("the form lost its queue", field="queue_id") from None


@router.post("/items/{item_id}/skip")
def skip(item_id: uuid.UUID, request: Request, actor: Actor = Depends(web_actor)) -> Response:
    form = form_of(request)
    queue_id = _queue_id(form)
    review.skip(get_db(request), actor, item_id, (form.get("reason") or "").strip() or None)
    if _swapping(request):
        return Response(status_code=204)
    return RedirectResponse(f"/queues/{queue_id}/review?notice=skipped", status_code=303)


@router.post("/items/{item_id}/flag")
def flag(item_id: uuid.UUID, request: Request, actor: Actor = Depends(web_actor)) -> Response:
    form = form_of(request)
    queue_id = _queue_id(form)
    review.flag(get_db(request), actor, item_id, (form.get("reason") or "").strip())
    if _swapping(request):
        return Response(status_code=204)
    return RedirectResponse(f"/queues/{queue_id}/review?notice=flagged", status_code=303)


@router.post("/items/{item_id}/release")
def release(item_id: uuid.UUID, request: Request, actor: Actor = Depends(web_actor)) -> Response:
    """Give the item back without an answer (it goes to the next reviewer), and leave the queue."""
    queue_id = _queue_id(form_of(request))
    review.release(get_db(request), actor, item_id)
    return RedirectResponse(f"/queues/{queue_id}", status_code=303)


@router.post("/items/{item_id}/heartbeat")
def heartbeat(item_id: uuid.UUID, request: Request, actor: Actor = Depends(web_actor)) -> Response:
    try:
        held = review.heartbeat(get_db(request), actor, item_id)
    except Conflict:
        page = {"until": None, "item_id": item_id, "every": 0}
        return render(request, "_reservation.html", page=page, status=STOP_POLLING)
    until = held["reserved_until"]
    page = {"until": until, "item_id": item_id, "every": pages.heartbeat_seconds(until)}
    return render(request, "_reservation.html", page=page)


@router.get("/items/{item_id}/trace")
def item_trace(
    item_id: uuid.UUID, request: Request, run: uuid.UUID | None = None, actor: Actor = Depends(web_actor)
) -> Response:
    panel = trace_view.build_trace_panel(get_db(request), actor, item_id, run)
    return render(request, "_trace_panel.html", page=panel)
