"""Datasets: the list and create, one dataset's examples, tags, splits, downloads; adding a run."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from fastapi import Depends, Request
from starlette.responses import RedirectResponse, Response

from reviewdesk.domain.permissions import Actor
from reviewdesk.errors import Conflict, Invalid
from reviewdesk.services import datasets, exports
from reviewdesk.web.downloads import chat_streamed, streamed
from reviewdesk.web.pages import datasets as pages
from reviewdesk.web.pages.auth import safe_next
from reviewdesk.web.render import render
from reviewdesk.web.routing import form_of, is_htmx, web_router
from reviewdesk.web.session import get_db, web_actor

router = web_router()
NOTICES = {
    "created": "The dataset was created.",
    "tagged": "The current version was tagged.",
    "deleted": "The dataset was deleted.",
    "example-deleted": "The example was removed (a new version; older versions keep it).",
}


@router.get("/datasets")
def datasets_page(request: Request, notice: str | None = None, actor: Actor = Depends(web_actor)) -> Response:
    page = pages.build_datasets_page(get_db(request), actor, notice=NOTICES.get(notice or ""))
    return render(request, "datasets.html", page=page)


@router.post("/datasets")
def create_dataset(request: Request, actor: Actor = Depends(web_actor)) -> Response:
    db, form = get_db(request), form_of(request)
    try:
        dataset = pages.create_dataset(db, actor, form)
    except (Invalid, Conflict) as exc:
        page = pages.build_datasets_page(db, actor, draft=form, error=pages.message_of(exc))
        return render(request, "datasets.html", page=page, status=400)
    return RedirectResponse(f"/datasets/{dataset['id']}?notice=created", status_code=303)


@router.get("/datasets/{dataset_id}")
def dataset_page(
    dataset_id: uuid.UUID,
    request: Request,
    at: str = "",
    split: str = "",
    cursor: str | None = None,
    notice: str | None = None,
    changed: int | None = None,
    actor: Actor = Depends(web_actor),
) -> Response:
    message = NOTICES.get(notice or "")
    if notice == "split" and changed is not None:
        message = f"Splits assigned: {changed} example(s) moved."
    page = pages.build_dataset_page(
        get_db(request), actor, dataset_id, at=at, split=split, cursor=cursor, notice=message
    )
    return render(request, "dataset.html", page=page)


def _form_failed(request: Request, actor: Actor, dataset_id: uuid.UUID, exc: Invalid) -> Response:
    page = pages.build_dataset_page(
        get_db(request), actor, dataset_id, draft=form_of(request), error=pages.message_of(exc)
    )
    return render(request, "dataset.html", page=page, status=400)


@router.post("/datasets/{dataset_id}/tags")
def tag_version(dataset_id: uuid.UUID, request: Request, actor: Actor = Depends(web_actor)) -> Response:
    try:
        pages.tag_version(get_db(request), actor, dataset_id, form_of(request))
    except Invalid as exc:
        return _form_failed(request, actor, dataset_id, exc)
    return RedirectResponse(f"/datasets/{dataset_id}?notice=tagged", status_code=303)


@router.post("/datasets/{dataset_id}/splits")
def assign_splits(dataset_id: uuid.UUID, request: Request, actor: Actor = Depends(web_actor)) -> Response:
    try:
        result = pages.assign_splits(get_db(request), actor, dataset_id, form_of(request))
    except Invalid as exc:
        return _form_failed(request, actor, dataset_id, exc)
    query = urlencode({"notice": "split", "changed": result["changed"]})
    return RedirectResponse(f"/datasets/{dataset_id}?{query}", status_code=303)


@router.get("/datasets/{dataset_id}/export")
def export_dataset(
    dataset_id: uuid.UUID,
    request: Request,
    format: str = "jsonl",
    version: int | None = None,
    tag: str | None = None,
    split: str | None = None,
    actor: Actor = Depends(web_actor),
) -> Response:
    """The API's export, for the browser's session: streamed as it is read, in constant memory."""
    fmt = exports.check_format(format, allow_chat=True)
    params = {"version": version, "tag": tag, "split": split or None}
    if fmt == "openai-chat":
        return chat_streamed(exports.dataset_chat_export(get_db(request), actor, dataset_id, params))
    return streamed(exports.dataset_rows(get_db(request), actor, dataset_id, params), fmt)


@router.post("/runs/{run_id}/add-to-dataset")
def add_run(run_id: uuid.UUID, request: Request, actor: Actor = Depends(web_actor)) -> Response:
    """One run (the one under review) into a dataset: a line of text for htmx, else back to the page."""
    form = form_of(request)
    dataset_id = pages.dataset_id_from(form)
    result = pages.add_runs(get_db(request), actor, dataset_id, {"run_ids": [str(run_id)]})
    if is_htmx(request):
        return render(request, "_dataset_added.html", page=result)
    return RedirectResponse(safe_next(form.get("next")), status_code=303)


@router.post("/datasets/{dataset_id}/delete")
def delete_dataset(dataset_id: uuid.UUID, request: Request, actor: Actor = Depends(web_actor)) -> Response:
    datasets.delete_dataset(get_db(request), actor, dataset_id)
    return RedirectResponse("/datasets?notice=deleted", status_code=303)


@router.post("/datasets/{dataset_id}/examples/{example_id}/delete")
def delete_example(
    dataset_id: uuid.UUID, example_id: uuid.UUID, request: Request, actor: Actor = Depends(web_actor)
) -> Response:
    datasets.delete_example(get_db(request), actor, dataset_id, example_id)
    return RedirectResponse(f"/datasets/{dataset_id}?notice=example-deleted", status_code=303)
