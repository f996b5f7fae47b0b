"""The panels of /dashboards, each over a time window and limited to what the caller may see:
queue activity, agreement by field and rubric version, human vs model, pairwise win rates, reviewers."""

from __future__ import annotations

import statistics
import uuid
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from reviewdesk.domain.agreement import pearson, spearman
from reviewdesk.domain.analytics import backlog_days, bucket_labels, depth_by_day, kappa_from_confusion
from reviewdesk.domain.consensus import consensus_tally, matches
from reviewdesk.domain.pairwise import summarize, variant_of
from reviewdesk.domain.permissions import Actor, Permission
from reviewdesk.domain.rubric import PAIRWISE_KEY
from reviewdesk.services import queues
from reviewdesk.services.agreement import field_agreement, measurement_level, rating_of
from reviewdesk.services.analytics import Window, parse_window, scoped_queue_ids, visible_queue_ids
from reviewdesk.services.clock import utcnow
from reviewdesk.services.runs import compile_filter
from reviewdesk.store import analytics as analytics_store
from reviewdesk.store import feedback_configs as configs_store
from reviewdesk.store import gold as gold_store
from reviewdesk.store.database import Database

# Agreement is computed on each queue's newest ratings in the window: enough items for a tight
# figure, bounded work however long the queue's history is.
AGREEMENT_RATINGS = 3_000
AGREEMENT_BOOTSTRAP = 200  # replicates for the 95% interval drawn on the chart
# Human vs model reads the newest human ratings in the window: a table of thousands is as clear as one
# of millions, and the work stays bounded.
SCATTER_POINTS = 800
CONFUSION_RATINGS = 2_000
# Speed (minutes per item, items per hour) is read off the newest reviews in the window.
SPEED_REVIEWS = 500  # per reviewer and queue
SCORED_TYPES = ("categorical", "boolean", "continuous")


def _queues(
    db: Database, actor: Actor, params: dict[str, Any], *, calibrations: bool = True
) -> list[dict[str, Any]]:
    """The live queues the caller sees, or only `queue_id` (a per-queue dashboard). `calibrations=False`
    leaves calibration sessions' own queues out of an all-queues panel: the calibration trend panel and
    each session's report show them, and as queues of their own they crowd out the working queues."""
    visible = [q for q in queues.list_queues(db, actor) if not q["archived"]]
    wanted = params.get("queue_id")
    if wanted in (None, ""):
        return visible if calibrations else [q for q in visible if not q.get("calibration_of")]
    with db.read() as conn:
        (only,) = scoped_queue_ids(conn, actor, wanted) or [None]
    return [q for q in visible if q["id"] == only]


def queue_activity(db: Database, actor: Actor, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Per visible queue and day: items added, completed, open at the end of the day; backlog in days."""
    window = parse_window(params)
    visible = _queues(db, actor, params, calibrations=False)
    if not visible:
        return []
    with db.read() as conn:
        found = analytics_store.queue_days(conn, [q["id"] for q in visible], _days(window.since, utcnow()))
    days = bucket_labels(window.since, window.until, "day")
    by_queue: dict[str, dict[uuid.UUID, dict[str, int]]] = {
        "added": defaultdict(dict),
        "completed": defaultdict(dict),
    }
    for name in ("added", "completed"):
        for row in found[name]:
            by_queue[name][row["queue_id"]][row["day"]] = row["n"]
    open_now = {r["queue_id"]: r["n"] for r in found["open_now"]}
    out = []
    for queue in visible:
        series = depth_by_day(
            days,
            by_queue["added"][queue["id"]],
            by_queue["completed"][queue["id"]],
            open_now.get(queue["id"], 0),
        )
        out.append(
            {
                "queue_id": queue["id"],
                "name": queue["name"],
                "per_day": series,
                "backlog_days": backlog_days(series),
                "backlog_alert_days": queue["backlog_alert_days"],
            }
        )
    return out


def _days(since: datetime, until: datetime) -> list[tuple[str, datetime, datetime]]:
    """(label, start, end) of each UTC day from the one holding `since` to the one holding `until`."""
    day = since.replace(hour=0, minute=0, second=0, microsecond=0)
    out = []
    while day <= until:
        out.append((day.date().isoformat(), day, day + timedelta(days=1)))
        day += timedelta(days=1)
    return out


def agreement_panel(db: Database, actor: Actor, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Per visible single-run queue with overlap, per rubric field and rubric version: percent
    agreement and Krippendorff's α on the queue's newest ratings in the window."""
    window = parse_window(params)
    out = []
    for queue in _queues(db, actor, params, calibrations=False):
        if queue["kind"] != "single" or queue["reviewers_per_item"] < 2:
            continue
        keys = [f["key"] for f in queue["rubric"]]
        with db.read() as conn:
            rows = analytics_store.newest_human_ratings(
                conn, queue["id"], keys, window.since, window.until, AGREEMENT_RATINGS
            )
            configs = configs_store.get_many(conn, keys)
        out.append({"queue_id": queue["id"], "name": queue["name"], "fields": _fields(keys, configs, rows)})
    return out


def _fields(keys: list[str], configs: dict[str, Any], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    grouped: dict[tuple[str, int | None], dict[uuid.UUID, dict[str, Any]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    for row in rows:
        if (row.get("extra") or {}).get("adjudicated"):
            continue  # a final value, not a rating
        level, _order = measurement_level(configs.get(row["key"]))
        rating = rating_of(row, level)
        if rating is not None:
            grouped[(row["key"], row["rubric_version"])][row["run_id"]][str(row["created_by"])] = rating
    fields = []
    for (key, version), by_item in sorted(
        grouped.items(), key=lambda kv: (keys.index(kv[0][0]), kv[0][1] or 0)
    ):
        config = configs.get(key)
        if (config or {}).get("type") not in SCORED_TYPES:
            continue
        report = field_agreement(key, config, by_item, bootstrap=AGREEMENT_BOOTSTRAP)
        fields.append({**report, "rubric_version": version})
    return fields


def _scored_keys(db: Database, window: Window) -> list[dict[str, Any]]:
    with db.read() as conn:
        configs = [c for c in configs_store.list_all(conn) if c["type"] in SCORED_TYPES]
        both = analytics_store.keys_with_sources(
            conn, [c["key"] for c in configs], window.since, window.until
        )
    return [c for c in configs if c["key"] in both]


def human_vs_model_panel(db: Database, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    """A key's human ratings against the newest model rating of the same run: a confusion table for
    categories, a scatter of the newest points for scores."""
    window = parse_window(params)
    key = params["key"]
    text = params.get("filter")
    with db.read() as conn:
        restricted = visible_queue_ids(conn, actor) is not None
        queue_ids = scoped_queue_ids(conn, actor, params.get("queue_id"))
        config = configs_store.get(conn, key)
        run_where = [] if restricted else compile_filter(db, text)
        kind = (config or {}).get("type")
        humans = analytics_store.newest_human(
            conn,
            key,
            window.since,
            window.until,
            SCATTER_POINTS if kind == "continuous" else CONFUSION_RATINGS,
            queue_ids=queue_ids,
            run_where=run_where,
        )
        model = analytics_store.newest_model(conn, key, list({h["run_id"] for h in humans}))
    pairs = [(h, model[h["run_id"]]) for h in humans if h["run_id"] in model]
    if kind == "continuous":
        scored = [
            (h["score"], m["score"]) for h, m in pairs if h["score"] is not None and m["score"] is not None
        ]
        xs, ys = [float(h) for h, _ in scored], [float(m) for _, m in scored]
        return {
            "key": key,
            "type": kind,
            "min": config["min"],
            "max": config["max"],
            "points": [{"human": x, "model": y} for x, y in zip(xs, ys, strict=True)],
            "pearson": pearson(xs, ys) if len(xs) > 2 else None,
            "spearman": spearman(xs, ys) if len(xs) > 2 else None,
            "mean_absolute_error": statistics.fmean(abs(x - y) for x, y in zip(xs, ys, strict=True))
            if xs
            else None,
        }
    cells: dict[tuple[str, str], int] = defaultdict(int)
    for h, m in pairs:
        cells[(_text(h["value"]), _text(m["value"]))] += 1
    order = [_text(o["value"]) for o in (config or {}).get("options") or []] or sorted(
        {c for p in cells for c in p}
    )
    n = sum(cells.values())
    return {
        "key": key,
        "type": kind,
        "values": order,
        "cells": [{"human": h, "model": m, "count": c} for (h, m), c in sorted(cells.items())],
        "pairs": n,
        "accuracy": sum(c for (h, m), c in cells.items() if h == m) / n if n else None,
        "cohen_kappa": kappa_from_confusion(cells),
    }


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def pairwise_panel(db: Database, actor: Actor, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Per visible pairwise queue: win rate of each variant and how often the side shown first won."""
    window = parse_window(params)
    out = []
    for queue in _queues(db, actor, params):
        if queue["kind"] != "pairwise":
            continue
        field = queue["variant_field"]
        with db.read() as conn:
            outcomes = analytics_store.pairwise_variants(conn, queue["id"], window.since, window.until, field)
            if outcomes is None:  # a field the database cannot read: every run's views, read here
                outcomes = _variants_read_here(conn, queue["id"], window, field)
        summary = summarize(
            {
                "answer": (o["answers"] or {}).get(PAIRWISE_KEY),
                "shown_order": o["shown_order"],
                "variant_a": _variant_text(o["variant_a"]),
                "variant_b": _variant_text(o["variant_b"]),
            }
            for o in outcomes
            if (o["answers"] or {}).get(PAIRWISE_KEY)
        )
        out.append({"queue_id": queue["id"], "name": queue["name"], "variant_field": field, **summary})
    return out


def _variant_text(value: Any) -> str:
    # As domain/pairwise.variant_of words a value read off a run.
    return "unknown" if value is None else str(value)


def _variants_read_here(conn: Any, queue_id: Any, window: Window, field: str | None) -> list[dict[str, Any]]:
    outcomes = analytics_store.pairwise_outcomes(conn, queue_id, window.since, window.until)
    ids = list({r for o in outcomes for r in (o["run_id"], o["run_b_id"]) if r is not None})
    runs = analytics_store.variant_views(conn, ids)
    for o in outcomes:
        for side, run_id in (("variant_a", o["run_id"]), ("variant_b", o["run_b_id"])):
            found = variant_of(runs.get(run_id), field)
            o[side] = None if found == "unknown" else found
    return outcomes


def reviewer_panel(db: Database, actor: Actor, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Per reviewer over the visible queues: reviews submitted, skipped and flagged in the window;
    active minutes per item and items per active hour over the newest reviews; accuracy against gold
    items and agreement with the consensus of the single-run queues (for those who may read feedback;
    None otherwise). A reviewer sees its own row only."""
    window = parse_window(params)
    visible = _queues(db, actor, params)
    if not visible:
        return []
    ids = [q["id"] for q in visible]
    with db.read() as conn:
        counts = analytics_store.reviewer_counts(conn, ids, window.since, window.until)
        if visible_queue_ids(conn, actor) is not None:
            counts = [r for r in counts if r["reviewer_id"] == actor.user_id]
        speed: dict[uuid.UUID, dict[str, float]] = defaultdict(lambda: {"n": 0, "seconds": 0.0})
        for queue_id in ids:
            people_here = sorted({r["reviewer_id"] for r in counts}, key=str)
            for row in analytics_store.reviewer_speed(
                conn, queue_id, people_here, window.since, window.until, SPEED_REVIEWS
            ):
                speed[row["reviewer_id"]]["n"] += row["n"]
                speed[row["reviewer_id"]]["seconds"] += float(row["seconds"] or 0)
        emails = analytics_store.emails(conn, sorted({r["reviewer_id"] for r in counts}, key=str))
    people: dict[uuid.UUID, dict[str, Any]] = {}
    for row in counts:
        person = people.setdefault(
            row["reviewer_id"],
            {
                "reviewer_id": row["reviewer_id"],
                "email": emails.get(row["reviewer_id"]),
                "submitted": 0,
                "skipped": 0,
                "flagged": 0,
            },
        )
        person[row["status"]] += row["n"]
    single = [q for q in visible if q["kind"] == "single"]
    quality = _quality(db, single, window) if actor.can(Permission.READ_FEEDBACK) else {}
    for reviewer_id, person in people.items():
        timed = speed.get(reviewer_id)
        seconds = float(timed["seconds"] or 0) if timed else 0.0
        person["minutes_per_item"] = seconds / timed["n"] / 60 if timed and seconds else None
        person["items_per_hour"] = timed["n"] * 3600 / seconds if timed and seconds else None
        gold_right, gold_fields, agree, compared = quality.get(reviewer_id, (0, 0, 0, 0))
        person["gold_answers"] = gold_fields
        person["gold_accuracy"] = gold_right / gold_fields if gold_fields else None
        person["consensus_agreement"] = agree / compared if compared else None
    return sorted(people.values(), key=lambda p: (-p["submitted"], p["email"] or ""))


def _quality(db: Database, single: list[dict[str, Any]], window: Window) -> dict[uuid.UUID, tuple]:
    """Per reviewer over these queues: (gold answers right, gold answers given, answers agreeing with
    the consensus, answers compared). Gold is read off the few reviews of gold items in the window;
    the consensus off each queue's newest ratings, as agreement is."""
    out: dict[uuid.UUID, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    if not single:
        return {}
    keys = sorted({f["key"] for q in single for f in q["rubric"]})
    with db.read() as conn:
        configs = configs_store.get_many(conn, keys)
        answered = gold_store.answered_in(conn, [q["id"] for q in single], window.since, window.until)
        ratings = {
            q["id"]: analytics_store.newest_human_ratings(
                conn, q["id"], [f["key"] for f in q["rubric"]], window.since, window.until, AGREEMENT_RATINGS
            )
            for q in single
        }
    for row in answered:
        for key, expected in (row["gold"] or {}).items():
            out[row["reviewer_id"]][0] += matches(configs.get(key), (row["answers"] or {}).get(key), expected)
            out[row["reviewer_id"]][1] += 1
    for rows in ratings.values():
        for reviewer_id, (agree, compared) in consensus_counts(rows, configs).items():
            out[reviewer_id][2] += agree
            out[reviewer_id][3] += compared
    return {k: tuple(v) for k, v in out.items()}


def consensus_counts(rows: list[dict[str, Any]], configs: dict[str, Any]) -> dict[uuid.UUID, list[int]]:
    """Per reviewer, [answers equal to the consensus, answers compared] over one queue's human ratings
    (`newest_human_ratings`): on each run two or more rated, per scored key; adjudicated values are
    no rating."""
    grouped: dict[str, dict[uuid.UUID, dict[uuid.UUID, Any]]] = defaultdict(lambda: defaultdict(dict))
    for row in rows:
        if (row.get("extra") or {}).get("adjudicated"):
            continue
        config = configs.get(row["key"])
        if (config or {}).get("type") not in SCORED_TYPES:
            continue
        rating = rating_of(row, measurement_level(config)[0])
        if rating is not None and row["created_by"] is not None:
            grouped[row["key"]][row["run_id"]][row["created_by"]] = rating
    out: dict[uuid.UUID, list[int]] = defaultdict(lambda: [0, 0])
    for key, by_item in grouped.items():
        for reviewer_id, (agree, compared) in consensus_tally(configs.get(key), by_item).items():
            out[reviewer_id][0] += agree
            out[reviewer_id][1] += compared
    return dict(out)


def dashboard_human_vs_model(db: Database, actor: Actor, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Human vs model for every scored key that has both in the window."""
    window = parse_window(params)
    with db.read() as conn:
        scoped_queue_ids(conn, actor, params.get("queue_id"))  # the caller may see the queue asked for
    bounded = {**params, "since": window.since, "until": window.until}
    return [human_vs_model_panel(db, actor, {**bounded, "key": c["key"]}) for c in _scored_keys(db, window)]


def dashboard(db: Database, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    """Every panel for one window (the page's one call)."""
    window = parse_window(params)
    bounded = {**params, "since": window.since, "until": window.until}
    return {
        "since": window.since,
        "until": window.until,
        "queues": queue_activity(db, actor, bounded),
        "agreement": agreement_panel(db, actor, bounded),
        "human_vs_model": dashboard_human_vs_model(db, actor, bounded),
        "pairwise": pairwise_panel(db, actor, bounded),
        "reviewers": reviewer_panel(db, actor, bounded),
    }
