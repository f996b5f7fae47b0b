"""Queue pages: my queues, one queue, create and settings, the items table and flag resolution."""

from __future__ import annotations

import uuid

from fastapi import Depends, Request
from starlette.responses import RedirectResponse, Response

from reviewdesk.domain.permissions import Actor
from reviewdesk.errors import Conflict, Invalid
from reviewdesk.services import queue_items
from reviewdesk.web.pages import queue_settings as settings_pages
from reviewdesk.web.pages import queue_signal as signal_pages
from reviewdesk.web.pages import queues as pages
from reviewdesk.web.render import render
from reviewdesk.web.routing import form_of, web_router
from reviewdesk.web.session import get_db, web_actor

router = web_router()


@router.get("/")
def queue_list(request: Request, actor: Actor = Depends(web_actor)) -> Response:
    return render(request, "queues.html", page=pages.build_queue_list(get_db(request), actor))


@router.get("/queues/new")
def new_queue_form(request: Request, actor: Actor = Depends(web_actor)) -> Response:
    return render(
        request, "queue_settings.html", page=settings_pages.build_settings_page(get_db(request), actor, None)
    )


@router.post("/queues/new")
def create_queue(request: Request, actor: Actor = Depends(web_actor)) -> Response:
    db = get_db(request)
    try:
        queue = settings_pages.save_queue(db, actor, None, form_of(request))
    except (Invalid, Conflict) as exc:
        page = settings_pages.build_settings_page(db, actor, None, error=exc, typed=form_of(request))
        return render(request, "queue_settings.html", page=page, status=400)
    return RedirectResponse(f"/queues/{queue['id']}/settings?saved=1", status_code=303)


@router.get("/queues/{queue_id}")
def queue_page(queue_id: uuid.UUID, request: Request, actor: Actor = Depends(web_actor)) -> Response:
    return render(request, "queue.html", page=pages.build_queue_page(get_db(request), actor, queue_id))


@router.post("/queues/{queue_id}/calibrations")
def start_calibration(queue_id: uuid.UUID, request: Request, actor: Actor = Depends(web_actor)) -> Response:
    """Admins and members start a calibration of the queue (the service refuses anyone else)."""
    db = get_db(request)
    try:
        session = signal_pages.start_calibration_from_form(db, actor, queue_id, form_of(request))
    except Invalid as exc:
        page = pages.build_queue_page(db, actor, queue_id)
        if page.signal is not None:
            page.signal.calibration_error = _describe(exc)
        return render(request, "queue.html", page=page, status=400)
    return RedirectResponse(f"/queues/{session['queue_id']}", status_code=303)


@router.get("/queues/{queue_id}/settings")
def settings_form(
    queue_id: uuid.UUID, request: Request, saved: bool = False, actor: Actor = Depends(web_actor)
) -> Response:
    page = settings_pages.build_settings_page(get_db(request), actor, queue_id, saved=saved)
    return render(request, "queue_settings.html", page=page)


@router.post("/queues/{queue_id}/settings")
def save_settings(queue_id: uuid.UUID, request: Request, actor: Actor = Depends(web_actor)) -> Response:
    db = get_db(request)
    try:
        settings_pages.save_queue(db, actor, queue_id, form_of(request))
    except (Invalid, Conflict) as exc:
        page = settings_pages.build_settings_page(db, actor, queue_id, error=exc, typed=form_of(request))
        return render(request, "queue_settings.html", page=page, status=400)
    return RedirectResponse(f"/queues/{queue_id}/settings?saved=1", status_code=303)


@router.get("/queues/{queue_id}/items")
def items_page(
    queue_id: uuid.UUID,
    request: Request,
    status: str | None = None,
    offset: int = 0,
    notice: str | None = None,
    actor: Actor = Depends(web_actor),
) -> Response:
    page = pages.build_items_page(
        get_db(request), actor, queue_id, status, max(offset, 0), _NOTICES.get(notice or "")
    )
    return render(request, "queue_items.html", page=page)


@router.post("/queues/{queue_id}/items/{item_id}/resolve")
def resolve_flag(
    queue_id: uuid.UUID, item_id: uuid.UUID, request: Request, actor: Actor = Depends(web_actor)
) -> Response:
    action = form_of(request).get("action")
    queue_items.resolve_flag(get_db(request), actor, item_id, action)
    return RedirectResponse(f"/queues/{queue_id}/items?status=flagged&notice={action}", status_code=303)


_NOTICES = {"pending": "The item is back in the queue.", "remove": "The item was removed."}


def _describe(exc: Invalid | Conflict) -> str:
    return f"{exc.field}: {exc.message}" if exc.field else exc.message


@router.get("/queues/{queue_id}/adjudicate")
def adjudicate_page(
    queue_id: uuid.UUID,
    request: Request,
    status: str = "open",
    notice: str | None = None,
    actor: Actor = Depends(web_actor),
) -> Response:
    page = signal_pages.build_adjudicate_page(
        get_db(request),
        actor,
        queue_id,
        status if status in ("open", "resolved") else "open",
        notice="The item was adjudicated." if notice == "done" else None,
    )
    return render(request, "adjudicate.html", page=page)


@router.post("/queues/{queue_id}/adjudicate/{item_id}")
def adjudicate_item(
    queue_id: uuid.UUID, item_id: uuid.UUID, request: Request, actor: Actor = Depends(web_actor)
) -> Response:
    db = get_db(request)
    try:
        signal_pages.adjudicate_from_form(db, actor, queue_id, item_id, form_of(request))
    except Invalid as exc:
        page = signal_pages.build_adjudicate_page(db, actor, queue_id, "open", error=_describe(exc))
        return render(request, "adjudicate.html", page=page, status=400)
    return RedirectResponse(f"/queues/{queue_id}/adjudicate?notice=done", status_code=303)
