"""Migrations go up, down and up again on both databases, and match the tables the code uses."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from reviewdesk.store import migrate
from reviewdesk.store.tables import FULL_TEXT_INDEX_PREFIXES, metadata


def _tables(db) -> set[str]:
    names = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
    return {name for name in names if not name.startswith(FULL_TEXT_INDEX_PREFIXES)}


def _outside_full_text_index(name, _type, _parent) -> bool:
    return not (name or "").startswith(FULL_TEXT_INDEX_PREFIXES)


def test_upgrade_downgrade_upgrade(db):
    assert migrate.current_revision(db) is not None
    assert _tables(db) == set(metadata.tables)
    migrate.downgrade(db, "base")
    assert migrate.current_revision(db) is None
    assert _tables(db) == set()
    migrate.upgrade(db)
    assert _tables(db) == set(metadata.tables)


def test_migrations_produce_exactly_the_schema_in_tables_py(db):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": False, "include_name": _outside_full_text_index}
        )
        diff = compare_metadata(context, metadata)
    assert diff == []
