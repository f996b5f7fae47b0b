"""Limits on what a client may send, checked in one place for every entry point.

Why these numbers:
- MAX_JSON_DEPTH = 64 levels for a whole request document. orjson writes at most 254 levels, and a
  stored value is served inside envelopes (`{"items": [{"inputs": …}]}`, trace trees, exports) and
  walked by the filter compilers, so a value must stay well below that to be readable through every
  route. Real LLM payloads (chat messages, tool calls, documents) nest fewer than 15 levels.
- NUL (U+0000) is refused in every string and object key, with a 400 naming the field: PostgreSQL
  cannot store it in text or jsonb at all, and one rule on both databases means a run accepted on
  SQLite is also accepted on PostgreSQL (and back after a migration). The filter language already
  refuses it in its literals, so nothing that could be stored is unsearchable.
- Strings: at most MAX_STRING_CHARS characters (the body limit caps the total anyway); object keys
  at most MAX_KEY_CHARS.
- Numbers: finite, and integers in the 64-bit range orjson can write back (−2⁶³ … 2⁶⁴−1). JSON
  bodies cannot carry others (orjson refuses NaN/Infinity and reads longer integers as floats), but
  values built from protobuf (OTLP) or files (imports) reach the same check.
- Integers kept in 32-bit columns (versions, priorities, counts, caps) at most MAX_INT32: PostgreSQL
  refuses a larger one with an error, SQLite stores it, so the bound is checked before either sees it.
"""

from __future__ import annotations

import math
from typing import Any

from reviewdesk.errors import Invalid

MAX_JSON_DEPTH = 64
MAX_STRING_CHARS = 10_000_000
MAX_KEY_CHARS = 1_000
MIN_INT, MAX_INT = -(2**63), 2**64 - 1
MIN_INT32, MAX_INT32 = -(2**31), 2**31 - 1
MAX_QUERY_PARAM_CHARS = 20_000


def child_path(path: str, key: str | int) -> str:
    """`post[3]`, `post[3].inputs`: how error fields name a place inside a body."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def fits_int32(value: int) -> bool:
    return MIN_INT32 <= value <= MAX_INT32


def check_text(value: str, field: str, *, max_chars: int = MAX_STRING_CHARS) -> None:
    if "\x00" in value:
        raise Invalid("must not contain the NUL character (U+0000)", field=field or "body")
    if len(value) > max_chars:
        raise Invalid(f"must be at most {max_chars:,} characters", field=field or "body")


def check_json(
    value: Any, field: str = "", *, depth: int = 1, max_depth: int = MAX_JSON_DEPTH, values: bool = True
) -> None:
    """Raise Invalid naming the first place in `value` that breaks a limit; `field` is its path.

    `depth` is the nesting level `value` itself sits at: a body is level 1, its members level 2.
    `values=False` checks the depth only (OTLP: its spans' strings are checked span by span, so one
    bad span is reported as a partial success instead of refusing the request).
    Iterative, so that a document far deeper than the limit cannot exhaust the stack while checked.
    """
    stack: list[tuple[Any, str, int]] = [(value, field, depth)]
    while stack:
        item, path, level = stack.pop()
        if not values and not isinstance(item, dict | list):
            continue
        if isinstance(item, str):
            check_text(item, path)
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int):
            if not MIN_INT <= item <= MAX_INT:
                raise Invalid("is an integer outside the 64-bit range", field=path or "body")
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise Invalid("must be a finite number", field=path or "body")
        elif isinstance(item, dict | list):
            if level > max_depth:
                raise Invalid(
                    f"nests deeper than {max_depth} levels (the limit for any JSON document sent)",
                    field=path or "body",
                )
            if isinstance(item, dict):
                children = []
                for key, child in item.items():
                    key = str(key)
                    key_path = child_path(path, key[:100])
                    if values:
                        check_text(key, key_path, max_chars=MAX_KEY_CHARS)
                    children.append((child, key_path, level + 1))
                stack.extend(reversed(children))
            else:
                stack.extend(
                    (child, child_path(path, i), level + 1) for i, child in reversed(list(enumerate(item)))
                )


def check_query_params(params: list[tuple[str, str]]) -> None:
    """Query parameters: no NUL (PostgreSQL cannot compare with it), bounded length."""
    for name, value in params:
        check_text(name, f"query.{name[:100]}", max_chars=MAX_KEY_CHARS)
        check_text(value, f"query.{name[:100]}", max_chars=MAX_QUERY_PARAM_CHARS)


def check_form_fields(fields: list[tuple[str, str]]) -> None:
    """A web form's fields (url-encoded): the rules of JSON strings, the field named as sent."""
    for name, value in fields:
        check_text(name, name[:100], max_chars=MAX_KEY_CHARS)
        check_text(value, name[:100])


# --- the filter language: a bound on the cost of one filter, checked while parsing ---------------
# A filter that passes these compiles to SQL both databases accept (SQLite's expression tree is at
# most 1,000 deep) and that the statement timeout, not the parser, bounds. Each is a clear 400.
FILTER_MAX_CHARS = 20_000
FILTER_MAX_DEPTH = 64  # nested conditions
FILTER_MAX_TERMS = 500  # leaf conditions; each value of an `in` list and each key of has() counts
FILTER_MAX_SEARCH_TERMS = 20  # search() terms, the costly ones
FILTER_MAX_PATH_SEGMENTS = MAX_JSON_DEPTH  # metadata.a.b…: no stored document is deeper
FILTER_MAX_STRING_CHARS = 10_000
FILTER_MAX_NUMBER_CHARS = 100
