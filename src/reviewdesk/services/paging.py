"""Opaque keyset cursors: (timestamp, id) pairs encoded for clients."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson

from reviewdesk.errors import Invalid

MAX_LIMIT = 1000


def check_limit(limit: int | None, default: int = 100) -> int:
    if limit is None:
        return default
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise Invalid(f"must be an integer from 1 to {MAX_LIMIT}", field="limit")
    return limit


def encode_cursor(at: datetime, row_id: uuid.UUID) -> str:
    raw = f"{at.isoformat()}|{row_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        at, row_id = base64.urlsafe_b64decode(padded).decode().split("|")
        return datetime.fromisoformat(at), uuid.UUID(row_id)
    except (ValueError, UnicodeDecodeError):
        raise Invalid("is not a cursor this server issued", field="cursor") from None


def encode_ranked_cursor(rank: int, at: datetime, row_id: uuid.UUID) -> str:
    """A cursor for lists ordered by a rank (such as priority) before time and id."""
    return encode_cursor(at, row_id) + "." + str(int(rank))


def decode_ranked_cursor(cursor: str | None) -> tuple[int, datetime, uuid.UUID] | None:
    if not cursor:
        return None
    head, _, rank = cursor.rpartition(".")
    if not head or not rank.lstrip("-").isdigit() or len(rank) > 20:
        raise Invalid("is not a cursor this server issued", field="cursor")
    decoded = decode_cursor(head)
    assert decoded is not None
    return int(rank), decoded[0], decoded[1]


def page_of_list(
    rows: list[dict[str, Any]],
    *,
    limit: int | None,
    cursor: str | None,
    key: Callable[[dict[str, Any]], tuple[Any, ...]],
    newest_first: bool = False,
) -> tuple[list[dict[str, Any]], str | None]:
    """A keyset page of a short list a service returns whole (queues, users, rules, configs…).

    Ordered by `key` (unique per row); the cursor is the key of the last row handed out, so a row
    added or removed between pages neither repeats nor hides another.
    """
    limit = check_limit(limit)

    def text(row: dict[str, Any]) -> list[str]:
        return [str(part) for part in key(row)]

    ordered = sorted(rows, key=text, reverse=newest_first)
    if cursor:
        after = _decode_list_cursor(cursor)
        ordered = [r for r in ordered if (text(r) < after if newest_first else text(r) > after)]
    if len(ordered) <= limit:
        return ordered, None
    last = text(ordered[limit - 1])
    return ordered[:limit], base64.urlsafe_b64encode(orjson.dumps(last)).decode().rstrip("=")


def _decode_list_cursor(cursor: str) -> list[str]:
    try:
        decoded = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, orjson.JSONDecodeError):
        decoded = None
    if not isinstance(decoded, list) or not all(isinstance(part, str) for part in decoded):
        raise Invalid("is not a cursor this server issued", field="cursor")
    return decoded


def by_creation(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["created_at"], row["id"])
