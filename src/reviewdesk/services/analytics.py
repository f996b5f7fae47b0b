"""Score series for charts (`GET /api/v1/analytics/scores`), and who may see which feedback in them.

Admins and members see all feedback. A reviewer sees the feedback given in the queues assigned to it
and nothing else: no model or user scores outside those queues, no run filter (it may not search
runs), and in a split by reviewer everyone but itself is one series, "other reviewers".
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection

from reviewdesk.domain.analytics import (
    BUCKETS,
    SPLITS,
    bucket_labels,
    bucket_start,
    build_series,
    next_bucket_start,
)
from reviewdesk.domain.permissions import Actor, Permission, Role
from reviewdesk.domain.run_payload import parse_time
from reviewdesk.domain.score_configs import validate_key
from reviewdesk.errors import Forbidden, Invalid
from reviewdesk.services.clock import utcnow
from reviewdesk.services.queue_access import load_visible
from reviewdesk.services.runs import compile_filter
from reviewdesk.store import analytics as analytics_store
from reviewdesk.store import feedback_configs as configs_store
from reviewdesk.store import feedback_hourly
from reviewdesk.store import queues as queues_store
from reviewdesk.store.database import Database
from reviewdesk.store.feedback_hourly import label_of

DEFAULT_DAYS = 30
MAX_DAYS = 366
MAX_HOURLY_DAYS = 31
SOURCES = ("human", "model", "user", "api")
OTHER_REVIEWERS = "other reviewers"
# A filtered series checks each feedback row's run: it reads at most this many rows (the newest).
FILTERED_ROWS = 20_000


@dataclass(frozen=True)
class Window:
    since: datetime
    until: datetime


def parse_window(params: dict[str, Any], now: datetime | None = None) -> Window:
    """`since`/`until` (ISO-8601; `until` defaults to now) or `days` back from `until` (default 30)."""
    until = parse_time(params.get("until"), "until") or (now or utcnow())
    since = parse_time(params.get("since"), "since")
    if since is None:
        days = params.get("days", DEFAULT_DAYS)
        try:
            days = float(days)
        except (TypeError, ValueError):
            raise Invalid("must be a number of days", field="days") from None
        if not 0 < days <= MAX_DAYS:
            raise Invalid(f"must lie in (0, {MAX_DAYS}]", field="days")
        since = until - timedelta(days=days)
    if since >= until:
        raise Invalid("must be before until", field="since")
    if until - since > timedelta(days=MAX_DAYS):
        raise Invalid(f"the range may span at most {MAX_DAYS} days", field="since")
    return Window(since, until)


def whole_hours(window: Window) -> Window:
    """The window widened to whole hours: the hourly counts are what most series read."""
    since = window.since.replace(minute=0, second=0, microsecond=0)
    until = window.until.replace(minute=0, second=0, microsecond=0)
    return Window(since, until if until == window.until else until + timedelta(hours=1))


def visible_queue_ids(conn: Connection, actor: Actor) -> list[uuid.UUID] | None:
    """None: every queue's feedback and feedback outside queues; else only these queues'."""
    if actor.role in (Role.ADMIN, Role.MEMBER) and actor.can(Permission.READ_FEEDBACK):
        return None
    if actor.user_id is None:
        raise Forbidden("only signed-in users see analytics")
    return queues_store.queue_ids_of_reviewer(conn, actor.user_id)


def scoped_queue_ids(conn: Connection, actor: Actor, queue_id: Any) -> list[uuid.UUID] | None:
    """The queues whose feedback the caller reads: `queue_id` alone when given (and visible to it),
    else every queue it may see (None: all feedback, in queues or not)."""
    if queue_id in (None, ""):
        return visible_queue_ids(conn, actor)
    try:
        wanted = queue_id if isinstance(queue_id, uuid.UUID) else uuid.UUID(str(queue_id))
    except ValueError:
        raise Invalid("is not a queue id", field="queue_id") from None
    load_visible(conn, actor, wanted)
    return [wanted]


def _choice(params: dict[str, Any], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = params.get(name) or default
    if value not in allowed:
        raise Invalid(f"must be one of {', '.join(allowed)}", field=name)
    return value


def _sources(params: dict[str, Any]) -> list[str] | None:
    raw = params.get("source")
    if not raw:
        return None
    wanted = [s.strip() for s in str(raw).split(",") if s.strip()]
    unknown = [s for s in wanted if s not in SOURCES]
    if unknown:
        raise Invalid(f"unknown source {unknown[0]!r}; use {', '.join(SOURCES)}", field="source")
    return wanted


def _labels(conn: Connection, split: str, rows: list[dict[str, Any]]) -> dict[Any, str]:
    ids = sorted({r["split"] for r in rows if r["split"] is not None}, key=str)
    if split == "queue":
        names = {q["id"]: q["name"] for q in queues_store.list_all(conn, include_archived=True, only_ids=ids)}
        return {i: names.get(i, str(i)) for i in ids} | {None: "no queue"}
    if split == "reviewer":
        return analytics_store.emails(conn, ids) | {None: "no author"}
    return {}


def _merge_other_reviewers(rows: list[dict[str, Any]], me: uuid.UUID | None) -> list[dict[str, Any]]:
    for row in rows:
        if row["split"] != me:
            row["split"] = OTHER_REVIEWERS
    return rows


def score_series(db: Database, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    """Per time bucket and split value: rows, mean score and (categorical keys) counts by value."""
    key = validate_key(params.get("key"))
    bucket = _choice(params, "bucket", BUCKETS, "day")
    split = _choice(params, "split", SPLITS, "source")
    window = whole_hours(parse_window(params))
    if bucket == "hour" and window.until - window.since > timedelta(days=MAX_HOURLY_DAYS):
        raise Invalid(f"hourly buckets cover at most {MAX_HOURLY_DAYS} days", field="bucket")
    sources = _sources(params)
    text = params.get("filter")
    with db.read() as conn:
        restricted = visible_queue_ids(conn, actor) is not None
        queue_ids = scoped_queue_ids(conn, actor, params.get("queue_id"))
        if restricted and text:
            raise Forbidden(
                "reviewers may not filter runs; their view is their queues' feedback", field="filter"
            )
        run_where = compile_filter(db, text)
        config = configs_store.get(conn, key)
        kind = (config or {}).get("type")
        if split == "reviewer":
            sources = ["human"]
        common = {
            "key": key,
            "bucket": "hour" if bucket == "hour" else "day",
            "split": split if split != "none" else "source",
            "since": window.since,
            "until": window.until,
            "by_value": kind in ("categorical", "boolean"),
        }
        read_since = None
        if run_where:
            # Only the raw rows know their run: a filtered series reads them, each checked against its
            # run, so it reads the newest FILTERED_ROWS of them and shows only the buckets they cover wholly.
            read_since = _filtered_read_since(conn, key, bucket, window, queue_ids, sources)
            if read_since is not None:
                common["since"] = read_since
            scope = analytics_store.feedback_scope(queue_ids, run_where, sources)
            rows = analytics_store.score_buckets(conn, **common, where=scope)
            for row in rows:
                if "value" in row:
                    row["value"] = label_of(row["value"]) or None
        else:
            rows = feedback_hourly.buckets(
                conn,
                **common,
                queue_ids=queue_ids,
                sources=sources,
            )
        if split == "none":
            for row in rows:
                row["split"] = None
        if split == "none":
            labels: dict[Any, str] = {None: "all"}
        elif restricted and split == "reviewer":
            rows = _merge_other_reviewers(rows, actor.user_id)
            labels = {actor.user_id: "you", OTHER_REVIEWERS: OTHER_REVIEWERS}
        else:
            labels = _labels(conn, split, rows)
    return {
        "key": key,
        "type": kind,
        "values": [o["value"] for o in (config or {}).get("options") or []],
        "bucket": bucket,
        "split": split,
        "since": window.since,
        "until": window.until,
        "filter": text or None,
        "source": sources,
        "read_since": read_since,
        "series": build_series(
            rows, bucket_labels(read_since or window.since, window.until, bucket), bucket, labels
        ),
    }


def _filtered_read_since(
    conn: Connection,
    key: str,
    bucket: str,
    window: Window,
    queue_ids: list[uuid.UUID] | None,
    sources: list[str] | None,
) -> datetime | None:
    """Where a filtered series starts reading: the first bucket that lies wholly within the newest
    FILTERED_ROWS rows of the key (at least the last bucket); None when the window holds no more, so all
    of it is read."""
    cutoff = analytics_store.time_beyond_newest(
        conn,
        key=key,
        since=window.since,
        until=window.until,
        n=FILTERED_ROWS,
        where=analytics_store.feedback_scope(queue_ids, (), sources),
    )
    if cutoff is None:
        return None
    start = min(
        next_bucket_start(cutoff, bucket), bucket_start(window.until - timedelta(microseconds=1), bucket)
    )
    return start if start > window.since else None
