"""Where a bucket starts and where the next one does: a capped filtered series starts there."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from reviewdesk.domain.analytics import bucket_labels, next_bucket_start

WED = datetime(2026, 11, 4, 15, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("at", "bucket", "expected"),
    [
        (WED, "hour", datetime(2026, 11, 4, 16, tzinfo=UTC)),
        (WED, "day", datetime(2026, 11, 5, tzinfo=UTC)),
        (WED, "week", datetime(2026, 11, 9, tzinfo=UTC)),  # the Monday after
        (datetime(2026, 11, 9, tzinfo=UTC), "week", datetime(2026, 11, 16, tzinfo=UTC)),
        (datetime(2026, 12, 31, 23, 59, tzinfo=UTC), "day", datetime(2027, 1, 1, tzinfo=UTC)),
    ],
)
def test_the_next_bucket_starts_after_the_one_a_time_falls_in(at, bucket, expected):
    assert next_bucket_start(at, bucket) == expected


@pytest.mark.parametrize("bucket", ["hour", "day", "week"])
def test_a_series_from_the_next_bucket_start_has_that_bucket_first(bucket):
    start = next_bucket_start(WED, bucket)
    labels = bucket_labels(start, datetime(2026, 12, 1, tzinfo=UTC), bucket)
    assert labels[0] == start.strftime("%Y-%m-%dT%H" if bucket == "hour" else "%Y-%m-%d")
