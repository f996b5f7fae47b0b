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
    sqlite = db.dialect == "sqlite"
    with db.engine.connect() as conn:
        if sqlite:
            # Batch mode rebuilds a table (copy, DROP, rename): with foreign keys enforced, dropping a
            # table other rows reference fails. Off for the migration, back on for the pooled
            # connection afterwards; set on the driver's connection, outside SQLAlchemy's BEGIN.
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        context.configure(
            connection=conn,
            target_metadata=metadata,
            render_as_batch=sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        conn.commit()
        if sqlite:
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


run_migrations_online()
