"""Feedback counted per hour, key, source, queue, author and category: kept in step with `feedback`
by its writers in store/feedback.py, read by the score series."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reviewdesk.store.analytics import bucket_of
from reviewdesk.store.dialect import insert_for
from reviewdesk.store.tables import feedback_hourly

NONE_ID = uuid.UUID(int=0)
MAX_LABEL = 100  # longer values (free text, JSON) are not categories: counted under ""

GroupKey = tuple[datetime, str, str, uuid.UUID, uuid.UUID, str]


def label_of(value: Any) -> str:
    """The category a value is counted under: short strings and booleans; "" for anything else."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and 0 < len(value) <= MAX_LABEL:
        return value
    return ""


def _group(row: Mapping[str, Any]) -> GroupKey:
    hour = row["created_at"].replace(minute=0, second=0, microsecond=0)
    return (
        hour,
        row["key"],
        row["source"],
        row.get("queue_id") or NONE_ID,
        row.get("created_by") or NONE_ID,
        label_of(row.get("value")),
    )


_NAMES = ("hour", "key", "source", "queue_id", "created_by", "label")


@cache
def _upsert(dialect: str) -> Any:
    """Add to a group's counts, creating it if new (built once: this runs on every feedback write)."""
    stmt = insert_for(dialect, feedback_hourly)
    return stmt.on_conflict_do_update(
        index_elements=list(_NAMES),
        set_={
            "n": feedback_hourly.c.n + stmt.excluded.n,
            "score_sum": feedback_hourly.c.score_sum + stmt.excluded.score_sum,
            "scored": feedback_hourly.c.scored + stmt.excluded.scored,
        },
    )


def add(conn: Connection, rows: Iterable[Mapping[str, Any]], sign: int = 1) -> None:
    """Count `rows` in (sign 1) or out (sign -1) of their hours, in the caller's transaction."""
    totals: dict[GroupKey, list[float]] = defaultdict(lambda: [0, 0.0, 0])
    for row in rows:
        total = totals[_group(row)]
        total[0] += sign
        if row.get("score") is not None:
            total[1] += sign * float(row["score"])
            total[2] += sign
    if not totals:
        return
    values = [
        {**dict(zip(_NAMES, group, strict=True)), "n": n, "score_sum": score_sum, "scored": scored}
        for group, (n, score_sum, scored) in sorted(totals.items(), key=lambda kv: tuple(map(str, kv[0])))
    ]
    stmt = _upsert(conn.dialect.name)
    conn.execute(stmt, values)


def buckets(
    conn: Connection,
    *,
    key: str,
    bucket: str,
    split: str,
    since: datetime,
    until: datetime,
    by_value: bool,
    queue_ids: Sequence[uuid.UUID] | None,
    sources: Sequence[str] | None,
) -> list[dict[str, Any]]:
    """Rows like store.analytics.score_buckets's, from the hourly counts (windows start on the hour)."""
    t = feedback_hourly
    split_column = {"queue": t.c.queue_id, "reviewer": t.c.created_by, "source": t.c.source}[split]
    columns = [bucket_of(conn, t.c.hour, bucket).label("bucket"), split_column.label("split")]
    if by_value:
        columns.append(t.c.label.label("value"))
    where = [t.c.key == key, t.c.hour >= since, t.c.hour < until]
    if queue_ids is not None:
        where.append(t.c.queue_id.in_(queue_ids))
    if sources:
        where.append(t.c.source.in_(sources))
    query = (
        sa.select(
            *columns,
            sa.func.sum(t.c.n).label("n"),
            sa.func.sum(t.c.score_sum).label("score_sum"),
            sa.func.sum(t.c.scored).label("scored"),
        )
        .where(*where)
        .group_by(*columns)
        .having(sa.func.sum(t.c.n) > 0)
    )
    rows = []
    for row in conn.execute(query).mappings():
        out = dict(row)
        if out["split"] == NONE_ID:
            out["split"] = None
        if by_value and out["value"] == "":
            out["value"] = None
        rows.append(out)
    return rows
