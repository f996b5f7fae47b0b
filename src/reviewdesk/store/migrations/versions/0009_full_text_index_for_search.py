"""full-text index for search(): SQLite FTS5 (trigram) kept by triggers, PostgreSQL pg_trgm GIN

Revision ID: 0009
Revises: 0010
Create Date: 2026-12-06 14:20:00

The index holds one document per run: its name, its error and every string value in its inputs
and outputs (not keys), one per line: what `search("text")` looks in. Both indexes are trigram
indexes, so they find substrings (search() stays an ASCII-case-insensitive substring match); the
filter compiler uses them as a pre-filter and keeps the exact test (domain/filters/sql_json.py).

- SQLite: `runs_search`, a contentless FTS5 table (detail=none: only which runs hold a trigram,
  about a quarter of the text's size) whose rowid is the run's rowid, kept in step by triggers on
  insert, update of the four columns, and delete: every writer (ingest, imports, a hand-written
  UPDATE) keeps it right. A contentless table forgets the text, so deleting a document restates it:
  the triggers compute the old document with the same expression.
- PostgreSQL: an expression GIN index (pg_trgm) over `reviewdesk_search_doc(name, error, inputs,
  outputs)`, an IMMUTABLE SQL function; the database keeps it in step by itself.
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0010"
branch_labels = None
depends_on = None


def _sqlite_doc(row: str) -> str:
    strings = "(SELECT group_concat(value, char(10)) FROM json_tree({row}.{column}) WHERE type = 'text')"
    return (
        f"coalesce({row}.name, '') || char(10) || coalesce({row}.error, '') || char(10) || "
        f"coalesce({strings.format(row=row, column='inputs')}, '') || char(10) || "
        f"coalesce({strings.format(row=row, column='outputs')}, '')"
    )


_SQLITE_INSERT = "INSERT INTO runs_search(rowid, doc) VALUES (new.rowid, {doc});".format(
    doc=_sqlite_doc("new")
)
_SQLITE_DELETE = (
    "INSERT INTO runs_search(runs_search, rowid, doc) VALUES ('delete', old.rowid, {doc});".format(
        doc=_sqlite_doc("old")
    )
)

SQLITE_UPGRADE = [
    "CREATE VIRTUAL TABLE runs_search USING fts5(doc, content='', detail='none', tokenize='trigram')",
    f"INSERT INTO runs_search(rowid, doc) SELECT runs.rowid, {_sqlite_doc('runs')} FROM runs",
    f"CREATE TRIGGER runs_search_insert AFTER INSERT ON runs BEGIN {_SQLITE_INSERT} END",
    f"CREATE TRIGGER runs_search_delete AFTER DELETE ON runs BEGIN {_SQLITE_DELETE} END",
    "CREATE TRIGGER runs_search_update AFTER UPDATE OF name, error, inputs, outputs ON runs "
    f"BEGIN {_SQLITE_DELETE} {_SQLITE_INSERT} END",
]
SQLITE_DOWNGRADE = [
    "DROP TRIGGER IF EXISTS runs_search_update",
    "DROP TRIGGER IF EXISTS runs_search_delete",
    "DROP TRIGGER IF EXISTS runs_search_insert",
    "DROP TABLE IF EXISTS runs_search",
]

_PG_STRINGS = (
    "(SELECT string_agg(v #>> '{{}}', E'\\n') FROM jsonb_path_query({column}, 'strict $.**') AS v "
    "WHERE jsonb_typeof(v) = 'string')"
)
POSTGRESQL_UPGRADE = [
    # Trusted since PostgreSQL 13: the database's owner may create it.
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE OR REPLACE FUNCTION reviewdesk_search_doc(name text, error text, inputs jsonb, outputs jsonb) "
    "RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT concat_ws(E'\\n', name, error, "
    f"{_PG_STRINGS.format(column='inputs')}, {_PG_STRINGS.format(column='outputs')}) $$",
    "CREATE INDEX ix_runs_search ON runs USING gin "
    "(reviewdesk_search_doc(name, error, inputs, outputs) gin_trgm_ops)",
]
POSTGRESQL_DOWNGRADE = [
    "DROP INDEX IF EXISTS ix_runs_search",
    "DROP FUNCTION IF EXISTS reviewdesk_search_doc(text, text, jsonb, jsonb)",
]


def upgrade() -> None:
    statements = SQLITE_UPGRADE if op.get_bind().dialect.name == "sqlite" else POSTGRESQL_UPGRADE
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    statements = SQLITE_DOWNGRADE if op.get_bind().dialect.name == "sqlite" else POSTGRESQL_DOWNGRADE
    for statement in statements:
        op.execute(statement)
