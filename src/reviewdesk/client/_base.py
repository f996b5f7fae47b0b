"""What every noun mixin of the Client shares: the transport and walking `next_cursor` pages."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

from reviewdesk.client._http import Transport

# An object id: the SDK takes str or uuid.UUID wherever the API takes a UUID.
Id = str | uuid.UUID

# fetch(cursor, page_limit) → one page {"items": [...], "next_cursor": ...}
PageFetcher = Callable[[Any, int], dict[str, Any]]


class ClientCore:
    """Base of the mixins; `Client.__init__` sets `_http`."""

    _http: Transport
    _max_batch_bytes: int

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._http.request(method, path, **kwargs)

    def _all(self, path: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Every item of a list endpoint, following `next_cursor` to the end."""

        def fetch(cursor: Any, page_limit: int) -> dict[str, Any]:
            return self._request(
                "GET", path, params={**(params or {}), "limit": page_limit, "cursor": cursor}
            )

        return list(self._iterate(fetch, limit=None, page_size=1000))

    @staticmethod
    def _iterate(fetch: PageFetcher, *, limit: int | None, page_size: int) -> Iterator[dict[str, Any]]:
        """Items across pages until the server has no `next_cursor` or `limit` items were yielded.

        The first page is fetched at once, so a bad request raises here rather than on first use;
        later pages are fetched as the iterator is consumed.
        """
        if limit is not None and limit <= 0:
            return iter(())
        page_size = max(1, min(page_size, 1000))

        def want(yielded: int) -> int:
            return page_size if limit is None else min(page_size, limit - yielded)

        first = fetch(None, want(0))

        def walk() -> Iterator[dict[str, Any]]:
            page, yielded = first, 0
            while True:
                for item in page.get("items", []):
                    yield item
                    yielded += 1
                    if limit is not None and yielded >= limit:
                        return
                cursor = page.get("next_cursor")
                if cursor is None:
                    return
                page = fetch(cursor, want(yielded))

        return walk()


def drop_none(**fields: Any) -> dict[str, Any]:
    """The keyword arguments that were given (not None), as a request body."""
    return {k: v for k, v in fields.items() if v is not None}
