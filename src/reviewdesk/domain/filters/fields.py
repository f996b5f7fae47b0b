"""The field catalogue: what each name means, which operators and literals it takes, and their types."""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal
from uuid import UUID

from reviewdesk.domain.filters.grammar import location, syntax_error
from reviewdesk.domain.filters.nodes import (
    ORDER_OPS,
    AnyEntry,
    Compare,
    CompareOp,
    Field,
    HasTag,
    In,
    JsonPath,
    Node,
    Not,
    PairField,
    RunField,
    Sample,
    Scalar,
    make_or,
)
from reviewdesk.domain.limits import FILTER_MAX_PATH_SEGMENTS
from reviewdesk.errors import FilterSyntaxError

Kind = Literal[
    "uuid", "string", "status", "time", "number", "millis", "seconds", "bool", "tags",
    "json", "json_root", "feedback", "pair_key", "pair_score", "pair_value", "sample",
]  # fmt: skip

LiteralValue = str | int | float | bool | None

_COLUMNS: dict[str, Kind] = {
    "id": "uuid",
    "trace_id": "uuid",
    "parent_run_id": "uuid",
    "name": "string",
    "run_type": "string",
    "status": "status",
    "error": "string",
    "project": "string",
    "session_id": "string",
    "start_time": "time",
    "end_time": "time",
    "latency_ms": "millis",
    "prompt_tokens": "number",
    "completion_tokens": "number",
    "total_tokens": "number",
    "cost": "number",
    "is_root": "bool",
    "tags": "tags",
}
_ALIASES = {"session": "session_id", "thread_id": "session_id"}
_PAIRS: dict[str, tuple[PairField, Kind]] = {
    "feedback_key": (PairField("feedback", "key"), "pair_key"),
    "feedback_score": (PairField("feedback", "score"), "pair_score"),
    "feedback_value": (PairField("feedback", "value"), "pair_value"),
    "metadata_key": (PairField("metadata", "key"), "pair_key"),
    "metadata_value": (PairField("metadata", "value"), "pair_value"),
    "input_key": (PairField("inputs", "key"), "pair_key"),
    "input_value": (PairField("inputs", "value"), "pair_value"),
    "output_key": (PairField("outputs", "key"), "pair_key"),
    "output_value": (PairField("outputs", "value"), "pair_value"),
}
_JSON_ROOTS = ("metadata", "inputs", "outputs")
KNOWN_NAMES = sorted([*_COLUMNS, *_ALIASES, *_PAIRS, *_JSON_ROOTS, "latency", "feedback", "random_sample"])
STATUSES = ("success", "error", "pending")
_SEGMENT = re.compile(r"""\.(?:([\w\-]+)|"([^"]*)"|'([^']*)')""")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(ms|s|m|h|d)?\s*$")
_UNIT_MS = {"ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0, "d": 86_400_000.0}
_BAD_KEY_CHARS = re.compile(r'["\\\x00-\x1f]')


@dataclass(frozen=True, slots=True)
class Lit:
    value: LiteralValue
    position: int
    source: str


@dataclass(frozen=True, slots=True)
class Target:
    """A resolved field reference: its kind decides the operators and literals it accepts."""

    kind: Kind
    field: Field | None
    label: str
    position: int
    feedback_key: str = ""


def check_key(text: str, key: str, position: int) -> str:
    # SQLite matches JSON path labels against the raw, still-escaped key text, so keys that
    # would be escaped in storage cannot be addressed identically on both databases.
    if _BAD_KEY_CHARS.search(key):
        raise syntax_error(
            text, position, f"the key {key!r} cannot contain quotes, backslashes or control characters"
        )
    return key


def check_path_length(text: str, segments: int, position: int) -> None:
    if segments > FILTER_MAX_PATH_SEGMENTS:
        raise syntax_error(
            text,
            position,
            f"the path has {segments} keys; at most {FILTER_MAX_PATH_SEGMENTS} (no stored value is deeper)",
        )


def resolve(text: str, name: str, position: int) -> Target:
    head, _, _ = name.partition(".")
    segments = tuple(a or b or c for a, b, c in _SEGMENT.findall(name[len(head) :]))
    check_path_length(text, len(segments), position)
    for segment in segments:
        check_key(text, segment, position)
    if head in _JSON_ROOTS:
        path = JsonPath(head, segments)  # type: ignore[arg-type]
        return Target("json" if segments else "json_root", path, name, position)
    if head == "feedback":
        if not segments:
            raise syntax_error(
                text, position, "name a feedback key: feedback.<key>, e.g. feedback.correctness"
            )
        return Target("feedback", None, name, position, feedback_key=".".join(segments))
    if segments:
        raise syntax_error(text, position, f"the field {head!r} has no sub-fields")
    if head == "latency":
        return Target("seconds", RunField("latency_ms"), name, position)
    if head == "random_sample":
        return Target("sample", None, name, position)
    canonical = _ALIASES.get(head, head)
    if canonical in _COLUMNS:
        return Target(_COLUMNS[canonical], RunField(canonical), name, position)
    if head in _PAIRS:
        pair, kind = _PAIRS[head]
        return Target(kind, pair, name, position)
    raise syntax_error(text, position, f"unknown field {head!r}{suggest(head, KNOWN_NAMES)}")


def suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def comparison(text: str, target: Target, op: CompareOp, op_label: str, op_pos: int, lit: Lit) -> Node:
    """`field op literal` as a node; `!=` is built by the caller as Not of the `eq` node."""
    if target.kind == "sample":
        return _sample(text, op, op_pos, lit)
    if target.kind == "tags":
        if op != "eq" or not isinstance(lit.value, str):
            raise _not_applicable(text, target, op_label, op_pos, 'use has(tags, "…") or "…" in tags')
        return HasTag(lit.value)
    if target.kind == "json_root":
        raise _not_applicable(text, target, op_label, op_pos, f"compare a key instead: {target.label}.<key>")
    value = coerce(text, target, op, op_label, op_pos, lit)
    if target.kind == "feedback":
        return _feedback(target.feedback_key, op, value)
    assert target.field is not None
    return Compare(target.field, op, value)


def membership(text: str, target: Target, in_pos: int, items: list[Lit]) -> Node:
    if target.kind in ("tags", "feedback"):
        return make_or([comparison(text, target, "eq", "in", in_pos, item) for item in items])
    if target.kind in ("sample", "json_root"):
        raise _not_applicable(text, target, "in", in_pos, "")
    values = tuple(coerce(text, target, "eq", "in", in_pos, item) for item in items)
    assert target.field is not None
    return In(target.field, values)


def _feedback(key: str, op: CompareOp, value: Scalar) -> Node:
    has_key = Compare(PairField("feedback", "key"), "eq", key)
    if value is None:
        return Not(AnyEntry("feedback", (has_key,)))
    part = "score" if is_number(value) else "value"
    return AnyEntry("feedback", (has_key, Compare(PairField("feedback", part), op, value)))


def _sample(text: str, op: CompareOp, op_pos: int, lit: Lit) -> Node:
    if op != "eq":
        raise syntax_error(text, op_pos, "random_sample takes '==' and a rate between 0 and 1")
    if not is_number(lit.value) or not 0 <= float(lit.value) <= 1:  # type: ignore[arg-type]
        raise syntax_error(text, lit.position, f"expected a rate between 0 and 1, found {lit.source}")
    return Sample(float(lit.value), position=op_pos, location=location(text, op_pos))  # type: ignore[arg-type]


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _not_applicable(text: str, target: Target, op_label: str, op_pos: int, hint: str) -> FilterSyntaxError:
    message = f"{op_label!r} does not apply to {target.label!r}"
    return syntax_error(text, op_pos, f"{message}; {hint}" if hint else message)


def _expected(text: str, lit: Lit, what: str, target: Target) -> FilterSyntaxError:
    return syntax_error(text, lit.position, f"expected {what} for {target.label!r}, found {lit.source}")


def coerce(text: str, target: Target, op: CompareOp, op_label: str, op_pos: int, lit: Lit) -> Scalar:
    """Check the operator against the field and turn the literal into the value stored in the node."""
    kind, value = target.kind, lit.value
    ordering = op in ORDER_OPS
    if ordering and kind in ("uuid", "bool", "pair_key"):
        raise _not_applicable(text, target, op_label, op_pos, "it only takes '==', '!=' and 'in'")
    if value is None:
        if ordering:
            raise syntax_error(text, lit.position, f"{op_label!r} needs a value, not null")
        if kind == "pair_key":
            raise _expected(text, lit, "a key (a string)", target)
        return None
    match kind:
        case "uuid":
            return _uuid(text, target, lit)
        case "string" | "status":
            if not isinstance(value, str):
                raise _expected(text, lit, "a string", target)
            if kind == "status" and value not in STATUSES:
                raise _expected(text, lit, "one of " + ", ".join(repr(s) for s in STATUSES), target)
            return value
        case "pair_key":
            if not isinstance(value, str):
                raise _expected(text, lit, "a key (a string)", target)
            return value
        case "time":
            return _timestamp(text, target, lit)
        case "number" | "pair_score":
            if not is_number(value):
                raise _expected(text, lit, "a number", target)
            return value
        case "millis" | "seconds":
            return _duration_ms(text, target, lit)
        case "bool":
            if not isinstance(value, bool):
                raise _expected(text, lit, "true or false", target)
            return value
        case _:  # json, pair_value, feedback: any JSON scalar, typed at comparison time
            if ordering and isinstance(value, bool):
                raise syntax_error(
                    text, lit.position, f"{op_label!r} needs a number or a string, not a boolean"
                )
            return value


def _uuid(text: str, target: Target, lit: Lit) -> UUID:
    if isinstance(lit.value, str):
        try:
            return UUID(lit.value)
        except ValueError:
            pass
    raise _expected(text, lit, "a UUID", target)


def _timestamp(text: str, target: Target, lit: Lit) -> datetime:
    if isinstance(lit.value, str):
        try:
            moment = datetime.fromisoformat(lit.value.strip())
        except ValueError:
            pass
        else:
            if moment.tzinfo is None:
                return moment.replace(tzinfo=UTC)
            return moment.astimezone(UTC)
    raise _expected(text, lit, 'an ISO-8601 timestamp such as "2024-05-01T12:00:00Z"', target)


def _duration_ms(text: str, target: Target, lit: Lit) -> float:
    """Latency is stored in milliseconds; `latency` literals are seconds unless they carry a unit."""
    default_unit = "s" if target.kind == "seconds" else "ms"
    value = lit.value
    if is_number(value):
        result = float(value) * _UNIT_MS[default_unit]  # type: ignore[arg-type]
    elif isinstance(value, str) and (match := _DURATION.match(value)):
        result = float(match.group(1)) * _UNIT_MS[match.group(2) or default_unit]
    else:
        raise _expected(text, lit, 'a number or a duration such as "5s" or "250ms"', target)
    if not math.isfinite(result):
        raise syntax_error(text, lit.position, f"{lit.source} is out of range")
    return result
