"""Opaque keyset cursors: (timestamp, id) pairs encoded for clients."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime

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
