"""Admin: score configs, users and API keys, the audit log."""

from __future__ import annotations

import uuid

from fastapi import Depends, Request
from starlette.responses import RedirectResponse, Response

from reviewdesk.domain.permissions import Actor
from reviewdesk.errors import Invalid
from reviewdesk.services import accounts, feedback_configs
from reviewdesk.web.pages import admin as pages
from reviewdesk.web.render import render
from reviewdesk.web.routing import form_of, web_router
from reviewdesk.web.session import get_db, web_actor

router = web_router()
NOTICES = {
    "created": "Created.",
    "deleted": "Deleted.",
    "updated": "Saved.",
    "revoked": "The key was revoked.",
}


def _message(exc: Invalid) -> str:
    return f"{exc.field}: {exc.message}" if exc.field else exc.message


@router.get("/admin/score-configs")
def configs_page(request: Request, notice: str | None = None, actor: Actor = Depends(web_actor)) -> Response:
    page = pages.build_configs_page(get_db(request), actor, notice=NOTICES.get(notice or ""))
    return render(request, "admin_configs.html", page=page)


@router.post("/admin/score-configs")
def create_config(request: Request, actor: Actor = Depends(web_actor)) -> Response:
    db = get_db(request)
    try:
        pages.create_config(db, actor, form_of(request))
    except Invalid as exc:
        page = pages.build_configs_page(db, actor, error=_message(exc))
        return render(request, "admin_configs.html", page=page, status=400)
    return RedirectResponse("/admin/score-configs?notice=created", status_code=303)


@router.post("/admin/score-configs/{key}/delete")
def delete_config(key: str, request: Request, actor: Actor = Depends(web_actor)) -> Response:
    feedback_configs.delete_config(get_db(request), actor, key)
    return RedirectResponse("/admin/score-configs?notice=deleted", status_code=303)


@router.get("/admin/users")
def users_page(request: Request, notice: str | None = None, actor: Actor = Depends(web_actor)) -> Response:
    page = pages.build_users_page(get_db(request), actor, notice=NOTICES.get(notice or ""))
    return render(request, "admin_users.html", page=page)


@router.post("/admin/users")
def create_user(request: Request, actor: Actor = Depends(web_actor)) -> Response:
    db = get_db(request)
    try:
        pages.create_user(db, actor, form_of(request))
    except Invalid as exc:
        page = pages.build_users_page(db, actor, error=_message(exc))
        return render(request, "admin_users.html", page=page, status=400)
    return RedirectResponse("/admin/users?notice=created", status_code=303)


@router.post("/admin/users/{user_id}")
def update_user(user_id: uuid.UUID, request: Request, actor: Actor = Depends(web_actor)) -> Response:
    db = get_db(request)
    try:
        pages.update_user(db, actor, user_id, form_of(request))
    except Invalid as exc:
        page = pages.build_users_page(db, actor, error=_message(exc))
        return render(request, "admin_users.html", page=page, status=400)
    return RedirectResponse("/admin/users?notice=updated", status_code=303)


@router.post("/admin/users/{user_id}/api-keys")
def create_key(user_id: uuid.UUID, request: Request, actor: Actor = Depends(web_actor)) -> Response:
    db = get_db(request)
    key = accounts.create_api_key(db, actor, user_id, name=(form_of(request).get("name") or "").strip())
    # Rendered, not redirected: the plaintext key exists only in this one response.
    return render(request, "admin_users.html", page=pages.build_users_page(db, actor, new_key=key))


@router.post("/admin/api-keys/{key_id}/revoke")
def revoke_key(key_id: uuid.UUID, request: Request, actor: Actor = Depends(web_actor)) -> Response:
    accounts.revoke_api_key(get_db(request), actor, key_id)
    return RedirectResponse("/admin/users?notice=revoked", status_code=303)


@router.get("/admin/audit")
def audit_page(
    request: Request,
    before: int | None = None,
    action: str = "",
    actor_email: str = "",
    actor: Actor = Depends(web_actor),
) -> Response:
    page = pages.build_audit_page(
        get_db(request), actor, before=before, action=action, actor_email=actor_email
    )
    return render(request, "admin_audit.html", page=page)
