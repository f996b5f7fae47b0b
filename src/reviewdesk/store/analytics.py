"""Reads behind the dashboards: feedback aggregated by time bucket, queue activity by day, the ratings
agreement and human-vs-model are computed on, pairwise outcomes and reviewer speed, each in a window."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reviewdesk.store.tables import feedback, feedback_hourly, queue_items, reviews, runs, users

BUCKET_FORMATS = {"hour": ("%Y-%m-%dT%H", 13), "day": ("%Y-%m-%d", 10)}
SPLIT_COLUMNS = {"queue": feedback.c.queue_id, "reviewer": feedback.c.created_by, "source": feedback.c.source}
# Longer than this between reservation and submit is a break, not time spent on the item.
MAX_SECONDS_PER_ITEM = 30 * 60


def bucket_of(conn: Connection, column: Any, bucket: str) -> Any:
    """A sortable text label of the hour or day a timestamp falls in (UTC) on either database."""
    if conn.dialect.name == "postgresql":
        pattern = 'YYYY-MM-DD"T"HH24' if bucket == "hour" else "YYYY-MM-DD"
        return sa.func.to_char(sa.func.timezone("UTC", column), pattern)
    # SQLite keeps UTC timestamps as 'YYYY-MM-DD HH:MM:SS…' text: the label is a prefix of it.
    return sa.func.replace(sa.func.substr(column, 1, BUCKET_FORMATS[bucket][1]), " ", "T")


def _window(column: Any, since: datetime | None, until: datetime | None) -> list[Any]:
    """The window's conditions; a bound given as None is left open."""
    conditions = []
    if since is not None:
        conditions.append(column >= since)
    if until is not None:
        conditions.append(column < until)
    return conditions


def score_buckets(
    conn: Connection,
    *,
    key: str,
    bucket: str,
    split: str,
    since: datetime,
    until: datetime,
    by_value: bool,
    where: Sequence[Any] = (),
) -> list[dict[str, Any]]:
    """One row per (bucket, split value[, feedback value]): rows, sum and count of numeric scores."""
    label = bucket_of(conn, feedback.c.created_at, bucket).label("bucket")
    group = SPLIT_COLUMNS[split].label("split")
    columns = [label, group]
    if by_value:
        columns.append(feedback.c.value.label("value"))
    query = (
        sa.select(
            *columns,
            sa.func.count().label("n"),
            sa.func.sum(feedback.c.score).label("score_sum"),
            sa.func.count(feedback.c.score).label("scored"),
        )
        .where(feedback.c.key == key, *_window(feedback.c.created_at, since, until), *where)
        .group_by(*columns)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def time_beyond_newest(
    conn: Connection, *, key: str, since: datetime, until: datetime, n: int, where: Sequence[Any] = ()
) -> datetime | None:
    """When the newest feedback row of the key in the window that is not among its newest `n` was
    written; None when the window holds at most `n`. Without `where` it reads the (key, created_at)
    index alone."""
    query = (
        sa.select(feedback.c.created_at)
        .where(feedback.c.key == key, *_window(feedback.c.created_at, since, until), *where)
        .order_by(feedback.c.created_at.desc())
        .offset(n)
        .limit(1)
    )
    return conn.execute(query).scalar_one_or_none()


def feedback_scope(
    queue_ids: Sequence[uuid.UUID] | None, run_where: Sequence[Any], sources: Sequence[str] | None
) -> list[Any]:
    return scope(feedback, queue_ids, run_where, sources)


def scope(
    table: Any, queue_ids: Sequence[uuid.UUID] | None, run_where: Sequence[Any], sources: Sequence[str] | None
) -> list[Any]:
    """Conditions on feedback (or an alias of it): in these queues, on runs matching a compiled
    filter, of these sources. None and empty mean no condition."""
    out = []
    if queue_ids is not None:
        out.append(table.c.queue_id.in_(queue_ids))
    if run_where:
        out.append(sa.exists().where(runs.c.id == table.c.run_id, *run_where))
    if sources:
        out.append(table.c.source.in_(sources))
    return out


def emails(conn: Connection, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    return {
        r.id: r.email for r in conn.execute(sa.select(users.c.id, users.c.email).where(users.c.id.in_(ids)))
    }


def queue_days(
    conn: Connection, queue_ids: Sequence[uuid.UUID], days: Sequence[tuple[str, datetime, datetime]]
) -> dict[str, list[dict[str, Any]]]:
    """Per queue: items added and completed on each (label, start, end) day, and items open now.
    One index range count per day (a UNION ALL): grouping every item by a computed day label would
    sort them all."""
    out: dict[str, list[dict[str, Any]]] = {}
    live = queue_items.c.status.not_in(("removed", "gold"))  # gold items are only handed out as checks
    for column, name in ((queue_items.c.added_at, "added"), (queue_items.c.completed_at, "completed")):
        parts = [
            sa.select(queue_items.c.queue_id, sa.literal(label).label("day"), sa.func.count().label("n"))
            .where(queue_items.c.queue_id.in_(queue_ids), live, column >= start, column < end)
            .group_by(queue_items.c.queue_id)
            for label, start, end in days
        ]
        out[name] = [dict(r) for r in conn.execute(sa.union_all(*parts)).mappings()] if parts else []
    open_now = (
        sa.select(queue_items.c.queue_id, sa.func.count().label("n"))
        .where(queue_items.c.queue_id.in_(queue_ids), queue_items.c.status.in_(["pending", "flagged"]))
        .group_by(queue_items.c.queue_id)
    )
    out["open_now"] = [dict(r) for r in conn.execute(open_now).mappings()]
    return out


def newest_human_ratings(
    conn: Connection,
    queue_id: uuid.UUID,
    keys: Sequence[str],
    since: datetime | None,
    until: datetime | None,
    limit: int,
) -> list[dict[str, Any]]:
    """The newest `limit` human ratings of a queue's rubric keys in the window (None: open-ended)."""
    query = (
        sa.select(
            feedback.c.created_at,
            feedback.c.run_id,
            feedback.c.key,
            feedback.c.rubric_version,
            feedback.c.created_by,
            feedback.c.score,
            feedback.c.value,
            feedback.c.extra,
        )
        .where(
            feedback.c.queue_id == queue_id,
            feedback.c.source == "human",
            feedback.c.key.in_(keys),
            *_window(feedback.c.created_at, since, until),
        )
        .order_by(feedback.c.created_at.desc())
        .limit(limit)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def newest_human(
    conn: Connection,
    key: str,
    since: datetime,
    until: datetime,
    limit: int,
    *,
    queue_ids: Sequence[uuid.UUID] | None = None,
    run_where: Sequence[Any] = (),
) -> list[dict[str, Any]]:
    """The newest `limit` human ratings of a key in the window."""
    query = (
        sa.select(feedback.c.run_id, feedback.c.score, feedback.c.value)
        .where(
            feedback.c.key == key,
            feedback.c.source == "human",
            *_window(feedback.c.created_at, since, until),
            *scope(feedback, queue_ids, run_where, None),
        )
        .order_by(feedback.c.created_at.desc())
        .limit(limit)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def newest_model(conn: Connection, key: str, run_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """Per run, its newest model rating of the key."""
    out: dict[uuid.UUID, dict[str, Any]] = {}
    for first in range(0, len(run_ids), 5000):
        query = sa.select(feedback.c.run_id, feedback.c.score, feedback.c.value, feedback.c.created_at).where(
            feedback.c.run_id.in_(run_ids[first : first + 5000]),
            feedback.c.key == key,
            feedback.c.source == "model",
        )
        # No ORDER BY: it would steer the planner onto the (key, created_at) index and every row of the key.
        for row in conn.execute(query).mappings():
            known = out.get(row["run_id"])
            if known is None or row["created_at"] > known["created_at"]:
                out[row["run_id"]] = dict(row)
    return out


def variant_views(conn: Connection, run_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """What a pairwise variant field can name (`metadata.*`, name, run type, tags), without payloads."""
    out: dict[uuid.UUID, dict[str, Any]] = {}
    for first in range(0, len(run_ids), 5000):
        query = sa.select(runs.c.id, runs.c.name, runs.c.run_type, runs.c.tags, runs.c.meta).where(
            runs.c.id.in_(run_ids[first : first + 5000])
        )
        for row in conn.execute(query).mappings():
            out[row["id"]] = {
                "id": row["id"],
                "name": row["name"],
                "run_type": row["run_type"],
                "tags": row["tags"],
                "metadata": row["meta"] or {},
            }
    return out


def pairwise_outcomes(
    conn: Connection, queue_id: uuid.UUID, since: datetime, until: datetime
) -> list[dict[str, Any]]:
    query = (
        sa.select(reviews.c.answers, reviews.c.shown_order, queue_items.c.run_id, queue_items.c.run_b_id)
        .join(queue_items, queue_items.c.id == reviews.c.item_id)
        .where(
            reviews.c.queue_id == queue_id,
            reviews.c.status == "submitted",
            *_window(reviews.c.submitted_at, since, until),
        )
    )
    return [dict(r) for r in conn.execute(query).mappings()]


_RUN_COLUMNS = {"id": runs.c.id, "name": runs.c.name, "run_type": runs.c.run_type, "tags": runs.c.tags}


def _variant_column(run: Any, field: str | None) -> Any:
    """The SQL value a variant field names on a run (aliased `run`): a column, or one value inside the
    metadata read by the database (not the whole document); None when the field names nothing."""
    parts = field.split(".") if field else []
    if len(parts) == 1 and parts[0] in _RUN_COLUMNS:
        return run.c[_RUN_COLUMNS[parts[0]].name]
    if len(parts) >= 2 and parts[0] == "metadata" and all(parts[1:]):
        return run.c.meta[tuple(parts[1:])]
    return None


def pairwise_variants(
    conn: Connection, queue_id: uuid.UUID, since: datetime, until: datetime, field: str | None
) -> list[dict[str, Any]] | None:
    """Submitted pairwise reviews in the window with the variant value of each side (`variant_a`,
    `variant_b`) read in the same query; None when the field is not one the database can read."""
    run_a, run_b = runs.alias("run_a"), runs.alias("run_b")
    value_a, value_b = _variant_column(run_a, field), _variant_column(run_b, field)
    if value_a is None or value_b is None:
        return None
    query = (
        sa.select(
            reviews.c.answers,
            reviews.c.shown_order,
            value_a.label("variant_a"),
            value_b.label("variant_b"),
        )
        .join(queue_items, queue_items.c.id == reviews.c.item_id)
        .outerjoin(run_a, run_a.c.id == queue_items.c.run_id)
        .outerjoin(run_b, run_b.c.id == queue_items.c.run_b_id)
        .where(
            reviews.c.queue_id == queue_id,
            reviews.c.status == "submitted",
            *_window(reviews.c.submitted_at, since, until),
        )
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def seconds_between(conn: Connection, start: Any, end: Any) -> Any:
    """Seconds from one timestamp expression to another (to the millisecond on SQLite, whose
    julianday arithmetic is off by some microseconds)."""
    if conn.dialect.name == "postgresql":
        return sa.func.extract("epoch", end - start)
    return sa.func.round((sa.func.julianday(end) - sa.func.julianday(start)) * 86400.0, 3)


def _seconds(conn: Connection) -> Any:
    spent = seconds_between(conn, reviews.c.started_at, reviews.c.submitted_at)
    return sa.case((spent > MAX_SECONDS_PER_ITEM, MAX_SECONDS_PER_ITEM), else_=spent)


def reviewer_counts(
    conn: Connection, queue_ids: Sequence[uuid.UUID], since: datetime, until: datetime
) -> list[dict[str, Any]]:
    """Per queue, reviewer and status: reviews finished in the window. Queue by queue, so the rows
    come grouped in index order (queue, reviewer, status, submitted_at) and nothing is sorted."""
    out = []
    for queue_id in queue_ids:
        query = (
            sa.select(reviews.c.reviewer_id, reviews.c.status, sa.func.count().label("n"))
            .where(
                reviews.c.queue_id == queue_id,
                reviews.c.status.in_(["submitted", "skipped", "flagged"]),
                *_window(reviews.c.submitted_at, since, until),
            )
            .group_by(reviews.c.reviewer_id, reviews.c.status)
        )
        out += [dict(r) for r in conn.execute(query).mappings()]
    return out


def reviewer_speed(
    conn: Connection,
    queue_id: uuid.UUID,
    reviewer_ids: Sequence[uuid.UUID],
    since: datetime,
    until: datetime,
    newest: int,
) -> list[dict[str, Any]]:
    """Per reviewer of a queue, over its newest `newest` submitted reviews in the window: how many and
    their active seconds (reservation to submit, capped per item)."""
    out = []
    for reviewer_id in reviewer_ids:
        recent = (
            sa.select(_seconds(conn).label("seconds"))
            .where(
                reviews.c.queue_id == queue_id,
                reviews.c.reviewer_id == reviewer_id,
                reviews.c.status == "submitted",
                *_window(reviews.c.submitted_at, since, until),
            )
            .order_by(reviews.c.submitted_at.desc())
            .limit(newest)
            .subquery("recent")
        )
        query = sa.select(sa.func.count().label("n"), sa.func.sum(recent.c.seconds).label("seconds"))
        row = conn.execute(query).mappings().one()
        if row["n"]:
            out.append({"reviewer_id": reviewer_id, "n": row["n"], "seconds": row["seconds"]})
    return out


def keys_with_sources(conn: Connection, keys: Sequence[str], since: datetime, until: datetime) -> set[str]:
    """The keys that have both human and model feedback in the window (from the hourly counts)."""
    t = feedback_hourly
    query = (
        sa.select(t.c.key, t.c.source)
        .where(
            t.c.key.in_(keys),
            t.c.source.in_(["human", "model"]),
            t.c.hour >= since,
            t.c.hour < until,
            t.c.n > 0,
        )
        .distinct()
    )
    sources: dict[str, set[str]] = {}
    for key, source in conn.execute(query):
        sources.setdefault(key, set()).add(source)
    return {key for key, found in sources.items() if found == {"human", "model"}}
