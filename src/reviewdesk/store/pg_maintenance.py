"""PostgreSQL: vacuum the queue tables and refresh table statistics from a background thread.

Two things slow the review cycle down as reviews pile up unless PostgreSQL's housekeeping keeps pace:

- Dead row versions. Completing an item or a review changes its status, an indexed column, so
  PostgreSQL writes a new index entry and leaves the old one until VACUUM removes it. The claim
  reads the pending items in order from the oldest, which are exactly the ones completed first, and
  steps over every dead entry left there: measured at 1M pending items, next + submit went from
  3.5 ms to 12 ms after 10,000 reviews, and back to 3.5 ms after one VACUUM of `queue_items` (0.3 s).
- Stale statistics. psycopg prepares a statement after five executions and PostgreSQL keeps the plan
  it chose for it, until an ANALYZE of a table it reads invalidates it. A plan chosen while `feedback`
  was nearly empty scans the whole table, and went on doing so as the table grew (0.15 ms to 3.5 ms
  per item view over the same 10,000 reviews).

Autovacuum does both, but may be turned off (as on the machines we benchmark on), and by default it
looks once a minute and vacuums a table once a fifth of its rows are dead: 200,000 dead rows under a
1M-item queue. This thread looks every `interval_seconds` while this process commits transactions. A table of
`VACUUMED_TABLES` with `dead_rows` dead row versions gets VACUUM; any of our tables changed by more than
`analyze_rows + analyze_fraction x its live rows` since its last ANALYZE gets ANALYZE (autovacuum's
own rule). Both run with SKIP_LOCKED, so they never queue behind a migration or autovacuum, and
VACUUM at autovacuum's pace (`vacuum_cost_delay` 2 ms). Dead rows that the last VACUUM could not
remove (an open snapshot holds them) do not count towards the next one. Processes sharing a database
take turns through an advisory lock, one look at a time; migrations take it too (`paused`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from reviewdesk.store.tables import metadata

log = logging.getLogger(__name__)

# Tables whose hot paths read a status range of an index from its oldest end, where the rows that
# left the status (completed items, finished reservations, sent deliveries) leave dead entries: the
# claim, the held-reservation lookup, the webhook sender's due deliveries. Autovacuum handles the rest.
VACUUMED_TABLES = ("queue_items", "reviews", "webhook_deliveries")
LOCK_KEY = 0x5244_4D41  # "RDMA": one look at a time among the processes sharing a database

# Only tables this role may VACUUM and ANALYZE (it owns them, or is a member of their owner's role);
# for others PostgreSQL would log a warning on every look and do nothing.
_TABLE_STATS = """
SELECT s.relname, s.n_live_tup, s.n_dead_tup, s.n_mod_since_analyze
FROM pg_stat_user_tables AS s JOIN pg_class AS c ON c.oid = s.relid
WHERE s.schemaname = current_schema() AND s.relname = ANY(%s) AND pg_has_role(c.relowner, 'USAGE')
ORDER BY s.relname
"""
APPLICATION_NAME = "reviewdesk maintenance"


@dataclass(frozen=True)
class TableStats:
    name: str
    live_rows: int
    dead_rows: int
    changed_since_analyze: int


def libpq_url(url: str) -> str:
    """The SQLAlchemy URL (`postgresql+psycopg://…`) as a libpq connection URI."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class TableMaintainer:
    def __init__(
        self,
        url: str,
        *,
        interval_seconds: float = 1.0,
        dead_rows: int = 1_000,
        analyze_rows: int = 1_000,
        analyze_fraction: float = 0.1,
    ) -> None:
        self._conninfo = libpq_url(url)
        self._interval = interval_seconds
        self._dead_rows = dead_rows
        self._analyze_rows = analyze_rows
        self._analyze_fraction = analyze_fraction
        self._tables = sorted(t.name for t in metadata.sorted_tables)
        self._conn: psycopg.Connection | None = None
        # Dead rows a table still had after our last VACUUM of it: ones an open snapshot (a long
        # transaction, a replication slot) keeps alive. Counted out, or we would VACUUM every second.
        self._dead_left: dict[str, int] = {}
        self._commits = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def committed(self, _conn: object) -> None:
        """A transaction is committing (an engine "commit" listener); starts the thread on the first.
        Reads commit too: counting them costs nothing and a look is one cheap query."""
        self._commits += 1  # a racy counter is fine: any change means "there may be work"
        if self._thread is None:
            with self._start_lock:
                if self._thread is None and not self._stop.is_set():
                    self._thread = threading.Thread(
                        target=self._run, name="pg-table-maintenance", daemon=True
                    )
                    self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        conn = self._conn
        if conn is not None and not conn.closed:
            conn.cancel()  # a VACUUM in progress (paced, so perhaps long) stops now; the next one resumes
        if self._thread is not None:
            self._thread.join(timeout=30)
        if self._thread is None or not self._thread.is_alive():
            self._close()  # a running thread closes its own connection when it ends

    def run_once(self) -> list[str] | None:
        """One look at the tables: the commands it ran, or None when another process is at it."""
        conn = self._connection()
        if not conn.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,)).fetchone()[0]:  # type: ignore[index]
            return None
        try:
            done = []
            for stats in self.table_stats():
                for command in self._due(stats):
                    started = time.perf_counter()
                    conn.execute(command)  # type: ignore[arg-type]
                    log.debug("%s took %.2f s", command, time.perf_counter() - started)
                    done.append(command)
                    if command.startswith("VACUUM"):
                        self._dead_left[stats.name] = self._dead_rows_of(stats.name)
            return done
        finally:
            # Given back after every look: whichever process is busy next looks next.
            conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))

    def table_stats(self) -> list[TableStats]:
        rows = self._connection().execute(_TABLE_STATS, (self._tables,)).fetchall()
        return [TableStats(*row) for row in rows]

    def _dead_rows_of(self, table: str) -> int:
        return next((s.dead_rows for s in self.table_stats() if s.name == table), 0)

    def _due(self, stats: TableStats) -> list[str]:
        due = []
        # Fewer now than after our VACUUM: autovacuum or another process removed some meanwhile.
        left = min(self._dead_left.get(stats.name, 0), stats.dead_rows)
        self._dead_left[stats.name] = left
        new_dead = stats.dead_rows - left
        if stats.name in VACUUMED_TABLES and new_dead >= self._dead_rows:
            # No INDEX_CLEANUP ON: VACUUM then skips the indexes while under 2 % of the table's
            # pages hold dead rows (20,000 completed items at 1M), but the dead entries left there
            # cost the claim little once a scan has marked them (flat over 20,000 reviews at 1M),
            # and a pass over every index, even one VACUUM in ten, cost more (at 1M, p50 / p99
            # 4.17 / 8.58 ms against 3.35 / 7.42 without). PostgreSQL's own 2 % rule bounds them.
            due.append(f'VACUUM (SKIP_LOCKED) "{stats.name}"')
        if stats.changed_since_analyze > self._analyze_rows + self._analyze_fraction * stats.live_rows:
            due.append(f'ANALYZE (SKIP_LOCKED) "{stats.name}"')
        return due

    def _connection(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed:
            # Its own connection, outside the pool: VACUUM cannot run in a transaction, and a failure
            # here must never leave a session-level advisory lock on a pooled connection.
            self._conn = psycopg.connect(self._conninfo, autocommit=True, application_name=APPLICATION_NAME)
            # Autovacuum's pace: VACUUM naps 2 ms per 200 pages' worth of work instead of taking a
            # core at once (at 1M items it brought the cycle's p99 from 8.7-9.5 to 7.7-8.2 ms). A
            # statement_timeout meant for requests would cancel every long VACUUM, forever.
            self._conn.execute("SET vacuum_cost_delay = '2ms'")
            self._conn.execute("SET statement_timeout = 0")
        return self._conn

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _run(self) -> None:
        seen = -1
        while not self._stop.wait(self._interval):
            if self._commits == seen:
                continue
            seen = self._commits
            try:
                self.run_once()
            except Exception:  # the server restarted, a command failed: try again on a later pass
                if not self._stop.is_set():  # stop() cancels a running VACUUM: not a failure
                    log.exception("PostgreSQL table maintenance failed")
                self._close()
        self._close()


@contextmanager
def paused(conn: sa.Connection) -> Iterator[None]:
    """No maintenance by any process while the block runs (a migration): an ALTER TABLE queued behind
    a paced VACUUM would queue every request on that table behind it. Takes the maintainers' lock,
    cancelling a look in progress to get it, and gives it back at the end. `conn` in AUTOCOMMIT."""
    locked = sa.text("SELECT pg_try_advisory_lock(:key)")
    cancel = sa.text(
        "SELECT pg_cancel_backend(pid) FROM pg_stat_activity "
        "WHERE datname = current_database() AND application_name = :name AND pid <> pg_backend_pid() "
        "AND pg_has_role(usesysid, 'MEMBER')"  # others' looks cannot be cancelled: they end by themselves
    )
    while not conn.execute(locked, {"key": LOCK_KEY}).scalar():
        conn.execute(cancel, {"name": APPLICATION_NAME})
        time.sleep(0.05)
    try:
        yield
    finally:
        conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
