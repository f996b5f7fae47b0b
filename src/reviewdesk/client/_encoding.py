"""JSON for the wire: strict encoding of request bodies, lenient snapshots of traced values."""

from __future__ import annotations

import dataclasses
import enum
import json
import math
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

_MAX_DEPTH = 50


def format_time(value: datetime) -> str:
    """ISO-8601 in UTC with a `Z`; a naive datetime is taken to be UTC already."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _default(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(value: Any) -> bytes:
    """Encode a request body; UUIDs and datetimes become strings, anything unknown is a TypeError."""
    return json.dumps(value, default=_default, separators=(",", ":"), allow_nan=False).encode()


def jsonable(value: Any, _depth: int = 0) -> Any:
    """A JSON-safe deep copy of a traced value: never raises, falls back to `repr` for the unknown.

    Tracing must not break the traced application, so arguments and return values of any type are
    accepted; a copy is taken at once so later mutation does not change what was recorded.
    """
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if _depth >= _MAX_DEPTH:
        return repr(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v, _depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v, _depth + 1) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name), _depth + 1) for f in dataclasses.fields(value)}
    model_dump = getattr(value, "model_dump", None)  # pydantic v2 models, without importing pydantic
    if callable(model_dump):
        try:
            return jsonable(model_dump(), _depth + 1)
        except Exception:  # noqa: BLE001 - a broken model_dump falls back to repr like any other object
            return repr(value)
    try:
        return _default(value)
    except TypeError:
        return repr(value)
