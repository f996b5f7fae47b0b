"""A queue's reviewer quality and adjudication list on a long history, on both databases.

    .venv/bin/python bench/queue_signal.py [--traces 80000] [--postgres URL] [--no-sqlite] [--reps 7] [--keep]
    .venv/bin/python bench/queue_signal.py --existing sqlite:///…/analytics.db --existing postgresql://…/bench_…

Loads the data of `analytics_data.py` (the dashboards benchmark's: a two-reviewer queue that got 62 % of
the root runs, every item reviewed twice), or measures databases it loaded before (`--keep`). Before
timing it marks 20 of the queue's completed items gold (known answers: the first review's, so the other
reviewer's accuracy is measured) and adjudicates 30, once. Then, as an admin, through the services the
API and the queue page call: `reviewer_quality`, the adjudication list (open, its first page of 50 and
the fifth page followed by cursor; resolved; the queue page's call with limit 1 for the open count) and
one item's case. Baseline, same run and database: `SELECT count(*) FROM feedback WHERE key =
'correctness'` (the dashboards benchmark's).
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from analytics import measure_databases, parse_args

from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.services import adjudication, gold
from reviewdesk.services.clock import utcnow
from reviewdesk.store import tables
from reviewdesk.store.database import Database

QUEUE = "production-rag-review"
GOLD, ADJUDICATED = 20, 30


def timed(fn: Callable[[], Any], reps: int) -> dict[str, float]:
    fn()
    times = []
    for _ in range(reps):
        began = time.perf_counter()
        fn()
        times.append((time.perf_counter() - began) * 1000)
    return {"p50_ms": statistics.median(times), "max_ms": max(times)}


def queue_id(db: Database) -> uuid.UUID:
    with db.read() as conn:
        q = tables.annotation_queues
        return conn.execute(sa.select(q.c.id).where(q.c.name == QUEUE)).scalar_one()


def prepare(db: Database, qid: uuid.UUID) -> None:
    """Gold items and adjudications, once per database (untimed)."""
    with db.read() as conn:
        if conn.execute(sa.select(sa.func.count()).select_from(tables.gold_items)).scalar_one():
            return
        items = conn.execute(
            sa.select(tables.queue_items.c.id, tables.queue_items.c.run_id)
            .where(tables.queue_items.c.queue_id == qid, tables.queue_items.c.status == "completed")
            .order_by(tables.queue_items.c.completed_at.desc())
            .limit(GOLD)
        ).all()
    now = utcnow()
    with db.write() as conn:
        for item_id, run_id in items:
            first = conn.execute(
                sa.select(tables.reviews.c.answers)
                .where(tables.reviews.c.item_id == item_id)
                .order_by(tables.reviews.c.submitted_at)
                .limit(1)
            ).scalar_one()
            conn.execute(
                tables.gold_items.insert().values(
                    item_id=item_id,
                    queue_id=qid,
                    run_id=run_id,
                    answers=first,
                    source="manual",
                    created_at=now,
                )
            )
    cases = adjudication.list_adjudications(db, SYSTEM_ACTOR, qid, "open", limit=ADJUDICATED)["items"]
    for case in cases:
        answers = case["reviews"][0]["answers"]
        adjudication.adjudicate(db, SYSTEM_ACTOR, case["item_id"], {"answers": answers})


def fifth_page(db: Database, qid: uuid.UUID) -> Any:
    cursor = None
    for _ in range(5):
        listing = adjudication.list_adjudications(db, SYSTEM_ACTOR, qid, "open", limit=50, cursor=cursor)
        cursor = listing["next_cursor"]
    return listing


def measure(db: Database, reps: int) -> dict[str, Any]:
    qid = queue_id(db)
    prepare(db, qid)
    with db.read() as conn:
        reviews = conn.execute(
            sa.select(sa.func.count()).where(tables.reviews.c.queue_id == qid).select_from(tables.reviews)
        ).scalar_one()
        some_item = conn.execute(
            sa.select(tables.queue_items.c.id)
            .where(tables.queue_items.c.queue_id == qid, tables.queue_items.c.status == "completed")
            .limit(1)
        ).scalar_one()

    def baseline() -> None:
        with db.read() as conn:
            conn.exec_driver_sql("SELECT count(*) FROM feedback WHERE key = 'correctness'").scalar_one()

    calls: dict[str, Callable[[], Any]] = {
        "baseline: count of one key's rows": baseline,
        "reviewer quality": lambda: gold.reviewer_quality(db, SYSTEM_ACTOR, qid),
        "adjudications, open, first page of 50": lambda: adjudication.list_adjudications(
            db, SYSTEM_ACTOR, qid, "open", limit=50
        ),
        "adjudications, open, fifth page (cursor)": lambda: fifth_page(db, qid),
        "adjudications, resolved": lambda: adjudication.list_adjudications(db, SYSTEM_ACTOR, qid, "resolved"),
        "queue page's open count (limit 1)": lambda: adjudication.list_adjudications(
            db, SYSTEM_ACTOR, qid, "open", limit=1
        ),
        "one item's case": lambda: adjudication.get_case(db, SYSTEM_ACTOR, some_item),
    }
    print(f"{db.dialect}: queue {QUEUE}, {reviews:,} reviews")
    result: dict[str, Any] = {"dialect": db.dialect, "queue_reviews": reviews, "panels": {}}
    base = None
    for name, fn in calls.items():
        figures = timed(fn, reps)
        base = base or figures["p50_ms"]
        result["panels"][name] = figures
        print(
            f"  {name:45} {figures['p50_ms']:9.1f} ms (max {figures['max_ms']:.1f})  ×{figures['p50_ms'] / base:.1f}"
        )
    listing = adjudication.list_adjudications(db, SYSTEM_ACTOR, qid, "open", limit=1)
    quality = gold.reviewer_quality(db, SYSTEM_ACTOR, qid)
    result["open"] = listing["open"]
    result["consensus_window"] = quality.get("consensus_window")
    print(f"  open cases: {listing['open']:,}; consensus window: {result['consensus_window']}")
    return result


def main() -> None:
    measure_databases(parse_args(__doc__, traces=80_000), measure, "queue-signal")


if __name__ == "__main__":
    main()
