"""LangSmith annotation queues: our queues, rubric and items (worked through /api/v1 and the web UI).

LangSmith keeps a short `description` and the reviewer guide `rubric_instructions` apart; our queue
has one description shown to reviewers, so both live there, the guide under a fixed heading.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response

from reviewdesk.api.deps import current_actor, get_db, json_body, json_object
from reviewdesk.api.langsmith import shapes
from reviewdesk.api.langsmith.deps import refuse_unknown, tenant
from reviewdesk.api.langsmith.paging import MAX_OFFSET, check_window, window
from reviewdesk.api.responses import FastJSONResponse
from reviewdesk.domain.permissions import Actor
from reviewdesk.domain.run_payload import parse_uuid
from reviewdesk.errors import Invalid, NotFound
from reviewdesk.services import feedback_configs, langsmith_queues, queue_items, queues
from reviewdesk.store.database import Database

router = APIRouter(tags=["langsmith"])
platform_router = APIRouter(tags=["langsmith"])

INSTRUCTIONS_HEADING = "\n\n### Rubric instructions\n\n"
_SETTINGS = {
    "name",
    "description",
    "rubric_instructions",
    "rubric_items",
    "num_reviewers_per_item",
    "enable_reservations",
    "reservation_minutes",
    "reviewer_access_mode",
    "default_dataset",
}
# Sent by the SDK or the v2 client and answered by what we store (ids and times are ours).
_IGNORED = {"id", "created_at", "updated_at"}


def _split(description: str | None) -> tuple[str | None, str | None]:
    if not description:
        return description, None
    if description.startswith(INSTRUCTIONS_HEADING.lstrip()):
        return None, description[len(INSTRUCTIONS_HEADING.lstrip()) :]
    head, found, guide = description.partition(INSTRUCTIONS_HEADING)
    return head, (guide if found else None)


def _compose(description: str | None, instructions: str | None) -> str | None:
    if instructions is None:
        return description
    return f"{description or ''}{INSTRUCTIONS_HEADING}{instructions}".lstrip()


def _settings(db: Database, actor: Actor, body: dict[str, Any], current: dict[str, Any] | None) -> dict:
    refuse_unknown(body, _SETTINGS | _IGNORED | {"metadata"}, "annotation queues")
    if body.get("metadata"):
        raise Invalid("queue metadata is not stored", field="metadata")
    if body.get("enable_reservations") is False:
        raise Invalid(
            "reservations are always on: a reviewer holds the item it works on; set reservation_minutes",
            field="enable_reservations",
        )
    out: dict[str, Any] = {}
    if "name" in body:
        out["name"] = body["name"]
    if "description" in body or "rubric_instructions" in body:
        old_description, old_instructions = _split(current["description"] if current else None)
        out["description"] = _compose(
            body.get("description", old_description), body.get("rubric_instructions", old_instructions)
        )
    if body.get("rubric_items") is not None:
        out["rubric"] = langsmith_queues.rubric_from_items(db, actor, body["rubric_items"])
    if body.get("num_reviewers_per_item") is not None:
        out["reviewers_per_item"] = body["num_reviewers_per_item"]
    if body.get("reservation_minutes") is not None:
        minutes = body["reservation_minutes"]
        if isinstance(minutes, bool) or not isinstance(minutes, int):
            raise Invalid("must be a whole number of minutes", field="reservation_minutes")
        out["reservation_seconds"] = minutes * 60
    if body.get("reviewer_access_mode") is not None:
        out["reviewer_access"] = body["reviewer_access_mode"]
    if "default_dataset" in body:
        out["default_dataset_id"] = body["default_dataset"]
    return out


def _shape(db: Database, actor: Actor, row: dict[str, Any], owner: uuid.UUID) -> dict[str, Any]:
    configs = {c["key"]: c for c in feedback_configs.list_configs(db, actor)}
    description, instructions = _split(row["description"])
    items = [shapes.rubric_item(f, configs.get(f["key"]), owner) for f in row["rubric"]]
    return shapes.queue(row, owner, description=description, instructions=instructions, rubric_items=items)


@router.post("/annotation-queues")
def create_queue(
    request: Request,
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """`create_annotation_queue(name, description, rubric_instructions, rubric_items)` and the v2 fields."""
    if "name" not in body:
        raise Invalid("is required", field="name")
    # The SDK creates queues without rubric items and adds them later: the rubric rule is ours only.
    row = queues.create_queue(db, actor, _settings(db, actor, body, None), rubric_optional=True)
    return FastJSONResponse(_shape(db, actor, row, tenant(request)))


@router.get("/annotation-queues")
def list_queues(
    request: Request,
    ids: list[uuid.UUID] | None = Query(None),
    name: str | None = None,
    name_contains: str | None = None,
    queue_type: str | None = None,
    limit: int = 100,
    offset: int = 0,
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    refuse_unknown(
        request.query_params.keys(),
        {"ids", "name", "name_contains", "queue_type", "limit", "offset"},
        "/annotation-queues",
    )
    limit, offset = check_window(limit, offset)
    rows = queues.list_queues(db, actor)
    if ids:
        rows = [q for q in rows if q["id"] in ids]
    if name is not None:
        rows = [q for q in rows if q["name"] == name]
    if name_contains:
        rows = [q for q in rows if name_contains.lower() in q["name"].lower()]
    if queue_type is not None:
        rows = [q for q in rows if q["kind"] == queue_type]
    owner = tenant(request)
    return FastJSONResponse([_shape(db, actor, q, owner) for q in window(rows, limit, offset)])


@router.get("/annotation-queues/{queue_id}")
def read_queue(
    request: Request,
    queue_id: uuid.UUID,
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    return FastJSONResponse(_shape(db, actor, queues.get_queue(db, actor, queue_id), tenant(request)))


@router.patch("/annotation-queues/{queue_id}")
def update_queue(
    request: Request,
    queue_id: uuid.UUID,
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """Only the keys sent change; `rubric_items` replaces the rubric (a new rubric version)."""
    current = queues.get_queue(db, actor, queue_id)
    row = queues.update_queue(db, actor, queue_id, _settings(db, actor, body, current), rubric_optional=True)
    return FastJSONResponse(_shape(db, actor, row, tenant(request)))


@router.delete("/annotation-queues/{queue_id}", status_code=204)
def delete_queue(
    queue_id: uuid.UUID, actor: Actor = Depends(current_actor), db: Database = Depends(get_db)
) -> Response:
    queues.delete_queue(db, actor, queue_id)
    return Response(status_code=204)


def _add(db: Database, actor: Actor, queue_id: uuid.UUID, run_ids: list[Any]) -> FastJSONResponse:
    ids = [parse_uuid(r, f"[{i}]", required=True) for i, r in enumerate(run_ids)]
    return FastJSONResponse(queue_items.add_items(db, actor, queue_id, {"run_ids": ids, "source": "api"}))


@router.post("/annotation-queues/{queue_id}/runs")
def add_runs(
    queue_id: uuid.UUID,
    body: Any = Depends(json_body),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """A bare JSON array of run ids; a run already in the queue (or removed from it) is left alone."""
    if not isinstance(body, list):
        raise Invalid("must be a JSON array of run ids", field="body")
    return _add(db, actor, queue_id, body)


@router.post("/annotation-queues/{queue_id}/runs/by-key")
def add_runs_by_key(
    queue_id: uuid.UUID,
    body: Any = Depends(json_body),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """`[{"run_id", "session_id", "start_time"}]`: the run id is all we need to find a run."""
    if not isinstance(body, list) or not all(isinstance(k, dict) for k in body):
        raise Invalid("must be a JSON array of {run_id, session_id, start_time}", field="body")
    return _add(db, actor, queue_id, [k.get("run_id") for k in body])


@router.get("/annotation-queues/{queue_id}/runs")
def list_queue_runs(
    queue_id: uuid.UUID,
    status: str | None = None,
    limit: int = 100,
    offset: int = 0,
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    limit, offset = check_window(limit, offset)
    entries = langsmith_queues.queue_runs(db, actor, queue_id, status=status, limit=limit, offset=offset)
    return FastJSONResponse([shapes.queue_run(e) for e in entries])


@router.get("/annotation-queues/{queue_id}/run/{index}")
def queue_run_at(
    queue_id: uuid.UUID, index: int, actor: Actor = Depends(current_actor), db: Database = Depends(get_db)
) -> FastJSONResponse:
    if not 0 <= index <= MAX_OFFSET:
        raise Invalid(f"must be from 0 to {MAX_OFFSET:,}", field="index")
    entries = langsmith_queues.queue_runs(db, actor, queue_id, status=None, limit=1, offset=index)
    if not entries:
        raise NotFound(f"no run at index {index} of this queue", field="index")
    return FastJSONResponse(shapes.queue_run(entries[0]))


@router.delete("/annotation-queues/{queue_id}/runs/{run_id}", status_code=204)
def delete_queue_run(
    queue_id: uuid.UUID,
    run_id: uuid.UUID,
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> Response:
    """Kept as a tombstone: a routing rule never brings the run back into this queue."""
    langsmith_queues.remove_run(db, actor, queue_id, run_id)
    return Response(status_code=204)


@platform_router.post("/annotation-queues/{queue_id}/items")
def add_items(
    queue_id: uuid.UUID,
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """The v2 replacement of add_runs: `{"items": [{"item_type": "RUN"|"THREAD", "run_id"|"thread_id"}]}`."""
    items = body.get("items")
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise Invalid("must be a list of items", field="items")
    runs = [i.get("run_id") for i in items if i.get("item_type", "RUN") == "RUN"]
    threads = [i.get("thread_id") for i in items if i.get("item_type") == "THREAD"]
    added = {"added": 0, "already_present": 0}
    for payload in ({"run_ids": runs}, {"session_ids": threads}):
        if next(iter(payload.values())):
            result = queue_items.add_items(db, actor, queue_id, {**payload, "source": "api"})
            added = {k: added[k] + result[k] for k in added}
    return FastJSONResponse(added)
