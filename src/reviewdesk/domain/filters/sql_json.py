"""Typed JSON access for the SQL compiler: the only place where SQLite and PostgreSQL differ.

Every accessor returns SQL NULL when the JSON value is missing or of another type than asked for,
so a typed comparison is NULL (and, under the compiler's rules, false) instead of a cast error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import DOUBLE_PRECISION, JSONB
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FromClause

Expr = ColumnElement[Any]
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# The full-text index (migration 0009) holds, per run, its name, error and the string values of its
# inputs and outputs. It is a trigram index on both databases: a needle of 3+ characters narrows
# the runs to those holding all its trigrams, and the exact test then runs on those only.
INDEXED_FOR_SEARCH = frozenset({"name", "error", "inputs", "outputs"})
_MAX_TRIGRAMS = 12  # any subset of a needle's trigrams is a valid pre-filter; a few spread ones do
_PG_TRIGRAM_WORD = re.compile(r"[^\W_]{3}")  # pg_trgm takes trigrams from runs of letters/digits only


def fts_query(needle: str) -> str | None:
    """The FTS5 query for runs holding every (or a spread of) trigram of the needle; None under 3."""
    grams = _trigrams(needle)
    return " ".join('"' + gram.replace('"', '""') + '"' for gram in grams) if grams else None


def _trigrams(needle: str) -> list[str]:
    grams = list(dict.fromkeys(needle[i : i + 3] for i in range(len(needle) - 2)))
    if len(grams) <= _MAX_TRIGRAMS:
        return grams
    step = (len(grams) - 1) / (_MAX_TRIGRAMS - 1)
    return [grams[round(i * step)] for i in range(_MAX_TRIGRAMS)]


@dataclass(frozen=True)
class SqliteRef:
    """A JSON value on SQLite: its `json_type` and its SQL value (text, integer, real, 1/0)."""

    type: Expr
    value: Expr


def _sqlite_path(path: tuple[str, ...]) -> str:
    # Quoted labels: keys with dots or spaces stay one step. Keys with quotes are refused by the parser.
    return "$" + "".join(f'."{key}"' for key in path)


class SqliteJson:
    def at(self, column: Expr, path: tuple[str, ...]) -> SqliteRef:
        where = _sqlite_path(path)
        return SqliteRef(
            sa.func.json_type(column, where, type_=sa.String), sa.func.json_extract(column, where)
        )

    def number(self, ref: SqliteRef) -> Expr:
        # json_extract gives 1/0 for true/false, so the type decides; REAL makes every number a double.
        return sa.case((ref.type.in_(("integer", "real")), sa.cast(ref.value, sa.Float)))

    def string(self, ref: SqliteRef) -> Expr:
        return sa.case((ref.type == "text", ref.value))

    def boolean(self, ref: SqliteRef, value: bool) -> Expr:
        return ref.type == ("true" if value else "false")

    def null_or_missing(self, ref: SqliteRef) -> Expr:
        return sa.func.coalesce(ref.type, "null") == "null"

    def present(self, ref: SqliteRef) -> Expr:
        return ref.type.is_not(None)

    def object_entries(self, column: Expr) -> tuple[FromClause, Expr, SqliteRef]:
        guarded = sa.case((sa.func.json_type(column) == "object", column), else_=sa.literal_column("'{}'"))
        each = sa.func.json_each(guarded).table_valued("key", "value", "type")
        return each, each.c.key, SqliteRef(each.c.type, each.c.value)

    def array_items(self, column: Expr) -> tuple[FromClause, SqliteRef]:
        guarded = sa.case((sa.func.json_type(column) == "array", column), else_=sa.literal_column("'[]'"))
        each = sa.func.json_each(guarded).table_valued("value", "type")
        return each, SqliteRef(each.c.type, each.c.value)

    def all_values(self, column: Expr, path: tuple[str, ...]) -> tuple[FromClause, SqliteRef]:
        tree = sa.func.json_tree(column, _sqlite_path(path)).table_valued("value", "type")
        return tree, SqliteRef(tree.c.type, tree.c.value)

    def contains_text(self, text: Expr, needle: str) -> Expr:
        # SQLite's built-in lower() folds ASCII only, which is exactly the rule we promise.
        return sa.func.instr(sa.func.lower(text), sa.literal(needle, sa.String)) > 0

    def ordered(self, text: Expr) -> Expr:
        return text  # BINARY collation: UTF-8 byte order is code point order, as in Python

    def search_prefilter(self, runs: FromClause, needle: str) -> Expr | None:
        """Runs whose FTS5 document holds every trigram of the needle (a superset of the matches:
        FTS5 folds case, also beyond ASCII). None when the needle is too short to use the index."""
        query = fts_query(needle)
        if query is None:
            return None
        matching = sa.text("SELECT rowid FROM runs_search WHERE runs_search MATCH :fts_query").bindparams(
            sa.bindparam("fts_query", query, unique=True)
        )
        return sa.literal_column(f"{runs.name}.rowid").in_(matching)


class PostgresJson:
    def _typeof(self, ref: Expr) -> Expr:
        return sa.func.jsonb_typeof(ref, type_=sa.String)

    def at(self, column: Expr, path: tuple[str, ...]) -> Expr:
        ref = column
        for key in path:
            # `jsonb -> text` only steps into objects; `#>` would also index arrays by "0".
            ref = ref.op("->", return_type=JSONB)(sa.cast(sa.literal(key, sa.String), sa.Text))
        return ref

    def number(self, ref: Expr) -> Expr:
        return sa.case((self._typeof(ref) == "number", sa.cast(ref, DOUBLE_PRECISION)))

    def string(self, ref: Expr) -> Expr:
        text = ref.op("#>>", return_type=sa.Text)(sa.literal_column("'{}'"))
        return sa.case((self._typeof(ref) == "string", text))

    def boolean(self, ref: Expr, value: bool) -> Expr:
        text = ref.op("#>>", return_type=sa.Text)(sa.literal_column("'{}'"))
        return sa.and_(self._typeof(ref) == "boolean", text == ("true" if value else "false"))

    def null_or_missing(self, ref: Expr) -> Expr:
        return sa.func.coalesce(self._typeof(ref), "null") == "null"

    def present(self, ref: Expr) -> Expr:
        return ref.is_not(None)

    def object_entries(self, column: Expr) -> tuple[FromClause, Expr, Expr]:
        # jsonb_each raises on a non-object, and WHERE gives no evaluation order: guard inside.
        guarded = sa.case(
            (self._typeof(column) == "object", column), else_=sa.literal_column("'{}'::jsonb", JSONB)
        )
        each = sa.func.jsonb_each(guarded).table_valued("key", sa.column("value", JSONB))
        return each, each.c.key, each.c.value

    def array_items(self, column: Expr) -> tuple[FromClause, Expr]:
        guarded = sa.case(
            (self._typeof(column) == "array", column), else_=sa.literal_column("'[]'::jsonb", JSONB)
        )
        items = sa.func.jsonb_array_elements(guarded, type_=JSONB).alias()
        return items, items.column

    def all_values(self, column: Expr, path: tuple[str, ...]) -> tuple[FromClause, Expr]:
        # strict: lax mode would unwrap arrays and visit some values twice.
        values = sa.func.jsonb_path_query(
            self.at(column, path), sa.literal_column("'strict $.**'"), type_=JSONB
        ).alias()
        return values, values.column

    def contains_text(self, text: Expr, needle: str) -> Expr:
        # lower() follows the database locale (Unicode); translate() folds ASCII only, like SQLite.
        folded = sa.func.translate(text, sa.literal(_UPPER), sa.literal(_UPPER.lower()))
        return sa.func.strpos(folded, sa.literal(needle, sa.String)) > 0

    def ordered(self, text: Expr) -> Expr:
        return sa.collate(text, "C")  # code point order whatever the database collation is

    def search_prefilter(self, runs: FromClause, needle: str) -> Expr | None:
        """Runs whose document ILIKE the needle, through the pg_trgm index (ILIKE folds case beyond
        ASCII: a superset of the matches). None when pg_trgm could take no trigram from the needle."""
        if not _PG_TRIGRAM_WORD.search(needle):
            return None
        document = sa.func.reviewdesk_search_doc(
            runs.c.name, runs.c.error, runs.c.inputs, runs.c.outputs, type_=sa.Text
        )
        pattern = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        return document.ilike(sa.literal(pattern, sa.String))
