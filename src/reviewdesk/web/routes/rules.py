"""Routing rules of a queue: list, editor with live preview, save, delete, backfill."""

from __future__ import annotations

import uuid

from fastapi import Depends, Request
from starlette.responses import RedirectResponse, Response

from reviewdesk.domain.permissions import Actor
from reviewdesk.errors import Conflict, Invalid
from reviewdesk.services import rules
from reviewdesk.web.pages import rules as pages
from reviewdesk.web.render import render
from reviewdesk.web.routing import form_of, web_router
from reviewdesk.web.session import get_db, web_actor

router = web_router()
NOTICES = {"saved": "The rule was saved.", "deleted": "The rule was deleted."}


@router.get("/queues/{queue_id}/rules")
def rules_page(
    queue_id: uuid.UUID,
    request: Request,
    rule: uuid.UUID | None = None,
    notice: str | None = None,
    actor: Actor = Depends(web_actor),
) -> Response:
    page = pages.build_rules_page(get_db(request), actor, queue_id, rule, notice=NOTICES.get(notice or ""))
    return render(request, "rules.html", page=page)


@router.post("/queues/{queue_id}/rules")
def save_rule(
    queue_id: uuid.UUID, request: Request, rule: uuid.UUID | None = None, actor: Actor = Depends(web_actor)
) -> Response:
    db = get_db(request)
    try:
        saved = pages.save_rule(db, actor, queue_id, rule, form_of(request))
    except (Invalid, Conflict) as exc:
        message = f"{exc.field}: {exc.message}" if exc.field else exc.message
        page = pages.build_rules_page(db, actor, queue_id, rule, error=message, typed=form_of(request))
        return render(request, "rules.html", page=page, status=400)
    return RedirectResponse(f"/queues/{queue_id}/rules?rule={saved['id']}&notice=saved", status_code=303)


@router.post("/queues/{queue_id}/rules/preview")
def preview(queue_id: uuid.UUID, request: Request, actor: Actor = Depends(web_actor)) -> Response:
    view = pages.preview(get_db(request), actor, queue_id, form_of(request))
    return render(request, "_rule_preview.html", page=view)


@router.post("/queues/{queue_id}/rules/{rule_id}/delete")
def delete_rule(
    queue_id: uuid.UUID, rule_id: uuid.UUID, request: Request, actor: Actor = Depends(web_actor)
) -> Response:
    rules.delete_rule(get_db(request), actor, queue_id, rule_id)
    return RedirectResponse(f"/queues/{queue_id}/rules?notice=deleted", status_code=303)


@router.post("/queues/{queue_id}/rules/{rule_id}/backfill")
def backfill(
    queue_id: uuid.UUID, rule_id: uuid.UUID, request: Request, actor: Actor = Depends(web_actor)
) -> Response:
    result = pages.backfill(get_db(request), actor, queue_id, rule_id, form_of(request))
    page = pages.build_rules_page(
        get_db(request),
        actor,
        queue_id,
        rule_id,
        notice=f"Backfill: {result['matched']} matched, {result['added']} added, "
        f"{result['already_present']} already in the queue.",
    )
    return render(request, "rules.html", page=page)
