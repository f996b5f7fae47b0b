"""Engine creation and transaction scopes for SQLite (WAL, BEGIN IMMEDIATE writes) and PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.pool import StaticPool

from reviewdesk.errors import QueryTimeout
from reviewdesk.store.pg_maintenance import TableMaintainer
from reviewdesk.store.wal_checkpoint import WalCheckpointer

PING_AFTER_IDLE_SECONDS = 1.0
WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024  # a WAL grown past this (a bulk load) is truncated on reset
_BEGIN_WITHOUT_FLUSH_WAIT = "BEGIN; SET LOCAL synchronous_commit = off"
# SQLite calls the deadline check every this many virtual-machine instructions (~0.1 ms of work).
_PROGRESS_STEPS = 10_000
_PG_QUERY_CANCELED = "57014"


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def _json_loads(value: Any) -> Any:
    # SQLite gives a JSON column NUMERIC affinity: the text of a bare JSON number comes back a number.
    if isinstance(value, int | float):
        return value
    return orjson.loads(value)


def _is_timeout(exc: sa.exc.OperationalError) -> bool:
    """PostgreSQL's query_canceled (statement_timeout), or SQLite's interrupt by the progress handler."""
    orig = exc.orig
    if getattr(orig, "sqlstate", None) == _PG_QUERY_CANCELED:
        return True
    return "interrupted" in str(orig)


def normalize_url(url: str) -> str:
    """Accept plain `postgresql://` URLs and route them to psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


class Database:
    """One engine; `write()` and `read()` open a transaction scoped to a service call."""

    def __init__(self, url: str, *, echo: bool = False, maintain_tables: bool = True) -> None:
        """`maintain_tables=False`: no background VACUUM/ANALYZE on PostgreSQL (`pg_maintenance`)."""
        self.url = normalize_url(url)
        # The server sets this (REVIEWDESK_QUERY_TIMEOUT_S) once migrations are done; the CLI's bulk
        # work (imports, migrations, benchmarks' loading) leaves it None: no limit.
        self.query_timeout_s: float | None = None
        parsed = make_url(self.url)
        self.dialect = "sqlite" if parsed.get_backend_name() == "sqlite" else "postgresql"
        self._sqlite_writer = threading.RLock()
        self._checkpointer: WalCheckpointer | None = None
        self._maintainer: TableMaintainer | None = None
        if self.dialect == "sqlite":
            in_memory = not parsed.database or parsed.database == ":memory:"
            if not in_memory:
                self._checkpointer = WalCheckpointer(parsed.database, self._sqlite_writer)
            self.engine = self._sqlite_engine(parsed, echo, in_memory)
            if self._checkpointer is not None:
                event.listen(self.engine, "commit", self._checkpointer.wrote_in)
        else:
            self.engine = self._postgresql_engine(echo)
            if maintain_tables:
                self._maintainer = TableMaintainer(self.url)
                event.listen(self.engine, "commit", self._maintainer.committed)

    def _postgresql_engine(self, echo: bool) -> Engine:
        engine = sa.create_engine(
            self.url,
            echo=echo,
            pool_size=10,
            max_overflow=20,
            pool_use_lifo=True,  # the warm connection first; idle ones age out instead of rotating
            # The driver stays in autocommit and we send BEGIN ourselves (below), so a transaction can
            # start with its settings in the same round trip.
            isolation_level="AUTOCOMMIT",
            json_serializer=_json_dumps,
            json_deserializer=_json_loads,
        )

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            options = conn.get_execution_options()
            if options.get("isolation_level") == "AUTOCOMMIT":
                return  # asked for no transaction (VACUUM, CREATE DATABASE)
            conn.connection.driver_connection.execute(options.get("postgresql_begin", "BEGIN"))  # type: ignore[union-attr]

        @event.listens_for(engine, "checkin")
        def _on_checkin(_dbapi_conn: Any, record: Any) -> None:
            record.info["idle_since"] = time.monotonic()

        @event.listens_for(engine, "checkout")
        def _on_checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
            # Ping a connection only when it sat idle: one that was just used is alive, and a ping on
            # every checkout is a round trip on every transaction (HikariCP skips it within 500 ms).
            idle_since = record.info.get("idle_since")
            if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
                return
            try:
                dbapi_conn.execute(";")
            except Exception as exc:  # the pool replaces the connection and checks out another
                raise sa.exc.DisconnectionError() from exc

        return engine

    @staticmethod
    def _sqlite_engine(parsed: sa.URL, echo: bool, in_memory: bool) -> Engine:
        if not in_memory:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        pool_args: dict[str, Any] = (
            {"poolclass": StaticPool} if in_memory else {"pool_size": 8, "max_overflow": 8}
        )
        engine = sa.create_engine(
            parsed,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": 30, "isolation_level": None},
            **pool_args,
            json_serializer=_json_dumps,
            json_deserializer=_json_loads,
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            # FULL: an acknowledged write survives a power loss too, not only a process crash.
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            if not in_memory:
                cursor.execute("PRAGMA wal_autocheckpoint=0")  # WalCheckpointer does it off the request
                cursor.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT_BYTES}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            # The driver runs in autocommit mode; we open transactions ourselves so that writers
            # take the lock up front (IMMEDIATE) instead of failing on a lock upgrade later.
            mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
            conn.exec_driver_sql(f"BEGIN {mode}")

        return engine

    @contextmanager
    def write(self, *, durable: bool = True) -> Iterator[Connection]:
        """A write transaction. `durable=False` is for writes whose loss in a power cut is harmless (a
        reservation simply lapses): the commit does not wait for the log to reach the disk
        (PostgreSQL: synchronous_commit off for the transaction; SQLite: synchronous NORMAL for it,
        which in WAL mode is still atomic and survives a process crash). The next durable commit
        flushes it along with its own."""
        if self.dialect != "sqlite":
            with self._timed_out_as_error(), self.engine.connect() as conn:
                conn = self._with_pg_timeout(conn, "BEGIN" if durable else _BEGIN_WITHOUT_FLUSH_WAIT)
                with conn.begin():
                    yield conn
            return
        # SQLite has one writer. Queueing this process's writers on a lock is fair and cheap; left to
        # SQLite's busy handler, they poll and a busy writer can starve one past its timeout.
        with (
            self._sqlite_writer,
            self._timed_out_as_error(),
            self.engine.connect() as conn,
            self._deadline(conn),
        ):
            conn = conn.execution_options(sqlite_begin="IMMEDIATE")
            if durable:
                with conn.begin():
                    yield conn
            else:
                driver = conn.connection.driver_connection  # outside SQLAlchemy: no transaction begins
                driver.execute("PRAGMA synchronous=NORMAL")  # type: ignore[union-attr]
                try:
                    with conn.begin():
                        yield conn
                finally:
                    driver.execute("PRAGMA synchronous=FULL")  # type: ignore[union-attr]

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self._timed_out_as_error(), self.engine.connect() as conn:
            if self.dialect == "sqlite":
                with self._deadline(conn), conn.begin():
                    yield conn
            else:
                with self._with_pg_timeout(conn, "BEGIN").begin():
                    yield conn

    # --- the per-transaction time limit (REVIEWDESK_QUERY_TIMEOUT_S) ----------------------------

    def _with_pg_timeout(self, conn: Connection, begin: str) -> Connection:
        """PostgreSQL: every statement of the transaction is cancelled past the limit (SET LOCAL),
        sent in the same round trip as BEGIN."""
        if self.query_timeout_s is not None:
            begin = f"{begin}; SET LOCAL statement_timeout = {max(1, round(self.query_timeout_s * 1000))}"
        return conn.execution_options(postgresql_begin=begin) if begin != "BEGIN" else conn

    @contextmanager
    def _deadline(self, conn: Connection) -> Iterator[None]:
        """SQLite: a progress handler interrupts whatever runs once the transaction is past the limit."""
        if self.query_timeout_s is None:
            yield
            return
        driver = conn.connection.driver_connection
        deadline = time.monotonic() + self.query_timeout_s
        driver.set_progress_handler(lambda: time.monotonic() > deadline, _PROGRESS_STEPS)  # type: ignore[union-attr]
        try:
            yield
        finally:
            driver.set_progress_handler(None, 0)  # type: ignore[union-attr]

    @contextmanager
    def _timed_out_as_error(self) -> Iterator[None]:
        try:
            yield
        except sa.exc.OperationalError as exc:
            if self.query_timeout_s is None or not _is_timeout(exc):
                raise
            raise QueryTimeout(
                f"the query ran longer than the server's limit of {self.query_timeout_s:g} s and was "
                "stopped. Hint: narrow it (a project, a time range, fewer or longer search() terms), "
                "or ask an admin to raise REVIEWDESK_QUERY_TIMEOUT_S.",
                field="filter",
            ) from None

    def dispose(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
        if self._maintainer is not None:
            self._maintainer.stop()
        self.engine.dispose()
