"""What the GenAI and OpenInference readers take from a span's attributes, and how they take it."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson


@dataclass
class SpanContent:
    """The run fields found in one span's attributes; `consumed` keys are not repeated in metadata."""

    attributes: Mapping[str, Any]
    consumed: set[str] = field(default_factory=set)
    run_type: str | None = None
    inputs: dict[str, Any] | None = None
    outputs: dict[str, Any] | None = None
    model: str | None = None
    provider: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    total_tokens: int | None = None
    cost: float | None = None
    session_id: str | None = None
    user_id: str | None = None
    error: str | None = None
    tags: list[str] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    indexed_prefixes: set[str] | None = None

    def take(self, key: str) -> Any:
        value = self.attributes.get(key)
        if value is not None:
            self.consumed.add(key)
        return value

    def take_first(self, *keys: str) -> Any:
        for key in keys:
            value = self.take(key)
            if value is not None and value != "":
                return value
        return None

    def take_text(self, *keys: str) -> str | None:
        value = self.take_first(*keys)
        return None if value is None else str(value)

    def take_count(self, *keys: str) -> int | None:
        for key in keys:
            value = self.attributes.get(key)
            count = None if value is None else as_count(value)
            if count is not None:
                self.consumed.add(key)
                return count
        return None

    def take_indexed(self, prefix: str) -> list[dict[str, Any]]:
        """`prefix.0.role`, `prefix.0.content`, `prefix.1.role` … → [{role, content}, {role}]."""
        if self.indexed_prefixes is None:
            self.indexed_prefixes = indexed_prefixes(self.attributes)
        if prefix not in self.indexed_prefixes:
            return []
        groups = indexed(self.attributes, prefix)
        if groups:
            head = prefix + "."
            self.consumed.update(k for k in self.attributes if k.startswith(head))
        return groups

    def fill(self, **values: Any) -> None:
        """Set the fields still empty: the first convention that names a field wins it."""
        for name, value in values.items():
            if value is not None and getattr(self, name) is None:
                setattr(self, name, value)


def indexed(flat: Mapping[str, Any], prefix: str) -> list[dict[str, Any]]:
    """Group `prefix.N.rest` keys by N (in index order), each group keyed by `rest`."""
    head = prefix + "."
    groups: dict[int, dict[str, Any]] = {}
    for key, value in flat.items():
        if not key.startswith(head):
            continue
        index, _, rest = key[len(head) :].partition(".")
        if index.isdigit() and rest:
            groups.setdefault(int(index), {})[rest] = value
    return [groups[i] for i in sorted(groups)]


def indexed_prefixes(flat: Mapping[str, Any]) -> set[str]:
    """Every `prefix` that some `prefix.N.rest` key uses: one pass, so absent families cost nothing."""
    prefixes = set()
    for key in flat:
        parts = key.split(".")
        for position in range(1, len(parts) - 1):
            if parts[position].isdigit():
                prefixes.add(".".join(parts[:position]))
                break
    return prefixes


def parse_json(value: Any) -> Any:
    """A JSON-encoded attribute (the usual way to put structure in a span) decoded; anything else as is."""
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return value
    return value


def json_or_text(value: Any) -> Any:
    """An attribute its SDK always JSON-encodes (strings too, `"\\"v\\""`): decoded; text that is not
    JSON (cut short by the SDK, or sent raw) stays text."""
    if not isinstance(value, str):
        return value
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        return value


def as_object(value: Any, key: str) -> dict[str, Any] | None:
    """Inputs and outputs are objects: a JSON object stays one, anything else goes under `key`."""
    if value is None:
        return None
    parsed = parse_json(value)
    return parsed if isinstance(parsed, dict) else {key: parsed}


def as_count(value: Any) -> int | None:
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value) or value < 0 or value != int(value):
        return None
    return int(value)


def as_cost(value: Any) -> float | None:
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) and value >= 0 else None


def as_tags(value: Any) -> list[str] | None:
    parsed = parse_json(value)
    if isinstance(parsed, str):
        parsed = [parsed]
    if not isinstance(parsed, list):
        return None
    return [str(t) for t in parsed if t is not None and t != ""] or None


def text_of(value: Any) -> str:
    if isinstance(value, str):
        return value
    return orjson.dumps(value, default=str).decode()


def tool_call(call_id: Any, name: Any, arguments: Any) -> dict[str, Any]:
    """A tool call in the OpenAI chat shape the review view and the exports read."""
    return {
        "id": None if call_id is None else str(call_id),
        "type": "function",
        "function": {"name": "" if name is None else str(name), "arguments": text_of(arguments or {})},
    }


def joined_or_parts(parts: list[dict[str, Any]]) -> str | list[dict[str, Any]]:
    """Text-only content becomes one string; mixed content stays a list of OpenAI-style parts."""
    if all(p.get("type") == "text" for p in parts):
        return "\n".join(str(p.get("text", "")) for p in parts)
    return parts


def call_arguments(parsed: dict[str, Any]) -> dict[str, Any]:
    """A decorator's captured call `{"args": […], "kwargs": {…}}` (Langfuse's @observe, OpenLLMetry's
    @task) → the keyword arguments, with the positional ones under `args` when there are any."""
    if not parsed or not set(parsed) <= {"args", "kwargs"}:
        return parsed
    args = parsed.get("args") or []
    kwargs = parsed.get("kwargs") if isinstance(parsed.get("kwargs"), dict) else {}
    return {**({"args": args} if args else {}), **kwargs}
