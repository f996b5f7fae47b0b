"""Admin: score configs, users and API keys, the audit log."""

from __future__ import annotations

import uuid

from fastapi import Depends, Request
from starlette.responses import RedirectResponse, Response

from reviewdesk.domain.permissions import Actor
from reviewdesk.errors import Conflict, Invalid
from reviewdesk.services import accounts, feedback_configs, web_sessions
from reviewdesk.web.pages import admin as pages
from reviewdesk.web.render import render
from reviewdesk.web.routing import form_of, web_router
from reviewdesk.web.session import clear_flash, get_db, read_flash, set_flash, web_actor

router = web_router()
NOTICES = {
    "created": "Created.",
    "deleted": "Deleted.",
    "updated": "Saved.",
    "revoked": "The key was revoked.",
    "signed-out": "The user was signed out everywhere.",
}
USERS_PAGE = "/admin/users"


def _message(exc: Invalid | Conflict) -> str:
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
    except (Invalid, Conflict) as exc:
        page = pages.build_configs_page(db, actor, error=_message(exc), draft=form_of(request))
        return render(request, "admin_configs.html", page=page, status=400)
    return RedirectResponse("/admin/score-configs?notice=created", status_code=303)


@router.post("/admin/score-configs/{key}/edit")
def edit_config(key: str, request: Request, actor: Actor = Depends(web_actor)) -> Response:
    db, form = get_db(request), form_of(request)
    try:
        pages.update_config(db, actor, key, form)
    except (Invalid, Conflict) as exc:
        # Refused (a 409 when scores already given would change meaning): shown in that config's form.
        page = pages.build_configs_page(db, actor, editing=key, edit_error=_message(exc), edit_draft=form)
        return render(request, "admin_configs.html", page=page, status=exc.status)
    return RedirectResponse("/admin/score-configs?notice=updated", status_code=303)


@router.post("/admin/score-configs/{key}/delete")
def delete_config(key: str, request: Request, actor: Actor = Depends(web_actor)) -> Response:
    feedback_configs.delete_config(get_db(request), actor, key)
    return RedirectResponse("/admin/score-configs?notice=deleted", status_code=303)


@router.get(USERS_PAGE)
def users_page(request: Request, notice: str | None = None, actor: Actor = Depends(web_actor)) -> Response:
    flash = read_flash(request) or {}
    page = pages.build_users_page(
        get_db(request), actor, notice=NOTICES.get(notice or ""), new_key=flash.get("new_key")
    )
    response = render(request, "admin_users.html", page=page)
    clear_flash(request, response)
    return response


@router.post("/admin/users")
def create_user(request: Request, actor: Actor = Depends(web_actor)) -> Response:
    db = get_db(request)
    try:
        pages.create_user(db, actor, form_of(request))
    except (Invalid, Conflict) as exc:
        page = pages.build_users_page(db, actor, error=_message(exc), draft=form_of(request))
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
    # POST-redirect-GET, so a reload never mints another key; the key rides to the next page view
    # in a one-time flash and is gone after it is shown.
    response = RedirectResponse(USERS_PAGE, status_code=303)
    new_key = {"key": key["key"], "prefix": key["prefix"], "user_id": str(user_id)}
    set_flash(request, response, USERS_PAGE, {"new_key": new_key})
    return response


@router.post("/admin/api-keys/{key_id}/revoke")
def revoke_key(key_id: uuid.UUID, request: Request, actor: Actor = Depends(web_actor)) -> Response:
    accounts.revoke_api_key(get_db(request), actor, key_id)
    return RedirectResponse("/admin/users?notice=revoked", status_code=303)


@router.post("/admin/users/{user_id}/sessions/end")
def sign_out_everywhere(user_id: uuid.UUID, request: Request, actor: Actor = Depends(web_actor)) -> Response:
    web_sessions.end_all(get_db(request), actor, user_id)
    return RedirectResponse("/admin/users?notice=signed-out", status_code=303)


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
