"""Evaluators in the web app: the list (status, volume), the editor with "try on this run", one
evaluator's offline runs with live progress and its job failures, and its alignment with the humans."""

from __future__ import annotations

import uuid

from fastapi import Depends, Request
from starlette.responses import RedirectResponse, Response

from reviewdesk.domain.permissions import Actor
from reviewdesk.errors import Invalid, NotFound
from reviewdesk.services import evaluators as evaluators_service
from reviewdesk.web.pages import evaluator_editor as editor
from reviewdesk.web.pages import evaluators as pages
from reviewdesk.web.render import render
from reviewdesk.web.routing import form_of, web_router
from reviewdesk.web.session import get_db, web_actor

router = web_router()
NOTICES = {"created": "The evaluator was created.", "saved": "Saved as a new version."}


@router.get("/evaluators")
def evaluators_page(
    request: Request, try_run: uuid.UUID | None = None, actor: Actor = Depends(web_actor)
) -> Response:
    """`try_run`: the run a trace page's "try an evaluator" came from; each name opens its editor on it."""
    rows = evaluators_service.list_evaluators(get_db(request), actor)
    return render(request, "evaluators.html", page={"evaluators": rows, "try_run": try_run or ""})


@router.get("/evaluators/new")
def new_evaluator(
    request: Request, run_id: uuid.UUID | None = None, actor: Actor = Depends(web_actor)
) -> Response:
    page = editor.build_editor_page(get_db(request), actor, None, try_run_id=str(run_id or ""))
    return render(request, "evaluator_editor.html", page=page)


@router.post("/evaluators/new")
def create_evaluator(request: Request, actor: Actor = Depends(web_actor)) -> Response:
    return _save(request, actor, None)


@router.post("/evaluators/try")
def try_evaluator(request: Request, actor: Actor = Depends(web_actor)) -> Response:
    guard = request.app.state.destination_guard
    view = editor.try_draft(get_db(request), actor, guard, form_of(request))
    return render(request, "_evaluator_trial.html", page=view)


@router.get("/evaluators/{evaluator_id}/edit")
def edit_evaluator(
    evaluator_id: uuid.UUID,
    request: Request,
    run_id: uuid.UUID | None = None,
    actor: Actor = Depends(web_actor),
) -> Response:
    page = editor.build_editor_page(get_db(request), actor, evaluator_id, try_run_id=str(run_id or ""))
    return render(request, "evaluator_editor.html", page=page)


@router.post("/evaluators/{evaluator_id}/edit")
def update_evaluator(
    evaluator_id: uuid.UUID, request: Request, actor: Actor = Depends(web_actor)
) -> Response:
    return _save(request, actor, evaluator_id)


def _save(request: Request, actor: Actor, evaluator_id: uuid.UUID | None) -> Response:
    db, form = get_db(request), form_of(request)
    draft = editor.typed_draft(form)
    try_run_id = form.get("try_run_id") or ""
    if form.get("action") == "add_check":  # another blank check row; nothing is saved
        page = editor.build_editor_page(
            db, actor, evaluator_id, typed=draft, try_run_id=try_run_id, add_check=True
        )
        return render(request, "evaluator_editor.html", page=page)
    try:
        saved = editor.save(db, actor, request.app.state.destination_guard, evaluator_id, draft)
    except Invalid as exc:
        page = editor.build_editor_page(
            db, actor, evaluator_id, typed=draft, error=exc, try_run_id=try_run_id
        )
        return render(request, "evaluator_editor.html", page=page, status=400)
    notice = "created" if evaluator_id is None else "saved"
    return RedirectResponse(f"/evaluators/{saved['id']}?notice={notice}", status_code=303)


@router.post("/evaluators/{evaluator_id}/delete")
def delete_evaluator(
    evaluator_id: uuid.UUID, request: Request, actor: Actor = Depends(web_actor)
) -> Response:
    evaluators_service.delete_evaluator(get_db(request), actor, evaluator_id)
    return RedirectResponse("/evaluators", status_code=303)


@router.get("/evaluators/{evaluator_id}")
def evaluator_page(
    evaluator_id: uuid.UUID, request: Request, notice: str = "", actor: Actor = Depends(web_actor)
) -> Response:
    page = pages.build_evaluator_page(get_db(request), actor, evaluator_id, notice=NOTICES.get(notice))
    return render(request, "evaluator.html", page=page)


@router.post("/evaluators/{evaluator_id}/runs")
def start_run(evaluator_id: uuid.UUID, request: Request, actor: Actor = Depends(web_actor)) -> Response:
    db = get_db(request)
    draft = pages.run_draft_of(form_of(request))
    try:
        started = pages.start_run(db, actor, evaluator_id, draft)
    except (Invalid, NotFound) as exc:
        message = f"{exc.field}: {exc.message}" if exc.field else exc.message
        page = pages.build_evaluator_page(db, actor, evaluator_id, error=message, run_draft=draft)
        return render(request, "evaluator.html", page=page, status=400)
    if started["total"] == 0:
        page = pages.build_evaluator_page(
            db,
            actor,
            evaluator_id,
            error="No runs to score: the filter or dataset matched none.",
            run_draft=draft,
        )
        return render(request, "evaluator.html", page=page, status=400)
    return RedirectResponse(f"/evaluators/{evaluator_id}/runs/{started['id']}", status_code=303)


@router.get("/evaluators/{evaluator_id}/runs/{batch}")
def run_page(
    evaluator_id: uuid.UUID, batch: str, request: Request, actor: Actor = Depends(web_actor)
) -> Response:
    page = pages.build_run_page(get_db(request), actor, evaluator_id, batch)
    return render(request, "evaluator_run.html", page=page)


@router.get("/evaluators/{evaluator_id}/runs/{batch}/progress")
def run_progress(
    evaluator_id: uuid.UUID, batch: str, request: Request, actor: Actor = Depends(web_actor)
) -> Response:
    """The progress fragment the run page polls; it stops polling once the run is done."""
    page = pages.build_run_page(get_db(request), actor, evaluator_id, batch)
    return render(request, "_evaluator_progress.html", page=page)


@router.get("/evaluators/{evaluator_id}/alignment")
def alignment_page(
    evaluator_id: uuid.UUID,
    request: Request,
    queue_id: str = "",
    dataset_id: str = "",
    actor: Actor = Depends(web_actor),
) -> Response:
    page = pages.build_alignment_page(
        get_db(request), actor, evaluator_id, queue_id=queue_id, dataset_id=dataset_id
    )
    return render(request, "evaluator_alignment.html", page=page)


@router.post("/evaluators/{evaluator_id}/alignment/disagreements")
def send_disagreements(
    evaluator_id: uuid.UUID, request: Request, actor: Actor = Depends(web_actor)
) -> Response:
    db, form = get_db(request), form_of(request)
    source = {"queue_id": form.get("queue_id") or "", "dataset_id": form.get("dataset_id") or ""}
    try:
        sent = pages.send_disagreements(db, actor, evaluator_id, form)
    except (Invalid, NotFound) as exc:
        message = f"{exc.field}: {exc.message}" if exc.field else exc.message
        page = pages.build_alignment_page(db, actor, evaluator_id, **source, error=message)
        return render(request, "evaluator_alignment.html", page=page, status=400)
    notice = (
        f"Sent {sent['added']} runs where v{sent['version']} disagrees with the humans to the queue"
        f" ({sent['already_present']} were already there)."
    )
    page = pages.build_alignment_page(db, actor, evaluator_id, **source, notice=notice)
    return render(request, "evaluator_alignment.html", page=page)
