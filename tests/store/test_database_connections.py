"""PostgreSQL connections: a dead pooled one is replaced unseen, writes are one transaction, a write's
durability switch stays inside it, and AUTOCOMMIT opens no transaction."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from reviewdesk.store import database, settings_kv
from reviewdesk.store.database import Database
from tests.conftest import PostgresDatabase

IDLE_FOR_TESTS = 0.05


@pytest.fixture
def pg(postgres_session_db: PostgresDatabase) -> Iterator[Database]:
    """A Database with its own, empty pool on the session's PostgreSQL database."""
    db = Database(postgres_session_db.url)
    yield db
    db.dispose()


@pytest.fixture
def admin(postgres_session_db: PostgresDatabase) -> Iterator[sa.Connection]:
    """A connection outside the pool under test, to watch it and to kill its backends."""
    engine = sa.create_engine(postgres_session_db.url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        yield conn
    engine.dispose()


def _backend_pid(db: Database) -> int:
    with db.read() as conn:
        return conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()


def _stored(conn: sa.Connection, key: str) -> str | None:
    return conn.execute(sa.text("SELECT value FROM settings_kv WHERE key = :key"), {"key": key}).scalar()


def test_a_killed_idle_connection_is_replaced_unseen(pg, admin, monkeypatch):
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", IDLE_FOR_TESTS)
    dead_pid = _backend_pid(pg)
    # The second argument waits until the backend is gone, so the pool's connection surely is dead.
    assert admin.execute(sa.text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": dead_pid}).scalar()
    time.sleep(IDLE_FOR_TESTS * 2)

    with pg.read() as conn:
        assert conn.execute(sa.text("SELECT 1")).scalar_one() == 1
        new_pid = conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
    key = f"test-{uuid.uuid4().hex}"
    with pg.write() as conn:
        settings_kv.put_if_absent(conn, key, "written")
    assert new_pid != dead_pid
    assert _stored(admin, key) == "written"


def test_every_killed_pooled_connection_is_replaced(pg, admin, monkeypatch):
    """A server restart kills every pooled connection at once; each checkout replaces its own."""
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", IDLE_FOR_TESTS)
    with pg.read() as first, pg.read() as second, pg.read() as third:
        pids = {c.execute(sa.text("SELECT pg_backend_pid()")).scalar_one() for c in (first, second, third)}
    for pid in pids:
        admin.execute(sa.text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
    time.sleep(IDLE_FOR_TESTS * 2)

    with pg.read() as first, pg.read() as second, pg.write() as third:
        now = {c.execute(sa.text("SELECT pg_backend_pid()")).scalar_one() for c in (first, second, third)}
    assert not now & pids


def test_write_rolls_back_on_an_exception(pg, admin):
    key = f"test-{uuid.uuid4().hex}"

    class Boom(Exception):
        pass

    with pytest.raises(Boom), pg.write() as conn:
        settings_kv.put_if_absent(conn, key, "lost")
        assert settings_kv.get(conn, key) == "lost"  # written, inside the transaction
        assert _stored(admin, key) is None  # and not yet visible outside it
        raise Boom

    assert _stored(admin, key) is None
    with pg.read() as conn:
        assert settings_kv.get(conn, key) is None


def test_write_commits_visibly_to_another_connection(pg, admin):
    key = f"test-{uuid.uuid4().hex}"
    with pg.write() as conn:
        settings_kv.put_if_absent(conn, key, "kept")
    assert _stored(admin, key) == "kept"


def test_write_is_a_transaction_block(pg):
    with pg.write() as conn:
        # now() is the transaction's start: it differs from the statement's time only inside a block.
        time.sleep(0.01)
        assert conn.execute(sa.text("SELECT now() < statement_timestamp()")).scalar_one() is True
    with pytest.raises(sa.exc.DBAPIError, match="cannot run inside a transaction block"), pg.write() as conn:
        conn.execute(sa.text("VACUUM settings_kv"))


def _synchronous_commit(conn: sa.Connection) -> str:
    return conn.execute(sa.text("SHOW synchronous_commit")).scalar_one()


def test_non_durable_write_commits_without_waiting_for_the_flush(pg):
    with pg.write(durable=False) as conn:
        assert _synchronous_commit(conn) == "off"
    with pg.write() as conn:  # the same pooled connection: SET LOCAL ended with the transaction
        assert _synchronous_commit(conn) == "on"
    with pg.read() as conn:
        assert _synchronous_commit(conn) == "on"


def test_non_durable_write_still_rolls_back(pg, admin):
    key = f"test-{uuid.uuid4().hex}"
    with pytest.raises(RuntimeError), pg.write(durable=False) as conn:
        settings_kv.put_if_absent(conn, key, "lost")
        raise RuntimeError
    assert _stored(admin, key) is None


def test_autocommit_connection_runs_vacuum(pg, admin):
    with pg.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.execute(sa.text("VACUUM settings_kv"))
        assert conn.execute(sa.text("SELECT now() = statement_timestamp()")).scalar_one() is True
    # Giving the connection back leaves the pool's BEGIN-per-transaction scheme intact.
    key = f"test-{uuid.uuid4().hex}"
    with pytest.raises(RuntimeError), pg.write() as conn:
        settings_kv.put_if_absent(conn, key, "lost")
        raise RuntimeError
    assert _stored(admin, key) is None
