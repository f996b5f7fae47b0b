"""Ingest throughput: runs/s through a real `reviewdesk serve` over HTTP, against raw sqlite3 inserts.

.venv/bin/python bench/ingest.py [--runs 50000] [--batch 500] [--clients 1,2] [--json-out PATH]
"""

from __future__ import annotations

import argparse
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

from reviewdesk.store import tables

API_KEY = "rd_bench_ingest_key"
TARGET_RATIO = 0.25


@dataclass
class Trial:
    clients: int
    runs: int
    seconds: float

    @property
    def runs_per_s(self) -> float:
        return self.runs / self.seconds


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
def running_server(db_path: Path, log_path: Path) -> Iterator[str]:
    """`reviewdesk serve` on a fresh SQLite file; yields its base URL and stops it afterwards."""
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
            yield base_url
        finally:
            server.terminate()
            server.wait(timeout=30)


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


def count_runs(db_path: Path) -> int:
    with sqlite3.connect(db_path) as conn:
        return conn.execute("SELECT count(*) FROM runs").fetchone()[0]


def fresh_file(path: Path) -> Path:
    for stale in (path, path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")):
        stale.unlink(missing_ok=True)
    return path


def http_trial(workdir: Path, bodies: list[bytes], n_runs: int, clients: int) -> tuple[Trial, Path]:
    db_path = fresh_file(workdir / f"bench-{clients}-clients.db")
    with running_server(db_path, workdir / f"server-{clients}-clients.log") as base_url:
        seconds = timed_posts(base_url, bodies, clients)
    stored = count_runs(db_path)
    if stored != n_runs:
        raise RuntimeError(f"the server stored {stored} runs, expected {n_runs}")
    return Trial(clients, n_runs, seconds), db_path


# --- the raw sqlite3 baseline ----------------------------------------------------------------


def stored_rows(db_path: Path, table: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The rows exactly as the server stored them: same UUID, timestamp and JSON text."""
    with sqlite3.connect(db_path) as conn:
        cursor = conn.execute(f"SELECT * FROM {table} ORDER BY rowid")
        return [d[0] for d in cursor.description], cursor.fetchall()


def create_bare_schema(db_path: Path) -> None:
    """Only the runs table (and the projects table its foreign key needs), with the same indexes."""
    bare = sa.MetaData(naming_convention=tables.NAMING_CONVENTION)
    tables.projects.to_metadata(bare)
    tables.runs.to_metadata(bare)
    engine = sa.create_engine(f"sqlite:///{db_path}")
    bare.create_all(engine)
    engine.dispose()


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


def report(trials: list[Trial], raw: Trial, args: argparse.Namespace) -> dict[str, Any]:
    best = max(trials, key=lambda t: t.runs_per_s)
    ratio = best.runs_per_s / raw.runs_per_s
    rounds = f", best of {args.rounds} rounds" if args.rounds > 1 else ""
    print(f"\n{args.runs:,} runs, {args.batch} runs a request (SQLite, WAL, synchronous=FULL){rounds}")
    for trial in trials:
        print(f"  HTTP, {trial.clients} client(s): {trial.runs_per_s:10,.0f} runs/s  ({trial.seconds:.2f} s)")
    print(f"  raw sqlite3 executemany: {raw.runs_per_s:10,.0f} runs/s  ({raw.seconds:.2f} s)")
    verdict = "meets" if ratio >= TARGET_RATIO else "misses"
    print(f"  best HTTP / raw = {ratio:.1%}  ({verdict} the {TARGET_RATIO:.0%} target)")
    return {
        "runs": args.runs,
        "batch": args.batch,
        "rounds": args.rounds,
        "http": [{**asdict(t), "runs_per_s": t.runs_per_s} for t in trials],
        "raw": {"seconds": raw.seconds, "runs_per_s": raw.runs_per_s},
        "best_http_runs_per_s": best.runs_per_s,
        "ratio": ratio,
        "target_ratio": TARGET_RATIO,
    }


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=50_000, help="runs to post (default 50000)")
    parser.add_argument("--batch", type=int, default=500, help="runs per request and per raw transaction")
    parser.add_argument("--clients", default="1,2", help="concurrent HTTP clients to try (default 1,2)")
    parser.add_argument("--rounds", type=int, default=1, help="repeat every trial, keep the best (default 1)")
    parser.add_argument("--json-out", type=Path, help="also write the results as JSON here")
    parser.add_argument("--keep", action="store_true", help="keep the database files and server logs")
    return parser.parse_args()


def best_trials(args: argparse.Namespace, bodies: list[bytes], workdir: Path) -> tuple[list[Trial], Trial]:
    """The fastest HTTP trial per client count and the fastest raw trial over all rounds."""
    http: dict[int, Trial] = {}
    raw: Trial | None = None
    for round_number in range(1, args.rounds + 1):
        for clients in (int(c) for c in args.clients.split(",")):
            trial, db_path = http_trial(workdir, bodies, args.runs, clients)
            print(
                f"round {round_number}: HTTP with {clients} client(s): {trial.runs_per_s:,.0f} runs/s",
                flush=True,
            )
            if clients not in http or trial.runs_per_s > http[clients].runs_per_s:
                http[clients] = trial
        trial = raw_trial(db_path, workdir, args.batch)
        print(f"round {round_number}: raw sqlite3: {trial.runs_per_s:,.0f} runs/s", flush=True)
        if raw is None or trial.runs_per_s > raw.runs_per_s:
            raw = trial
    assert raw is not None
    return list(http.values()), raw


def main() -> None:
    args = parse_args()
    # A plain `kill` then still runs the finally blocks that clean up after us.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    bodies = request_bodies(args.runs, args.batch)
    workdir = Path(tempfile.mkdtemp(prefix="reviewdesk-bench-"))
    try:
        trials, raw = best_trials(args, bodies, workdir)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    results = report(trials, raw, args)
    if args.json_out:
        args.json_out.write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))
    if args.keep:
        print(f"  files kept in {workdir}")


if __name__ == "__main__":
    main()
