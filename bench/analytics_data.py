"""The analytics benchmark's data: 1M runs and 1M feedback rows over 30 days, bulk-loaded with Core.

200,000 five-span traces (a root chain and four children) in three projects; on the roots: a model
`correctness` score on every one, a model `overall_quality` on 40 % and `helpfulness` on 30 %, an end user's `user_rating` on
30 %, and 62 % routed to a two-reviewer queue whose reviews write `overall_quality`, `groundedness`
and `helpfulness` (~670,000 human rows, ~224,000 reviews, 124,000 items; reviews not yet done by the end are left out). A pairwise queue gets 2,000
pairs with one review each. Reviews happen in working hours within two days of the run; items of the
last two days are partly pending, so depth and backlog move.
"""

from __future__ import annotations

import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from rich.progress import Progress

from reviewdesk.store import feedback_hourly, migrate, tables
from reviewdesk.store.database import Database

DAYS = 30
SPANS_PER_TRACE = 5
PROJECTS = ("support-rag", "ops-agent", "invoice-extraction")
REVIEWERS = 12
QUALITY = {"good": 1.0, "acceptable": 0.5, "bad": 0.0}
GROUNDED = ("grounded", "partially_grounded", "hallucinated")
CONFIGS: list[dict[str, Any]] = [
    {
        "key": "overall_quality",
        "type": "categorical",
        "options": [{"value": v, "score": s} for v, s in QUALITY.items()],
    },
    {"key": "groundedness", "type": "categorical", "options": [{"value": v} for v in GROUNDED]},
    {"key": "helpfulness", "type": "continuous", "min": 1.0, "max": 5.0},
    {"key": "correctness", "type": "continuous", "min": 0.0, "max": 1.0},
    {
        "key": "user_rating",
        "type": "categorical",
        "options": [{"value": "positive", "score": 1.0}, {"value": "negative", "score": 0.0}],
    },
]


def _queue(name: str, kind: str, rubric: list[str], per_item: int, at: datetime) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "name": name,
        "kind": kind,
        "rubric": [{"key": k, "required": True} for k in rubric],
        "rubric_version": 1,
        "reviewers_per_item": per_item,
        "reservation_seconds": 600,
        "reviewer_access": "assigned",
        "blind": True,
        "backlog_alert_days": 3.0,
        "variant_field": "metadata.model" if kind == "pairwise" else None,
        "created_at": at,
        "updated_at": at,
    }


def reference_rows(db: Database, start: datetime) -> dict[str, Any]:
    projects = [{"id": uuid.uuid4(), "name": n, "created_at": start} for n in PROJECTS]
    users = [
        {"id": uuid.uuid4(), "email": f"reviewer{i}@example.com", "role": "reviewer", "created_at": start}
        for i in range(REVIEWERS)
    ]
    configs = [
        {"min": None, "max": None, "options": None, **c, "created_at": start, "updated_at": start}
        for c in CONFIGS
    ]
    review = _queue(
        "production-rag-review", "single", ["overall_quality", "groundedness", "helpfulness"], 2, start
    )
    pairwise = _queue("gpt-4o-vs-gpt-4o-mini", "pairwise", [], 1, start)
    with db.write() as conn:
        conn.execute(tables.projects.insert(), projects)
        conn.execute(tables.users.insert(), users)
        conn.execute(tables.feedback_configs.insert(), configs)
        conn.execute(tables.annotation_queues.insert(), [review, pairwise])
        conn.execute(
            tables.queue_rubrics.insert(),
            [
                {"queue_id": q["id"], "version": 1, "rubric": q["rubric"], "created_at": start}
                for q in (review, pairwise)
            ],
        )
        conn.execute(
            tables.queue_reviewers.insert(),
            [{"queue_id": q["id"], "user_id": u["id"]} for q in (review, pairwise) for u in users],
        )
    return {
        "projects": [p["id"] for p in projects],
        "reviewers": [u["id"] for u in users],
        "queue": review["id"],
        "pairwise": pairwise["id"],
    }


def _working_time(rng: random.Random, after: datetime) -> datetime:
    """A moment in working hours (08-18 UTC, weekdays) within about two days after `after`."""
    at = after + timedelta(minutes=rng.uniform(5, 2 * 24 * 60))
    while at.weekday() >= 5 or not 8 <= at.hour < 18:
        at += timedelta(hours=rng.uniform(1, 6))
    return at


def _trace(rng: random.Random, ref: dict[str, Any], at: datetime) -> list[dict[str, Any]]:
    root_id = uuid.uuid4()
    project = rng.choice(ref["projects"])
    model = rng.choice(("gpt-4o", "gpt-4o-mini", "claude-3-5-haiku"))
    score = round(rng.betavariate(6, 2), 3)
    rows = []
    for i in range(SPANS_PER_TRACE):
        span_start = at + timedelta(milliseconds=150 * i)
        run_id = root_id if i == 0 else uuid.uuid4()
        rows.append(
            {
                "id": run_id,
                "trace_id": root_id,
                "parent_run_id": None if i == 0 else root_id,
                "project_id": project,
                "name": "support_chat" if i == 0 else ("retrieve", "embed", "llm", "format")[i - 1],
                "run_type": "chain" if i == 0 else ("retriever", "embedding", "llm", "parser")[i - 1],
                "is_root": i == 0,
                "status": "success",
                "inputs": {"question": f"Where is order #{rng.randint(10_000, 99_999)}?"},
                "outputs": {"answer": "It left the warehouse yesterday; delivery in two days."},
                "start_time": span_start,
                "end_time": span_start + timedelta(seconds=2 if i == 0 else 0.1),
                "latency_ms": 2000.0 if i == 0 else 100.0,
                "tags": ["production", model],
                "meta": {"eval_score": score, "model": model} if i == 0 else {},
                "created_at": span_start,
                "updated_at": span_start,
            }
        )
    return rows


def _feedback(
    run: dict[str, Any], key: str, source: str, at: datetime, score: float | None, value: Any, **extra: Any
) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "run_id": run["id"],
        "trace_id": run["trace_id"],
        "key": key,
        "score": score,
        "value": value,
        "source": source,
        "created_by": extra.get("created_by"),
        "queue_id": extra.get("queue_id"),
        "rubric_version": 1 if extra.get("queue_id") else None,
        "extra": extra.get("extra"),
        "created_at": at,
        "updated_at": at,
    }


def _quality(rng: random.Random, eval_score: float, noise: float) -> str:
    if rng.random() < noise:
        return rng.choice(list(QUALITY))
    return "good" if eval_score > 0.75 else ("acceptable" if eval_score > 0.5 else "bad")


class Batch:
    def __init__(self) -> None:
        self.runs: list[dict[str, Any]] = []
        self.feedback: list[dict[str, Any]] = []
        self.items: list[dict[str, Any]] = []
        self.reviews: list[dict[str, Any]] = []

    def write(self, db: Database) -> None:
        with db.write() as conn:
            for table, rows in (
                (tables.runs, self.runs),
                (tables.queue_items, self.items),
                (tables.reviews, self.reviews),
                (tables.feedback, self.feedback),
            ):
                if rows:
                    conn.execute(table.insert(), rows)
            feedback_hourly.add(conn, self.feedback)  # what store.feedback.insert_many does
        self.__init__()  # type: ignore[misc]


def _review(
    rng: random.Random, batch: Batch, ref: dict[str, Any], root: dict[str, Any], end: datetime
) -> None:
    item_id = uuid.uuid4()
    reviewers = rng.sample(ref["reviewers"], 2)
    eval_score = root["meta"]["eval_score"]
    submits = []
    for reviewer in reviewers:
        started = _working_time(rng, root["end_time"])
        submitted = started + timedelta(seconds=rng.lognormvariate(4.7, 0.5))
        if submitted > end:
            continue
        submits.append(submitted)
        review_id = uuid.uuid4()
        quality = _quality(rng, eval_score, 0.15)
        grounded = "grounded" if quality != "bad" else rng.choice(GROUNDED[1:])
        helpful = min(5.0, max(1.0, round(1 + 4 * eval_score + rng.gauss(0, 0.6))))
        batch.reviews.append(
            {
                "id": review_id,
                "item_id": item_id,
                "queue_id": ref["queue"],
                "reviewer_id": reviewer,
                "status": "submitted",
                "started_at": started,
                "submitted_at": submitted,
                "rubric_version": 1,
                "shown_order": None,
                "answers": {"overall_quality": quality, "groundedness": grounded, "helpfulness": helpful},
            }
        )
        common = {
            "created_by": reviewer,
            "queue_id": ref["queue"],
            "extra": {"item_id": str(item_id), "review_id": str(review_id)},
        }
        batch.feedback += [
            _feedback(root, "overall_quality", "human", submitted, QUALITY[quality], quality, **common),
            _feedback(root, "groundedness", "human", submitted, None, grounded, **common),
            _feedback(root, "helpfulness", "human", submitted, helpful, None, **common),
        ]
    batch.items.append(
        {
            "id": item_id,
            "queue_id": ref["queue"],
            "target_key": str(root["id"]),
            "target_kind": "run",
            "run_id": root["id"],
            "run_b_id": None,
            "source": "rule",
            "status": "completed" if len(submits) == 2 else "pending",
            "reviews_done": len(submits),
            "added_at": root["end_time"],
            "completed_at": max(submits) if len(submits) == 2 else None,
        }
    )


def _pair(
    rng: random.Random, batch: Batch, ref: dict[str, Any], a: dict[str, Any], b: dict[str, Any]
) -> None:
    item_id, review_id = uuid.uuid4(), uuid.uuid4()
    started = _working_time(rng, b["end_time"])
    submitted = started + timedelta(seconds=rng.lognormvariate(4.5, 0.5))
    order = rng.choice(("AB", "BA"))
    winner = rng.choices(("A", "B", "tie", "both_bad"), (0.45, 0.35, 0.15, 0.05))[0]
    reviewer = rng.choice(ref["reviewers"])
    batch.items.append(
        {
            "id": item_id,
            "queue_id": ref["pairwise"],
            "target_key": f"{a['id']}:{b['id']}",
            "target_kind": "pair",
            "run_id": a["id"],
            "run_b_id": b["id"],
            "source": "api",
            "status": "completed",
            "reviews_done": 1,
            "added_at": b["end_time"],
            "completed_at": submitted,
        }
    )
    batch.reviews.append(
        {
            "id": review_id,
            "item_id": item_id,
            "queue_id": ref["pairwise"],
            "reviewer_id": reviewer,
            "status": "submitted",
            "started_at": started,
            "submitted_at": submitted,
            "rubric_version": 1,
            "shown_order": order,
            "answers": {"preference": winner},
        }
    )
    scores = {"A": (1.0, 0.0), "B": (0.0, 1.0), "tie": (0.5, 0.5), "both_bad": (0.0, 0.0)}[winner]
    for run, score in zip((a, b), scores, strict=True):
        batch.feedback.append(
            _feedback(
                run,
                "preference",
                "human",
                submitted,
                score,
                winner,
                created_by=reviewer,
                queue_id=ref["pairwise"],
            )
        )


def load(
    db: Database, *, traces: int, batch_traces: int, seed: int, end: datetime, progress: Progress
) -> float:
    """Loads oldest first; returns the seconds it took."""
    migrate.upgrade(db)
    rng = random.Random(seed)
    start = end - timedelta(days=DAYS)
    ref = reference_rows(db, start)
    task = progress.add_task(f"{db.dialect}: loading {traces * SPANS_PER_TRACE:,} runs", total=traces)
    step = (end - start - timedelta(minutes=5)) / traces
    pair_every = max(1, traces // 2000)
    began = time.perf_counter()
    batch, previous_root = Batch(), None
    for n in range(traces):
        at = start + step * n + timedelta(seconds=rng.uniform(0, step.total_seconds()))
        runs = _trace(rng, ref, at)
        root = runs[0]
        batch.runs += runs
        ended = root["end_time"]
        eval_score = root["meta"]["eval_score"]
        judged = min(end, ended + timedelta(seconds=rng.uniform(5, 600)))
        correctness = round(min(1.0, max(0.0, eval_score + rng.gauss(0, 0.08))), 2)
        batch.feedback.append(_feedback(root, "correctness", "model", judged, correctness, None))
        if rng.random() < 0.4:
            quality = _quality(rng, eval_score, 0.25)
            batch.feedback.append(
                _feedback(root, "overall_quality", "model", judged, QUALITY[quality], quality)
            )
        if rng.random() < 0.3:
            judged_help = min(5.0, max(1.0, round(1 + 4 * eval_score + rng.gauss(0, 0.8), 1)))
            batch.feedback.append(_feedback(root, "helpfulness", "model", judged, judged_help, None))
        if rng.random() < 0.3:
            positive = rng.random() < 0.4 + 0.6 * eval_score
            rated = min(end, ended + timedelta(seconds=rng.uniform(10, 300)))
            value = "positive" if positive else "negative"
            batch.feedback.append(_feedback(root, "user_rating", "user", rated, float(positive), value))
        if rng.random() < 0.62:
            _review(rng, batch, ref, root, end)
        if n % pair_every == 0 and previous_root is not None:
            _pair(rng, batch, ref, previous_root, root)
        previous_root = root
        if (n + 1) % batch_traces == 0 or n + 1 == traces:
            batch.write(db)
            progress.update(task, completed=n + 1)
    seconds = time.perf_counter() - began
    if db.dialect == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    return seconds


def now_utc() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
