"""The search benchmark's database: created fresh, filled through ingest_batch, feedback in bulk."""

from __future__ import annotations

import contextlib
import random
import secrets
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from rich.progress import Progress
from traces import SPANS_PER_TRACE, generate_traces, utc_now

from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.services import feedback_configs
from reviewdesk.services.ingest import ingest_batch
from reviewdesk.store import migrate, tables
from reviewdesk.store.database import Database, normalize_url

DAYS = 14
NEGATIVE_SHARE, POSITIVE_SHARE = 0.02, 0.05
USER_RATING = {
    "key": "user_rating",
    "type": "categorical",
    "options": [{"value": "positive", "score": 1}, {"value": "negative", "score": 0}],
}


# --- databases -------------------------------------------------------------------------------


@contextlib.contextmanager
def sqlite_database(path: Path, *, unsynced: bool = False) -> Iterator[Database]:
    """A SQLite database at `path`; `unsynced` for bulk loads (the server's synchronous=FULL would
    fsync every commit of a million-row load, so the load waits on the disk, not on the inserts)."""
    db = Database(f"sqlite:///{path}")
    if unsynced:

        @sa.event.listens_for(db.engine, "connect")
        def _no_fsync(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.execute("PRAGMA synchronous=OFF")

    try:
        yield db
    finally:
        db.dispose()


@contextlib.contextmanager
def postgres_database(server_url: str, keep: bool) -> Iterator[Database]:
    """A fresh bench_<random> database on the server at `server_url`, dropped afterwards unless kept."""
    admin_url = sa.make_url(normalize_url(server_url))
    name = f"bench_{secrets.token_hex(4)}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    db = Database(admin_url.set(database=name).render_as_string(hide_password=False))
    try:
        yield db
    finally:
        db.dispose()
        if keep:
            print(f"kept {db.url}")
        else:
            with admin.connect() as conn:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


def database_bytes(db: Database) -> int:
    with db.read() as conn:
        if db.dialect == "postgresql":
            return conn.exec_driver_sql("SELECT pg_database_size(current_database())").scalar_one()
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()
        return pages * conn.exec_driver_sql("PRAGMA page_size").scalar_one()


# --- loading ---------------------------------------------------------------------------------


def feedback_rows(rng: random.Random, roots: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Thumbs down on ~2% of roots and up on ~5%, as an app's end users would leave them."""
    rows = []
    for root in roots:
        draw = rng.random()
        if draw >= NEGATIVE_SHARE + POSITIVE_SHARE:
            continue
        negative = draw < NEGATIVE_SHARE
        at = datetime.fromisoformat(root["end_time"]) + timedelta(seconds=rng.uniform(5, 600))
        run_id = uuid.UUID(root["id"])
        rows.append(
            {
                "id": uuid.uuid4(),
                "run_id": run_id,
                "trace_id": run_id,
                "key": "user_rating",
                "score": 0.0 if negative else 1.0,
                "value": "negative" if negative else "positive",
                "source": "user",
                "created_at": at,
                "updated_at": at,
            }
        )
    return rows


def insert_feedback(db: Database, rows: list[dict[str, Any]]) -> None:
    # Bulk Core insert: the feedback service validates and audits row by row, too slow for a load.
    if rows:
        with db.write() as conn:
            conn.execute(tables.feedback.insert(), rows)


class Loader:
    """Grows one database through the requested sizes, so 1M reuses the first 100k."""

    def __init__(self, db: Database, batch_runs: int, seed: int, total_runs: int) -> None:
        self.db, self.batch_runs = db, batch_runs
        # One stream over the largest size: the smaller sizes are the same database, earlier on.
        self.traces = generate_traces(seed, total_runs // SPANS_PER_TRACE, now=utc_now(), days=DAYS)
        self.rng = random.Random(seed + 1)
        self.loaded = self.feedback = 0
        self.seconds = 0.0

    def load_to(self, target_runs: int, progress: Progress) -> None:
        task = progress.add_task(f"{self.db.dialect}: loading runs", total=target_runs, completed=self.loaded)
        while self.loaded < target_runs:
            traces = self._next_traces(min(self.batch_runs, target_runs - self.loaded))
            started = time.perf_counter()
            self._write(traces)
            self.seconds += time.perf_counter() - started
            progress.update(task, completed=self.loaded)

    def _next_traces(self, runs: int) -> list[list[dict[str, Any]]]:
        return [next(self.traces) for _ in range(max(1, runs // SPANS_PER_TRACE))]

    def _write(self, traces: list[list[dict[str, Any]]]) -> None:
        runs = [run for trace in traces for run in trace]
        ingest_batch(self.db, SYSTEM_ACTOR, post=runs, patch=None)
        feedback = feedback_rows(self.rng, [trace[0] for trace in traces])
        insert_feedback(self.db, feedback)
        self.loaded += len(runs)
        self.feedback += len(feedback)


def prepare(db: Database) -> None:
    migrate.upgrade(db)
    feedback_configs.create_config(db, SYSTEM_ACTOR, USER_RATING)


def refresh_statistics(db: Database, analyze_sqlite: bool) -> None:
    """PostgreSQL: what autovacuum does after a bulk load. SQLite: only on request (the server never does)."""
    if db.dialect == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    elif analyze_sqlite:
        with db.write() as conn:
            conn.exec_driver_sql("ANALYZE")
