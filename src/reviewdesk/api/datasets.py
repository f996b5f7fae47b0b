"""Datasets, examples, versions, splits, and streamed exports."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Query, Response
from starlette.responses import StreamingResponse

from reviewdesk.api.deps import current_actor, get_db, json_object
from reviewdesk.api.responses import FastJSONResponse, page
from reviewdesk.domain import export_formats
from reviewdesk.domain.permissions import Actor
from reviewdesk.services import dataset_versions, datasets, exports
from reviewdesk.services.paging import by_creation, check_limit, page_of_list
from reviewdesk.store.database import Database

router = APIRouter(tags=["datasets"])


def chat_streamed(export: exports.ChatExport) -> StreamingResponse:
    """OpenAI chat lines; `X-Export-Skipped` (and `-Reasons`) say which examples had none and why."""
    return StreamingResponse(
        export.lines,
        media_type=export_formats.MEDIA_TYPES["openai-chat"],
        headers={"Content-Disposition": f'attachment; filename="{export.name}.jsonl"', **export.headers()},
    )


def streamed(stream: exports.RowStream, fmt: str) -> StreamingResponse:
    return StreamingResponse(
        exports.encode(stream, fmt),
        media_type=export_formats.MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{exports.filename(stream, fmt)}"'},
    )


@router.post("/datasets", status_code=201)
def create_dataset(
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    return FastJSONResponse(datasets.create_dataset(db, actor, body), status_code=201)


@router.get("/datasets")
def list_datasets(
    name: str | None = None,
    limit: int = 100,
    cursor: str | None = None,
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    rows = (
        [datasets.get_dataset_by_name(db, actor, name)]
        if name is not None
        else datasets.list_datasets(db, actor)
    )
    return page(*page_of_list(rows, limit=limit, cursor=cursor, key=by_creation))


@router.get("/datasets/{dataset_id}")
def get_dataset(
    dataset_id: uuid.UUID, actor: Actor = Depends(current_actor), db: Database = Depends(get_db)
) -> FastJSONResponse:
    return FastJSONResponse(datasets.get_dataset(db, actor, dataset_id))


@router.delete("/datasets/{dataset_id}", status_code=204)
def delete_dataset(
    dataset_id: uuid.UUID, actor: Actor = Depends(current_actor), db: Database = Depends(get_db)
) -> Response:
    datasets.delete_dataset(db, actor, dataset_id)
    return Response(status_code=204)


@router.post("/datasets/{dataset_id}/examples", status_code=201)
def add_examples(
    dataset_id: uuid.UUID,
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """`{"run_ids"}` | `{"filter", "project"}` | `{"examples": [...]}`, with `split` or `split_proportions`."""
    return FastJSONResponse(datasets.add_examples(db, actor, dataset_id, body), status_code=201)


@router.get("/datasets/{dataset_id}/examples")
def list_examples(
    dataset_id: uuid.UUID,
    version: int | None = None,
    tag: str | None = None,
    split: str | None = None,
    limit: int = 100,
    cursor: str | None = None,
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    items, next_cursor = dataset_versions.list_examples(
        db, actor, dataset_id, version=version, tag=tag, split=split, limit=check_limit(limit), cursor=cursor
    )
    return page(items, next_cursor)


@router.patch("/datasets/{dataset_id}/examples/{example_id}")
def update_example(
    dataset_id: uuid.UUID,
    example_id: uuid.UUID,
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    return FastJSONResponse(datasets.update_example(db, actor, dataset_id, example_id, body))


@router.delete("/datasets/{dataset_id}/examples/{example_id}")
def delete_example(
    dataset_id: uuid.UUID,
    example_id: uuid.UUID,
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    return FastJSONResponse({"version": datasets.delete_example(db, actor, dataset_id, example_id)})


@router.post("/datasets/{dataset_id}/tags")
def tag_version(
    dataset_id: uuid.UUID,
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """`{"tag": "v1", "version": 3}` (the current version when omitted)."""
    return FastJSONResponse(dataset_versions.tag_version(db, actor, dataset_id, body))


@router.post("/datasets/{dataset_id}/splits")
def assign_splits(
    dataset_id: uuid.UUID,
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """`{"split_proportions": {"train": 0.8, "test": 0.2}}`: deterministic by source run."""
    return FastJSONResponse(datasets.assign_splits(db, actor, dataset_id, body))


@router.get("/datasets/{dataset_id}/export")
def export_dataset(
    dataset_id: uuid.UUID,
    format: str = "jsonl",
    version: int | None = None,
    tag: str | None = None,
    split: str | None = None,
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> StreamingResponse:
    """Streamed in constant memory: `format=jsonl|openai-chat|csv|parquet`."""
    fmt = exports.check_format(format, allow_chat=True)
    params = {"version": version, "tag": tag, "split": split}
    if fmt == "openai-chat":
        return chat_streamed(exports.dataset_chat_export(db, actor, dataset_id, params))
    return streamed(exports.dataset_rows(db, actor, dataset_id, params), fmt)


@router.get("/exports/feedback")
def export_feedback(
    format: str = "jsonl",
    filter: str | None = None,
    project: str | None = None,
    key: list[str] | None = Query(None),
    source: list[str] | None = Query(None),
    queue_id: list[str] | None = Query(None),
    created_by: list[str] | None = Query(None),
    since: str | None = None,
    until: str | None = None,
    pivot: bool = False,
    gold: str | None = None,
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> StreamingResponse:
    """One row per feedback, or `pivot=true` for one column per reviewer per key (with
    `gold=latest|majority|adjudicated`, also a `gold:<key>` column each); filters as in search."""
    fmt = exports.check_format(format, allow_chat=False)
    params = {
        "filter": filter,
        "project": project,
        "key": key,
        "source": source,
        "queue_id": queue_id,
        "created_by": created_by,
        "since": since,
        "until": until,
        "gold": gold,
    }
    if gold is not None:
        pivot = True  # one chosen value per run and key is the pivot's shape
    stream = (exports.feedback_pivot if pivot else exports.feedback_rows)(db, actor, params)
    return streamed(stream, fmt)
