"""Loading the demo: synthetic traces and feedback through the same services as real clients."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from reviewdesk.domain.demo import reviewing
from reviewdesk.domain.demo_data import generate_demo
from reviewdesk.domain.permissions import SYSTEM_ACTOR, Actor
from reviewdesk.domain.run_payload import parse_time
from reviewdesk.errors import Conflict
from reviewdesk.services import calibrations, demo_month, demo_setup, feedback_configs, gold
from reviewdesk.services import feedback as feedback_service
from reviewdesk.services.clock import set_to
from reviewdesk.store import settings_kv
from reviewdesk.store.database import Database

DEMO_MARKER = "demo_loaded"
DEMO_ACTOR = Actor(user_id=None, email="demo", role=SYSTEM_ACTOR.role)
DEMO_CONFIGS: list[dict[str, Any]] = [
    {
        "key": "user_rating",
        "type": "categorical",
        "description": "The end user's thumbs up or down in the app.",
        "options": [
            {"value": "positive", "score": 1, "description": "thumbs up"},
            {"value": "negative", "score": 0, "description": "thumbs down"},
        ],
    },
    {
        "key": "correctness",
        "type": "continuous",
        "min": 0,
        "max": 1,
        "description": "An LLM judge's estimate that the answer is correct (0 = wrong, 1 = right).",
    },
]
DEMO_PERIOD = timedelta(days=30)
EXPERIMENT_ROUNDS = 4
PAIRS_PER_ROUND = 10
GOLD_ITEMS = 8
CALIBRATION_ITEMS = 12


def is_loaded(db: Database) -> bool:
    with db.read() as conn:
        return settings_kv.get(conn, DEMO_MARKER) is not None


def _ensure_configs(db: Database) -> None:
    for config in DEMO_CONFIGS:
        with contextlib.suppress(Conflict):
            feedback_configs.create_config(db, DEMO_ACTOR, config)


def _write_feedback(db: Database, items: list[dict[str, Any]]) -> None:
    with db.write() as conn:
        for item in items:
            row = feedback_service.build_row(conn, DEMO_ACTOR, item)
            created = parse_time(item.get("created_at"), "created_at")
            if created is not None:
                row["created_at"] = row["updated_at"] = created
            feedback_service.insert(conn, DEMO_ACTOR, row)


def _experiment_rounds(
    db: Database, queue: dict[str, Any], traces: list[Any], start: datetime, added: list[int]
) -> dict[datetime, Callable[[], None]]:
    """Four weekly rounds of the gpt-4o vs gpt-4o-mini comparison, ten questions each, put in the
    pairwise queue at the round's time (on questions asked before it)."""
    roots = sorted(
        (t.runs[0] for t in traces if t.runs[0]["project"] == "support-rag" and t.runs[0]["error"] is None),
        key=lambda r: r["end_time"],
    )
    rounds: dict[datetime, Callable[[], None]] = {}
    for week in range(EXPERIMENT_ROUNDS):
        at = (start + timedelta(days=2 + 7 * week)).replace(hour=9, minute=0, second=0, microsecond=0)
        asked = [r for r in roots if datetime.fromisoformat(r["end_time"]) < at][-PAIRS_PER_ROUND:]
        rounds[at] = lambda asked=asked, at=at, week=week: added.append(
            demo_setup.add_model_comparison(db, queue, asked, at, f"mini-rollout-week-{week + 1}")
        )
    return rounds


def _signal_checks(
    db: Database, setup: dict[str, Any], people: demo_month.Reviewers, start: datetime, traces: list[Any]
) -> dict[datetime, Callable[[], None]]:
    """Gold items added to the review queue in week 2 (its gold rate mixes them into the reviewers'
    work from then on); calibration sessions in weeks 1 and 3 that every reviewer works through first.
    The first agrees (fresh from the guide, they read groundedness alike); by the second they have
    drifted to their own readings and it alerts on groundedness."""
    rag = setup["rag"]

    def add_gold() -> None:
        for run_id, answers in _gold_answers(traces, at(8)):
            gold.add_gold(db, SYSTEM_ACTOR, rag["id"], {"run_id": run_id, "answers": answers})

    def calibrate(name: str, temper: float) -> Callable[[], None]:
        def run() -> None:
            session = calibrations.create_calibration(
                db,
                SYSTEM_ACTOR,
                {
                    "name": name,
                    "queue_id": str(rag["id"]),
                    "item_count": CALIBRATION_ITEMS,
                    "reviewers": [str(a.user_id) for a in setup["reviewers"]],
                },
            )
            people.queues.insert(0, {"id": session["queue_id"]})
            people.calibration_queues[session["queue_id"]] = temper

        return run

    def at(day: int) -> datetime:
        return (start + timedelta(days=day)).replace(hour=10, minute=0, second=0, microsecond=0)

    return {
        at(6): calibrate("rubric kick-off", 0.0),
        at(8): add_gold,
        at(17): calibrate("groundedness check", 1.0),
    }


def _gold_answers(traces: list[Any], before: datetime) -> list[tuple[str, dict[str, Any]]]:
    """Known answers for support answers the rules did not route to review (evaluator score 0.5 or
    more), spread over the days before `before`."""
    roots = sorted(
        (
            t.runs[0]
            for t in traces
            if t.runs[0]["project"] == "support-rag"
            and t.runs[0]["error"] is None
            and ((t.runs[0]["metadata"] or {}).get("eval_score") or 0) >= 0.5
            and datetime.fromisoformat(t.runs[0]["end_time"]) < before
        ),
        key=lambda r: r["end_time"],
    )
    chosen = roots[:: max(1, len(roots) // GOLD_ITEMS)][:GOLD_ITEMS]
    out = []
    for root in chosen:
        quality = reviewing.quality_of(root["metadata"]["eval_score"], random.Random(0), noise=0)
        answers = {"overall_quality": quality, "groundedness": reviewing.SHARED_GROUNDEDNESS[quality]}
        out.append((str(root["id"]), answers))
    return out


def load_demo(
    db: Database, *, seed: int, n_traces: int, now: datetime, on_progress: Callable[[int], None] | None = None
) -> dict[str, int]:
    """A month of use ending at `now`: see services/demo_month.py."""
    start = now - DEMO_PERIOD
    with set_to(start - timedelta(hours=2)):
        _ensure_configs(db)
        setup = demo_setup.create_queues(db)
    rng = random.Random(seed)
    traces = list(generate_demo(seed, n_traces, now))
    month = demo_month.arrange(traces, start, now, rng)
    pairs: list[int] = []
    rounds = _experiment_rounds(db, setup["pairwise"], traces, start, pairs)
    people = demo_month.Reviewers(
        actors=setup["reviewers"], queues=[setup["rag"], setup["sample"], setup["pairwise"]], rng=rng
    )
    checks = _signal_checks(db, setup, people, start, traces)
    reviews = demo_month.replay(db, month, people, _write_feedback, DEMO_ACTOR, rounds | checks, on_progress)
    with db.write() as conn:
        settings_kv.put_if_absent(conn, DEMO_MARKER, now.isoformat())
    return {
        "traces": len(traces),
        "runs": sum(len(r) for r in month.runs.values()),
        "feedback": sum(len(f) for f in month.feedback.values()),
        "pairs": sum(pairs),
        "reviews": reviews,
    }
