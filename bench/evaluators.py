"""Evaluators: HTTP ingest with 3 online code evaluators attached against the same ingest without
(the target is ≥ 0.8× the speed), and how many code-evaluator jobs a worker runs per second.

    .venv/bin/python bench/evaluators.py [--runs 10000] [--batch 500] [--evaluators 3] [--rounds 1]

Each trial starts `reviewdesk serve` on a fresh SQLite file (bench/ingest.py's harness). The
"worker off" column is the ingest path's own cost (the jobs are enqueued in the ingest transaction);
"worker on" also has the serve process's worker thread scoring runs while ingest goes on. Jobs/s is
then measured by draining the enqueued jobs in this process (`evaluator_jobs.run_due`).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import httpx
from ingest import API_KEY, count_rows, fresh_file, request_bodies, running_server, timed_posts

from reviewdesk.domain.destinations import parse_policy
from reviewdesk.services import evaluator_jobs
from reviewdesk.services.destinations import DestinationGuard
from reviewdesk.store.database import Database

TARGET_RATIO = 0.8
EVALUATORS = [
    {"name": "no personal data", "key": "no_pii", "kind": "code", "spec": {"checks": [{"type": "pii"}]}},
    {
        "name": "answer shape",
        "key": "shape_ok",
        "kind": "code",
        "spec": {
            "checks": [
                {"type": "length", "min": 1, "max": 20000},
                {"type": "regex", "pattern": "(?i)as an ai", "must_match": False},
            ]
        },
    },
    {
        "name": "fast enough",
        "key": "fast",
        "kind": "code",
        "spec": {"checks": [{"type": "latency_ms", "max": 5000}]},
    },
    {
        "name": "cheap enough",
        "key": "cheap",
        "kind": "code",
        "spec": {"checks": [{"type": "cost", "max": 0.05}]},
    },
]


def trial(workdir: Path, bodies: list[bytes], evaluators: int, worker: bool) -> tuple[float, Path]:
    name = f"{evaluators}-evaluators-worker-{'on' if worker else 'off'}"
    db_path = fresh_file(workdir / f"bench-{name}.db")
    os.environ["REVIEWDESK_EVALUATOR_WORKER"] = "on" if worker else "off"
    with running_server(db_path, workdir / f"server-{name}.log") as (base_url, _pid):
        with httpx.Client(
            base_url=f"{base_url}/api/v1", headers={"x-api-key": API_KEY}, timeout=30
        ) as client:
            for body in EVALUATORS[:evaluators]:
                client.post(
                    "/evaluators", json={**body, "online": {"filter": "", "sample_rate": 1.0}}
                ).raise_for_status()
        seconds = timed_posts(base_url, bodies, 1)
    return seconds, db_path


def jobs_per_second(db_path: Path) -> tuple[int, float]:
    db = Database(f"sqlite:///{db_path}")
    guard = DestinationGuard(parse_policy(""))
    started = time.perf_counter()
    done = 0
    while batch := evaluator_jobs.run_due(db, guard, limit=64):
        done += len(batch)
    elapsed = time.perf_counter() - started
    db.dispose()
    return done, done / elapsed if elapsed else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--evaluators", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    bodies = request_bodies(args.runs, args.batch)
    workdir = Path(tempfile.mkdtemp(prefix="reviewdesk-bench-evals-"))
    best: dict[str, float] = {}
    try:
        for round_number in range(1, args.rounds + 1):
            for label, evaluators, worker in (
                ("without", 0, False),
                ("worker off", args.evaluators, False),
                ("worker on", args.evaluators, True),
            ):
                seconds, db_path = trial(workdir, bodies, evaluators, worker)
                rate = args.runs / seconds
                best[label] = max(best.get(label, 0.0), rate)
                print(f"round {round_number}: {label:>10}: {rate:,.0f} runs/s", flush=True)
                if label == "worker off":
                    jobs_db = db_path
        pending = count_rows(jobs_db, "evaluator_jobs")
        done, per_s = jobs_per_second(jobs_db)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(
        f"\n{args.runs:,} runs over HTTP, {args.batch} a request, SQLite; {args.evaluators} online code evaluators"
    )
    for label in ("worker off", "worker on"):
        ratio = best[label] / best["without"]
        verdict = "meets" if ratio >= TARGET_RATIO else "misses"
        print(
            f"  with evaluators, {label}: {best[label]:,.0f} runs/s = {ratio:.2f}× without ({best['without']:,.0f}) ({verdict} ≥ {TARGET_RATIO})"
        )
    print(f"  code-evaluator jobs: {pending:,} enqueued, {done:,} run at {per_s:,.0f} jobs/s (one worker)")


if __name__ == "__main__":
    sys.exit(main())
