"""Search latency: typical run searches on 100k and 1M runs, on SQLite and PostgreSQL.

    .venv/bin/python bench/search.py [--sizes 100000,1000000] [--postgres URL] [--explain] [--analyze]

Loads runs through the ingest service (not HTTP; see loading.py), then times `search_runs` against a bare
`SELECT id FROM runs ORDER BY start_time DESC LIMIT 100` on the same database.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from loading import Loader, database_bytes, postgres_database, prepare, refresh_statistics, sqlite_database
from rich.progress import MofNCompleteColumn, Progress, TimeElapsedColumn, TimeRemainingColumn
from traces import PROJECTS

from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.services.runs import search_runs
from reviewdesk.store import migrate, tables
from reviewdesk.store.database import Database

TARGET_MS = 200.0
BASELINE_SQL = "SELECT id FROM runs ORDER BY start_time DESC LIMIT 100"
QUERIES: dict[str, dict[str, Any]] = {
    "a1 roots of the largest project": {"project": PROJECTS[0], "is_root": True},
    "a2 roots of the smallest project": {"project": PROJECTS[-1], "is_root": True},
    "b  eval_score < 0.5 or thumbs down": {
        "filter": 'metadata.eval_score < 0.5 or feedback.user_rating == "negative"',
        "is_root": True,
    },
    "c  llm calls slower than 5 s": {"filter": 'and(eq(run_type, "llm"), gt(latency, 5))'},
    # Full text (the trigram index of migration 0009): a word in most traces, and a rare one.
    "d  search(refund), common": {"filter": 'search("refund")'},
    "e  search(kb-4999), rare": {"filter": 'search("kb-4999")'},
    "f  roots: search(refund)": {"filter": 'search("refund")', "is_root": True},
}


@dataclass
class Timing:
    samples_ms: list[float] = field(default_factory=list)

    def percentile(self, share: float) -> float:
        ordered = sorted(self.samples_ms)
        return ordered[max(0, math.ceil(share * len(ordered)) - 1)]

    @property
    def p50(self) -> float:
        return self.percentile(0.50)

    @property
    def p95(self) -> float:
        return self.percentile(0.95)


# --- timing ----------------------------------------------------------------------------------


def timed(call: Callable[[], Any], reps: int) -> Timing:
    call()  # warm-up: caches and the filter parser, as on a server that has been up a while
    timing = Timing()
    for _ in range(reps):
        started = time.perf_counter()
        call()
        timing.samples_ms.append((time.perf_counter() - started) * 1000)
    return timing


def baseline(db: Database) -> None:
    with db.read() as conn:
        conn.exec_driver_sql(BASELINE_SQL).fetchall()


def search(db: Database, params: dict[str, Any], cursor: str | None = None) -> tuple[list[Any], str | None]:
    return search_runs(db, SYSTEM_ACTOR, limit=100, cursor=cursor, **params)


def run_statement(db: Database, statement: str, parameters: Any) -> None:
    with db.read() as conn:
        conn.exec_driver_sql(statement, parameters).fetchall()


@dataclass
class PageTiming:
    service: Timing  # search_runs end to end: filter parsing, SQL, row shaping
    sql: Timing  # the statement it sends, alone: how much is the database's share


@dataclass
class QueryResult:
    name: str
    rows: int
    pages: dict[str, PageTiming]


def time_page(db: Database, params: dict[str, Any], cursor: str | None, reps: int) -> PageTiming:
    statement, parameters = captured_statement(db, params, cursor)
    return PageTiming(
        service=timed(lambda: search(db, params, cursor), reps),
        sql=timed(lambda: run_statement(db, statement, parameters), reps),
    )


def cursor_for_page(db: Database, params: dict[str, Any], page: int) -> str | None:
    """The cursor that fetches page `page` (1-based), or None when there are fewer pages."""
    cursor = None
    for _ in range(page - 1):
        _, cursor = search(db, params, cursor)
        if cursor is None:
            return None
    return cursor


def time_query(db: Database, name: str, params: dict[str, Any], args: argparse.Namespace) -> QueryResult:
    rows = len(search(db, params)[0])
    pages = {"page 1": time_page(db, params, None, args.reps)}
    for page in sorted({2, args.deep_page} - {0, 1}):
        cursor = cursor_for_page(db, params, page)
        if cursor:
            pages[f"page {page}"] = time_page(db, params, cursor, args.reps)
    return QueryResult(name, rows, pages)


def captured_statement(db: Database, params: dict[str, Any], cursor: str | None) -> tuple[str, Any]:
    """The SQL and parameters `search_runs` sends, caught at the driver."""
    seen: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "FROM runs" in statement:
            seen.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", capture)
    try:
        search(db, params, cursor)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", capture)
    return seen[-1]


# --- EXPLAIN ---------------------------------------------------------------------------------


def explain(db: Database, params: dict[str, Any], cursor: str | None) -> list[str]:
    statement, parameters = captured_statement(db, params, cursor)
    with db.read() as conn:
        if db.dialect == "postgresql":
            rows = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", parameters)
            return [row[0] for row in rows]
        rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).fetchall()
    depth = {0: 0}
    lines = []
    for node_id, parent, _, detail in rows:
        depth[node_id] = depth.get(parent, 0) + 1
        lines.append("  " * depth[node_id] + detail)
    return lines


def print_plans(db: Database) -> None:
    for name, params in QUERIES.items():
        _, cursor = search(db, params)
        for page, page_cursor in (("page 1", None), ("page 2", cursor)):
            print(f"\n  EXPLAIN {name}, {page}:")
            print("\n".join(f"    {line}" for line in explain(db, params, page_cursor)))


# --- report ----------------------------------------------------------------------------------


def print_results(db: Database, size: int, base: Timing, results: list[QueryResult]) -> dict[str, Any]:
    print(
        f"\n{db.dialect}, {size:,} runs ({database_bytes(db) / 2**20:,.0f} MiB); search_runs, and its SQL alone"
    )
    print(f"  {'baseline: SELECT id … LIMIT 100':42} p50 {base.p50:7.2f} ms  p95 {base.p95:7.2f} ms")
    for result in results:
        for page, timing in result.pages.items():
            flag = "  SLOW" if timing.service.p95 > TARGET_MS else ""
            print(
                f"  {result.name:34} {page:7} p50 {timing.service.p50:7.2f} ms  p95 {timing.service.p95:7.2f} ms"
                f"  ×{timing.service.p50 / base.p50:,.0f} baseline"
                f"  | SQL p50 {timing.sql.p50:7.2f} ms  p95 {timing.sql.p95:7.2f} ms{flag}"
            )
    return {
        "database": db.dialect,
        "runs": size,
        "baseline_ms": {"p50": base.p50, "p95": base.p95},
        "queries": [
            {
                "name": r.name.split()[0],
                "rows": r.rows,
                **{
                    page.replace(" ", ""): {
                        "service_ms": {"p50": t.service.p50, "p95": t.service.p95},
                        "sql_ms": {"p50": t.sql.p50, "p95": t.sql.p95},
                    }
                    for page, t in r.pages.items()
                },
            }
            for r in results
        ],
    }


def measure(db: Database, size: int, args: argparse.Namespace) -> dict[str, Any]:
    base = timed(lambda: baseline(db), args.reps)
    results = [time_query(db, name, params, args) for name, params in QUERIES.items()]
    summary = print_results(db, size, base, results)
    if args.explain:
        print_plans(db)
    return summary


def bench_database(db: Database, args: argparse.Namespace, progress: Progress) -> list[dict[str, Any]]:
    prepare(db)
    loader = Loader(db, args.batch, args.seed, args.sizes[-1])
    summaries = []
    for size in args.sizes:
        loader.load_to(size, progress)
        print(
            f"{db.dialect}: {loader.loaded:,} runs and {loader.feedback:,} feedback rows loaded, "
            f"{loader.loaded / loader.seconds:,.0f} runs/s through ingest_batch"
        )
        refresh_statistics(db, args.analyze)
        summaries.append(measure(db, size, args))
    return summaries


def bench_existing(url: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    """`--db URL`: a database loaded before (e.g. with `--keep`), brought to the newest schema first:
    the migration's time is printed (0009 builds the full-text index over every stored run)."""
    db = Database(url)
    try:
        started = time.perf_counter()
        migrate.upgrade(db)
        print(f"{db.dialect}: migrated to the newest revision in {time.perf_counter() - started:,.1f} s")
        with db.read() as conn:
            size = conn.execute(sa.select(sa.func.count()).select_from(tables.runs)).scalar_one()
        refresh_statistics(db, args.analyze)
        return [measure(db, size, args)]
    finally:
        db.dispose()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100000,1000000", help="run counts to measure at (ascending)")
    parser.add_argument(
        "--postgres", metavar="URL", help="also run on PostgreSQL (a bench_* database is made)"
    )
    parser.add_argument("--no-sqlite", action="store_true", help="skip SQLite")
    parser.add_argument("--explain", action="store_true", help="print each search's query plan")
    parser.add_argument("--analyze", action="store_true", help="run ANALYZE on SQLite before timing")
    parser.add_argument("--reps", type=int, default=20, help="timed repetitions per search (default 20)")
    parser.add_argument("--deep-page", type=int, default=10, help="also time this page (0: only pages 1-2)")
    parser.add_argument("--batch", type=int, default=10_000, help="runs per ingest_batch call while loading")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the databases, to look into them")
    parser.add_argument("--json-out", type=Path, help="also write the results as JSON here")
    parser.add_argument(
        "--db",
        metavar="URL",
        action="append",
        help="measure this already loaded database instead (repeatable; migrated to head first)",
    )
    args = parser.parse_args()
    args.sizes = sorted(int(size) for size in args.sizes.split(","))
    return args


def main() -> None:
    args = parse_args()
    if args.db:
        summaries = [summary for url in args.db for summary in bench_existing(url, args)]
        if args.json_out:
            args.json_out.write_bytes(orjson.dumps(summaries, option=orjson.OPT_INDENT_2))
        return
    # A plain `kill` then still runs the finally blocks that clean up after us.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = Path(tempfile.mkdtemp(prefix="reviewdesk-search-"))
    databases: list[Callable[[], contextlib.AbstractContextManager[Database]]] = []
    if not args.no_sqlite:
        databases.append(lambda: sqlite_database(workdir / "search.db"))
    if args.postgres:
        databases.append(lambda: postgres_database(args.postgres, args.keep))
    summaries: list[dict[str, Any]] = []
    columns = (
        *Progress.get_default_columns()[:-1],
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    try:
        with Progress(*columns) as progress:
            for open_database in databases:
                with open_database() as db:
                    summaries.extend(bench_database(db, args, progress))
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if args.json_out:
        args.json_out.write_bytes(orjson.dumps(summaries, option=orjson.OPT_INDENT_2))


if __name__ == "__main__":
    main()
