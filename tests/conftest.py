"""Shared fixtures: real databases (a SQLite file and, where reachable, PostgreSQL) and the real app."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from reviewdesk.app import create_app
from reviewdesk.config import Settings
from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.services import accounts
from reviewdesk.store import migrate, settings_kv
from reviewdesk.store.database import Database, normalize_url
from reviewdesk.store.tables import metadata

PG_ENV = "REVIEWDESK_TEST_POSTGRES_URL"
ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "admin-password-1"
ADMIN_KEY = "rd_test_admin_key_0123456789abcdef"
TEST_SECRET = "test-secret"


def _postgres_unavailable() -> str | None:
    url = os.environ.get(PG_ENV)
    if not url:
        return f"{PG_ENV} is not set: PostgreSQL tests skipped"
    try:
        engine = sa.create_engine(normalize_url(url))
        with engine.connect():
            pass
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "skip with the reason"
        return f"PostgreSQL at {url} does not answer ({type(exc).__name__}): PostgreSQL tests skipped"
    return None


_PG_SKIP_REASON = _postgres_unavailable()


@dataclass
class PostgresDatabase:
    url: str
    admin_url: str
    name: str


def create_postgres_database(prefix: str = "rd_test") -> PostgresDatabase:
    """A fresh, uniquely named database on the test server (dropped by drop_postgres_database)."""
    admin_url = normalize_url(os.environ[PG_ENV])
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    url = sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    return PostgresDatabase(url=url, admin_url=admin_url, name=name)


def drop_postgres_database(pg: PostgresDatabase) -> None:
    engine = sa.create_engine(pg.admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{pg.name}" WITH (FORCE)'))
    engine.dispose()


def pytest_report_header(config: pytest.Config) -> str:
    return f"reviewdesk databases: sqlite, postgresql ({_PG_SKIP_REASON or 'reachable'})"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = Database(f"sqlite:///{path}")
    migrate.upgrade(db)
    _store_test_secret(db)
    db.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_session_db() -> Iterator[PostgresDatabase]:
    if _PG_SKIP_REASON:
        pytest.skip(_PG_SKIP_REASON)
    pg = create_postgres_database()
    db = Database(pg.url)
    migrate.upgrade(db)
    db.dispose()
    yield pg
    drop_postgres_database(pg)


def _truncate_all(db: Database) -> None:
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with db.write() as conn:
        conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    _store_test_secret(db)


def _store_test_secret(db: Database) -> None:
    """The stored secret is the apps' one (settings_for_tests), as in a deployment: services called
    before an app starts (seeding a world) chain audit events with the key the app verifies with."""
    with db.write() as conn:
        settings_kv.put_if_absent(conn, "secret_key", TEST_SECRET)


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty database: a fresh SQLite file, or the session's PostgreSQL database emptied."""
    if request.param == "sqlite":
        path = tmp_path / "reviewdesk.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        database = Database(f"sqlite:///{path}")
    else:
        pg = request.getfixturevalue("postgres_session_db")
        database = Database(pg.url)
        _truncate_all(database)
    yield database
    database.dispose()


def settings_for_tests(**overrides: object) -> Settings:
    base = Settings(
        init_admin_email=ADMIN_EMAIL,
        init_admin_password=ADMIN_PASSWORD,
        init_api_key=ADMIN_KEY,
        run_migrations=False,
        secret_key=TEST_SECRET,
        # The delivery thread would poll every second in every app; webhook tests switch it on.
        webhooks_enabled=False,
        # Likewise the evaluator worker; evaluator tests drain jobs themselves or switch it on.
        evaluator_worker=False,
    )
    return base.with_overrides(**overrides)


@pytest.fixture
def client(db: Database) -> Iterator[TestClient]:
    """The real app in-process, authenticated as the first admin."""
    app = create_app(settings_for_tests(), db=db)
    with TestClient(app, headers={"x-api-key": ADMIN_KEY}) as test_client:
        yield test_client


@dataclass
class UserWithKey:
    id: uuid.UUID
    email: str
    role: str
    key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"x-api-key": self.key}


@pytest.fixture
def make_user(db: Database, client: TestClient):  # type: ignore[no-untyped-def]
    """Create a user of a role with an API key, through the services."""

    def _make(role: str, email: str | None = None) -> UserWithKey:
        email = email or f"{role}-{uuid.uuid4().hex[:6]}@example.com"
        user = accounts.create_user(db, SYSTEM_ACTOR, email=email, role=role, password="password-123")
        key = accounts.create_api_key(db, SYSTEM_ACTOR, user["id"])
        return UserWithKey(id=user["id"], email=email, role=role, key=key["key"])

    return _make
