"""Dashboard arithmetic: score series from bucketed rows, queue depth by day, κ from a confusion table."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

BUCKETS = ("hour", "day", "week")
SPLITS = ("queue", "reviewer", "source", "none")
BUCKET_STEPS = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(days=7)}


def week_of(day_label: str) -> str:
    """The Monday that starts the ISO week of a 'YYYY-MM-DD' label."""
    day = date.fromisoformat(day_label[:10])
    return (day - timedelta(days=day.weekday())).isoformat()


def bucket_labels(since: datetime, until: datetime, bucket: str) -> list[str]:
    """Every bucket label from `since` up to (not including) `until`, so empty buckets show as gaps."""
    if bucket == "hour":
        at = since.replace(minute=0, second=0, microsecond=0)
        step = timedelta(hours=1)
        fmt = "%Y-%m-%dT%H"
    else:
        at = since.replace(hour=0, minute=0, second=0, microsecond=0)
        if bucket == "week":
            at -= timedelta(days=at.weekday())
        step = timedelta(days=7 if bucket == "week" else 1)
        fmt = "%Y-%m-%d"
    labels = []
    while at < until:
        labels.append(at.strftime(fmt))
        at += step
    return labels


def bucket_start(at: datetime, bucket: str) -> datetime:
    """The start of the hour, day or (ISO, Monday) week that `at` falls in."""
    if bucket == "hour":
        return at.replace(minute=0, second=0, microsecond=0)
    day = at.replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday()) if bucket == "week" else day


def next_bucket_start(at: datetime, bucket: str) -> datetime:
    """The start of the bucket after the one `at` falls in."""
    return bucket_start(at, bucket) + BUCKET_STEPS[bucket]


def _value_label(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def build_series(
    rows: Iterable[Mapping[str, Any]], labels: Sequence[str], bucket: str, split_label: Mapping[Any, str]
) -> list[dict[str, Any]]:
    """rows: {bucket, split, [value], n, score_sum, scored} → one series per split value, a point per
    bucket label (n = 0 and mean = None where nothing was scored)."""
    acc: dict[Any, dict[str, dict[str, Any]]] = defaultdict(dict)
    for row in rows:
        label = week_of(row["bucket"]) if bucket == "week" else row["bucket"]
        point = acc[row["split"]].setdefault(label, {"n": 0, "score_sum": 0.0, "scored": 0, "counts": {}})
        point["n"] += row["n"]
        point["score_sum"] += row["score_sum"] or 0.0
        point["scored"] += row["scored"]
        if "value" in row and row["value"] is not None:
            value = _value_label(row["value"])
            point["counts"][value] = point["counts"].get(value, 0) + row["n"]
    series = []
    for split, points in acc.items():
        out = []
        for label in labels:
            point = points.get(label)
            if point is None:
                out.append({"t": label, "n": 0, "mean": None, "counts": {}})
                continue
            mean = point["score_sum"] / point["scored"] if point["scored"] else None
            out.append({"t": label, "n": point["n"], "mean": mean, "counts": point["counts"]})
        name = split_label.get(split, _value_label(split) if split is not None else "none")
        series.append({"split": None if split is None else str(split), "label": name, "points": out})
    series.sort(key=lambda s: (-sum(p["n"] for p in s["points"]), s["label"]))
    return series


def depth_by_day(
    days: Sequence[str], added: Mapping[str, int], completed: Mapping[str, int], open_now: int
) -> list[dict[str, Any]]:
    """Items added, completed and still open at the end of each day. `added` and `completed` count
    every day from the first of `days` to now (later days too), so the depth before the first day is
    what is open now minus what was added since plus what was completed since."""
    depth = open_now - sum(added.values()) + sum(completed.values())
    out = []
    for day in days:
        depth += added.get(day, 0) - completed.get(day, 0)
        out.append(
            {"day": day, "added": added.get(day, 0), "completed": completed.get(day, 0), "depth": depth}
        )
    return out


def backlog_days(series: Sequence[Mapping[str, Any]]) -> float | None:
    """The last day's depth ÷ mean completions a day over the last 7 days; None without completions."""
    if not series:
        return None
    depth = series[-1]["depth"]
    done = sum(day["completed"] for day in series[-7:])
    if depth <= 0:
        return 0.0
    return depth / (done / min(7, len(series))) if done else None


def kappa_from_confusion(cells: Mapping[tuple[str, str], int]) -> float | None:
    """Cohen's κ (unweighted) of a human × model table of counts; None when undefined."""
    n = sum(cells.values())
    if n == 0:
        return None
    rows: dict[str, int] = defaultdict(int)
    cols: dict[str, int] = defaultdict(int)
    for (h, m), count in cells.items():
        rows[h] += count
        cols[m] += count
    observed = sum(count for (h, m), count in cells.items() if h == m) / n
    expected = sum(rows[c] * cols.get(c, 0) for c in rows) / (n * n)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)
