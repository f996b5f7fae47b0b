"""The Python predicate: does one run, as the ingest path holds it, match a filter tree?"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from reviewdesk.domain.filters.nodes import (
    And,
    AnyEntry,
    Compare,
    Exists,
    Family,
    Field,
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
from reviewdesk.errors import Invalid

MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING"})()
ASCII_LOWER = {code: code + 32 for code in range(ord("A"), ord("Z") + 1)}

Entry = Mapping[str, Any]


def evaluate(node: Node, run: Mapping[str, Any]) -> bool:
    match node:
        case And(children):
            return all(evaluate(child, run) for child in children)
        case Or(children):
            return any(evaluate(child, run) for child in children)
        case Not(child):
            return not evaluate(child, run)
        case Compare(field, op, value):
            return matches(_read(field, run), op, value)
        case In(field, values):
            actual = _read(field, run)
            return any(matches(actual, "eq", value) for value in values)
        case HasTag(tag):
            tags = run.get("tags")
            return isinstance(tags, list | tuple) and any(isinstance(t, str) and t == tag for t in tags)
        case Exists(path):
            return json_get(run.get(path.root), path.path) is not MISSING
        case Search(fields, text):
            needle = text.translate(ASCII_LOWER)
            return any(needle in s.translate(ASCII_LOWER) for f in fields for s in _strings(f, run))
        case AnyEntry(family, terms):
            return any(all(_term(term, entry) for term in terms) for entry in _entries(family, run))
        case Sample():
            raise Invalid(
                "random_sample is a routing rule's sample rate, not a condition; use split_sample_rate()",
                field="filter",
            )
    raise TypeError(f"not a filter node: {node!r}")


def json_get(document: Any, path: tuple[str, ...]) -> Any:
    """The value at `path` (object keys only), MISSING when a key is absent or a step is no object."""
    current = MISSING if document is None else document
    for key in path:
        if not isinstance(current, Mapping) or key not in current:
            return MISSING
        current = current[key]
    return _as_stored(current)


def _as_stored(value: Any) -> Any:
    # orjson writes NaN and infinities into JSON as null, so the databases read them as null.
    return None if isinstance(value, float) and not math.isfinite(value) else value


def _column(value: Any) -> Any:
    # SQLite stores a NaN REAL as NULL (infinities stay). PostgreSQL keeps NaN and orders it above
    # every number, which nothing here can mirror on both databases: ingest must not store NaN.
    return None if isinstance(value, float) and math.isnan(value) else value


def is_null(value: Any) -> bool:
    return value is None or value is MISSING


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def matches(actual: Any, op: str, expected: Scalar) -> bool:
    """Typed comparison: values of another type than the literal never match (JSON true is no 1)."""
    if expected is None:
        return is_null(actual)
    if is_null(actual):
        return False
    if isinstance(expected, bool):
        return isinstance(actual, bool) and actual == expected
    if _is_number(expected):
        return _is_number(actual) and _ordered(float(actual), op, float(expected))  # type: ignore[arg-type]
    if isinstance(expected, str):
        return isinstance(actual, str) and _ordered(actual, op, expected)
    if isinstance(expected, datetime):
        if not isinstance(actual, datetime):
            return False
        moment = actual.replace(tzinfo=UTC) if actual.tzinfo is None else actual
        return _ordered(moment, op, expected)
    if isinstance(expected, UUID):
        return _as_uuid(actual) == expected
    return False


def _ordered(actual: Any, op: str, expected: Any) -> bool:
    match op:
        case "eq":
            return bool(actual == expected)
        case "gt":
            return bool(actual > expected)
        case "gte":
            return bool(actual >= expected)
        case "lt":
            return bool(actual < expected)
        case "lte":
            return bool(actual <= expected)
    raise ValueError(op)


def _as_uuid(value: Any) -> UUID | None:
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except ValueError:
        return None


def _read(field: Field, run: Mapping[str, Any]) -> Any:
    match field:
        case RunField(name):
            value = _column(run.get(name))
            return MISSING if value is None else value
        case JsonPath(root, path):
            return json_get(run.get(root), path)
    raise TypeError(f"{field!r} is only valid inside AnyEntry")


def _strings(field: RunField | JsonPath, run: Mapping[str, Any]) -> Iterator[str]:
    if isinstance(field, JsonPath):
        yield from _json_strings(json_get(run.get(field.root), field.path))
    elif field.name == "tags":
        yield from _json_strings(run.get("tags"))
    elif isinstance(value := run.get(field.name), str):
        yield value


def _json_strings(value: Any) -> Iterator[str]:
    """Every string value in a JSON document, at any depth; object keys are not searched."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _json_strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _json_strings(item)


def _entries(family: Family, run: Mapping[str, Any]) -> Iterator[Entry]:
    if family == "feedback":
        for row in run.get("feedback") or ():
            score = _column(row.get("score"))
            yield {
                "key": row.get("key"),
                "score": None if score is None else float(score),
                "value": _as_stored(row.get("value")),
            }
        return
    document = run.get(family)
    if isinstance(document, Mapping):
        for key, value in document.items():
            yield {"key": key, "value": _as_stored(value)}


def _term(term: Compare | In, entry: Entry) -> bool:
    assert isinstance(term.field, PairField)
    actual = entry.get(term.field.part)
    if isinstance(term, In):
        return any(matches(actual, "eq", value) for value in term.values)
    return matches(actual, term.op, term.value)
