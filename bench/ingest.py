"""Ingest throughput: runs/s through a real `reviewdesk serve` over HTTP, against raw sqlite3 inserts.

.venv/bin/python bench/ingest.py [--runs 50000] [--batch 500] [--clients 1,2] [--rules 20] [--evaluators 3]
                                 [--json-out PATH]

With --rules N, every client count is also timed with N enabled routing rules (made through the API
before posting), so the cost of routing at ingest shows as a ratio measured in the same run.
With --evaluators N, likewise with N online code evaluators, the serve worker thread scoring runs
while ingest goes on (the default `serve`).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import sqlalchemy as sa
from traces import SPANS_PER_TRACE, generate_traces, utc_now

from reviewdesk.store import migrations as migrations_package
from reviewdesk.store import tables

API_KEY = "rd_bench_ingest_key"
TARGET_RATIO = 0.25
TARGET_RULES_SLOWDOWN = 2.0
TARGET_EVALUATORS_RATIO = 0.8
SCORE_CONFIGS = (
    {"key": "user_rating", "type": "categorical", "options": ["positive", "negative"]},
    {
        "key": "correctness",
        "type": "categorical",
        "options": [{"value": "correct", "score": 1}, {"value": "incorrect", "score": 0}],
    },
)
# Twenty rules a team running these agents might keep, spread over five single-run queues: metadata
# thresholds, tags, run type and latency, feedback conditions, two sampled, one with a daily cap.
# (queue, rule name, filter, other settings)
ROUTING_RULES: list[tuple[str, str, str, dict[str, Any]]] = [
    ("low-quality answers", "very low eval score", "metadata.eval_score < 0.3", {}),
    ("low-quality answers", "low score in production", 'metadata.eval_score < 0.5 and has(tags, "production")', {}),
    ("low-quality answers", "thumbs down", 'feedback.user_rating == "negative"', {}),
    ("low-quality answers", "low score or thumbs down", 'metadata.eval_score < 0.4 or feedback.user_rating == "negative"', {}),
    ("slow and expensive", "slow traces", "latency > 20", {}),
    ("slow and expensive", "slow llm calls", 'and(eq(run_type, "llm"), gt(latency, 10))', {"roots_only": False}),
    ("slow and expensive", "token-heavy traces", "metadata.usage.total_tokens > 3500", {}),
    ("slow and expensive", "slow tools", 'run_type == "tool" and latency > 0.7', {"roots_only": False}),
    ("release watch", "canary sample", 'random_sample == 0.1 and has(tags, "canary")', {}),
    ("release watch", "beta on 1.9.1", 'has(tags, "beta") and metadata.app_version == "1.9.1"', {}),
    ("release watch", "weak mobile answers", '"mobile" in tags and metadata.eval_score < 0.6', {}),
    ("release watch", "1.9.1 sample", 'metadata.app_version == "1.9.1" and random_sample == 0.05', {}),
    ("project spot checks", "legal sample", 'project == "legal-review"', {"sample_rate": 0.2, "daily_cap": 500}),
    ("project spot checks", "weak hr answers", 'project == "hr-helpdesk" and metadata.eval_score < 0.6', {}),
    ("project spot checks", "enterprise support", 'project == "support-rag" and inputs.customer_tier == "enterprise" and metadata.eval_score < 0.7', {}),
    ("project spot checks", "weak sales and onboarding", 'project in ["sales-copilot", "onboarding-guide"] and metadata.eval_score < 0.45', {}),
    ("errors and complaints", "errors", 'status == "error"', {"roots_only": False}),
    ("errors and complaints", "judged incorrect", "feedback.correctness < 0.5", {}),
    ("errors and complaints", "double charges", 'search("charged twice") and metadata.eval_score < 0.8', {}),
    ("errors and complaints", "slow in the eu", 'has(tags, "eu") and latency > 15 and not(has(tags, "staging"))', {}),
]  # fmt: skip
# Online code evaluators on every ended root run (sample rate 1): the worst case for the ingest path.
EVALUATORS: list[dict[str, Any]] = [
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
    {"name": "fast enough", "key": "fast", "kind": "code", "spec": {"checks": [{"type": "latency_ms", "max": 5000}]}},
    {"name": "cheap enough", "key": "cheap", "kind": "code", "spec": {"checks": [{"type": "cost", "max": 0.05}]}},
]  # fmt: skip


@dataclass
class Trial:
    clients: int
    runs: int
    seconds: float
    rules: int = 0
    routed: int = 0  # queue items the rules added
    server_cpu_s: float = 0.0  # the server's CPU time while posting: steadier than runs/s on a busy machine
    evaluators: int = 0
    jobs: int = 0  # evaluator jobs enqueued
    scored: int = 0  # of them, done by the time the last batch was answered

    @property
    def runs_per_s(self) -> float:
        return self.runs / self.seconds

    @property
    def cpu_ms_per_1000_runs(self) -> float:
        return self.server_cpu_s * 1e6 / self.runs


# --- the HTTP side ---------------------------------------------------------------------------


def request_bodies(n_runs: int, batch: int) -> list[bytes]:
    """Encoded up front, so the timed part is the server's work, not the client's."""
    runs = [
        run
        for trace in generate_traces(1, -(-n_runs // SPANS_PER_TRACE), now=utc_now(), days=1)
        for run in trace
    ]
    runs = runs[:n_runs]
    return [orjson.dumps({"post": runs[i : i + batch]}) for i in range(0, len(runs), batch)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_server(db_path: Path, log_path: Path) -> Iterator[tuple[str, int]]:
    """`reviewdesk serve` on a fresh SQLite file; yields its base URL and pid, and stops it afterwards."""
    port = free_port()
    env = {
        **os.environ,
        "REVIEWDESK_INIT_ADMIN_EMAIL": "bench@example.com",
        "REVIEWDESK_INIT_ADMIN_PASSWORD": "bench-password-123",
        "REVIEWDESK_INIT_API_KEY": API_KEY,
    }
    command = [str(Path(sys.executable).with_name("reviewdesk")), "serve", "--db", f"sqlite:///{db_path}"]
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [*command, "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            wait_for_health(base_url, server, log_path)
            yield base_url, server.pid
        finally:
            server.terminate()
            server.wait(timeout=30)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux: /proc/<pid>/stat, fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_for_health(base_url: str, server: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"the server exited with {server.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            if httpx.get(f"{base_url}/api/v1/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    sys.exit(f"the server did not answer /api/v1/health within 60 s:\n{log_path.read_text()[-3000:]}")


def post_all(client: httpx.Client, bodies: list[bytes]) -> None:
    for body in bodies:
        while True:
            response = client.post("/api/v1/runs/batch", content=body)
            if response.status_code != 503:
                break
            # The server's ingest queue is full: back off as told, like the SDK does.
            time.sleep(float(response.headers.get("retry-after", "0.5")))
        if response.status_code >= 300:
            raise RuntimeError(f"POST /runs/batch answered {response.status_code}: {response.text[:500]}")


def timed_posts(base_url: str, bodies: list[bytes], clients: int) -> float:
    """Seconds from the first request to the last 2xx, with `clients` connections in parallel."""
    headers = {"x-api-key": API_KEY, "content-type": "application/json"}
    sessions = [httpx.Client(base_url=base_url, headers=headers, timeout=300) for _ in range(clients)]
    failures: list[BaseException] = []

    def work(index: int) -> None:
        try:
            post_all(sessions[index], bodies[index::clients])
        except BaseException as exc:  # re-raised in the main thread below
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    for session in sessions:
        session.close()
    if failures:
        raise failures[0]
    return elapsed


def count_rows(db_path: Path, table: str) -> int:
    with sqlite3.connect(db_path) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def create_rules(base_url: str, count: int) -> None:
    """Score configs, queues and the first `count` rules, through the API as a user would make them."""
    headers = {"x-api-key": API_KEY}
    if count > len(ROUTING_RULES):
        sys.exit(f"--rules: at most {len(ROUTING_RULES)}")
    with httpx.Client(base_url=f"{base_url}/api/v1", headers=headers, timeout=30) as client:
        for config in SCORE_CONFIGS:
            client.post("/feedback-configs", json=config).raise_for_status()
        queue_ids: dict[str, str] = {}
        for queue, name, text, settings in ROUTING_RULES[:count]:
            if queue not in queue_ids:
                body = {"name": queue, "rubric": [{"key": "correctness", "required": True}]}
                response = client.post("/queues", json=body)
                response.raise_for_status()
                queue_ids[queue] = response.json()["id"]
            rule = {"name": name, "filter": text, **settings}
            client.post(f"/queues/{queue_ids[queue]}/rules", json=rule).raise_for_status()


def create_evaluators(base_url: str, count: int) -> None:
    """The first `count` online code evaluators, through the API."""
    if count > len(EVALUATORS):
        sys.exit(f"--evaluators: at most {len(EVALUATORS)}")
    with httpx.Client(base_url=f"{base_url}/api/v1", headers={"x-api-key": API_KEY}, timeout=30) as client:
        for body in EVALUATORS[:count]:
            online = {"filter": "", "sample_rate": 1.0}
            client.post("/evaluators", json={**body, "online": online}).raise_for_status()


def evaluator_jobs_done(db_path: Path) -> tuple[int, int]:
    """(jobs enqueued, jobs done)."""
    with sqlite3.connect(db_path) as conn:
        total, done = conn.execute(
            "SELECT count(*), coalesce(sum(status = 'done'), 0) FROM evaluator_jobs"
        ).fetchone()
    return total, done


def fresh_file(path: Path) -> Path:
    for stale in (path, path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")):
        stale.unlink(missing_ok=True)
    return path


def http_trial(
    workdir: Path, bodies: list[bytes], n_runs: int, clients: int, rules: int = 0, evaluators: int = 0
) -> tuple[Trial, Path]:
    name = f"{clients}-clients-{rules}-rules-{evaluators}-evaluators"
    db_path = fresh_file(workdir / f"bench-{name}.db")
    with running_server(db_path, workdir / f"server-{name}.log") as (base_url, pid):
        if rules:
            create_rules(base_url, rules)
        if evaluators:
            create_evaluators(base_url, evaluators)
        cpu_before = cpu_seconds(pid)
        seconds = timed_posts(base_url, bodies, clients)
        cpu = cpu_seconds(pid) - cpu_before
        jobs, scored = evaluator_jobs_done(db_path)
    stored = count_rows(db_path, "runs")
    if stored != n_runs:
        raise RuntimeError(f"the server stored {stored} runs, expected {n_runs}")
    routed = count_rows(db_path, "queue_items")
    trial = Trial(
        clients, n_runs, seconds, rules, routed, cpu, evaluators=evaluators, jobs=jobs, scored=scored
    )
    return trial, db_path


# --- the raw sqlite3 baseline ----------------------------------------------------------------


def stored_rows(db_path: Path, table: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The rows exactly as the server stored them: same UUID, timestamp and JSON text."""
    with sqlite3.connect(db_path) as conn:
        cursor = conn.execute(f"SELECT * FROM {table} ORDER BY rowid")
        return [d[0] for d in cursor.description], cursor.fetchall()


def create_bare_schema(db_path: Path) -> None:
    """Only the runs table (and the projects table its foreign key needs), with the same indexes,
    and the same full-text index kept by the same triggers (migration 0009): storage work both pay."""
    bare = sa.MetaData(naming_convention=tables.NAMING_CONVENTION)
    tables.projects.to_metadata(bare)
    tables.runs.to_metadata(bare)
    engine = sa.create_engine(f"sqlite:///{db_path}")
    bare.create_all(engine)
    engine.dispose()
    with sqlite3.connect(db_path) as conn:
        for statement in _full_text_migration().SQLITE_UPGRADE:
            conn.execute(statement)


def _full_text_migration() -> Any:
    versions = Path(migrations_package.__file__).parent / "versions"
    (path,) = versions.glob("0009_*.py")
    spec = importlib.util.spec_from_file_location("migration_0009", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def raw_connection(db_path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


def insert_statement(table: str, columns: list[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def raw_trial(source_db: Path, workdir: Path, batch: int) -> Trial:
    """executemany of the same rows, one transaction per batch as the server commits per request."""
    target = fresh_file(workdir / "raw.db")
    create_bare_schema(target)
    project_columns, project_rows = stored_rows(source_db, "projects")
    run_columns, run_rows = stored_rows(source_db, "runs")
    conn = raw_connection(target)
    conn.executemany(insert_statement("projects", project_columns), project_rows)
    sql = insert_statement("runs", run_columns)
    started = time.perf_counter()
    for start in range(0, len(run_rows), batch):
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(sql, run_rows[start : start + batch])
        conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    conn.close()
    return Trial(0, len(run_rows), seconds)


# --- report ----------------------------------------------------------------------------------


def report_rules(trials: list[Trial], with_rules: list[Trial], rules: int) -> list[dict[str, Any]]:
    """Runs/s with and without routing rules, per client count, and how many times slower."""
    without = {t.clients: t for t in trials}
    print(f"  with {rules} enabled routing rules (target: at most {TARGET_RULES_SLOWDOWN:.0f}× slower)")
    rows = []
    for trial in with_rules:
        plain = without[trial.clients]
        slowdown = plain.runs_per_s / trial.runs_per_s
        cpu_ratio = trial.cpu_ms_per_1000_runs / plain.cpu_ms_per_1000_runs
        verdict = "meets" if slowdown <= TARGET_RULES_SLOWDOWN else "misses"
        print(
            f"  HTTP, {trial.clients} client(s), {rules} rules: {trial.runs_per_s:10,.0f} runs/s  "
            f"({trial.seconds:.2f} s, {trial.routed:,} items routed)  "
            f"{slowdown:.2f}× slower than without  ({verdict})"
        )
        print(
            f"    server CPU per 1,000 runs: {trial.cpu_ms_per_1000_runs:,.0f} ms with rules, "
            f"{plain.cpu_ms_per_1000_runs:,.0f} ms without: ×{cpu_ratio:.2f}"
        )
        rows.append(
            {
                **asdict(trial),
                "runs_per_s": trial.runs_per_s,
                "slowdown": slowdown,
                "cpu_ms_per_1000_runs": trial.cpu_ms_per_1000_runs,
                "cpu_ratio": cpu_ratio,
            }
        )
    return rows


def report_evaluators(trials: list[Trial], with_evaluators: list[Trial], count: int) -> list[dict[str, Any]]:
    """Runs/s with and without online evaluators, per client count, as a share of without."""
    without = {t.clients: t for t in trials}
    print(
        f"  with {count} online code evaluators, worker on (target: at least {TARGET_EVALUATORS_RATIO}× without)"
    )
    rows = []
    for trial in with_evaluators:
        plain = without[trial.clients]
        ratio = trial.runs_per_s / plain.runs_per_s
        cpu_ratio = trial.cpu_ms_per_1000_runs / plain.cpu_ms_per_1000_runs
        verdict = "meets" if ratio >= TARGET_EVALUATORS_RATIO else "misses"
        print(
            f"  HTTP, {trial.clients} client(s), {count} evaluators: {trial.runs_per_s:10,.0f} runs/s  "
            f"({trial.seconds:.2f} s; {trial.scored:,} of {trial.jobs:,} jobs done by the last answer)  "
            f"{ratio:.2f}× without  ({verdict})"
        )
        print(
            f"    server CPU per 1,000 runs (ingest and the worker thread): "
            f"{trial.cpu_ms_per_1000_runs:,.0f} ms with evaluators, {plain.cpu_ms_per_1000_runs:,.0f} ms without: ×{cpu_ratio:.2f}"
        )
        rows.append({**asdict(trial), "runs_per_s": trial.runs_per_s, "ratio": ratio, "cpu_ratio": cpu_ratio})
    return rows


def report(
    trials: list[Trial],
    variants: dict[str, list[Trial]],
    raw: Trial,
    args: argparse.Namespace,
) -> dict[str, Any]:
    best = max(trials, key=lambda t: t.runs_per_s)
    ratio = best.runs_per_s / raw.runs_per_s
    rounds = f", best of {args.rounds} rounds" if args.rounds > 1 else ""
    print(f"\n{args.runs:,} runs, {args.batch} runs a request (SQLite, WAL, synchronous=FULL){rounds}")
    for trial in trials:
        print(
            f"  HTTP, {trial.clients} client(s): {trial.runs_per_s:10,.0f} runs/s  ({trial.seconds:.2f} s, "
            f"server CPU {trial.cpu_ms_per_1000_runs:,.0f} ms per 1,000 runs)"
        )
    print(f"  raw sqlite3 executemany: {raw.runs_per_s:10,.0f} runs/s  ({raw.seconds:.2f} s)")
    verdict = "meets" if ratio >= TARGET_RATIO else "misses"
    print(f"  best HTTP / raw = {ratio:.1%}  ({verdict} the {TARGET_RATIO:.0%} target)")
    with_rules, with_evaluators = variants["rules"], variants["evaluators"]
    rules = report_rules(trials, with_rules, args.rules) if with_rules else []
    evaluators = report_evaluators(trials, with_evaluators, args.evaluators) if with_evaluators else []
    return {
        "runs": args.runs,
        "batch": args.batch,
        "rounds": args.rounds,
        "http": [
            {**asdict(t), "runs_per_s": t.runs_per_s, "cpu_ms_per_1000_runs": t.cpu_ms_per_1000_runs}
            for t in trials
        ],
        "raw": {"seconds": raw.seconds, "runs_per_s": raw.runs_per_s},
        "best_http_runs_per_s": best.runs_per_s,
        "ratio": ratio,
        "target_ratio": TARGET_RATIO,
        "rules": args.rules,
        "http_with_rules": rules,
        "target_rules_slowdown": TARGET_RULES_SLOWDOWN,
        "evaluators": args.evaluators,
        "http_with_evaluators": evaluators,
        "target_evaluators_ratio": TARGET_EVALUATORS_RATIO,
    }


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=50_000, help="runs to post (default 50000)")
    parser.add_argument("--batch", type=int, default=500, help="runs per request and per raw transaction")
    parser.add_argument("--clients", default="1,2", help="concurrent HTTP clients to try (default 1,2)")
    parser.add_argument("--rounds", type=int, default=1, help="repeat every trial, keep the best (default 1)")
    parser.add_argument(
        "--rules", type=int, default=0, help="also time every client count with N routing rules (max 20)"
    )
    parser.add_argument(
        "--evaluators",
        type=int,
        default=0,
        help=f"also time every client count with N online code evaluators (max {len(EVALUATORS)})",
    )
    parser.add_argument("--json-out", type=Path, help="also write the results as JSON here")
    parser.add_argument("--keep", action="store_true", help="keep the database files and server logs")
    return parser.parse_args()


def best_trials(
    args: argparse.Namespace, bodies: list[bytes], workdir: Path
) -> tuple[list[Trial], dict[str, list[Trial]], Trial]:
    """The fastest HTTP trial per client count (plain, with rules, with evaluators) and the fastest raw."""
    variants = [("plain", 0, 0)]
    if args.rules:
        variants.append(("rules", args.rules, 0))
    if args.evaluators:
        variants.append(("evaluators", 0, args.evaluators))
    http: dict[tuple[int, str], Trial] = {}
    raw: Trial | None = None
    for round_number in range(1, args.rounds + 1):
        for clients in (int(c) for c in args.clients.split(",")):
            for variant, rules, evaluators in variants:
                trial, db_path = http_trial(workdir, bodies, args.runs, clients, rules, evaluators)
                print(
                    f"round {round_number}: HTTP with {clients} client(s), {rules} rules, "
                    f"{evaluators} evaluators: {trial.runs_per_s:,.0f} runs/s, "
                    f"server CPU {trial.cpu_ms_per_1000_runs:,.0f} ms per 1,000",
                    flush=True,
                )
                key = (clients, variant)
                if key not in http or trial.runs_per_s > http[key].runs_per_s:
                    http[key] = trial
                if variant == "plain":
                    plain_db = db_path
        trial = raw_trial(plain_db, workdir, args.batch)
        print(f"round {round_number}: raw sqlite3: {trial.runs_per_s:,.0f} runs/s", flush=True)
        if raw is None or trial.runs_per_s > raw.runs_per_s:
            raw = trial
    assert raw is not None
    by_variant = {
        name: [t for (_, variant), t in http.items() if variant == name] for name in ("rules", "evaluators")
    }
    return [t for (_, variant), t in http.items() if variant == "plain"], by_variant, raw


def main() -> None:
    args = parse_args()
    # A plain `kill` then still runs the finally blocks that clean up after us.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    bodies = request_bodies(args.runs, args.batch)
    workdir = Path(tempfile.mkdtemp(prefix="reviewdesk-bench-"))
    try:
        trials, variants, raw = best_trials(args, bodies, workdir)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    results = report(trials, variants, raw, args)
    if args.json_out:
        args.json_out.write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))
    if args.keep:
        print(f"  files kept in {workdir}")


if __name__ == "__main__":
    main()
