"""Alembic environment: runs on the Database passed in by reviewdesk.store.migrate."""

from __future__ import annotations

from alembic import context

from reviewdesk.store.database import Database
from reviewdesk.store.tables import metadata

config = context.config


def run_migrations_online() -> None:
    db: Database | None = config.attributes.get("database")
    if db is None:
        db = Database(config.get_main_option("sqlalchemy.url") or "")
    with db.engine.connect() as conn:
        context.configure(
            connection=conn,
            target_metadata=metadata,
            render_as_batch=db.dialect == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        conn.commit()


run_migrations_online()
