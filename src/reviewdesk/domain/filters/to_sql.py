"""Compiles a filter tree to a SQLAlchemy WHERE clause over `runs` (built here, never executed).

Three-valued logic never leaks: a leaf may be NULL where the evaluator says false (a missing
field, a JSON value of another type). Mapping NULL to false commutes with AND and OR, and the
WHERE clause treats NULL as false, so only NOT needs care: it negates `coalesce(child, false)`.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FromClause

from reviewdesk.domain.filters.evaluate import ASCII_LOWER
from reviewdesk.domain.filters.nodes import (
    ORDER_OPS,
    And,
    AnyEntry,
    Compare,
    Exists,
    HasTag,
    In,
    JsonPath,
    Node,
    Not,
    Or,
    PairField,
    RunField,
    Sample,
    Scalar,
    Search,
)
from reviewdesk.domain.filters.sql_json import INDEXED_FOR_SEARCH, PostgresJson, SqliteJson
from reviewdesk.errors import Invalid

Expr = ColumnElement[Any]
Compiled = tuple[ColumnElement[bool], bool]  # (expression, whether it can be NULL)

_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "eq": operator.eq,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}
_JSON_COLUMNS = {"metadata": "meta", "inputs": "inputs", "outputs": "outputs"}


@dataclass(frozen=True)
class SqlTargets:
    """The tables a filter reads (callers pass reviewdesk.store.tables.*) and the dialect to emit."""

    runs: sa.FromClause  # the runs table, or an alias of it (e.g. for a trace's root runs)
    feedback: sa.FromClause
    projects: sa.FromClause
    dialect: Literal["sqlite", "postgresql"]
    # search() texts (ASCII-lowered) so common that the full-text index would hand over a large share
    # of all runs (store/runs.py common_search_texts): for these the exact test alone, which a scan in
    # the query's order stops early, is faster. Only SQLite needs telling; PostgreSQL's planner knows.
    common_searches: frozenset[str] = frozenset()


def to_sql(node: Node, targets: SqlTargets) -> ColumnElement[bool]:
    """A boolean expression usable as `select(runs).where(to_sql(node, targets))`."""
    if targets.dialect not in ("sqlite", "postgresql"):
        raise ValueError(f"unsupported dialect {targets.dialect!r}")
    expression, _ = _Compiler(targets).compile(node)
    return expression


def indexed_search_texts(node: Node) -> set[str]:
    """The (ASCII-lowered) texts of the search() terms the full-text index can serve."""
    found: set[str] = set()
    stack = [node]
    while stack:
        match stack.pop():
            case And(children) | Or(children):
                stack.extend(children)
            case Not(child):
                stack.append(child)
            case Search(fields, text) if _indexed(fields):
                found.add(text.translate(ASCII_LOWER))
    return found


def _indexed(fields: tuple[RunField | JsonPath, ...]) -> bool:
    return all((f.root if isinstance(f, JsonPath) else f.name) in INDEXED_FOR_SEARCH for f in fields)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class _Compiler:
    def __init__(self, targets: SqlTargets) -> None:
        self.runs = targets.runs
        self.feedback = targets.feedback
        self.projects = targets.projects
        self.common_searches = targets.common_searches
        self.json: Any = SqliteJson() if targets.dialect == "sqlite" else PostgresJson()

    def compile(self, node: Node) -> Compiled:
        match node:
            case And(children):
                return self._junction(children, sa.and_, sa.true())
            case Or(children):
                return self._junction(children, sa.or_, sa.false())
            case Not(child):
                expression, nullable = self.compile(child)
                if nullable:
                    expression = sa.func.coalesce(expression, sa.false(), type_=sa.Boolean)
                return sa.not_(expression), False
            case Compare(RunField() as field, op, value):
                return self._run_field(field, lambda column: self._compare(column, op, value))
            case In(RunField() as field, values):
                return self._run_field(field, lambda column: self._in(column, values))
            case Compare(JsonPath() as path, op, value):
                return self._json_compare(self._at(path), op, value)
            case In(JsonPath() as path, values):
                return self._json_in(self._at(path), values)
            case HasTag(tag):
                items, ref = self.json.array_items(self.runs.c.tags)
                return self._exists(items, self.json.string(ref) == sa.literal(tag, sa.String)), False
            case Exists(path):
                return self.json.present(self._at(path)), False
            case Search(fields, text):
                return self._search(fields, text.translate(ASCII_LOWER))
            case AnyEntry("feedback", terms):
                return self._any_feedback(terms), False
            case AnyEntry(family, terms):
                return self._any_json_entry(family, terms), False
            case Sample():
                raise Invalid(
                    "random_sample is a routing rule's sample rate, not a condition; use split_sample_rate()",
                    field="filter",
                )
        raise TypeError(f"cannot compile {node!r}")

    def _junction(self, children: Sequence[Node], combine: Any, empty: Any) -> Compiled:
        if not children:
            return empty, False
        compiled = [self.compile(child) for child in children]
        return combine(*(expression for expression, _ in compiled)), any(n for _, n in compiled)

    def _exists(self, source: FromClause, *conditions: Any) -> ColumnElement[bool]:
        return sa.select(sa.literal_column("1")).select_from(source).where(*conditions).exists()

    def _at(self, path: JsonPath) -> Any:
        return self.json.at(self.runs.c[_JSON_COLUMNS[path.root]], path.path)

    def _run_field(self, field: RunField, build: Callable[[Expr], Compiled]) -> Compiled:
        if field.name == "project":
            # The name lives in projects; EXISTS keeps the clause a plain predicate on runs.
            projects = self.projects.alias("filter_projects")
            condition, _ = build(projects.c.name)
            return sa.exists().where(projects.c.id == self.runs.c.project_id, condition), False
        return build(self.runs.c[field.name])

    def _bind(self, column: Expr, value: Scalar) -> Expr:
        if _is_number(value):
            return sa.literal(float(value), sa.Float)  # type: ignore[arg-type]
        return sa.literal(value, column.type)

    def _compare(self, column: Expr, op: str, value: Scalar) -> Compiled:
        if value is None:
            return column.is_(None), False
        left = self.json.ordered(column) if op in ORDER_OPS and isinstance(value, str) else column
        nullable = bool(getattr(column, "nullable", True))
        return _OPS[op](left, self._bind(column, value)), nullable

    def _in(self, column: Expr, values: tuple[Scalar, ...]) -> Compiled:
        present = [value for value in values if value is not None]
        parts: list[Expr] = []
        if present:
            parts.append(column.in_([self._bind(column, value) for value in present]))
        if len(present) < len(values):
            parts.append(column.is_(None))
        if not parts:
            return sa.false(), False
        return sa.or_(*parts), bool(present) and bool(getattr(column, "nullable", True))

    def _json_compare(self, ref: Any, op: str, value: Scalar) -> Compiled:
        json = self.json
        if value is None:
            return json.null_or_missing(ref), False
        if isinstance(value, bool):
            return json.boolean(ref, value), True
        if _is_number(value):
            return _OPS[op](json.number(ref), sa.literal(float(value), sa.Float)), True  # type: ignore[arg-type]
        text = json.string(ref)
        if op in ORDER_OPS:
            text = json.ordered(text)
        return _OPS[op](text, sa.literal(value, sa.String)), True

    def _json_in(self, ref: Any, values: tuple[Scalar, ...]) -> Compiled:
        if not values:
            return sa.false(), False
        compiled = [self._json_compare(ref, "eq", value) for value in values]
        return sa.or_(*(expression for expression, _ in compiled)), any(n for _, n in compiled)

    def _term(self, term: Compare | In, key: Expr, value_ref: Any, score: Expr | None = None) -> Expr:
        """One condition on an entry; NULL is fine here, EXISTS drops the row."""
        assert isinstance(term.field, PairField)
        if term.field.part == "value":
            if isinstance(term, Compare):
                return self._json_compare(value_ref, term.op, term.value)[0]
            return self._json_in(value_ref, term.values)[0]
        column = key if term.field.part == "key" else score
        assert column is not None
        if isinstance(term, Compare):
            return self._compare(column, term.op, term.value)[0]
        return self._in(column, term.values)[0]

    def _any_feedback(self, terms: tuple[Compare | In, ...]) -> ColumnElement[bool]:
        # An alias, so the EXISTS never correlates with a `feedback` in the enclosing query (exports
        # select from feedback and filter its runs with this language).
        fb = self.feedback.alias("filter_feedback")
        value_ref = self.json.at(fb.c.value, ())
        conditions = [self._term(term, fb.c.key, value_ref, fb.c.score) for term in terms]
        return sa.exists().where(fb.c.run_id == self.runs.c.id, *conditions)

    def _any_json_entry(self, family: str, terms: tuple[Compare | In, ...]) -> ColumnElement[bool]:
        source, key, ref = self.json.object_entries(self.runs.c[_JSON_COLUMNS[family]])
        return self._exists(source, *(self._term(term, key, ref) for term in terms))

    def _search(self, fields: tuple[RunField | JsonPath, ...], needle: str) -> Compiled:
        exact, nullable = self._search_exact(fields, needle)
        useful = _indexed(fields) and needle not in self.common_searches
        prefilter = self.json.search_prefilter(self.runs, needle) if useful else None
        if prefilter is None:
            return exact, nullable
        return sa.and_(prefilter, exact), nullable

    def _search_exact(self, fields: tuple[RunField | JsonPath, ...], needle: str) -> Compiled:
        parts: list[Compiled] = []
        for field in fields:
            if isinstance(field, JsonPath) or field.name == "tags":
                column = self.runs.c[_JSON_COLUMNS[field.root] if isinstance(field, JsonPath) else "tags"]
                values, ref = self.json.all_values(column, field.path if isinstance(field, JsonPath) else ())
                parts.append(
                    (self._exists(values, self.json.contains_text(self.json.string(ref), needle)), False)
                )
            else:
                parts.append(
                    self._run_field(field, lambda c: (self.json.contains_text(c, needle), bool(c.nullable)))
                )
        return sa.or_(*(expression for expression, _ in parts)), any(n for _, n in parts)
