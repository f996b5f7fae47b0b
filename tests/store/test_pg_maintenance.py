"""PostgreSQL table maintenance: review tables are vacuumed once dead rows pile up, tables that changed
are analyzed, the thread does it by itself while the process writes, and one process maintains at a time."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import psycopg
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from reviewdesk.app import create_app
from reviewdesk.config import Settings
from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.services import feedback_configs, queue_items, queues
from reviewdesk.store import migrate
from reviewdesk.store.database import Database
from reviewdesk.store.pg_maintenance import (
    APPLICATION_NAME,
    LOCK_KEY,
    TableMaintainer,
    TableStats,
    libpq_url,
    paused,
)
from reviewdesk.store.tables import feedback
from reviewdesk.store.tables import queue_items as queue_items_table
from tests.conftest import (
    ADMIN_KEY,
    PostgresDatabase,
    create_postgres_database,
    drop_postgres_database,
    settings_for_tests,
)

VACUUM_QUEUE_ITEMS = 'VACUUM (SKIP_LOCKED) "queue_items"'


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


def _flip_statuses(db: Database, status: str) -> None:
    with db.write() as conn:
        conn.execute(sa.update(queue_items_table).values(status=status))
        _flush_statistics(conn)


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
        assert maintainer.run_once() == [VACUUM_QUEUE_ITEMS]
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


def test_dead_rows_an_open_snapshot_keeps_do_not_bring_vacuum_back_every_second(pg, maintainers) -> None:
    db = Database(pg.url, maintain_tables=False)
    reporting = sa.create_engine(pg.url, isolation_level="REPEATABLE READ")
    try:
        maintainer = maintainers(dead_rows=200, analyze_rows=10**9)
        _complete_items(db, 150)
        with reporting.connect() as report:  # a long report holds its snapshot from here on
            report.execute(sa.text("SELECT count(*) FROM queue_items")).scalar_one()
            _flip_statuses(db, "pending")
            _flip_statuses(db, "completed")
            _wait_for(lambda: _stats_of(maintainer, "queue_items").dead_rows >= 300)
            assert maintainer.run_once() == [VACUUM_QUEUE_ITEMS]
            assert _stats_of(maintainer, "queue_items").dead_rows >= 150  # still needed by the report
            assert maintainer.run_once() == []  # nothing it could remove has been added since
        _flip_statuses(db, "pending")
        _wait_for(lambda: _stats_of(maintainer, "queue_items").dead_rows >= 450)
        assert maintainer.run_once() == []  # 150 new dead rows: below the threshold still
        _flip_statuses(db, "completed")
        _wait_for(lambda: _stats_of(maintainer, "queue_items").dead_rows >= 600)
        assert maintainer.run_once() == [VACUUM_QUEUE_ITEMS]  # the report is over: all of them go
        assert _stats_of(maintainer, "queue_items").dead_rows == 0
    finally:
        reporting.dispose()
        db.dispose()


def test_tables_the_role_does_not_own_are_left_alone(pg, maintainers) -> None:
    role = f"rd_visitor_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(pg.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE ROLE "{role}" LOGIN'))
    try:
        as_role = sa.make_url(pg.url).set(username=role).render_as_string(hide_password=False)
        visitor = TableMaintainer(as_role)
        try:
            assert visitor.table_stats() == []  # VACUUM would only log "must be owner" each second
            assert visitor.run_once() == []
        finally:
            visitor.stop()
        assert {s.name for s in maintainers().table_stats()} >= {"queue_items", "reviews", "feedback"}
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP ROLE "{role}"'))
        admin.dispose()


def _sleep_holding_the_lock(conninfo: str, outcome: list[BaseException]) -> threading.Thread:
    """A maintainer of another process in the middle of a long look."""
    ready = threading.Event()

    def look() -> None:
        with psycopg.connect(conninfo, autocommit=True, application_name=APPLICATION_NAME) as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
            ready.set()
            try:
                conn.execute("SELECT pg_sleep(60)")
            except psycopg.errors.QueryCanceled as cancelled:
                outcome.append(cancelled)

    thread = threading.Thread(target=look)
    thread.start()
    assert ready.wait(10)
    return thread


def test_a_migration_cancels_a_look_in_progress_and_holds_maintenance_off(pg, maintainers) -> None:
    outcome: list[BaseException] = []
    conninfo = libpq_url(pg.url)
    looking = _sleep_holding_the_lock(conninfo, outcome)
    maintainer = maintainers()
    engine = sa.create_engine(pg.url, isolation_level="AUTOCOMMIT")
    try:
        started = time.monotonic()
        with engine.connect() as conn, paused(conn):
            assert time.monotonic() - started < 10  # not the 60 s the look would have taken
            looking.join(10)
            assert outcome and isinstance(outcome[0], psycopg.errors.QueryCanceled)
            assert maintainer.run_once() is None  # nobody looks while the migration runs
        assert maintainer.run_once() == []
    finally:
        engine.dispose()
        looking.join(10)


def test_stop_cancels_a_look_in_progress(pg, monkeypatch) -> None:
    maintainer = TableMaintainer(pg.url, interval_seconds=0.05)
    started_sleeping = threading.Event()

    def long_look() -> list[str]:  # stands for a paced VACUUM of a big table
        conn = maintainer._connection()
        started_sleeping.set()
        conn.execute("SELECT pg_sleep(60)")
        return []

    monkeypatch.setattr(maintainer, "run_once", long_look)
    maintainer.committed(None)  # as the engine's commit listener would: the thread starts
    assert started_sleeping.wait(10)
    time.sleep(0.2)  # the statement is on the server
    started = time.monotonic()
    maintainer.stop()
    assert time.monotonic() - started < 10  # not the 60 s (nor stop()'s 30 s patience)
    assert maintainer._thread is not None and not maintainer._thread.is_alive()
    assert maintainer._conn is None  # the thread closed its connection on the way out


@pytest.mark.parametrize(("setting", "sessions"), [("on", 1), ("off", 0)])
def test_the_server_maintains_its_tables_unless_told_not_to(pg, setting, sessions) -> None:
    settings = settings_for_tests(
        database_url=pg.url,
        table_maintenance=Settings.from_env({"REVIEWDESK_PG_MAINTENANCE": setting}).table_maintenance,
    )
    watcher = Database(pg.url, maintain_tables=False)
    try:
        with TestClient(create_app(settings), headers={"x-api-key": ADMIN_KEY}) as client:
            assert client.get("/api/v1/queues").status_code == 200  # the first start committed
            if sessions:
                _wait_for(lambda: _maintenance_sessions(watcher) == 1, 10)
            else:
                time.sleep(1.5)  # more than the thread's one-second interval
                assert _maintenance_sessions(watcher) == 0
        _wait_for(lambda: _maintenance_sessions(watcher) == 0, 10)  # the server's shutdown ends it
    finally:
        watcher.dispose()
