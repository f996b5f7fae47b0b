"""Score series for charts: a key's scores over time, split by queue, reviewer or source."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from reviewdesk.client._base import ClientCore, drop_none


def _when(value: datetime | str | None) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else value


class ScoreSeriesMixin(ClientCore):
    def score_series(
        self,
        key: str,
        *,
        bucket: str = "day",
        split: str = "source",
        filter: str | None = None,
        source: str | Sequence[str] | None = None,
        since: datetime | str | None = None,
        until: datetime | str | None = None,
        days: float | None = None,
    ) -> dict[str, Any]:
        """`GET /api/v1/analytics/scores`: `{"key", "type", "values", "bucket", "split", "since",
        "until", "filter", "series": [{"split", "label", "points": [{"t", "n", "mean", "counts"}]}]}`.

        `bucket` is hour, day or week; `split` queue, reviewer, source or none; `filter` narrows the
        runs (the filter language); `source` the feedback (human, model, user, api). The window is
        `since`..`until` (default now) or the last `days` (default 30). A reviewer's key sees only its
        queues' feedback.
        """
        params = drop_none(
            key=key,
            bucket=bucket,
            split=split,
            filter=filter,
            source=source if source is None or isinstance(source, str) else ",".join(source),
            since=_when(since),
            until=_when(until),
            days=days,
        )
        return self._request("GET", "/analytics/scores", params=params)
