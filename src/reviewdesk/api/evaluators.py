"""Evaluators: code checks and LLM judges, their offline runs, jobs and alignment with the humans."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from reviewdesk.api.deps import current_actor, get_db, json_object
from reviewdesk.api.responses import FastJSONResponse, page
from reviewdesk.domain.permissions import Actor
from reviewdesk.services import alignment, evaluator_runs, evaluator_trials
from reviewdesk.services import evaluators as evaluators_service
from reviewdesk.services.paging import page_of_list
from reviewdesk.store.database import Database

router = APIRouter(tags=["evaluators"])


@router.post("/evaluators", status_code=201)
def create_evaluator(
    request: Request,
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    guard = request.app.state.destination_guard
    return FastJSONResponse(evaluators_service.create_evaluator(db, actor, body, guard), status_code=201)


@router.post("/evaluators/try")
def try_draft(
    request: Request,
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """An unsaved definition on one run: the prompt as sent, the raw answer, the parsed score. Writes nothing."""
    guard = request.app.state.destination_guard
    return FastJSONResponse(evaluator_trials.try_draft(db, actor, guard, body))


@router.get("/evaluators")
def list_evaluators(
    limit: int = 100,
    cursor: str | None = None,
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """By name; each with its job counts by status."""
    rows = evaluators_service.list_evaluators(db, actor)
    return page(*page_of_list(rows, limit=limit, cursor=cursor, key=lambda e: (e["name"], str(e["id"]))))


@router.get("/evaluators/{evaluator_id}")
def get_evaluator(
    evaluator_id: uuid.UUID, actor: Actor = Depends(current_actor), db: Database = Depends(get_db)
) -> FastJSONResponse:
    return FastJSONResponse(evaluators_service.get_evaluator(db, actor, evaluator_id))


@router.patch("/evaluators/{evaluator_id}")
def update_evaluator(
    evaluator_id: uuid.UUID,
    request: Request,
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    guard = request.app.state.destination_guard
    return FastJSONResponse(evaluators_service.update_evaluator(db, actor, evaluator_id, body, guard))


@router.delete("/evaluators/{evaluator_id}", status_code=204)
def delete_evaluator(
    evaluator_id: uuid.UUID, actor: Actor = Depends(current_actor), db: Database = Depends(get_db)
) -> Response:
    evaluators_service.delete_evaluator(db, actor, evaluator_id)
    return Response(status_code=204)


@router.post("/evaluators/{evaluator_id}/try")
def try_evaluator(
    evaluator_id: uuid.UUID,
    request: Request,
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """A version (the newest unless `version`) on `run_id`, as the editor's "try": writes no feedback."""
    guard = request.app.state.destination_guard
    return FastJSONResponse(evaluator_trials.try_evaluator(db, actor, guard, evaluator_id, body))


@router.post("/evaluators/{evaluator_id}/runs", status_code=202)
def start_run(
    evaluator_id: uuid.UUID,
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """Run a version over a filter's runs or a dataset's source runs: a batch of jobs with progress."""
    return FastJSONResponse(evaluator_runs.start_run(db, actor, evaluator_id, body), status_code=202)


@router.get("/evaluators/{evaluator_id}/runs/{run_id}")
def run_progress(
    evaluator_id: uuid.UUID,
    run_id: str,
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    return FastJSONResponse(evaluator_runs.run_progress(db, actor, evaluator_id, run_id))


@router.get("/evaluators/{evaluator_id}/jobs")
def list_jobs(
    evaluator_id: uuid.UUID,
    limit: int = 100,
    cursor: str | None = None,
    failed: bool = False,
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """The newest jobs first, failures with their reason; keyset pages. `failed=true`: only dead
    letters, skipped jobs and jobs waiting to retry (at `available_at`)."""
    return page(*evaluator_runs.list_jobs(db, actor, evaluator_id, limit, cursor, failed=failed))


@router.get("/evaluators/{evaluator_id}/alignment")
def get_alignment(
    evaluator_id: uuid.UUID,
    queue_id: uuid.UUID | None = None,
    dataset_id: uuid.UUID | None = None,
    version: int | None = None,
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """The evaluator's scores against the human labels (adjudicated, else majority), per version."""
    report = alignment.evaluator_alignment(
        db, actor, evaluator_id, queue_id=queue_id, dataset_id=dataset_id, version=version
    )
    return FastJSONResponse(report)


@router.post("/evaluators/{evaluator_id}/alignment/disagreements")
def send_disagreements(
    evaluator_id: uuid.UUID,
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """Send the runs where a version disagrees with the humans (`source_queue_id` or `dataset_id`)
    to the queue `queue_id` for a second look; the newest version unless `version` is given."""
    return FastJSONResponse(alignment.send_disagreements(db, actor, evaluator_id, body))
