"""Several worker processes claiming from one job table at once (PostgreSQL's SKIP LOCKED): each job
is claimed by exactly one of them, run once, and scored once, and their writes do not deadlock."""

from __future__ import annotations

import logging
import multiprocessing
import uuid
from collections import Counter
from typing import Any

import pytest
import sqlalchemy as sa

from reviewdesk.config import Settings
from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.services import evaluator_jobs, evaluators, ingest
from reviewdesk.services.destinations import guard_for
from reviewdesk.store import evaluators as evaluators_store
from reviewdesk.store.database import Database
from reviewdesk.store.tables import evaluator_jobs as jobs_table
from reviewdesk.store.tables import feedback
from tests.factories import run_payload

PROCESSES = 4
RUNS = 150  # two code evaluators: 300 jobs


class _ErrorsLogged(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _claim_until_empty(url: str, start: Any, results: Any) -> None:
    """One worker process: wait for the others, then run due jobs until none is left to claim,
    keeping the ids of the jobs each of its claims returned and the errors the worker logged."""
    db = Database(url, maintain_tables=False)
    guard = guard_for(Settings())
    claimed: list[str] = []
    claim = evaluators_store.claim

    def recording_claim(*args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        rows = claim(*args, **kwargs)
        claimed.extend(str(r["id"]) for r in rows)
        return rows

    evaluators_store.claim = recording_claim  # the real claim, its answers written down
    logged = _ErrorsLogged()
    evaluator_jobs.log.addHandler(logged)
    errors = logged.messages
    outcomes: list[str] = []
    try:
        start.wait(60)
        while batch := evaluator_jobs.run_due(db, guard):
            outcomes += batch
    except Exception as exc:  # noqa: BLE001 - the parent reports it
        errors.append(f"{type(exc).__name__}: {exc}")
    results.put((claimed, outcomes, errors))
    db.dispose()


def test_concurrent_workers_claim_each_job_exactly_once_without_deadlocks(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite has one writer, so its claims never race")
    online = {"filter": "", "sample_rate": 1.0}
    for key, check in (("no_pii", {"type": "pii", "kinds": ["email"]}), ("json", {"type": "valid_json"})):
        body = {"name": key, "key": key, "kind": "code", "spec": {"checks": [check]}, "online": online}
        evaluators.create_evaluator(db, SYSTEM_ACTOR, body, None)
    runs = [run_payload() for _ in range(RUNS)]
    ingest.ingest_batch(db, SYSTEM_ACTOR, post=runs, patch=None)
    with db.read() as conn:
        queued = {r for (r,) in conn.execute(sa.select(jobs_table.c.id))}
    assert len(queued) == 2 * RUNS

    context = multiprocessing.get_context("spawn")
    start = context.Barrier(PROCESSES)
    results = context.Queue()
    workers = [
        context.Process(target=_claim_until_empty, args=(db.url, start, results)) for _ in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    reports = [results.get(timeout=90) for _ in workers]
    for worker in workers:
        worker.join(10)
    # No worker failed, nor had to write its batch again (two batches deadlocked on PostgreSQL).
    assert [error for _, _, errors in reports for error in errors] == []

    claims = Counter(job_id for claimed, _, _ in reports for job_id in claimed)
    assert set(claims) == {str(j) for j in queued}
    assert set(claims.values()) == {1}, [j for j, n in claims.items() if n > 1]
    assert sum(1 for claimed, _, _ in reports if claimed) >= 2  # they did claim side by side
    outcomes = Counter(o for _, done, _ in reports for o in done)
    assert outcomes == {"done": 2 * RUNS}

    with db.read() as conn:
        jobs = [dict(r) for r in conn.execute(sa.select(jobs_table)).mappings()]
        scores = [dict(r) for r in conn.execute(sa.select(feedback)).mappings()]
    assert {j["status"] for j in jobs} == {"done"}
    assert {j["attempts"] for j in jobs} == {1}
    per_run_version = Counter(
        (s["run_id"], s["extra"]["evaluator_id"], s["extra"]["evaluator_version"]) for s in scores
    )
    assert len(per_run_version) == 2 * RUNS and set(per_run_version.values()) == {1}
    assert {s["run_id"] for s in scores} == {uuid.UUID(r["id"]) for r in runs}
