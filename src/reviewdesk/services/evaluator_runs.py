"""Offline evaluation: one evaluator version over the runs a filter matches or a dataset's source
runs, as a batch of jobs the worker runs; progress is the batch's job counts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from reviewdesk.domain.filters import parse, to_sql
from reviewdesk.domain.permissions import Actor, Permission
from reviewdesk.domain.run_payload import parse_uuid
from reviewdesk.errors import Invalid, NotFound
from reviewdesk.services import audit
from reviewdesk.services.clock import utcnow
from reviewdesk.services.dataset_versions import resolve_version
from reviewdesk.services.evaluator_jobs import job_row
from reviewdesk.services.paging import check_limit, decode_cursor, encode_cursor
from reviewdesk.services.runs import filter_targets
from reviewdesk.store import datasets as datasets_store
from reviewdesk.store import evaluators as store
from reviewdesk.store import runs as runs_store
from reviewdesk.store import tables
from reviewdesk.store.database import Database

MAX_RUNS = 50_000
MAX_FAILURES_SHOWN = 50


def _progress(evaluator_id: uuid.UUID, batch: str, counts: dict[str, int]) -> dict[str, Any]:
    total = sum(counts.values())
    finished = sum(n for s, n in counts.items() if s not in ("pending", "running"))
    return {
        "id": batch,
        "evaluator_id": str(evaluator_id),
        "total": total,
        "finished": finished,
        "progress": finished / total if total else 1.0,
        "counts": counts,
        "status": "done" if finished == total else "running",
    }


def _target_runs(db: Database, conn: Any, payload: dict[str, Any], now: datetime) -> list[uuid.UUID]:
    """The ended root runs the filter matches, or the source runs of a dataset version."""
    if "filter" in payload:
        if not isinstance(payload["filter"], str):
            raise Invalid("must be a filter string", field="filter")
        where = [tables.runs.c.end_time.is_not(None), tables.runs.c.is_root.is_(True)]
        if payload["filter"].strip():
            node = parse(payload["filter"])
            where.append(to_sql(node, filter_targets(db, node)))
        run_ids = [
            r
            for r, _start in runs_store.matching_ids_and_start_times(
                conn, where, datetime.min.replace(tzinfo=now.tzinfo)
            )
        ]
    else:
        dataset_id = parse_uuid(payload["dataset_id"], "dataset_id", required=True)
        dataset = datasets_store.get(conn, dataset_id)
        if dataset is None:
            raise NotFound(f"no dataset {dataset_id}", field="dataset_id")
        try:
            dataset_version = resolve_version(conn, dataset, payload.get("dataset_version"), None)
        except Invalid as exc:  # its field is "version", which here names the evaluator's
            raise Invalid(exc.message, field="dataset_version") from None
        run_ids = store.dataset_source_runs(conn, dataset_id, dataset_version)
    return run_ids


def start_run(db: Database, actor: Actor, evaluator_id: uuid.UUID, payload: Any) -> dict[str, Any]:
    actor.require(Permission.MANAGE_CONFIGS)
    if not isinstance(payload, dict):
        raise Invalid("must be a JSON object", field="body")
    allowed = {"filter", "dataset_id", "dataset_version", "version"}
    unknown = set(payload) - allowed
    if unknown:
        raise Invalid(f"unknown field; allowed: {', '.join(sorted(allowed))}", field=sorted(unknown)[0])
    if ("filter" in payload) == ("dataset_id" in payload):
        raise Invalid("give exactly one of filter and dataset_id", field="filter")
    if "dataset_version" in payload and "dataset_id" not in payload:
        raise Invalid("goes with dataset_id", field="dataset_version")
    batch = uuid.uuid4().hex
    now: datetime = utcnow()
    with db.write() as conn:
        evaluator = store.get(conn, evaluator_id)
        if evaluator is None:
            raise NotFound(f"no evaluator {evaluator_id}", field="id")
        number = payload.get("version", evaluator["version"])
        if (
            isinstance(number, bool)
            or not isinstance(number, int)
            or store.version(conn, evaluator_id, number) is None
        ):
            raise Invalid(f"no version {number!r} of this evaluator", field="version")
        run_ids = _target_runs(db, conn, payload, now)
        if len(run_ids) > MAX_RUNS:
            raise Invalid(f"matches {len(run_ids)} runs; at most {MAX_RUNS} per offline run", field="filter")
        store.enqueue(
            conn, [job_row({**evaluator, "version": number}, r, batch, now) for r in dict.fromkeys(run_ids)]
        )
        audit.record(
            conn, actor, "evaluator.run", "evaluator", evaluator_id, {"batch": batch, "runs": len(run_ids)}
        )
        counts = store.status_counts(conn, evaluator_id, batch)
    return {**_progress(evaluator_id, batch, counts), "version": number}


def run_progress(db: Database, actor: Actor, evaluator_id: uuid.UUID, batch: str) -> dict[str, Any]:
    """The batch's counts by status and its failures: dead letters and skipped jobs with their
    reason, jobs waiting to retry with the failed attempt's reason and the time of the next, and
    jobs done after a failed attempt (status `done`, the reason of the last failure)."""
    actor.require(Permission.MANAGE_CONFIGS)
    with db.read() as conn:
        if store.get(conn, evaluator_id) is None:
            raise NotFound(f"no evaluator {evaluator_id}", field="id")
        counts = store.status_counts(conn, evaluator_id, batch)
        failures = store.failed_jobs_of(conn, evaluator_id, MAX_FAILURES_SHOWN, batch=batch, recovered=True)
    if not counts:
        raise NotFound(f"no run {batch} of evaluator {evaluator_id}", field="run_id")
    report = _progress(evaluator_id, batch, counts)
    report["failures"] = [
        {
            "run_id": str(j["run_id"]),
            "status": j["status"],
            "reason": j["last_error"],
            "attempts": j["attempts"],
            "max_attempts": j["max_attempts"],
            "retry_at": j["available_at"] if j["status"] == "pending" else None,
        }
        for j in failures
    ]
    return report


JOB_FIELDS = (
    "id",
    "run_id",
    "evaluator_version",
    "batch",
    "status",
    "attempts",
    "max_attempts",
    "last_error",
    "available_at",
    "cost",
    "created_at",
    "finished_at",
)


def list_jobs(
    db: Database,
    actor: Actor,
    evaluator_id: uuid.UUID,
    limit: int,
    cursor: str | None = None,
    *,
    failed: bool = False,
) -> tuple[list[dict[str, Any]], str | None]:
    """A keyset page of the evaluator's jobs, newest first, and the next page's cursor; `failed`:
    only dead letters, skipped jobs and jobs waiting to retry (their `available_at` is the retry time)."""
    actor.require(Permission.MANAGE_CONFIGS)
    limit = check_limit(limit)
    before = decode_cursor(cursor)
    with db.read() as conn:
        if store.get(conn, evaluator_id) is None:
            raise NotFound(f"no evaluator {evaluator_id}", field="id")
        if failed:
            rows = store.failed_jobs_of(conn, evaluator_id, limit + 1, before=before)
        else:
            rows = store.jobs_of(conn, evaluator_id, None, limit + 1, before=before)
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1]["created_at"], rows[-1]["id"]) if more else None
    return [{k: r[k] for k in JOB_FIELDS} for r in rows], next_cursor


def list_batches(
    db: Database, actor: Actor, evaluator_id: uuid.UUID, limit: int = 20
) -> list[dict[str, Any]]:
    """The evaluator's newest offline runs with their progress."""
    actor.require(Permission.MANAGE_CONFIGS)
    with db.read() as conn:
        if store.get(conn, evaluator_id) is None:
            raise NotFound(f"no evaluator {evaluator_id}", field="id")
        batches = store.batches_of(conn, evaluator_id, limit)
    return [
        {
            **_progress(evaluator_id, b["batch"], b["counts"]),
            "version": b.get("version"),
            "started_at": b["started_at"],
        }
        for b in batches
    ]
