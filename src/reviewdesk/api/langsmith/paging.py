"""LangSmith's list contract over ours: `limit` + `offset` pages, ended by a page shorter than `limit`.

Our services page by opaque cursors (or return small lists whole); these helpers answer an offset
page from either, so the SDK's `offset += len(page)` loop always ends.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from reviewdesk.errors import Invalid

T = TypeVar("T")
MAX_LIMIT = 1000
_STEP = 1000


# Past this an offset names nothing, and the databases' integer types would overflow.
MAX_OFFSET = 1_000_000_000


def check_window(limit: Any, offset: Any) -> tuple[int, int]:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise Invalid(f"must be an integer from 1 to {MAX_LIMIT}", field="limit")
    if isinstance(offset, bool) or not isinstance(offset, int) or not 0 <= offset <= MAX_OFFSET:
        raise Invalid(f"must be an integer from 0 to {MAX_OFFSET:,}", field="offset")
    return limit, offset


def window(items: Sequence[T], limit: int, offset: int) -> list[T]:
    """The page of a list a service returns whole (queues, datasets, configs)."""
    return list(items[offset : offset + limit])


def walk(fetch: Callable[[int, str | None], tuple[list[T], str | None]], limit: int, offset: int) -> list[T]:
    """The page of a cursor-paged listing: `fetch(page_size, cursor)` → (items, next cursor)."""
    skipped = 0
    out: list[T] = []
    cursor: str | None = None
    while len(out) < limit:
        wanted = (offset - skipped) + (limit - len(out))
        items, cursor = fetch(min(_STEP, wanted), cursor)
        for item in items:
            if skipped < offset:
                skipped += 1
            elif len(out) < limit:
                out.append(item)
        if cursor is None or not items:
            break
    return out
