"""Code-evaluator jobs/s: how fast one worker scores a backlog of online jobs.

    .venv/bin/python bench/evaluators.py [--runs 10000] [--batch 500] [--evaluators 3] [--claim 8,64]

A `reviewdesk serve` with its worker thread off takes `--runs` runs over HTTP (bench/ingest.py's
harness) with `--evaluators` online code evaluators attached, so every ended root run gets a job per
evaluator. The jobs are then run in this process by `evaluator_jobs.run_due` (what the worker
thread and `reviewdesk worker` call), on a fresh copy of that database for each claim size. The
ingest cost of attaching evaluators is `bench/ingest.py --evaluators 3`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from ingest import EVALUATORS, count_rows, http_trial, request_bodies

from reviewdesk.domain.destinations import parse_policy
from reviewdesk.services import evaluator_jobs
from reviewdesk.services.destinations import DestinationGuard
from reviewdesk.store.database import Database


def jobs_per_second(db_path: Path, claim: int) -> tuple[int, float, float]:
    """(jobs run, jobs/s, CPU ms per job) draining every due job with claims of `claim` jobs."""
    db = Database(f"sqlite:///{db_path}")
    guard = DestinationGuard(parse_policy(""))
    started, cpu_started = time.perf_counter(), time.process_time()
    done = 0
    while batch := evaluator_jobs.run_due(db, guard, limit=claim):
        done += len(batch)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    db.dispose()
    return done, done / elapsed if elapsed else 0.0, cpu * 1000 / max(done, 1)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument(
        "--evaluators", type=int, default=3, help=f"online code evaluators (max {len(EVALUATORS)})"
    )
    parser.add_argument("--claim", default=f"{evaluator_jobs.CLAIM_BATCH},64", help="jobs per claim to try")
    args = parser.parse_args()
    bodies = request_bodies(args.runs, args.batch)
    workdir = Path(tempfile.mkdtemp(prefix="reviewdesk-bench-evals-"))
    os.environ["REVIEWDESK_EVALUATOR_WORKER"] = "off"
    try:
        _trial, db_path = http_trial(workdir, bodies, args.runs, 1, evaluators=args.evaluators)
        pending = count_rows(db_path, "evaluator_jobs")
        results = []
        for claim in (int(c) for c in args.claim.split(",")):
            copy = workdir / f"jobs-claim-{claim}.db"
            shutil.copy(db_path, copy)
            results.append((claim, *jobs_per_second(copy, claim)))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(
        f"\n{args.runs:,} runs, {args.evaluators} online code evaluators: {pending:,} jobs enqueued (SQLite)"
    )
    for claim, done, per_s, cpu_ms in results:
        print(
            f"  claims of {claim:>3}: {done:,} jobs run at {per_s:,.0f} jobs/s by one worker ({cpu_ms:.1f} ms CPU a job)"
        )


if __name__ == "__main__":
    sys.exit(main())
