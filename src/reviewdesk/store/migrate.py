"""Alembic, driven from code so that migrations work from an installed wheel."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext

from reviewdesk.store.database import Database
from reviewdesk.store.pg_maintenance import paused


def alembic_config(db: Database, secret_key: str | None = None) -> Config:
    """`secret_key`: the server secret the app runs with, for migrations that re-key the audit chain
    (they fall back to the secret stored in the database)."""
    config = Config()
    config.set_main_option("script_location", "reviewdesk.store:migrations")
    config.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    config.attributes["database"] = db
    config.attributes["secret_key"] = secret_key
    return config


@contextmanager
def _maintenance_paused(db: Database) -> Iterator[None]:
    """PostgreSQL: no background VACUUM/ANALYZE holds a table a migration must alter."""
    if db.dialect != "postgresql":
        yield
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn, paused(conn):
        yield


def upgrade(db: Database, revision: str = "head", *, secret_key: str | None = None) -> None:
    with _maintenance_paused(db):
        command.upgrade(alembic_config(db, secret_key), revision)


def downgrade(db: Database, revision: str, *, secret_key: str | None = None) -> None:
    with _maintenance_paused(db):
        command.downgrade(alembic_config(db, secret_key), revision)


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
