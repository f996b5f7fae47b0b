"""A queue's webhooks: the admin screen over services/webhooks."""

from __future__ import annotations

import uuid

from fastapi import Depends, Request
from starlette.responses import RedirectResponse, Response

from reviewdesk.domain.permissions import Actor
from reviewdesk.errors import Invalid
from reviewdesk.services import webhooks
from reviewdesk.web.pages import webhooks as pages
from reviewdesk.web.render import render
from reviewdesk.web.routing import form_of, web_router
from reviewdesk.web.session import get_db, web_actor

router = web_router()
NOTICES = {
    "tested": "A test delivery is queued: it shows below once sent.",
    "deleted": "The webhook was deleted.",
}


@router.get("/queues/{queue_id}/webhooks")
def webhooks_page(
    queue_id: uuid.UUID, request: Request, notice: str | None = None, actor: Actor = Depends(web_actor)
) -> Response:
    page = pages.build_webhooks_page(get_db(request), actor, queue_id, notice=NOTICES.get(notice or ""))
    return render(request, "queue_webhooks.html", page=page)


@router.post("/queues/{queue_id}/webhooks")
def create_webhook(queue_id: uuid.UUID, request: Request, actor: Actor = Depends(web_actor)) -> Response:
    db, form = get_db(request), form_of(request)
    try:
        created = pages.create_webhook(db, actor, queue_id, form, request.app.state.destination_guard)
    except Invalid as exc:
        message = f"{exc.field}: {exc.message}" if exc.field else exc.message
        page = pages.build_webhooks_page(db, actor, queue_id, error=message, draft=form)
        return render(request, "queue_webhooks.html", page=page, status=400)
    # The secret is shown once, on this answer (not put in a URL).
    page = pages.build_webhooks_page(db, actor, queue_id, new_secret=created["secret"], notice="Created.")
    return render(request, "queue_webhooks.html", page=page, status=201)


@router.post("/queues/{queue_id}/webhooks/{webhook_id}/test")
def test_webhook(
    queue_id: uuid.UUID, webhook_id: uuid.UUID, request: Request, actor: Actor = Depends(web_actor)
) -> Response:
    webhooks.send_test(get_db(request), actor, queue_id, webhook_id)
    return RedirectResponse(f"/queues/{queue_id}/webhooks?notice=tested", status_code=303)


@router.post("/queues/{queue_id}/webhooks/{webhook_id}/delete")
def delete_webhook(
    queue_id: uuid.UUID, webhook_id: uuid.UUID, request: Request, actor: Actor = Depends(web_actor)
) -> Response:
    webhooks.delete_webhook(get_db(request), actor, queue_id, webhook_id)
    return RedirectResponse(f"/queues/{queue_id}/webhooks?notice=deleted", status_code=303)
