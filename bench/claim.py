"""Review latency: one reviewer's next_item and submit at 10k, 100k and 1M pending items, SQLite and PostgreSQL.

    .venv/bin/python bench/claim.py [--sizes 10000,100000,1000000] [--postgres URL] [--cycles 300]
                                    [--reviewers 8] [--threads 4] [--explain] [--statements]
                                    [--sustained 20000 [--window 2000]]

The queue, its score configs and reviewers are made through the services, items are bulk-inserted into
queue_items, then `review.next_item` and `review.submit` are timed against a bare primary-key SELECT of
one queue item on the same database. `--sustained` then goes on at the largest size and reports the
latency window by window, which shows whether it grows with the reviews written.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from loading import database_bytes, postgres_database, refresh_statistics
from rich.progress import MofNCompleteColumn, Progress, TimeElapsedColumn, TimeRemainingColumn
from search import Timing
from traces import generate_traces, utc_now

from reviewdesk.domain.permissions import SYSTEM_ACTOR, Actor, Role
from reviewdesk.services import accounts, feedback_configs, queues, review
from reviewdesk.services.ingest import ingest_batch
from reviewdesk.store import migrate, tables
from reviewdesk.store.database import Database

TARGET_MS = 10.0
POOL_TRACES = 2_000  # real root runs the items point at, so the view and the feedback writes do real work
INSERT_CHUNK = 20_000
BACKLOG_DAYS = 14
PRIORITIES = {0: 0.90, 1: 0.08, 2: 0.02}  # most items routed at 0, a few raised by urgent rules
CONFIGS = (
    {
        "key": "correctness",
        "type": "categorical",
        "options": [
            {"value": "correct", "score": 1},
            {"value": "partially_correct", "score": 0.5},
            {"value": "incorrect", "score": 0},
        ],
    },
    {"key": "helpfulness", "type": "continuous", "min": 1, "max": 5},
    {"key": "notes", "type": "freeform"},
)
RUBRIC = [
    {"key": "correctness", "required": True, "instructions": "Is the answer supported by the documents?"},
    {"key": "helpfulness", "required": True},
    {"key": "notes"},
]


@dataclass
class Cycles:
    claim: Timing = field(default_factory=Timing)
    submit: Timing = field(default_factory=Timing)
    total: Timing = field(default_factory=Timing)

    def add(self, claim_ms: float, submit_ms: float) -> None:
        self.claim.samples_ms.append(claim_ms)
        self.submit.samples_ms.append(submit_ms)
        self.total.samples_ms.append(claim_ms + submit_ms)


@dataclass
class Bench:
    db: Database
    queue_id: uuid.UUID
    reviewers: list[Actor]
    pool: list[uuid.UUID]  # root run ids
    rng: random.Random
    loaded: int = 0
    sample_ids: list[uuid.UUID] = field(default_factory=list)  # for the baseline's primary-key reads
    load_seconds: float = 0.0


# --- databases and setup ---------------------------------------------------------------------


@contextlib.contextmanager
def sqlite_database(workdir: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{workdir / 'claim.db'}")
    try:
        yield db
    finally:
        db.dispose()


def prepare(db: Database, args: argparse.Namespace) -> Bench:
    """Schema, score configs, reviewers and the queue through the services; a pool of real runs."""
    migrate.upgrade(db)
    for config in CONFIGS:
        feedback_configs.create_config(db, SYSTEM_ACTOR, config)
    reviewers = []
    for n in range(args.reviewers):
        user = accounts.create_user(db, SYSTEM_ACTOR, email=f"reviewer{n}@bench.example", role="reviewer")
        reviewers.append(Actor(user_id=user["id"], email=user["email"], role=Role.REVIEWER))
    queue = queues.create_queue(
        db,
        SYSTEM_ACTOR,
        {
            "name": "support-rag: answers to check",
            "rubric": RUBRIC,
            "reviewers": [r.user_id for r in reviewers],
            "reviewers_per_item": args.reviewers_per_item,
        },
    )
    traces = list(generate_traces(args.seed, POOL_TRACES, now=utc_now(), days=BACKLOG_DAYS))
    for start in range(0, len(traces), 500):
        ingest_batch(db, SYSTEM_ACTOR, post=[r for t in traces[start : start + 500] for r in t], patch=None)
    pool = [uuid.UUID(trace[0]["id"]) for trace in traces]
    return Bench(db, queue["id"], reviewers, pool, random.Random(args.seed))


def item_rows(bench: Bench, start: int, count: int, total: int) -> list[dict[str, Any]]:
    """Items as routing rules would add them: oldest first over two weeks, mostly at priority 0."""
    began = utc_now() - timedelta(days=BACKLOG_DAYS)
    step = timedelta(days=BACKLOG_DAYS) / total
    rng, pool = bench.rng, bench.pool
    priorities, weights = list(PRIORITIES), list(PRIORITIES.values())
    rows = []
    for n in range(start, start + count):
        item_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        rows.append(
            {
                "id": item_id,
                "queue_id": bench.queue_id,
                # One item per (virtual) run; run_id points into the pool of stored runs.
                "target_key": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "target_kind": "run",
                "run_id": pool[n % len(pool)],
                "run_b_id": None,
                "session_id": None,
                "source": "rule",
                "reason": "rule 'low eval score': metadata.eval_score < 0.5",
                "priority": rng.choices(priorities, weights)[0],
                "status": "pending",
                "reviews_done": 0,
                "flag_reason": None,
                "added_by": "system",
                "added_at": began + step * n,
                "completed_at": None,
            }
        )
    return rows


def load_to(bench: Bench, target: int, total: int, progress: Progress) -> None:
    """Bulk Core inserts; the items service checks duplicates and audits per call, too slow for a load."""
    task = progress.add_task(f"{bench.db.dialect}: loading items", total=target, completed=bench.loaded)
    while bench.loaded < target:
        rows = item_rows(bench, bench.loaded, min(INSERT_CHUNK, target - bench.loaded), total)
        started = time.perf_counter()
        with bench.db.write() as conn:
            conn.execute(tables.queue_items.insert(), rows)
        bench.load_seconds += time.perf_counter() - started
        bench.sample_ids.extend(r["id"] for r in rows[::997])
        bench.loaded += len(rows)
        progress.update(task, completed=bench.loaded)


# --- timing ----------------------------------------------------------------------------------


def answers(rng: random.Random) -> dict[str, Any]:
    verdict = rng.choices(("correct", "partially_correct", "incorrect"), (0.7, 0.2, 0.1))[0]
    body: dict[str, Any] = {"correctness": verdict, "helpfulness": rng.randint(1, 5)}
    if verdict != "correct":
        body["notes"] = "The answer cites a policy the retrieved documents do not contain."
    return body


def one_cycle(bench: Bench, reviewer: Actor, rng: random.Random) -> tuple[float, float]:
    """Milliseconds of next_item (the claim transaction) and of submit (the second one)."""
    started = time.perf_counter()
    view = review.next_item(bench.db, reviewer, bench.queue_id)
    claimed = time.perf_counter()
    if view is None:
        raise RuntimeError("the queue ran dry: load more items or time fewer cycles")
    review.submit(bench.db, reviewer, view["item"]["id"], {"answers": answers(rng)})
    return (claimed - started) * 1000, (time.perf_counter() - claimed) * 1000


def single_thread(bench: Bench, cycles: int, warmup: int) -> Cycles:
    """Reviewers take turns, one cycle at a time: latency without contention."""
    result = Cycles()
    for n in range(warmup + cycles):
        claim_ms, submit_ms = one_cycle(bench, bench.reviewers[n % len(bench.reviewers)], bench.rng)
        if n >= warmup:
            result.add(claim_ms, submit_ms)
    return result


def concurrent(bench: Bench, threads: int, seconds: float) -> tuple[Cycles, float]:
    """`threads` threads, each with its own reviewers, for `seconds`: cycles/s and latency under load."""
    result, lock, failures = Cycles(), threading.Lock(), []
    deadline = time.perf_counter() + seconds

    def work(index: int) -> None:
        mine = bench.reviewers[index::threads]
        rng = random.Random(index)
        n = 0
        try:
            while time.perf_counter() < deadline:
                claim_ms, submit_ms = one_cycle(bench, mine[n % len(mine)], rng)
                with lock:
                    result.add(claim_ms, submit_ms)
                n += 1
        except BaseException as exc:  # re-raised in the main thread below
            failures.append(exc)

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise failures[0]
    return result, len(result.total.samples_ms) / elapsed


def primary_key_reads(bench: Bench, reps: int) -> Timing:
    """The baseline: the cheapest read transaction, one queue item by id."""
    timing = Timing()
    query = sa.select(tables.queue_items).where(tables.queue_items.c.id == sa.bindparam("id"))
    for n in range(reps + 10):
        item_id = bench.rng.choice(bench.sample_ids)
        started = time.perf_counter()
        with bench.db.read() as conn:
            conn.execute(query, {"id": item_id}).mappings().first()
        if n >= 10:
            timing.samples_ms.append((time.perf_counter() - started) * 1000)
    return timing


def check_no_double_work(bench: Bench, reviewers_per_item: int) -> None:
    """Under concurrency no item may collect more submitted reviews than the queue asks for."""
    reviews = tables.reviews
    over = (
        sa.select(reviews.c.item_id)
        .where(reviews.c.queue_id == bench.queue_id, reviews.c.status == "submitted")
        .group_by(reviews.c.item_id)
        .having(sa.func.count() > reviewers_per_item)
    )
    with bench.db.read() as conn:
        doubled = conn.execute(over).all()
    if doubled:
        raise RuntimeError(f"{len(doubled)} items got more than {reviewers_per_item} submitted reviews")


# --- where the time goes ---------------------------------------------------------------------


@contextlib.contextmanager
def statements_seen(db: Database) -> Iterator[list[tuple[str, Any, float]]]:
    """Every statement sent while the block runs: (SQL, parameters, milliseconds)."""
    seen: list[tuple[str, Any, float]] = []
    starts: dict[int, float] = {}

    def before(_conn: Any, cursor: Any, *_: Any) -> None:
        starts[id(cursor)] = time.perf_counter()

    def after(_conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters, (time.perf_counter() - starts.pop(id(cursor))) * 1000))

    sa.event.listen(db.engine, "before_cursor_execute", before)
    sa.event.listen(db.engine, "after_cursor_execute", after)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)
        sa.event.remove(db.engine, "after_cursor_execute", after)


@contextlib.contextmanager
def commits_timed(db: Database) -> Iterator[list[float]]:
    """Milliseconds of every COMMIT while the block runs (no engine event fires after a commit)."""
    seen: list[float] = []
    dialect = db.engine.dialect
    original = dialect.do_commit

    def timed_commit(dbapi_connection: Any) -> None:
        started = time.perf_counter()
        original(dbapi_connection)
        seen.append((time.perf_counter() - started) * 1000)

    dialect.do_commit = timed_commit  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        del dialect.do_commit


def print_statement_costs(bench: Bench, cycles: int) -> dict[str, Any]:
    """Where a cycle's time goes: statements (which one grows with the queue?), commits, the rest."""
    with statements_seen(bench.db) as seen, commits_timed(bench.db) as commits:
        started, cpu_started = time.perf_counter(), time.thread_time()
        for n in range(cycles):
            one_cycle(bench, bench.reviewers[n % len(bench.reviewers)], bench.rng)
        elapsed, cpu = (time.perf_counter() - started) * 1000, (time.thread_time() - cpu_started) * 1000
    by_shape: dict[str, list[float]] = defaultdict(list)
    for statement, _, ms in seen:
        by_shape[" ".join(statement.split())[:100]].append(ms)
    split = {
        "cycle_ms": elapsed / cycles,
        "statements": len(seen) / cycles,
        "statements_ms": sum(ms for _, _, ms in seen) / cycles,
        "commits_ms": sum(commits) / cycles,
        "cpu_ms": cpu / cycles,
    }
    split["python_ms"] = split["cycle_ms"] - split["statements_ms"] - split["commits_ms"]
    print(
        f"\n  mean of {cycles} cycles: {split['cycle_ms']:.2f} ms = {split['statements']:.0f} statements "
        f"{split['statements_ms']:.2f} ms + {len(commits) / cycles:.0f} commits {split['commits_ms']:.2f} ms"
        f" + Python (services, SQLAlchemy) {split['python_ms']:.2f} ms; CPU time of this thread "
        f"{split['cpu_ms']:.2f} ms (the rest of the wall time is waiting: disk, server, other processes)"
    )
    for shape, times in sorted(by_shape.items(), key=lambda kv: -sum(kv[1]))[:8]:
        print(f"    {sum(times) / cycles:6.2f} ms/cycle  ×{len(times) / cycles:.0f}  {shape}")
    return split


def claim_statement(bench: Bench) -> tuple[str, Any]:
    """The claim query next_item sends (the one ordering queue_items), caught at the driver."""
    reviewer = bench.reviewers[0]
    with statements_seen(bench.db) as seen:
        view = review.next_item(bench.db, reviewer, bench.queue_id)
    assert view is not None
    review.submit(bench.db, reviewer, view["item"]["id"], {"answers": answers(bench.rng)})
    claims = [(s, p) for s, p, _ in seen if "FROM queue_items" in s and "ORDER BY" in s]
    return claims[0]


def _quoted(value: Any) -> str:
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "'" + text.replace("'", "''") + "'"


def _generic_plan(conn: Any, statement: str, parameters: dict[str, Any]) -> list[str]:
    """PostgreSQL: the plan the server runs for the claim once psycopg has prepared it (after five
    executions): a generic plan, which can differ from the one EXPLAIN shows for literal values."""
    names: list[str] = []

    def placeholder(match: re.Match[str]) -> str:
        names.append(match.group(1))
        return f"${len(names)}"

    prepared = re.sub(r"%\((\w+)\)s", placeholder, statement)
    driver = conn.connection.driver_connection
    driver.execute("SET LOCAL plan_cache_mode = force_generic_plan")
    driver.execute(f"PREPARE claim_plan AS {prepared}")
    try:
        # Untyped literals: the server reads each as the type the prepared statement gave its slot.
        args = ", ".join("NULL" if parameters[n] is None else _quoted(parameters[n]) for n in names)
        rows = driver.execute(f"EXPLAIN (ANALYZE, BUFFERS) EXECUTE claim_plan({args})")
        return [r[0] for r in rows]
    finally:
        driver.execute("DEALLOCATE claim_plan")


def print_claim_plan(bench: Bench) -> None:
    statement, parameters = claim_statement(bench)
    with bench.db.read() as conn:
        if bench.db.dialect == "postgresql":
            lines = _generic_plan(conn, statement, parameters)
        else:
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).fetchall()
            depth = {0: 0}
            lines = []
            for node_id, parent, _, detail in rows:
                depth[node_id] = depth.get(parent, 0) + 1
                lines.append("  " * depth[node_id] + detail)
    print("\n  EXPLAIN the claim query (PostgreSQL: its generic plan, as prepared):")
    print("\n".join(f"    {line}" for line in lines))


# --- report ----------------------------------------------------------------------------------


def timing_line(label: str, timing: Timing, base: Timing) -> str:
    return (
        f"  {label:28} p50 {timing.p50:7.2f} ms  p99 {timing.percentile(0.99):7.2f} ms"
        f"  ×{timing.p50 / base.p50:,.0f} baseline"
    )


def percentiles(timing: Timing) -> dict[str, float]:
    return {"p50": timing.p50, "p99": timing.percentile(0.99)}


def report(
    bench: Bench, base: Timing, alone: Cycles, busy: Cycles, rate: float, args: argparse.Namespace
) -> dict:
    db, size = bench.db, bench.loaded
    print(
        f"\n{db.dialect}, {size:,} items in the queue ({database_bytes(db) / 2**20:,.0f} MiB), "
        f"{len(bench.reviewers)} reviewers, {args.cycles} cycles"
    )
    print(
        f"  {'baseline: item by primary key':28} p50 {base.p50:7.2f} ms  p99 {base.percentile(0.99):7.2f} ms"
    )
    print(timing_line("next_item (claim)", alone.claim, base))
    print(timing_line("submit", alone.submit, base))
    p99 = alone.total.percentile(0.99)
    verdict = "meets" if p99 < TARGET_MS else "misses"
    print(
        f"{timing_line('claim + submit', alone.total, base)}  ({verdict} the {TARGET_MS:.0f} ms p99 target)"
    )
    single_rate = 1000 * len(alone.total.samples_ms) / sum(alone.total.samples_ms)
    print(
        f"  {args.threads} threads for {args.seconds:.0f} s: {rate:,.1f} cycles/s "
        f"(one thread: {single_rate:,.1f}); claim + submit p50 {busy.total.p50:.2f} ms, "
        f"p99 {busy.total.percentile(0.99):.2f} ms"
    )
    return {
        "database": db.dialect,
        "items": size,
        "cycles": args.cycles,
        "baseline_ms": percentiles(base),
        "claim_ms": percentiles(alone.claim),
        "submit_ms": percentiles(alone.submit),
        "cycle_ms": percentiles(alone.total),
        "single_thread_cycles_per_s": single_rate,
        "concurrent": {
            "threads": args.threads,
            "cycles_per_s": rate,
            "claim_ms": percentiles(busy.claim),
            "submit_ms": percentiles(busy.submit),
            "cycle_ms": percentiles(busy.total),
        },
        "target_p99_ms": TARGET_MS,
    }


def measure(bench: Bench, args: argparse.Namespace) -> dict[str, Any]:
    base = primary_key_reads(bench, args.cycles)
    alone = single_thread(bench, args.cycles, warmup=20)
    busy, rate = concurrent(bench, args.threads, args.seconds)
    check_no_double_work(bench, args.reviewers_per_item)
    summary = report(bench, base, alone, busy, rate, args)
    if args.statements:
        summary["split"] = print_statement_costs(bench, 50)
    if args.explain:
        print_claim_plan(bench)
    return summary


def sustained(bench: Bench, args: argparse.Namespace) -> dict[str, Any]:
    """Many more cycles at the largest size, in windows: the latency must not grow with the reviews
    written (dead row versions and stale plans, see store/pg_maintenance.py, show up only over time)."""
    windows, everything = [], Cycles()
    print(f"\n  sustained: {args.sustained:,} more cycles, in windows of {args.window:,}")
    for start in range(0, args.sustained, args.window):
        window = single_thread(bench, min(args.window, args.sustained - start), warmup=0)
        everything.total.samples_ms.extend(window.total.samples_ms)
        windows.append(percentiles(window.total))
        print(
            f"    reviews {start:>7,}–{start + len(window.total.samples_ms):<7,} claim + submit "
            f"p50 {window.total.p50:6.2f} ms  p99 {window.total.percentile(0.99):6.2f} ms"
        )
    p99 = everything.total.percentile(0.99)
    verdict = "meets" if p99 < TARGET_MS else "misses"
    print(
        f"    all {args.sustained:,} cycles: p50 {everything.total.p50:.2f} ms  p99 {p99:.2f} ms  ({verdict})"
    )
    return {"cycles": args.sustained, "windows": windows, "cycle_ms": percentiles(everything.total)}


def bench_database(db: Database, args: argparse.Namespace, progress: Progress) -> list[dict[str, Any]]:
    bench = prepare(db, args)
    summaries = []
    for size in args.sizes:
        load_to(bench, size, args.sizes[-1], progress)
        print(
            f"{db.dialect}: {bench.loaded:,} items loaded, {bench.loaded / bench.load_seconds:,.0f} items/s"
        )
        refresh_statistics(db, args.analyze)
        summaries.append(measure(bench, args))
    if args.sustained:
        summaries[-1]["sustained"] = sustained(bench, args)
    return summaries


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000,1000000", help="pending items to measure at")
    parser.add_argument(
        "--postgres", metavar="URL", help="also run on PostgreSQL (a bench_* database is made)"
    )
    parser.add_argument("--no-sqlite", action="store_true", help="skip SQLite")
    parser.add_argument("--cycles", type=int, default=300, help="timed claim+submit cycles per size")
    parser.add_argument("--reviewers", type=int, default=8, help="reviewers taking turns (default 8)")
    parser.add_argument("--reviewers-per-item", type=int, default=1, help="the queue's setting (default 1)")
    parser.add_argument("--threads", type=int, default=4, help="threads of the throughput run (default 4)")
    parser.add_argument("--seconds", type=float, default=10, help="length of the throughput run (default 10)")
    parser.add_argument(
        "--sustained", type=int, default=0, metavar="CYCLES", help="then this many more at the largest size"
    )
    parser.add_argument("--window", type=int, default=2000, help="cycles per window of --sustained")
    parser.add_argument("--explain", action="store_true", help="print the claim query's plan at each size")
    parser.add_argument("--statements", action="store_true", help="print each statement's share of a cycle")
    parser.add_argument("--analyze", action="store_true", help="run ANALYZE on SQLite before timing")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the databases, to look into them")
    parser.add_argument("--json-out", type=Path, help="also write the results as JSON here")
    args = parser.parse_args()
    args.sizes = sorted(int(size) for size in args.sizes.split(","))
    return args


def main() -> None:
    args = parse_args()
    # A plain `kill` then still runs the finally blocks that clean up after us.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = Path(tempfile.mkdtemp(prefix="reviewdesk-claim-"))
    databases: list[Callable[[], contextlib.AbstractContextManager[Database]]] = []
    if not args.no_sqlite:
        databases.append(lambda: sqlite_database(workdir))
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
