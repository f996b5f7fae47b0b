"""Dashboard panels at 1M runs and 1M feedback rows: each panel's service call, timed, on both databases.

    .venv/bin/python bench/analytics.py [--traces 200000] [--postgres URL] [--no-sqlite] [--reps 7]
                                        [--keep] [--load-only] [--json-out PATH]
    .venv/bin/python bench/analytics.py --existing sqlite:///…/analytics.db [--existing postgresql://…/bench_…]

Loads the data of `analytics_data.py` (Core bulk inserts, oldest first), migrates (so the indexes of
the newest migration are there), then times every panel the /dashboards page draws through the same
service function the page and the API call, over the last 30 days. The baseline, measured in the same
run on the same database: `SELECT count(*) FROM feedback WHERE key = 'correctness'` (one index range
of 200,000 entries), so each panel's figure is also printed as a multiple of it. Target: every panel
under 500 ms (p50) at 1M runs and 1M feedback rows.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from analytics_data import DAYS, load, now_utc
from loading import postgres_database, sqlite_database
from rich.progress import MofNCompleteColumn, Progress, TimeElapsedColumn, TimeRemainingColumn

from reviewdesk.store import migrate
from reviewdesk.store.database import Database

TARGET_MS = 500.0


def counts(db: Database) -> dict[str, int]:
    with db.read() as conn:
        return {
            t: conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar_one()
            for t in ("runs", "feedback", "queue_items", "reviews")
        }


def data_end(db: Database) -> datetime:
    from reviewdesk.store.tables import runs

    with db.read() as conn:
        latest = conn.execute(sa.select(sa.func.max(runs.c.start_time))).scalar_one()
    return latest + timedelta(hours=1)


def timed(fn: Callable[[], Any], reps: int) -> dict[str, float]:
    fn()  # warm: caches, prepared statements, as on a server that has been up
    times = []
    for _ in range(reps):
        began = time.perf_counter()
        fn()
        times.append((time.perf_counter() - began) * 1000)
    return {"p50_ms": statistics.median(times), "max_ms": max(times)}


def panels(db: Database, end: datetime) -> dict[str, Callable[[], Any]]:
    """Every panel of /dashboards, called as the page calls it (the admin's view, last 30 days)."""
    from reviewdesk.domain.permissions import SYSTEM_ACTOR
    from reviewdesk.services import analytics, dashboards

    since = end - timedelta(days=DAYS)

    def series(key: str, split: str, filter: str | None = None) -> Callable[[], Any]:
        return lambda: analytics.score_series(
            db, SYSTEM_ACTOR, {"key": key, "split": split, "since": since, "until": end, "filter": filter}
        )

    window = {"since": since, "until": end}
    return {
        "scores overall_quality by source": series("overall_quality", "source"),
        "scores helpfulness by reviewer": series("helpfulness", "reviewer"),
        "scores correctness by queue": series("correctness", "queue"),
        'scores user_rating, filter project == "ops-agent"': series(
            "user_rating", "source", 'project == "ops-agent"'
        ),
        "scores overall_quality, filter metadata.eval_score < 0.5": series(
            "overall_quality", "source", "metadata.eval_score < 0.5"
        ),
        "queue depth, throughput, backlog": lambda: dashboards.queue_activity(db, SYSTEM_ACTOR, window),
        "agreement by field and rubric version": lambda: dashboards.agreement_panel(db, SYSTEM_ACTOR, window),
        "human vs model, overall_quality (heatmap)": lambda: dashboards.human_vs_model_panel(
            db, SYSTEM_ACTOR, {**window, "key": "overall_quality"}
        ),
        "human vs model, helpfulness (scatter)": lambda: dashboards.human_vs_model_panel(
            db, SYSTEM_ACTOR, {**window, "key": "helpfulness"}
        ),
        "pairwise win rates": lambda: dashboards.pairwise_panel(db, SYSTEM_ACTOR, window),
        "reviewer quality": lambda: dashboards.reviewer_panel(db, SYSTEM_ACTOR, window),
        "whole dashboard page": lambda: dashboards.dashboard(db, SYSTEM_ACTOR, window),
    }


def uncapped(fn: Callable[[], Any]) -> Callable[[], Any]:
    """The same call reading every row of the window (what a filtered series did before the cap)."""
    from reviewdesk.services import analytics

    def run() -> Any:
        cap = analytics.FILTERED_ROWS
        analytics.FILTERED_ROWS = 10**12
        try:
            return fn()
        finally:
            analytics.FILTERED_ROWS = cap

    return run


def baseline(db: Database) -> Callable[[], Any]:
    def run() -> int:
        with db.read() as conn:
            return conn.exec_driver_sql(
                "SELECT count(*) FROM feedback WHERE key = 'correctness'"
            ).scalar_one()

    return run


def measure(db: Database, reps: int) -> dict[str, Any]:
    migrate.upgrade(db)  # an existing database gets the indexes added since it was loaded
    end = data_end(db)
    result: dict[str, Any] = {"database": db.dialect, "rows": counts(db), "panels": {}}
    base = timed(baseline(db), reps)
    result["baseline"] = base
    print(f"\n{db.dialect}: {result['rows']}")
    print(f"  baseline (count of one key's 200k feedback rows) p50 {base['p50_ms']:.1f} ms")
    timings = dict(panels(db, end))
    for name in [n for n in timings if "filter" in n]:
        timings[f"{name} (every row, no cap: not a panel)"] = uncapped(timings[name])
    for name, fn in timings.items():
        figures = timed(fn, reps)
        figures["x_baseline"] = figures["p50_ms"] / base["p50_ms"]
        result["panels"][name] = figures
        mark = "ok" if figures["p50_ms"] < TARGET_MS or "no cap" in name else "OVER"
        print(
            f"  {name:<72} p50 {figures['p50_ms']:7.1f} ms  max {figures['max_ms']:7.1f} ms"
            f"  ×{figures['x_baseline']:5.1f}  {mark}"
        )
        if "filter" in name and "no cap" not in name:
            figures["read_since"] = fn()["read_since"]
            print(
                f"    reads from {figures['read_since'] or 'the range start'} (range from {end - timedelta(days=DAYS)})"
            )
    return result


def load_database(db: Database, args: argparse.Namespace) -> float:
    columns = [
        *Progress.get_default_columns(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    ]
    with Progress(*columns) as progress:
        seconds = load(
            db, traces=args.traces, batch_traces=args.batch, seed=args.seed, end=now_utc(), progress=progress
        )
    print(f"{db.dialect}: loaded in {seconds:.0f} s: {counts(db)}")
    return seconds


def parse_args(description: str | None = __doc__, traces: int = 200_000) -> argparse.Namespace:
    """The options every bench on the analytics build takes (queue_signal.py too)."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--traces", type=int, default=traces, help="five-span traces (200k = the 1M-run build)"
    )
    parser.add_argument("--batch", type=int, default=2_000, help="traces per insert transaction")
    parser.add_argument("--postgres", help="a PostgreSQL server URL; a fresh bench_<random> database is made")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--keep", action="store_true", help="keep the databases (then re-measure with --existing)"
    )
    parser.add_argument("--load-only", action="store_true", help="load (with --keep) and stop")
    parser.add_argument("--existing", action="append", default=[], help="measure an already loaded database")
    parser.add_argument("--json-out", type=Path)
    return parser.parse_args()


def measure_databases(
    args: argparse.Namespace, measure_one: Callable[[Database, int], dict[str, Any]], name: str
) -> None:
    """Load the build on SQLite and/or PostgreSQL (or take --existing ones), measure each, write --json-out."""
    results = []
    if args.existing:
        for url in args.existing:
            db = Database(url)
            try:
                results.append(measure_one(db, args.reps))
            finally:
                db.dispose()
    else:
        workdir = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
        targets = [] if args.no_sqlite else ["sqlite"]
        targets += ["postgresql"] if args.postgres else []
        for kind in targets:
            opened = (
                sqlite_database(workdir / f"{name}.db", unsynced=True)
                if kind == "sqlite"
                else postgres_database(args.postgres, args.keep or args.load_only)
            )
            with opened as db:
                results.append({"load_seconds": load_database(db, args)})
                if not args.load_only:
                    results[-1].update(measure_one(db, args.reps))
            if kind == "sqlite":
                print(f"SQLite file: sqlite:///{workdir / f'{name}.db'}")
    if args.json_out:
        args.json_out.write_text(json.dumps(results, indent=2, default=str))


def main() -> None:
    measure_databases(parse_args(), measure, "analytics")


if __name__ == "__main__":
    main()
