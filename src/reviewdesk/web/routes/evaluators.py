"""Evaluators in the web app: the list (status, volume, cost) and one evaluator's versions, jobs
with failures, and its alignment with the humans of a queue, versions side by side."""

from __future__ import annotations

import uuid

from fastapi import Depends, Request
from starlette.responses import Response

from reviewdesk.domain.permissions import Actor
from reviewdesk.errors import Invalid
from reviewdesk.services import alignment, evaluator_runs, queues
from reviewdesk.services import evaluators as evaluators_service
from reviewdesk.web.render import render
from reviewdesk.web.routing import web_router
from reviewdesk.web.session import get_db, web_actor

router = web_router()


@router.get("/evaluators")
def evaluators_page(request: Request, actor: Actor = Depends(web_actor)) -> Response:
    rows = evaluators_service.list_evaluators(get_db(request), actor)
    return render(request, "evaluators.html", page={"evaluators": rows})


@router.get("/evaluators/{evaluator_id}")
def evaluator_page(
    evaluator_id: uuid.UUID, request: Request, queue_id: str = "", actor: Actor = Depends(web_actor)
) -> Response:
    db = get_db(request)
    evaluator = evaluators_service.get_evaluator(db, actor, evaluator_id)
    jobs, _ = evaluator_runs.list_jobs(db, actor, evaluator_id, 50)
    report, error = None, None
    if queue_id:
        try:
            report = alignment.evaluator_alignment(
                db, actor, evaluator_id, queue_id=uuid.UUID(queue_id), dataset_id=None, version=None
            )
        except (Invalid, ValueError) as exc:
            error = getattr(exc, "message", str(exc))
    page = {
        "evaluator": evaluator,
        "jobs": jobs,
        "report": report,
        "error": error,
        "queues": queues.list_queues(db, actor),
        "queue_id": queue_id,
    }
    return render(request, "evaluator.html", page=page)
