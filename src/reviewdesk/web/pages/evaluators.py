"""One evaluator in the web app: its definition, offline runs (start one, watch its progress), job
failures, and its alignment with the humans, versions side by side."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import ImmutableMultiDict

from reviewdesk.domain.permissions import Actor, Permission
from reviewdesk.domain.run_payload import parse_uuid
from reviewdesk.errors import Invalid, NotFound
from reviewdesk.services import alignment, datasets, evaluator_runs, queues
from reviewdesk.services import evaluators as evaluators_service

RECENT_JOBS = 20
FAILED_JOBS = 50


@dataclass
class RunDraft:
    source: str = "filter"  # or "dataset"
    filter: str = ""
    dataset_id: str = ""
    dataset_version: str = ""
    version: str = ""


@dataclass
class EvaluatorPage:
    evaluator: dict[str, Any]
    batches: list[dict[str, Any]]
    failures: list[dict[str, Any]]
    jobs: list[dict[str, Any]]
    datasets: list[dict[str, Any]]
    run_draft: RunDraft = field(default_factory=RunDraft)
    notice: str | None = None
    error: str | None = None


def build_evaluator_page(
    db: Any,
    actor: Actor,
    evaluator_id: uuid.UUID,
    *,
    notice: str | None = None,
    error: str | None = None,
    run_draft: RunDraft | None = None,
) -> EvaluatorPage:
    evaluator = evaluators_service.get_evaluator(db, actor, evaluator_id)
    failures, _ = evaluator_runs.list_jobs(db, actor, evaluator_id, FAILED_JOBS, failed=True)
    jobs, _ = evaluator_runs.list_jobs(db, actor, evaluator_id, RECENT_JOBS)
    return EvaluatorPage(
        evaluator=evaluator,
        batches=evaluator_runs.list_batches(db, actor, evaluator_id),
        failures=failures,
        jobs=jobs,
        datasets=datasets.list_datasets(db, actor) if actor.can(Permission.MANAGE_DATASETS) else [],
        run_draft=run_draft or RunDraft(version=str(evaluator["version"])),
        notice=notice,
        error=error,
    )


def run_draft_of(form: ImmutableMultiDict[str, str]) -> RunDraft:
    return RunDraft(
        source=form.get("source") or "filter",
        filter=form.get("filter") or "",
        dataset_id=form.get("dataset_id") or "",
        dataset_version=form.get("dataset_version") or "",
        version=form.get("version") or "",
    )


def _whole(raw: str, field: str) -> int | None:
    raw = raw.strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise Invalid("must be a whole number", field=field)
    return int(raw)


def start_run(db: Any, actor: Actor, evaluator_id: uuid.UUID, draft: RunDraft) -> dict[str, Any]:
    payload: dict[str, Any] = {}
    if draft.source == "dataset":
        payload["dataset_id"] = draft.dataset_id
        dataset_version = _whole(draft.dataset_version, "dataset_version")
        if dataset_version is not None:
            payload["dataset_version"] = dataset_version
    else:
        payload["filter"] = draft.filter
    version = _whole(draft.version, "version")
    if version is not None:
        payload["version"] = version
    return evaluator_runs.start_run(db, actor, evaluator_id, payload)


@dataclass
class RunPage:
    evaluator: dict[str, Any]
    progress: dict[str, Any]


def build_run_page(db: Any, actor: Actor, evaluator_id: uuid.UUID, batch: str) -> RunPage:
    return RunPage(
        evaluator=evaluators_service.get_evaluator(db, actor, evaluator_id),
        progress=evaluator_runs.run_progress(db, actor, evaluator_id, batch),
    )


@dataclass
class AlignmentPage:
    evaluator: dict[str, Any]
    queues: list[dict[str, Any]]
    datasets: list[dict[str, Any]]
    queue_id: str = ""
    dataset_id: str = ""
    report: dict[str, Any] | None = None
    notice: str | None = None
    error: str | None = None

    @property
    def scope(self) -> str:
        """The query string of the chosen label source, for links back to this report."""
        return f"queue_id={self.queue_id}" if self.queue_id else f"dataset_id={self.dataset_id}"


def build_alignment_page(
    db: Any,
    actor: Actor,
    evaluator_id: uuid.UUID,
    *,
    queue_id: str = "",
    dataset_id: str = "",
    notice: str | None = None,
    error: str | None = None,
) -> AlignmentPage:
    page = AlignmentPage(
        evaluator=evaluators_service.get_evaluator(db, actor, evaluator_id),
        queues=queues.list_queues(db, actor),
        datasets=datasets.list_datasets(db, actor) if actor.can(Permission.MANAGE_DATASETS) else [],
        queue_id=queue_id,
        dataset_id=dataset_id if not queue_id else "",
        notice=notice,
        error=error,
    )
    if queue_id or dataset_id:
        try:
            page.report = alignment.evaluator_alignment(
                db,
                actor,
                evaluator_id,
                queue_id=parse_uuid(queue_id, "queue_id"),
                dataset_id=parse_uuid(page.dataset_id, "dataset_id"),
                version=None,
            )
        except (Invalid, NotFound) as exc:
            page.error = exc.message
    return page


def send_disagreements(
    db: Any, actor: Actor, evaluator_id: uuid.UUID, form: ImmutableMultiDict[str, str]
) -> dict[str, Any]:
    payload: dict[str, Any] = {"queue_id": form.get("target_queue_id") or None}
    if form.get("queue_id"):
        payload["source_queue_id"] = form["queue_id"]
    elif form.get("dataset_id"):
        payload["dataset_id"] = form["dataset_id"]
    version = _whole(form.get("version") or "", "version")
    if version is not None:
        payload["version"] = version
    return alignment.send_disagreements(db, actor, evaluator_id, payload)
