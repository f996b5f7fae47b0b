"""The demo's month, replayed hour by hour through the ordinary services with the clock set to the
time each thing happened: traces and feedback arrive as they ended, rules route them, and the three
reviewers work weekday sessions at human pace. Queue speed, throughput and backlog therefore read
like a real month (not a history that happened in one instant)."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from reviewdesk.domain.demo import reviewing
from reviewdesk.domain.demo_data import DemoTrace
from reviewdesk.domain.permissions import Actor
from reviewdesk.domain.rubric import PAIRWISE_KEY
from reviewdesk.errors import Conflict
from reviewdesk.services import ingest, review
from reviewdesk.services.clock import set_to
from reviewdesk.store.database import Database

HOUR = timedelta(hours=1)
SKIP_RATE = 0.03
WriteFeedback = Callable[[Database, list[dict[str, Any]]], None]


@dataclass
class Month:
    start: datetime
    end: datetime
    runs: dict[datetime, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    feedback: dict[datetime, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    traces: dict[datetime, int] = field(default_factory=lambda: defaultdict(int))


def _hour(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value)


def arrange(traces: Iterable[DemoTrace], start: datetime, end: datetime, rng: random.Random) -> Month:
    """Traces by the hour their root ended; feedback (and a model judge's) by the hour it was given."""
    month = Month(start=_hour(start), end=end)
    for trace in traces:
        root = trace.runs[0]
        ended = _when(root["end_time"])
        month.runs[_hour(ended)].extend(trace.runs)
        month.traces[_hour(ended)] += 1
        for row in trace.feedback:
            month.feedback[_hour(_when(row["created_at"]))].append(row)
        if root["error"] is None:
            judged = min(end - timedelta(seconds=1), ended + timedelta(seconds=rng.uniform(30, 900)))
            eval_score = (root["metadata"] or {}).get("eval_score") or 0.5
            for judgement in reviewing.model_judgements(eval_score, rng):
                month.feedback[_hour(judged)].append(
                    {"run_id": root["id"], "source": "model", "created_at": judged.isoformat(), **judgement}
                )
    return month


@dataclass
class Reviewers:
    actors: list[Actor]
    queues: list[dict[str, Any]]  # worked in this order within a session
    rng: random.Random
    done: int = 0
    # Calibration queues: every reviewer scores every item (no skips), with care; the value is the
    # share of groundedness answers read by temperament (see reviewing.answers).
    calibration_queues: dict[Any, float] = field(default_factory=dict)


def _work(db: Database, people: Reviewers, session: reviewing.Session) -> None:
    """One reviewer's session: next item, read for a while, submit (or now and then skip), repeat."""
    actor = people.actors[session.reviewer]
    rng = people.rng
    at = session.start
    for queue in people.queues:
        while at < session.end:
            with set_to(at):
                view = review.next_item(db, actor, queue["id"])
            if view is None:
                break
            at += timedelta(minutes=reviewing.minutes_per_item(rng))
            with set_to(at):
                _finish(db, actor, session.reviewer, view, rng, people.calibration_queues.get(queue["id"]))
            people.done += 1
            at += timedelta(minutes=reviewing.break_minutes(rng))


def _finish(
    db: Database, actor: Actor, reviewer: int, view: dict[str, Any], rng: random.Random, temper: float | None
) -> None:
    """`temper` is None outside calibration sessions."""
    item_id = view["item"]["id"]
    calibrating = temper is not None
    if not calibrating and rng.random() < SKIP_RATE:
        review.skip(db, actor, item_id, "not sure; leaving it for someone else")
        return
    if view["queue"]["kind"] == "pairwise":
        pick = reviewing.preference(rng, view["review"]["shown_order"] or "AB")
        review.submit(db, actor, item_id, {"answers": {PAIRWISE_KEY: pick}})
        return
    eval_score = ((view["runs"][0].get("metadata") or {}).get("eval_score")) or 0.5
    rubric = [f["key"] for f in view["rubric"]]
    answers = reviewing.answers(
        reviewer, rubric, eval_score, rng, calibrating=calibrating, temper=1.0 if temper is None else temper
    )
    if "reviewer_note" in rubric and (note := reviewing.note_for(answers, rng)):
        answers["reviewer_note"] = note
    try:
        review.submit(db, actor, item_id, {"answers": answers})
    except Conflict:  # the reservation lapsed during a long read: give it back
        review.release(db, actor, item_id)


def replay(
    db: Database,
    month: Month,
    people: Reviewers,
    write_feedback: WriteFeedback,
    ingest_actor: Actor,
    extra: dict[datetime, Callable[[], None]] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Hour by hour: sessions that start in the hour (they see what arrived before it), then the
    hour's traces and feedback, stamped with the hour's last second. Returns the reviews done."""
    schedule = defaultdict(list)
    for session in reviewing.sessions(people.rng, month.start, month.end, len(people.actors)):
        schedule[_hour(session.start)].append(session)
    extra = extra or {}
    traces = 0
    hour = month.start
    while hour < month.end:
        for session in schedule.get(hour, ()):
            _work(db, people, session)
        stamp = min(hour + HOUR, month.end) - timedelta(seconds=1)
        with set_to(stamp):
            if month.runs.get(hour):
                ingest.ingest_batch(db, ingest_actor, post=month.runs[hour], patch=None)
            if month.feedback.get(hour):
                write_feedback(db, month.feedback[hour])
            if hour in extra:
                extra[hour]()
        if month.traces.get(hour):
            traces += month.traces[hour]
            if on_progress:
                on_progress(traces)
        hour += HOUR
    return people.done
