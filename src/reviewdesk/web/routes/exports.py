"""Feedback exports: the form, and the streamed download it asks for."""

from __future__ import annotations

from fastapi import Depends, Request
from starlette.datastructures import ImmutableMultiDict
from starlette.responses import Response

from reviewdesk.domain.permissions import Actor
from reviewdesk.errors import Invalid
from reviewdesk.web.downloads import streamed
from reviewdesk.web.pages import exports as pages
from reviewdesk.web.pages.datasets import message_of
from reviewdesk.web.render import render
from reviewdesk.web.routing import web_router
from reviewdesk.web.session import get_db, web_actor

router = web_router()


@router.get("/exports")
def exports_page(request: Request, actor: Actor = Depends(web_actor)) -> Response:
    return render(request, "exports.html", page=pages.build_exports_page(get_db(request), actor))


@router.get("/exports/feedback")
def export_feedback(request: Request, actor: Actor = Depends(web_actor)) -> Response:
    """A bad filter or date shows the form again, as typed, with the reason."""
    db = get_db(request)
    params = ImmutableMultiDict(request.query_params.multi_items())
    try:
        stream, fmt = pages.feedback_stream(db, actor, params)
    except Invalid as exc:
        page = pages.build_exports_page(db, actor, draft=params, error=message_of(exc))
        return render(request, "exports.html", page=page, status=400)
    return streamed(stream, fmt)
