"""PostgreSQL table maintenance: review tables are vacuumed once dead rows pile up, tables that changed
are analyzed, the thread does it by itself while the process writes, and one process maintains at a time."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.services import feedback_configs, queue_items, queues
from reviewdesk.store import migrate
from reviewdesk.store.database import Database
from reviewdesk.store.pg_maintenance import LOCK_KEY, TableMaintainer, TableStats
from reviewdesk.store.tables import feedback
from reviewdesk.store.tables import queue_items as queue_items_table
from tests.conftest import PostgresDatabase, create_postgres_database, drop_postgres_database


@pytest.fixture
def pg(postgres_session_db: PostgresDatabase) -> Iterator[PostgresDatabase]:
    """A database of its own: the statistics these tests read must be theirs alone."""
    fresh = create_postgres_database("rd_maint")
    db = Database(fresh.url)
    migrate.upgrade(db)
    db.dispose()
    yield fresh
    drop_postgres_database(fresh)


@pytest.fixture
def maintainers(pg: PostgresDatabase) -> Iterator[Callable[..., TableMaintainer]]:
    made: list[TableMaintainer] = []

    def make(**thresholds: int) -> TableMaintainer:
        made.append(TableMaintainer(pg.url, **thresholds))
        return made[-1]

    yield make
    for maintainer in made:
        maintainer.stop()


def _stats_of(maintainer: TableMaintainer, table: str) -> TableStats:
    return next(s for s in maintainer.table_stats() if s.name == table)


def _wait_for(condition: Callable[[], bool], seconds: float = 20) -> None:
    """Table statistics reach other sessions up to a second after a commit (longer when idle)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still not true after {seconds} s")
        time.sleep(0.1)


def _flush_statistics(conn: sa.Connection) -> None:
    """Have this session's table statistics published at its commit, not up to 10 s later (PG 15+)."""
    conn.execute(sa.text("SELECT pg_stat_force_next_flush()"))


def _complete_items(db: Database, count: int) -> None:
    """A queue whose `count` items were all reviewed: each completion leaves a dead row version."""
    feedback_configs.create_config(db, SYSTEM_ACTOR, {"key": "ok", "type": "boolean"})
    queue = queues.create_queue(
        db, SYSTEM_ACTOR, {"name": f"q-{uuid.uuid4().hex[:6]}", "rubric": [{"key": "ok"}]}
    )
    queue_items.add_items(
        db, SYSTEM_ACTOR, queue["id"], {"run_ids": [str(uuid.uuid4()) for _ in range(count)]}
    )
    with db.write() as conn:
        conn.execute(sa.update(queue_items_table).values(status="completed"))
        _flush_statistics(conn)


def test_review_tables_are_vacuumed_once_dead_rows_pass_the_threshold(pg, maintainers) -> None:
    db = Database(pg.url, maintain_tables=False)
    try:
        maintainer = maintainers(dead_rows=200, analyze_rows=10**9)
        _complete_items(db, 150)
        _wait_for(lambda: _stats_of(maintainer, "queue_items").dead_rows >= 150)
        assert maintainer.run_once() == []  # 150 dead rows: below the threshold, nothing to do

        with db.write() as conn:
            conn.execute(sa.update(queue_items_table).values(status="pending"))
            _flush_statistics(conn)
        _wait_for(lambda: _stats_of(maintainer, "queue_items").dead_rows >= 300)
        assert maintainer.run_once() == ['VACUUM (SKIP_LOCKED) "queue_items"']
        assert _stats_of(maintainer, "queue_items").dead_rows == 0
    finally:
        db.dispose()


def test_tables_changed_since_their_last_analyze_are_analyzed(pg, maintainers) -> None:
    db = Database(pg.url, maintain_tables=False)
    try:
        maintainer = maintainers(analyze_rows=500, analyze_fraction=0.1)
        now = datetime.now(UTC)
        rows = [
            {"id": uuid.uuid4(), "run_id": uuid.uuid4(), "key": "ok", "score": 1.0, "source": "api"}
            | {"created_at": now, "updated_at": now}
            for _ in range(800)
        ]
        with db.write() as conn:
            conn.execute(feedback.insert(), rows)
            _flush_statistics(conn)
        _wait_for(lambda: _stats_of(maintainer, "feedback").changed_since_analyze >= 800)
        assert 'ANALYZE (SKIP_LOCKED) "feedback"' in (maintainer.run_once() or [])
        assert _stats_of(maintainer, "feedback").changed_since_analyze == 0
        # Now 800 live rows: the next ANALYZE waits for 500 + 10 % of them.
        assert 'ANALYZE (SKIP_LOCKED) "feedback"' not in (maintainer.run_once() or [])
    finally:
        db.dispose()


def test_one_process_looks_at_a_time(pg, maintainers) -> None:
    maintainer = maintainers()
    other_process = sa.create_engine(pg.url, isolation_level="AUTOCOMMIT")
    try:
        with other_process.connect() as conn:
            conn.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": LOCK_KEY})
            assert maintainer.run_once() is None  # another process is at it
            conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
        assert maintainer.run_once() == []
        assert maintainer.run_once() == []  # and gives the lock back after each look
        with other_process.connect() as conn:
            assert conn.execute(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}).scalar()
    finally:
        other_process.dispose()


def _maintenance_sessions(db: Database) -> int:
    with db.read() as conn:
        return conn.execute(
            sa.text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND application_name = 'reviewdesk maintenance'"
            )
        ).scalar_one()


def test_a_writing_database_vacuums_its_review_tables_by_itself(pg) -> None:
    db = Database(pg.url)
    try:
        _complete_items(db, 1200)  # past the default threshold of 1,000 dead rows

        def vacuumed() -> bool:
            with db.read() as conn:
                count = conn.execute(
                    sa.text("SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'queue_items'")
                ).scalar_one()
            return count > 0

        _wait_for(vacuumed)
        assert _maintenance_sessions(db) == 1
    finally:
        db.dispose()
    watcher = Database(pg.url, maintain_tables=False)
    try:
        _wait_for(lambda: _maintenance_sessions(watcher) == 0, 5)  # dispose() stopped the thread
    finally:
        watcher.dispose()
