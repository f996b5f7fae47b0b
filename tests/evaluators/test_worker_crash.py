"""kill -9 of a `reviewdesk worker` while judge calls are in flight loses nothing: a second worker
takes the killed one's jobs again when their lease ends, every job ends done, and each (run,
evaluator version) has exactly one score, also for the jobs that were running at the kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.services import evaluators, feedback_configs, ingest
from reviewdesk.store.database import Database
from reviewdesk.store.tables import evaluator_jobs, feedback
from tests.conftest import TEST_SECRET
from tests.factories import run_payload
from tests.fake_openai_server import FakeOpenAI, fake_openai

RUNS = 30
LEASE_SECONDS = 3.0  # a batch of 8 slow judge calls (8 × 0.25 s) ends well within it
SLOW_SECONDS = 0.25
FINISHED = ("done", "dead", "skipped")


def _worker(db: Database, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "REVIEWDESK_DB": db.url,
        "REVIEWDESK_SECRET_KEY": TEST_SECRET,
        "REVIEWDESK_INIT_ADMIN_EMAIL": "",
        "REVIEWDESK_INIT_ADMIN_PASSWORD": "",
        "REVIEWDESK_INIT_API_KEY": "",
        "REVIEWDESK_PG_MAINTENANCE": "off",
        "REVIEWDESK_ALLOW_PRIVATE_DESTINATIONS": "127.0.0.1/32",
        "REVIEWDESK_EVALUATOR_LEASE_SECONDS": str(LEASE_SECONDS),
        "REVIEWDESK_EVALUATOR_POLL_SECONDS": "0.2",
    }
    command = [sys.executable, "-c", "from reviewdesk.cli import main; main()", "worker"]
    with log.open("ab") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)


def _jobs(db: Database) -> dict[uuid.UUID, dict]:
    with db.read() as conn:
        return {r["id"]: dict(r) for r in conn.execute(sa.select(evaluator_jobs)).mappings()}


def _wait_for(
    condition: Callable[[dict[uuid.UUID, dict]], bool], db: Database, timeout: float, log: Path
) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        jobs = _jobs(db)
        if condition(jobs):
            return jobs
        time.sleep(0.05)
    states = Counter(j["status"] for j in _jobs(db).values())
    raise AssertionError(f"timed out with jobs {dict(states)}; worker log:\n{log.read_text()}")


def _world(db: Database, judge: FakeOpenAI) -> list[str]:
    """An online judge and an online code evaluator on every run, then RUNS runs that end: 2 jobs each."""
    options = [{"value": "good", "score": 1}, {"value": "bad", "score": 0}]
    feedback_configs.create_config(
        db, SYSTEM_ACTOR, {"key": "quality", "type": "categorical", "options": options}
    )
    online = {"filter": "", "sample_rate": 1.0}
    spec = {"base_url": judge.base_url, "model": "judge-careful", "prompt": "Rate: {{outputs}}"}
    body = {"name": "judge", "key": "quality", "kind": "llm_judge", "spec": spec, "online": online}
    evaluators.create_evaluator(db, SYSTEM_ACTOR, body, None)
    checks = {"checks": [{"type": "pii", "kinds": ["email", "phone"]}]}
    body = {"name": "no pii", "key": "no_pii", "kind": "code", "spec": checks, "online": online}
    evaluators.create_evaluator(db, SYSTEM_ACTOR, body, None)
    answers = ["It ships tomorrow.", "That is wrong.", "Mail me at a@example.com"]
    runs = [run_payload(outputs={"answer": answers[i % 3]}) for i in range(RUNS)]
    ingest.ingest_batch(db, SYSTEM_ACTOR, post=runs, patch=None)
    return [r["id"] for r in runs]


def _stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(10)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def test_a_worker_killed_mid_judging_loses_no_job_and_scores_each_run_once(db, tmp_path):
    log = tmp_path / "worker.log"
    with fake_openai() as judge:
        judge.slow_seconds = SLOW_SECONDS
        # Every judge answer is slow; two early ones fail first (a 500, a 429) and are retried.
        judge.script = ["slow", "500", "slow", "429", *["slow"] * (3 * RUNS)]
        run_ids = _world(db, judge)
        queued = _jobs(db)
        assert len(queued) == 2 * RUNS and {j["status"] for j in queued.values()} == {"pending"}

        first = _worker(db, log)
        try:
            # Some judge answers written and some jobs claimed but unfinished: kill the worker there.
            def mid_batch(jobs: dict) -> bool:
                statuses = Counter(j["status"] for j in jobs.values())
                return statuses["done"] >= 10 and statuses["running"] >= 2

            _wait_for(mid_batch, db, 30, log)
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        finally:
            if first.poll() is None:
                first.kill()
        at_kill = _jobs(db)
        in_flight = {i for i, j in at_kill.items() if j["status"] == "running"}
        assert in_flight, "the kill came between batches: nothing was running"
        assert any(j["status"] == "pending" for j in at_kill.values())  # not yet claimed
        requests_at_kill = len(judge.requests)

        second = _worker(db, log)
        try:
            drained = lambda jobs: all(j["status"] in FINISHED for j in jobs.values())  # noqa: E731
            final = _wait_for(drained, db, 45, log)
        finally:
            _stop(second)

    assert set(final) == set(queued)  # none vanished, none appeared
    statuses = Counter(j["status"] for j in final.values())
    assert statuses == {"done": 2 * RUNS}, [(j["status"], j["last_error"]) for j in final.values()]
    # The judge's 500 and 429 are on record on the two jobs they hit, which then succeeded.
    assert sorted(j["last_error"].split(":")[0] for j in final.values() if j["last_error"]) == [
        "rate_limited",
        "server_error",
    ]
    # The jobs running at the kill were taken again after their lease: a second attempt each.
    assert all(final[i]["attempts"] >= 2 for i in in_flight)
    assert len(judge.requests) > requests_at_kill

    with db.read() as conn:
        scores = [
            dict(r) for r in conn.execute(sa.select(feedback).where(feedback.c.source == "model")).mappings()
        ]
    per_run_version = Counter(
        (str(s["run_id"]), s["extra"]["evaluator_id"], s["extra"]["evaluator_version"]) for s in scores
    )
    assert len(per_run_version) == 2 * RUNS and set(per_run_version.values()) == {1}
    assert {str(s["run_id"]) for s in scores} == set(run_ids)
    # Each job points at the one score it wrote, and that score names the job.
    by_id = {s["id"]: s for s in scores}
    assert {j["feedback_id"] for j in final.values()} == set(by_id)
    assert all(by_id[j["feedback_id"]]["extra"]["job_id"] == str(i) for i, j in final.items())
    values = Counter(s["value"] for s in scores if s["key"] == "quality")
    assert values == {"good": 2 * RUNS // 3, "bad": RUNS // 3}  # "wrong" answers judged bad
