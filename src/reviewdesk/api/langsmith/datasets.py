"""LangSmith datasets and examples over ours: every change is a new numbered version (readable by
`as_of=<number or tag>`), one split per example, and runs copied into examples with corrections winning."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response
from starlette.responses import StreamingResponse

from reviewdesk.api.deps import current_actor, get_db, json_body, json_object
from reviewdesk.api.langsmith import shapes
from reviewdesk.api.langsmith.deps import refuse_unknown
from reviewdesk.api.langsmith.paging import check_window, walk, window
from reviewdesk.api.responses import FastJSONResponse
from reviewdesk.domain.permissions import Actor
from reviewdesk.domain.run_payload import parse_uuid
from reviewdesk.errors import Invalid, NotFound
from reviewdesk.services import dataset_versions, datasets, exports, langsmith_datasets
from reviewdesk.store.database import Database

router = APIRouter(tags=["langsmith"])


@router.post("/datasets")
def create_dataset(
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """Key-value datasets; the SDK's runtime `extra` is not kept, schemas and transformations are refused."""
    if body.get("data_type") not in (None, "kv"):
        raise Invalid(
            "datasets here are key-value; keep chat messages in inputs/outputs (openai_ft exports them)",
            field="data_type",
        )
    for name in ("inputs_schema_definition", "outputs_schema_definition", "transformations"):
        if body.get(name):
            raise Invalid("example schemas and transformations are not supported", field=name)
    row = datasets.create_dataset(
        db, actor, {"name": body.get("name"), "description": body.get("description")}
    )
    return FastJSONResponse(shapes.dataset(row))


@router.get("/datasets")
def list_datasets(
    request: Request,
    id: list[uuid.UUID] | None = Query(None),
    name: str | None = None,
    name_contains: str | None = None,
    data_type: str | None = None,
    limit: int = 100,
    offset: int = 0,
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    refuse_unknown(
        request.query_params.keys(),
        {"id", "name", "name_contains", "data_type", "limit", "offset"},
        "/datasets",
    )
    limit, offset = check_window(limit, offset)
    rows = datasets.list_datasets(db, actor)
    if id:
        rows = [d for d in rows if d["id"] in id]
    if name is not None:
        rows = [d for d in rows if d["name"] == name]
    if name_contains:
        rows = [d for d in rows if name_contains.lower() in d["name"].lower()]
    if data_type not in (None, "kv"):
        rows = []
    return FastJSONResponse([shapes.dataset(d) for d in window(rows, limit, offset)])


@router.get("/datasets/{dataset_id}")
def read_dataset(
    dataset_id: uuid.UUID,
    limit: int | None = Query(None, description="sent by the SDK's read_dataset; one dataset is answered"),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    return FastJSONResponse(shapes.dataset(datasets.get_dataset(db, actor, dataset_id)))


@router.delete("/datasets/{dataset_id}", status_code=204)
def delete_dataset(
    dataset_id: uuid.UUID, actor: Actor = Depends(current_actor), db: Database = Depends(get_db)
) -> Response:
    datasets.delete_dataset(db, actor, dataset_id)
    return Response(status_code=204)


@router.get("/datasets/{dataset_id}/openai_ft")
def openai_finetuning(
    dataset_id: uuid.UUID, actor: Actor = Depends(current_actor), db: Database = Depends(get_db)
) -> StreamingResponse:
    """One `{"messages": [...]}` line per example that holds a conversation and a final answer."""
    export = exports.dataset_chat_export(db, actor, dataset_id, {})
    return StreamingResponse(export.lines, media_type="application/jsonl", headers=export.headers())


def _version(as_of: str | None) -> dict[str, Any]:
    """`as_of` names a version here: a number, or a tag such as `latest` or `prod`."""
    if as_of is None or as_of == datasets.TAG_LATEST:
        return {}
    if as_of.isdigit():
        return {"version": int(as_of)}
    if as_of[:4].isdigit() and "-" in as_of:
        raise Invalid("versions are numbered here; give as_of a version number or a tag", field="as_of")
    return {"tag": as_of}


@router.get("/datasets/{dataset_id}/splits")
def list_splits(
    dataset_id: uuid.UUID,
    as_of: str | None = None,
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    dataset = datasets.get_dataset(db, actor, dataset_id)
    at = _version(as_of)
    if not at:
        return FastJSONResponse(sorted(s for s in dataset["splits"] if s))
    names: set[str] = set()
    _, examples = dataset_versions.iter_examples(db, actor, dataset_id, **at)
    for example in examples:
        if example["split"]:
            names.add(example["split"])
    return FastJSONResponse(sorted(names))


def _split(value: Any, field: str) -> str | None:
    if isinstance(value, list):
        if len(value) > 1:
            raise Invalid("an example belongs to one split here", field=field)
        value = value[0] if value else None
    if value is not None and not isinstance(value, str):
        raise Invalid("must be a split name", field=field)
    return value or None  # "" names no split


def _object(value: Any, field: str) -> dict[str, Any]:
    if value is not None and not isinstance(value, dict):
        raise Invalid("must be a JSON object", field=field)
    return value or {}


def _example_fields(raw: dict[str, Any], field: str) -> dict[str, Any]:
    """Our example fields from a LangSmith example (its `dataset_split` metadata is our split)."""
    metadata = dict(_object(raw.get("metadata"), f"{field}.metadata"))
    split = _split(raw.get("split", metadata.pop("dataset_split", None)), f"{field}.split")
    metadata.pop("dataset_split", None)
    return {
        "inputs": raw.get("inputs") or {},
        "outputs": raw.get("outputs"),
        "metadata": metadata,
        "split": split,
        "source_run_id": parse_uuid(raw.get("source_run_id"), f"{field}.source_run_id"),
    }


def _create(db: Database, actor: Actor, raws: list[Any]) -> list[dict[str, Any]]:
    """Given examples in one version, then examples copied from runs (one version per split)."""
    if not all(isinstance(r, dict) for r in raws):
        raise Invalid("each example is a JSON object", field="body")
    dataset_ids = {str(r.get("dataset_id")) for r in raws}
    if len(dataset_ids) != 1:
        raise Invalid("one dataset_id per request", field="dataset_id")
    dataset_id = parse_uuid(raws[0].get("dataset_id"), "dataset_id", required=True)
    assert dataset_id is not None
    given = [_example_fields(r, f"[{i}]") for i, r in enumerate(raws) if not r.get("use_source_run_io")]
    from_runs = [(i, r) for i, r in enumerate(raws) if r.get("use_source_run_io")]
    made: list[dict[str, Any]] = []
    if given:
        added = datasets.add_examples(db, actor, dataset_id, {"examples": given})
        made += langsmith_datasets.examples_added_at(db, actor, dataset_id, added["version"], given)
    by_split: dict[str | None, list[uuid.UUID]] = {}
    for i, raw in from_runs:
        run_id = parse_uuid(raw.get("source_run_id"), f"[{i}].source_run_id", required=True)
        assert run_id is not None
        by_split.setdefault(_example_fields(raw, f"[{i}]")["split"], []).append(run_id)
    for split, run_ids in by_split.items():
        datasets.add_examples(db, actor, dataset_id, {"run_ids": run_ids, "split": split})
        made += [langsmith_datasets.example_of_run(db, actor, dataset_id, r) for r in run_ids]
    return made


@router.post("/examples/bulk")
def create_examples(
    body: Any = Depends(json_body), actor: Actor = Depends(current_actor), db: Database = Depends(get_db)
) -> FastJSONResponse:
    """A JSON list of examples in one dataset → the created examples (the SDK reads their ids)."""
    if not isinstance(body, list):
        raise Invalid("must be a JSON list of examples", field="body")
    return FastJSONResponse([shapes.example(e) for e in _create(db, actor, body)] if body else [])


@router.post("/examples")
def create_example(
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """With `use_source_run_io` the run's inputs and outputs are copied (a reviewer's correction wins)."""
    return FastJSONResponse(shapes.example(_create(db, actor, [body])[0]))


@router.get("/examples")
def list_examples(
    request: Request,
    dataset: uuid.UUID | None = None,
    id: list[uuid.UUID] | None = Query(None),
    splits: list[str] | None = Query(None),
    as_of: str | None = None,
    limit: int = 100,
    offset: int = 0,
    inline_s3_urls: str | None = None,
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    refuse_unknown(
        request.query_params.keys(),
        {"dataset", "id", "splits", "as_of", "limit", "offset", "inline_s3_urls"},
        "/examples",
    )
    limit, offset = check_window(limit, offset)
    if id:
        found = [langsmith_datasets.get_example(db, actor, i) for i in id]
        rows = window([e for e in found if dataset is None or e["dataset_id"] == dataset], limit, offset)
    elif dataset is None:
        raise Invalid("give dataset (or example ids)", field="dataset")
    else:
        at = _version(as_of)
        one_split = splits[0] if splits and len(splits) == 1 else None

        def fetch(size: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
            items, next_cursor = dataset_versions.list_examples(
                db, actor, dataset, split=one_split, limit=size, cursor=cursor, **at
            )
            if splits and one_split is None:
                items = [e for e in items if e["split"] in splits]
            return items, next_cursor

        rows = walk(fetch, limit, offset)
    return FastJSONResponse([shapes.example(e) for e in rows])


@router.get("/examples/{example_id}")
def read_example(
    example_id: uuid.UUID,
    as_of: str | None = None,
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    if _version(as_of):
        raise Invalid("read one example at a version through /examples?dataset=…&as_of=…", field="as_of")
    return FastJSONResponse(shapes.example(langsmith_datasets.get_example(db, actor, example_id)))


def _update(db: Database, actor: Actor, example_id: uuid.UUID, body: dict[str, Any]) -> dict[str, Any]:
    current = langsmith_datasets.get_example(db, actor, example_id)
    if body.get("attachments_operations") or body.get("attachments"):
        raise Invalid("examples have no attachments here", field="attachments")
    changes: dict[str, Any] = {}
    for name in ("inputs", "outputs"):
        if body.get(name) is not None:
            changes[name] = body[name]
    if body.get("metadata") is not None:
        metadata = dict(_object(body["metadata"], "metadata"))
        if "dataset_split" in metadata:
            changes["split"] = _split(metadata.pop("dataset_split"), "metadata.dataset_split")
        changes["metadata"] = metadata
    if body.get("split") is not None:
        changes["split"] = _split(body["split"], "split")
    return datasets.update_example(db, actor, current["dataset_id"], example_id, changes)


@router.patch("/examples/bulk")
def update_examples(
    body: Any = Depends(json_body), actor: Actor = Depends(current_actor), db: Database = Depends(get_db)
) -> FastJSONResponse:
    if not isinstance(body, list) or not all(isinstance(u, dict) for u in body):
        raise Invalid("must be a JSON list of example updates", field="body")
    updated = [_update(db, actor, parse_uuid(u.get("id"), "id", required=True), u) for u in body]  # type: ignore[arg-type]
    return FastJSONResponse({"count": len(updated), "example_ids": [e["id"] for e in updated]})


@router.patch("/examples/{example_id}")
def update_example(
    example_id: uuid.UUID,
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """Each update makes a new dataset version; the previous one stays readable by number."""
    return FastJSONResponse(shapes.example(_update(db, actor, example_id, body)))


def _delete(db: Database, actor: Actor, example_id: uuid.UUID) -> None:
    current = langsmith_datasets.get_example(db, actor, example_id)
    datasets.delete_example(db, actor, current["dataset_id"], example_id)


@router.delete("/examples/{example_id}", status_code=204)
def delete_example(
    example_id: uuid.UUID, actor: Actor = Depends(current_actor), db: Database = Depends(get_db)
) -> Response:
    _delete(db, actor, example_id)
    return Response(status_code=204)


@router.delete("/examples", status_code=204)
def delete_examples(
    example_ids: list[uuid.UUID] = Query(...),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> Response:
    for example_id in example_ids:
        try:
            _delete(db, actor, example_id)
        except NotFound:
            continue  # already gone: deleting is idempotent
    return Response(status_code=204)
