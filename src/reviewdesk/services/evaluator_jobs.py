"""Evaluator jobs: enqueued online when a root run ends (in the ingest transaction, no judge call
there), or offline over a filter or a dataset; run by a worker that leases them, writes the score as
`model` feedback (which re-routes the run like any feedback), and retries or dead-letters failures."""

from __future__ import annotations

import logging
import threading
import time as clock
import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy.engine import Connection

from reviewdesk.domain.code_checks import run_checks
from reviewdesk.domain.evaluators import retry_delay_s
from reviewdesk.domain.judge import JudgeAnswerError, coerce_score
from reviewdesk.domain.routing import sampled
from reviewdesk.domain.score_configs import check_feedback
from reviewdesk.errors import Invalid
from reviewdesk.services import routing
from reviewdesk.services.clock import utcnow
from reviewdesk.services.destinations import DestinationGuard
from reviewdesk.services.judge_client import JudgeCallError, call_judge
from reviewdesk.store import datasets as datasets_store
from reviewdesk.store import evaluators as store
from reviewdesk.store import feedback as feedback_store
from reviewdesk.store import feedback_configs as configs_store
from reviewdesk.store import projects as projects_store
from reviewdesk.store import runs as runs_store
from reviewdesk.store.database import Database

log = logging.getLogger("reviewdesk.evaluators")
ONLINE = "online"
LEASE_SECONDS = 300.0
CLAIM_BATCH = 8
# While runs are arriving, the worker thread uses at most this share of the time as CPU: it shares the
# process (and its GIL) with ingest, which must not slow down for it. CPU, not wall time: waiting for
# a judge's answer costs ingest nothing. (`reviewdesk worker`, a process of its own, is not held back.)
SHARE_WHILE_INGESTING = 0.1
INGEST_QUIET_SECONDS = 2.0
_last_ingest = [float("-inf")]  # monotonic time of the last ingested batch in this process


def job_row(evaluator: dict[str, Any], run_id: uuid.UUID, batch: str, now: datetime) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "evaluator_id": evaluator["id"],
        "evaluator_version": evaluator["version"],
        "run_id": run_id,
        "batch": batch,
        "status": "pending",
        "attempts": 0,
        "max_attempts": 5,
        "available_at": now,
        "created_at": now,
    }


def enqueue_online(conn: Connection, runs: list[dict[str, Any]], now: datetime) -> int:
    """Queue a job per online evaluator for each root run that has ended and passes its filter and
    sampling (the same deterministic hash as routing rules). Cheap: no network on this path."""
    _last_ingest[0] = clock.monotonic()
    ended = [r for r in runs if r.get("end_time") is not None and r.get("is_root")]
    if not ended:
        return 0
    evaluators = store.online(conn)
    if not evaluators:
        return 0
    needs_feedback = any("feedback" in (e["online"].get("filter") or "") for e in evaluators)
    feedback = feedback_store.for_runs(conn, [r["id"] for r in ended]) if needs_feedback else {}
    rows = []
    for evaluator in evaluators:
        online = evaluator["online"]
        node = routing.compiled_filter(online["filter"]) if online.get("filter") else None
        for run in ended:
            if not sampled(run["id"], evaluator["id"], online.get("sample_rate", 1.0)):
                continue
            if node is None or routing.evaluate(node, {**run, "feedback": feedback.get(run["id"], [])}):
                rows.append(job_row(evaluator, run["id"], ONLINE, now))
    store.enqueue(conn, rows)
    return len(rows)


def run_for_judging(conn: Connection, run_id: uuid.UUID) -> dict[str, Any] | None:
    """The run as evaluators see it (jobs and the editor's "try" alike), or None when it is gone."""
    row = runs_store.get(conn, run_id)
    if row is None:
        return None
    names = projects_store.names_by_id(conn, {row["project_id"]})
    run = routing.run_view(row, names.get(row["project_id"], ""))
    run["reference"] = None
    if row.get("reference_example_id"):
        example = datasets_store.live_revision(conn, row["reference_example_id"])
        run["reference"] = example["outputs"] if example else None
    return run


def _score_of(
    version: dict[str, Any], run: dict[str, Any], guard: DestinationGuard, config: dict | None
) -> dict:
    if version["kind"] == "code":
        score, comment = run_checks(version["spec"]["checks"], run)
        value: Any = None
        if config is not None:
            score, value = check_feedback(config, score, None if config["type"] != "boolean" else bool(score))
        return {"score": score, "value": value, "comment": comment, "tokens": None, "cost": 0.0}
    judgement = call_judge(guard, version["spec"], run, config)
    try:
        score, value = coerce_score(judgement.raw_score, config)
    except JudgeAnswerError as exc:
        raise JudgeCallError(exc.kind, str(exc)) from None
    return {
        "score": score,
        "value": value,
        "comment": judgement.reasoning,
        "tokens": {"prompt": judgement.prompt_tokens, "completion": judgement.completion_tokens},
        "cost": judgement.cost,
    }


def _over_budget(conn: Connection, evaluator: dict[str, Any] | None, now: datetime) -> bool:
    budget = ((evaluator or {}).get("online") or {}).get("daily_budget_usd")
    if budget is None:
        return False
    day_start = datetime.combine(now.date(), time.min, tzinfo=now.tzinfo)
    return store.cost_since(conn, evaluator["id"], day_start) >= budget  # type: ignore[index]


@dataclass
class JobOutcome:
    """A job's next state, worked out before anything is written."""

    job: dict[str, Any]
    status: str  # done, pending (a retry), dead or skipped
    values: dict[str, Any]  # the job row's new columns
    feedback: dict[str, Any] | None = None
    judge_called: bool = False  # paid for: written at once rather than with the rest of the batch


def _ended(job: dict[str, Any], status: str, reason: str) -> JobOutcome:
    values = {"status": status, "last_error": reason, "finished_at": utcnow(), "leased_until": None}
    return JobOutcome(job, status, values)


def evaluate_job(db: Database, guard: DestinationGuard, job: dict[str, Any]) -> JobOutcome:
    """Score one claimed job's run (reads and the judge call; no writes)."""
    with db.read() as conn:
        version = store.version(conn, job["evaluator_id"], job["evaluator_version"])
        evaluator = store.get(conn, job["evaluator_id"])
        run = run_for_judging(conn, job["run_id"])
        config = configs_store.get(conn, version["key"]) if version else None
        over_budget = job["batch"] == ONLINE and _over_budget(conn, evaluator, utcnow())
    if version is None or run is None or evaluator is None:
        return _ended(job, "dead", "the evaluator (deleted?) or the run no longer exists")
    if over_budget:
        return _ended(job, "skipped", "daily budget reached")
    judge_called = version["kind"] == "llm_judge"
    try:
        result = _score_of(version, run, guard, config)
    except JudgeCallError as exc:
        reason = f"{exc.kind}: {exc}"
        if exc.permanent or job["attempts"] >= job["max_attempts"]:
            return _ended(job, "dead", reason)
        delay = retry_delay_s(job["attempts"], exc.retry_after)
        values = {
            "status": "pending",
            "available_at": utcnow() + timedelta(seconds=delay),
            "last_error": reason,
            "leased_until": None,
        }
        return JobOutcome(job, "pending", values, judge_called=judge_called)
    except Invalid as exc:
        return _ended(job, "dead", f"score does not fit the config: {exc.message}")
    now = utcnow()
    feedback = {
        "id": uuid.uuid4(),
        "run_id": run["id"],
        "trace_id": run.get("trace_id"),
        "key": version["key"],
        "score": result["score"],
        "value": result["value"],
        "comment": result["comment"],
        "correction": None,
        "source": "model",
        "created_by": None,
        "queue_id": None,
        "rubric_version": None,
        "extra": {
            "evaluator_id": str(job["evaluator_id"]),
            "evaluator_version": job["evaluator_version"],
            "job_id": str(job["id"]),
            "tokens": result["tokens"],
            "cost": result["cost"],
        },
        "created_at": now,
        "updated_at": now,
    }
    values = {
        "status": "done",
        "finished_at": now,
        "feedback_id": feedback["id"],
        "cost": result["cost"],
        "leased_until": None,
    }
    return JobOutcome(job, "done", values, feedback, judge_called)


def record_outcomes(db: Database, outcomes: list[JobOutcome]) -> list[str]:
    """Write outcomes in one transaction: the scores, their runs routed again ("judge says < 0.5 →
    queue" with nothing else) and the jobs' states.

    Not flushed to disk before returning (`durable=False`), and one commit for a batch of code
    evaluations: the worker shares SQLite's single writer with ingest, and a flush per job held
    ingest up behind it. A power cut can only undo a whole transaction, score and job state
    together: the job is then still leased and runs again when the lease ends."""
    if not outcomes:
        return []
    statuses = []
    scores: list[dict[str, Any]] = []
    with db.write(durable=False) as conn:
        for outcome in outcomes:
            if outcome.feedback is not None:
                job = outcome.job
                current = store.get_job(conn, job["id"])
                if (
                    current is None
                    or current["status"] != "running"
                    or current["attempts"] != job["attempts"]
                ):
                    statuses.append("lost_lease")  # another worker took the job after our lease ran out
                    continue
                scores.append(outcome.feedback)
            store.finish(conn, outcome.job["id"], outcome.values)
            statuses.append(outcome.status)
        if scores:
            # All at once: the hourly counts are then upserted in one sorted order, so workers
            # writing batches over the same keys at once do not deadlock on them (PostgreSQL).
            feedback_store.insert_many(conn, scores)
            routing.route_run_ids(conn, list(dict.fromkeys(s["run_id"] for s in scores)))
    return statuses


def run_job(db: Database, guard: DestinationGuard, job: dict[str, Any]) -> str:
    """Run one claimed job to its next state: done, pending again (retry), dead or skipped."""
    return record_outcomes(db, [evaluate_job(db, guard, job)])[0]


def _record_safely(db: Database, outcomes: list[JobOutcome]) -> list[str]:
    try:
        return record_outcomes(db, outcomes)
    except Exception:
        if len(outcomes) == 1:
            raise
        log.exception(
            "writing %d evaluator job outcomes together failed; writing them one by one", len(outcomes)
        )
    statuses = []
    for outcome in outcomes:
        try:
            statuses += record_outcomes(db, [outcome])
        except Exception as exc:
            log.exception("evaluator job %s failed", outcome.job["id"])
            statuses += record_outcomes(
                db, [_ended(outcome.job, "dead", f"internal error: {type(exc).__name__}: {exc}")]
            )
    return statuses


def run_due(
    db: Database, guard: DestinationGuard, *, limit: int = CLAIM_BATCH, lease_s: float = LEASE_SECONDS
) -> list[str]:
    """Claim and run up to `limit` due jobs; the outcome of each. A judge's answer is written as soon
    as it comes (it was paid for); code-evaluator scores are written together at the end."""
    now = utcnow()
    # Not flushed to disk: a claim lost in a power cut only leaves the jobs due again.
    with db.write(durable=False) as conn:
        jobs = store.claim(conn, now, now + timedelta(seconds=lease_s), limit)
    statuses: list[str] = []
    held: list[JobOutcome] = []
    lease_until = now + timedelta(seconds=lease_s)
    lost: set[uuid.UUID] = set()
    for index, job in enumerate(jobs):
        # A claim's jobs run one after another under one lease; slow judges could outlast it and
        # another worker would take (and pay a judge for) the rest. Past half the lease, the jobs
        # not yet run are leased again; one another worker already took is left to it.
        if utcnow() >= lease_until - timedelta(seconds=lease_s / 2):
            lease_until = utcnow() + timedelta(seconds=lease_s)
            with db.write(durable=False) as conn:
                kept = store.renew_leases(conn, jobs[index:], lease_until)
            lost |= {j["id"] for j in jobs[index:]} - kept
        if job["id"] in lost:
            statuses.append("lost_lease")
            continue
        if job["attempts"] > job["max_attempts"]:
            reason = (
                f"{job.get('last_error') or 'lease expired'} (gave up after {job['max_attempts']} attempts)"
            )
            held.append(_ended(job, "dead", reason))
            continue
        try:
            outcome = evaluate_job(db, guard, job)
        except Exception as exc:  # a bug must not kill the worker: the job is dead-lettered with it
            log.exception("evaluator job %s failed", job["id"])
            outcome = _ended(job, "dead", f"internal error: {type(exc).__name__}: {exc}")
        held.append(outcome)
        if outcome.judge_called:
            statuses += _record_safely(db, held)
            held = []
    return statuses + _record_safely(db, held)


def drain(db: Database, guard: DestinationGuard) -> list[str]:
    """Run every job that is due now (tests, the CLI's --once)."""
    outcomes: list[str] = []
    while batch := run_due(db, guard):
        outcomes += batch
    return outcomes


class EvaluatorWorker:
    """The background thread `serve` starts (and `reviewdesk worker` runs alone)."""

    def __init__(
        self,
        db: Database,
        guard: DestinationGuard,
        *,
        poll_seconds: float = 1.0,
        lease_seconds: float = LEASE_SECONDS,
    ) -> None:
        self.db = db
        self.guard = guard
        self.poll_seconds = poll_seconds
        self.lease_seconds = lease_seconds
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run_forever, name="reviewdesk-evaluators", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run_forever(self) -> None:
        while not self._stopping.is_set():
            cpu_before = clock.thread_time()
            try:
                busy = bool(run_due(self.db, self.guard, lease_s=self.lease_seconds))
            except Exception:
                log.exception("evaluator worker pass failed")
                busy = False
            if not busy:
                self._stopping.wait(self.poll_seconds)
            elif clock.monotonic() - _last_ingest[0] < INGEST_QUIET_SECONDS:
                used = clock.thread_time() - cpu_before
                self._stopping.wait(used * (1 / SHARE_WHILE_INGESTING - 1))
