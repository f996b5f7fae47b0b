"""Feedback export: rows/s and peak RSS of the streamed JSONL and Parquet export, by row count.

    .venv/bin/python bench/export.py [--rows 1000000] [--runs 250000] [--sizes 100000]
                                     [--formats jsonl,parquet] [--postgres URL] [--no-sqlite] [--keep]
                                     [--batch 5000] [--json-out PATH]
    .venv/bin/python bench/export.py --existing sqlite:///…/export.db [--existing postgresql://…/bench_…]

Loads feedback on runs with Core bulk inserts, then exports the first N rows (oldest first, as the
export orders them) and all of them through `services.exports.feedback_rows` + `exports.encode`
into /dev/null, each in a fresh subprocess so every peak RSS is that export's alone. The baseline,
in the same run, reads the same rows with one bare SELECT (sqlite3 / psycopg, no encoding).
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from loading import postgres_database, sqlite_database
from rich.progress import MofNCompleteColumn, Progress, TimeElapsedColumn, TimeRemainingColumn

from reviewdesk.store import migrate, tables
from reviewdesk.store.database import Database, normalize_url

TARGET_RSS_MIB = 300
KEYS = {
    "overall_quality": ["good", "acceptable", "bad"],
    "groundedness": ["grounded", "partially_grounded", "hallucinated"],
    "user_rating": ["positive", "negative"],
}
KEY_NAMES = list(KEYS)
REVIEWERS = 25
START = datetime(2026, 1, 1, tzinfo=UTC)
SPAN = timedelta(days=30)
QUESTIONS = (
    "Where is my order #{n}? It was supposed to arrive last week and the tracking page has not moved.",
    "Can you tell me the status of refund {n}? I was charged twice and would like to understand why.",
    "How do I change the address on shipment {n} before it ships? The old one is my previous flat.",
)
SYSTEM = (
    "You are a courteous support assistant for an online store. Answer only from the context "
    "documents; when they do not contain the answer, say so and offer to open a ticket."
)
ANSWER = (
    "Thanks for reaching out about #{n}. According to our records it left the warehouse on day {d} "
    "and should arrive within {k} business days; you can follow it from your account page."
)
# The rows the export reads (store/exports._feedback_query), in its order, without paging or encoding.
BASELINE_SQL = """
SELECT f.id, f.run_id, f.trace_id, f.key, f.score, f.value, f.comment, f.correction, f.source,
       f.queue_id, f.rubric_version, f.created_at, f.created_by, u.email, q.name,
       r.inputs, r.outputs, p.name
FROM feedback f
LEFT JOIN runs r ON r.id = f.run_id
LEFT JOIN projects p ON p.id = r.project_id
LEFT JOIN users u ON u.id = f.created_by
LEFT JOIN annotation_queues q ON q.id = f.queue_id
{where}
ORDER BY f.created_at, f.id
"""


# --- databases -------------------------------------------------------------------------------


def database_mib(db: Database) -> float:
    with db.read() as conn:
        if db.dialect == "postgresql":
            size = conn.exec_driver_sql("SELECT pg_database_size(current_database())").scalar_one()
        else:
            pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()
            size = pages * conn.exec_driver_sql("PRAGMA page_size").scalar_one()
    return size / 2**20


# --- loading ---------------------------------------------------------------------------------


def reference_rows(db: Database) -> tuple[uuid.UUID, list[uuid.UUID], list[uuid.UUID]]:
    """One project, the reviewers and two queues: what feedback rows point at."""
    project = {"id": uuid.uuid4(), "name": "support-rag", "created_at": START}
    users = [
        {"id": uuid.uuid4(), "email": f"reviewer{i}@example.com", "role": "reviewer", "created_at": START}
        for i in range(REVIEWERS)
    ]
    queues = [
        {
            "id": uuid.uuid4(),
            "name": name,
            "kind": "single",
            "rubric": [{"key": k, "required": True} for k in KEYS if k != "user_rating"],
            "rubric_version": 1,
            "reviewers_per_item": 1,
            "reservation_seconds": 600,
            "reviewer_access": "assigned",
            "blind": True,
            "backlog_alert_days": 3.0,
            "created_at": START,
            "updated_at": START,
        }
        for name in ("production-rag-review", "low-confidence")
    ]
    with db.write() as conn:
        conn.execute(tables.projects.insert(), [project])
        conn.execute(tables.users.insert(), users)
        conn.execute(tables.annotation_queues.insert(), queues)
    return project["id"], [u["id"] for u in users], [q["id"] for q in queues]


def run_row(rng: random.Random, project_id: uuid.UUID, at: datetime) -> dict[str, Any]:
    n = rng.randint(10_000, 99_999)
    run_id = uuid.uuid4()
    return {
        "id": run_id,
        "trace_id": run_id,
        "project_id": project_id,
        "name": "support_chat",
        "run_type": "chain",
        "is_root": True,
        "status": "success",
        "inputs": {
            "messages": [
                {"role": "system", "content": SYSTEM},
                {"role": "user", "content": rng.choice(QUESTIONS).format(n=n)},
            ]
        },
        "outputs": {"answer": ANSWER.format(n=n, d=rng.randint(1, 28), k=rng.randint(2, 9))},
        "start_time": at,
        "end_time": at + timedelta(seconds=2),
        "latency_ms": 2000.0,
        "tags": ["production"],
        "meta": {"eval_score": round(rng.random(), 3), "model": "gpt-4o-mini"},
        "created_at": at,
        "updated_at": at,
    }


def feedback_row(
    rng: random.Random, run: dict[str, Any], at: datetime, reviewers: list[uuid.UUID], queues: list[uuid.UUID]
) -> dict[str, Any]:
    key = rng.choice(KEY_NAMES)
    value = rng.choice(KEYS[key])
    human = key != "user_rating"
    return {
        "id": uuid.uuid4(),
        "run_id": run["id"],
        "trace_id": run["trace_id"],
        "key": key,
        "score": 1.0 if value in ("good", "grounded", "positive") else 0.0,
        "value": value,
        "comment": "checked against the order record" if rng.random() < 0.3 else None,
        "correction": {"answer": "It ships tomorrow."} if rng.random() < 0.02 else None,
        "source": "human" if human else "user",
        "created_by": rng.choice(reviewers) if human else None,
        "queue_id": rng.choice(queues) if human else None,
        "rubric_version": 1 if human else None,
        "created_at": at,
        "updated_at": at,
    }


def load(db: Database, n_rows: int, n_runs: int, batch_runs: int, seed: int, progress: Progress) -> float:
    """Runs and their feedback, oldest first (as they would have arrived); returns the seconds taken."""
    migrate.upgrade(db)
    rng = random.Random(seed)
    project_id, reviewers, queues = reference_rows(db)
    step = SPAN / n_rows
    task = progress.add_task(f"{db.dialect}: loading feedback", total=n_rows)
    started = time.perf_counter()
    written = 0
    for first_run in range(0, n_runs, batch_runs):
        runs_here = min(batch_runs, n_runs - first_run)
        # Spread the rows evenly over the runs: run i gets rows [i*n/N, (i+1)*n/N).
        rows_here = (first_run + runs_here) * n_rows // n_runs - written
        runs = [
            run_row(rng, project_id, START + step * (written + i * rows_here // runs_here))
            for i in range(runs_here)
        ]
        feedback = []
        for i in range(rows_here):
            at = START + step * (written + i) + timedelta(microseconds=rng.randrange(1000))
            feedback.append(feedback_row(rng, runs[i * runs_here // rows_here], at, reviewers, queues))
        with db.write() as conn:
            conn.execute(tables.runs.insert(), runs)
            conn.execute(tables.feedback.insert(), feedback)
        written += rows_here
        progress.update(task, completed=written)
    seconds = time.perf_counter() - started
    if db.dialect == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    return seconds


def boundary(db: Database, rows: int) -> datetime | None:
    """The `until` that keeps the oldest `rows` feedback rows (None: all of them)."""
    with db.read() as conn:
        query = (
            sa.select(tables.feedback.c.created_at)
            .order_by(tables.feedback.c.created_at, tables.feedback.c.id)
            .offset(rows)
            .limit(1)
        )
        return conn.execute(query).scalar()


# --- one measured export, in its own process -------------------------------------------------


class RssSampler:
    """VmRSS from /proc/self/status every `interval` seconds, beside ru_maxrss at the end."""

    def __init__(self, interval: float = 0.02) -> None:
        self.interval, self.peak_kib, self._stop = interval, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def current_kib(field: str = "VmRSS") -> int:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1])
        return 0

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak_kib = max(self.peak_kib, self.current_kib())

    def __enter__(self) -> RssSampler:
        self.peak_kib = self.current_kib()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_kib = max(self.peak_kib, self.current_kib())


def export_in_this_process(url: str, fmt: str, until: str | None) -> dict[str, Any]:
    """The server's streaming path, minus HTTP: feedback_rows → encode → a sink."""
    from reviewdesk.domain.permissions import SYSTEM_ACTOR
    from reviewdesk.services import exports

    if fmt == "parquet":
        import pyarrow.parquet  # noqa: F401 - imported before the start figure, like a warm server

    db = Database(url)
    start_kib = RssSampler.current_kib()
    rows, out_bytes, curve = itertools.count(), 0, []
    with RssSampler() as sampler, open(os.devnull, "wb") as sink:
        started = time.perf_counter()
        stream = exports.feedback_rows(db, SYSTEM_ACTOR, {"until": until})
        stream.on_row.append(rows.__next__)
        for chunk in exports.encode(stream, fmt):
            out_bytes += sink.write(chunk)
            curve.append(RssSampler.current_kib())  # one figure per chunk: ≤ 2,000 for 1M JSONL rows
        seconds = time.perf_counter() - started
    db.dispose()
    return {
        "rows": next(rows),
        "seconds": seconds,
        "bytes": out_bytes,
        "start_rss_kib": start_kib,
        "peak_vmrss_kib": sampler.peak_kib,
        "ru_maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "vmhwm_kib": RssSampler.current_kib("VmHWM"),
        "rss_curve_kib": curve[:: max(1, len(curve) // 20)],
    }


def baseline_in_this_process(url: str, until: str | None) -> dict[str, Any]:
    """The same rows through the bare driver: one SELECT, rows fetched as text and dropped."""
    parsed = sa.make_url(normalize_url(url))
    start_kib = RssSampler.current_kib()
    rows = 0
    with RssSampler() as sampler:
        if parsed.get_backend_name() == "sqlite":
            import sqlite3

            conn = sqlite3.connect(parsed.database)
            started = time.perf_counter()
            where, params = ("WHERE f.created_at < ?", [sqlite_text(until)]) if until else ("", [])
            cursor = conn.execute(BASELINE_SQL.format(where=where), params)
            while batch := cursor.fetchmany(2000):
                rows += len(batch)
        else:
            import psycopg
            from psycopg.types.string import TextLoader

            conn = psycopg.connect(parsed.set(drivername="postgresql").render_as_string(hide_password=False))
            # Text, as sqlite3 hands them over: decoding JSONB alone doubles the time of this read.
            for type_name in ("jsonb", "json", "uuid", "timestamptz"):
                conn.adapters.register_loader(type_name, TextLoader)
            started = time.perf_counter()
            where, params = ("WHERE f.created_at < %s", [until]) if until else ("", [])
            with conn.transaction(), conn.cursor(name="baseline") as cursor:
                cursor.itersize = 2000
                cursor.execute(BASELINE_SQL.format(where=where), params)
                while batch := cursor.fetchmany(2000):
                    rows += len(batch)
        seconds = time.perf_counter() - started
        conn.close()
    return {
        "rows": rows,
        "seconds": seconds,
        "start_rss_kib": start_kib,
        "peak_vmrss_kib": sampler.peak_kib,
        "ru_maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "vmhwm_kib": RssSampler.current_kib("VmHWM"),
    }


def sqlite_text(until: str) -> str:
    """How UtcDateTime stores a timestamp on SQLite (naive UTC, SQLAlchemy's text form)."""
    at = datetime.fromisoformat(until).astimezone(UTC).replace(tzinfo=None)
    return at.strftime("%Y-%m-%d %H:%M:%S.%f")


def child(args: argparse.Namespace) -> None:
    if args.format == "baseline":
        result = baseline_in_this_process(args.db, args.until)
    else:
        result = export_in_this_process(args.db, args.format, args.until)
    print(json.dumps(result))


def in_subprocess(url: str, fmt: str, until: datetime | None) -> dict[str, Any]:
    """Through `sh`, which forks before running Python: Linux keeps ru_maxrss across fork + exec, so a
    child spawned straight from this process would report this process's peak (the load's) as its own.
    """
    command = ["sh", "-c", '"$@"; exit $?', "sh", sys.executable, __file__, "--child", "--db", url]
    command += ["--format", fmt]
    if until is not None:
        command += ["--until", until.isoformat()]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"the {fmt} export failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- report ----------------------------------------------------------------------------------


@dataclass
class Measure:
    database: str
    rows: int
    format: str
    seconds: float
    rows_per_s: float
    mib_out: float
    start_rss_mib: float
    peak_rss_mib: float
    ru_maxrss_mib: float
    vmhwm_mib: float
    vs_baseline: float
    rss_curve_mib: list[float]


def measure(db: Database, sizes: list[int], formats: list[str], total: int) -> list[Measure]:
    results = []
    for size in sizes:
        until = boundary(db, size) if size < total else None
        base = in_subprocess(db.url, "baseline", until)
        print(
            f"\n{db.dialect}, {base['rows']:,} rows — baseline bare SELECT: {base['seconds']:.2f} s "
            f"({base['rows'] / base['seconds']:,.0f} rows/s), peak RSS {base['peak_vmrss_kib'] / 1024:.0f} MiB"
            f" (ru_maxrss {base['ru_maxrss_kib'] / 1024:.0f})"
        )
        for fmt in formats:
            got = in_subprocess(db.url, fmt, until)
            assert got["rows"] == base["rows"], (got["rows"], base["rows"])
            m = Measure(
                database=db.dialect,
                rows=got["rows"],
                format=fmt,
                seconds=got["seconds"],
                rows_per_s=got["rows"] / got["seconds"],
                mib_out=got["bytes"] / 2**20,
                start_rss_mib=got["start_rss_kib"] / 1024,
                peak_rss_mib=got["peak_vmrss_kib"] / 1024,
                ru_maxrss_mib=got["ru_maxrss_kib"] / 1024,
                vmhwm_mib=got["vmhwm_kib"] / 1024,
                vs_baseline=got["seconds"] / base["seconds"],
                rss_curve_mib=[round(k / 1024) for k in got["rss_curve_kib"]],
            )
            flag = "" if m.ru_maxrss_mib < TARGET_RSS_MIB else f"  OVER {TARGET_RSS_MIB} MiB"
            print(
                f"  {fmt:8} {m.seconds:7.2f} s  {m.rows_per_s:9,.0f} rows/s  ×{m.vs_baseline:.1f} baseline"
                f"  {m.mib_out:8,.0f} MiB out  RSS start {m.start_rss_mib:4.0f} → peak {m.peak_rss_mib:4.0f} MiB"
                f" (VmHWM {m.vmhwm_mib:.0f}, ru_maxrss {m.ru_maxrss_mib:.0f}){flag}"
            )
            print(f"           RSS over the export (MiB): {m.rss_curve_mib}")
            results.append(m)
    return results


def bench_database(db: Database, args: argparse.Namespace) -> list[Measure]:
    columns = (
        *Progress.get_default_columns()[:-1],
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns) as progress:
        seconds = load(db, args.rows, args.runs, args.batch, args.seed, progress)
    print(
        f"{db.dialect}: {args.rows:,} feedback rows on {args.runs:,} runs loaded in {seconds:.0f} s "
        f"({(args.rows + args.runs) / seconds:,.0f} rows/s), {database_mib(db):,.0f} MiB"
    )
    return measure(db, [*args.sizes, args.rows], args.formats, args.rows)


def measure_existing(args: argparse.Namespace) -> None:
    """Measure again on databases a `--keep` run left, without loading them again."""
    results: list[Measure] = []
    for url in args.existing:
        db = Database(url)
        with db.read() as conn:
            total = conn.execute(sa.select(sa.func.count()).select_from(tables.feedback)).scalar_one()
        sizes = [size for size in args.sizes if size < total]
        results.extend(measure(db, [*sizes, total], args.formats, total))
        db.dispose()
    if args.json_out:
        args.json_out.write_text(json.dumps([asdict(r) for r in results], indent=2))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="feedback rows to load (default 1M)")
    parser.add_argument("--runs", type=int, default=250_000, help="runs they are spread over (default 250k)")
    parser.add_argument("--sizes", default="100000", help="smaller exports to compare with the full one")
    parser.add_argument("--formats", default="jsonl,parquet")
    parser.add_argument(
        "--postgres", metavar="URL", help="also run on PostgreSQL (a bench_* database is made)"
    )
    parser.add_argument("--no-sqlite", action="store_true", help="skip SQLite")
    parser.add_argument("--batch", type=int, default=5_000, help="runs per insert transaction")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the databases, to look into them")
    parser.add_argument("--json-out", type=Path, help="also write the results as JSON here")
    parser.add_argument(
        "--existing", metavar="URL", action="append", help="measure a database a --keep run left (repeatable)"
    )
    # Internal: one measured export (or the baseline) in a fresh process.
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--format", help=argparse.SUPPRESS)
    parser.add_argument("--until", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.sizes = sorted(int(s) for s in args.sizes.split(",") if s and 0 < int(s) < args.rows)
    args.formats = [f for f in args.formats.split(",") if f]
    return args


def main() -> None:
    args = parse_args()
    if args.child:
        child(args)
        return
    if args.existing:
        measure_existing(args)
        return
    # A plain `kill` then still runs the finally blocks that clean up after us.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = Path(tempfile.mkdtemp(prefix="reviewdesk-export-"))
    databases: list[Callable[[], contextlib.AbstractContextManager[Database]]] = []
    if not args.no_sqlite:
        databases.append(lambda: sqlite_database(workdir / "export.db", unsynced=True))
    if args.postgres:
        databases.append(lambda: postgres_database(args.postgres, args.keep))
    results: list[Measure] = []
    try:
        for open_database in databases:
            with open_database() as db:
                results.extend(bench_database(db, args))
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if args.json_out:
        args.json_out.write_text(json.dumps([asdict(r) for r in results], indent=2))


if __name__ == "__main__":
    main()
