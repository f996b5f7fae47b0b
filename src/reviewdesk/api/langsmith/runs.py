"""LangSmith runs: multipart, batch and single ingest, /runs/query and reads, over our services."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from reviewdesk.api.deps import current_actor, get_db, json_body, json_object
from reviewdesk.api.langsmith import shapes
from reviewdesk.api.langsmith.deps import refuse_unknown
from reviewdesk.api.langsmith.multipart import ops_from_parts, read_parts
from reviewdesk.api.responses import FastJSONResponse
from reviewdesk.domain.permissions import Actor
from reviewdesk.domain.run_payload import parse_time, parse_uuid
from reviewdesk.errors import Invalid
from reviewdesk.services import langsmith_ingest, langsmith_runs
from reviewdesk.store.database import Database

router = APIRouter(tags=["langsmith"])


def _accepted(result: dict[str, int]) -> FastJSONResponse:
    return FastJSONResponse({"accepted": result}, status_code=202)


@router.post("/runs/multipart", status_code=202)
async def ingest_multipart(
    request: Request, actor: Actor = Depends(current_actor), db: Database = Depends(get_db)
) -> FastJSONResponse:
    """`post.<id>[.field]`, `patch.<id>[.field]` and `feedback.<id>` parts; attachments are refused."""
    parts = await read_parts(
        request.headers.get("content-type"), request.headers.get("content-encoding"), request.stream()
    )
    ops = ops_from_parts(parts)
    # The write is synchronous database work: off the event loop, as FastAPI does for plain routes.
    result = await run_in_threadpool(
        langsmith_ingest.ingest_runs, db, actor, post=ops.post, patch=ops.patch, feedback=ops.feedback
    )
    return _accepted(result)


@router.post("/runs/batch", status_code=202)
def ingest_batch(
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """`{"post": [run…], "patch": [run…]}` with inputs, outputs, extra… inline."""
    refuse_unknown(body, {"post", "patch"}, "/runs/batch")
    post, patch = body.get("post") or [], body.get("patch") or []
    if not isinstance(post, list) or not isinstance(patch, list):
        raise Invalid("post and patch are lists of runs", field="post")
    return _accepted(langsmith_ingest.ingest_runs(db, actor, post=post, patch=patch))


@router.post("/runs", status_code=202)
def create_run(
    body: Any = Depends(json_body), actor: Actor = Depends(current_actor), db: Database = Depends(get_db)
) -> FastJSONResponse:
    """A run at its start (`auto_batch_tracing=False`); without trace_id it starts its own trace."""
    return _accepted(langsmith_ingest.ingest_runs(db, actor, post=[body]))


@router.patch("/runs/{run_id}", status_code=202)
def update_run(
    run_id: uuid.UUID,
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """A run at its end; its nulls never erase what is stored."""
    if body.get("id") not in (None, str(run_id)):
        raise Invalid("does not match the run id in the path", field="id")
    return _accepted(langsmith_ingest.ingest_runs(db, actor, patch=[{**body, "id": str(run_id)}]))


_QUERY_KEYS = {
    "session",
    "session_id",
    "filter",
    "trace_filter",
    "tree_filter",
    "is_root",
    "run_type",
    "trace",
    "parent_run",
    "reference_example",
    "id",
    "start_time",
    "error",
    "select",
    "limit",
    "cursor",
    "order",
    "query",
}


def _ids(value: Any, field: str) -> list[uuid.UUID] | None:
    if value is None:
        return None
    values = value if isinstance(value, list) else [value]
    return [parse_uuid(v, f"{field}[{i}]", required=True) for i, v in enumerate(values)]  # type: ignore[misc]


def _optional(body: dict[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    value = body.get(name)
    if value is not None and (not isinstance(value, kind) or isinstance(value, bool) and kind is int):
        raise Invalid(f"must be a {getattr(kind, '__name__', 'value')}", field=name)
    return value


def run_query(body: dict[str, Any]) -> tuple[langsmith_runs.RunQuery, list[str] | None]:
    refuse_unknown(body, _QUERY_KEYS, "/runs/query")
    if body.get("query"):
        raise Invalid(
            'natural-language query is not supported; use filter, e.g. search("refund")', field="query"
        )
    if body.get("order") not in (None, "desc"):
        raise Invalid("runs come newest first; order must be desc", field="order")
    select = body.get("select")
    if select is not None and (not isinstance(select, list) or not all(isinstance(s, str) for s in select)):
        raise Invalid("must be a list of field names", field="select")
    sessions = _ids(body.get("session"), "session") or []
    sessions += _ids(body.get("session_id"), "session_id") or []
    query = langsmith_runs.RunQuery(
        project_ids=sessions or None,
        filter=_optional(body, "filter", str),
        trace_filter=_optional(body, "trace_filter", str),
        tree_filter=_optional(body, "tree_filter", str),
        is_root=_optional(body, "is_root", bool),
        run_type=_optional(body, "run_type", str),
        trace_id=parse_uuid(body.get("trace"), "trace"),
        parent_run_id=parse_uuid(body.get("parent_run"), "parent_run"),
        reference_example_ids=_ids(body.get("reference_example"), "reference_example"),
        ids=_ids(body.get("id"), "id"),
        start_time=parse_time(body.get("start_time"), "start_time"),
        error=_optional(body, "error", bool),
        limit=body.get("limit") or 100,
        cursor=_optional(body, "cursor", str),
        with_feedback_stats=select is None or "feedback_stats" in select,
    )
    return query, select


@router.post("/runs/query")
def query_runs(
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """`list_runs`: every condition AND-ed, newest first; the next page echoes `cursors.next`."""
    query, select = run_query(body)
    rows, next_cursor = langsmith_runs.query_runs(db, actor, query)
    return FastJSONResponse({"runs": [shapes.run(r, select) for r in rows], "cursors": {"next": next_cursor}})


@router.get("/runs/{run_id}")
def read_run(
    run_id: uuid.UUID, actor: Actor = Depends(current_actor), db: Database = Depends(get_db)
) -> FastJSONResponse:
    return FastJSONResponse(shapes.run(langsmith_runs.get_run(db, actor, run_id)))
