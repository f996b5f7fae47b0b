"""The demo loads through the real services: traces, feedback, queues filled by their rules, reviews."""

from __future__ import annotations

from datetime import UTC, datetime

from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.services import demo, queue_stats, queues
from reviewdesk.services.runs import search_runs


def test_demo_loads_routes_and_reviews(db):
    summary = demo.load_demo(db, seed=3, n_traces=300, now=datetime.now(UTC))
    assert summary["traces"] == 300
    assert demo.is_loaded(db)
    by_name = {q["name"]: q for q in queues.list_queues(db, SYSTEM_ACTOR)}
    assert set(by_name) == {"production-rag-review", "quality-sample-1pct", "gpt-4o-vs-gpt-4o-mini"}
    rag = queue_stats.stats(db, SYSTEM_ACTOR, by_name["production-rag-review"]["id"])
    routed = search_runs(
        db,
        SYSTEM_ACTOR,
        is_root=True,
        limit=1000,
        filter='metadata.eval_score < 0.5 or feedback.user_rating == "negative"',
    )[0]
    assert rag["total"] == len([r for r in routed if r["end_time"] is not None])
    assert rag["counts"]["completed"] > 0
    pairwise = queue_stats.stats(db, SYSTEM_ACTOR, by_name["gpt-4o-vs-gpt-4o-mini"]["id"])
    assert pairwise["counts"]["pending"] == summary["pairs"] > 0
