"""How the demo's three reviewers work: when (weekday sessions in working hours), how fast (minutes
per item, long-tailed), and what they answer (mostly what the trace deserves, with one field they
disagree on by temperament), plus a model judge that scores keys the humans also score."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

QUALITY = ("good", "acceptable", "bad")
GROUNDEDNESS = ("grounded", "partially_grounded", "hallucinated")
PAIRWISE = ("A", "B", "tie", "both_bad")
SHARED_GROUNDEDNESS = {"good": "grounded", "acceptable": "partially_grounded", "bad": "hallucinated"}
# Groundedness is the planted disagreement: each reviewer reads "supported by the sources" their own way.
_GROUNDED_TEMPER = {
    0: (0.30, 0.55, 0.15),  # strict: most answers have an unsupported detail
    1: (0.80, 0.15, 0.05),  # lenient
    2: (0.45, 0.25, 0.30),  # quick to call things hallucinated
}


@dataclass(frozen=True)
class Session:
    reviewer: int
    start: datetime
    end: datetime


def sessions(rng: random.Random, start: datetime, end: datetime, reviewers: int) -> Iterator[Session]:
    """Weekday review sessions (a morning and an afternoon block, each reviewer at its own times),
    oldest first, between `start` and `end`."""
    day = start.replace(hour=0, minute=0, second=0, microsecond=0)
    found = []
    while day < end:
        if day.weekday() < 5:
            for reviewer in range(reviewers):
                for first_hour, spread in ((8.5, 1.5), (13.0, 2.0)):
                    if rng.random() < 0.12:  # a meeting, a day off
                        continue
                    begin = day + timedelta(hours=first_hour + rng.uniform(0, spread) + reviewer * 0.4)
                    length = timedelta(minutes=rng.uniform(40, 100))
                    if start <= begin and begin + length <= end:
                        found.append(Session(reviewer, begin, begin + length))
        day += timedelta(days=1)
    return iter(sorted(found, key=lambda s: s.start))


def minutes_per_item(rng: random.Random) -> float:
    """Reading a trace and answering: median about two minutes, sometimes much longer."""
    return min(25.0, max(0.5, math.exp(rng.gauss(math.log(2.0), 0.55))))


def break_minutes(rng: random.Random) -> float:
    return rng.uniform(0.1, 1.5)


def quality_of(eval_score: float, rng: random.Random, noise: float = 0.06) -> str:
    if rng.random() < noise:
        return rng.choice(QUALITY)
    return "good" if eval_score > 0.72 else ("acceptable" if eval_score > 0.45 else "bad")


def answers(
    reviewer: int,
    rubric: list[str],
    eval_score: float,
    rng: random.Random,
    *,
    calibrating: bool = False,
    temper: float = 1.0,
) -> dict[str, Any]:
    """What a reviewer answers. In a calibration session they work with care: no slips on overall
    quality, so only groundedness (read by temperament) can break the session's thresholds.
    `temper` is the share of groundedness answers read by temperament rather than by the guide's
    shared reading (fresh from training it is 0; the reviewers drift to their own reading later)."""
    quality = quality_of(eval_score, rng, noise=0.0 if calibrating else 0.06)
    out: dict[str, Any] = {}
    for key in rubric:
        if key == "overall_quality":
            out[key] = quality
        elif key == "groundedness":
            if temper < 1 and rng.random() >= temper:
                out[key] = SHARED_GROUNDEDNESS[quality]
            elif quality == "bad" and rng.random() < 0.6:
                out[key] = rng.choice(GROUNDEDNESS[1:])
            else:
                out[key] = rng.choices(GROUNDEDNESS, _GROUNDED_TEMPER[reviewer % 3])[0]
        elif key == "helpfulness":
            out[key] = max(1, min(5, round(1 + 4 * eval_score + rng.gauss(0, 0.5))))
    return out


def note_for(answers_given: dict[str, Any], rng: random.Random) -> str | None:
    if answers_given.get("overall_quality") == "bad" and rng.random() < 0.5:
        return rng.choice(
            (
                "States a policy the sources do not mention.",
                "Answers a different question than the one asked.",
                "Right idea, but the numbers do not match the tool output.",
                "Too long; the customer wanted the tracking link.",
            )
        )
    return None


def preference(rng: random.Random, shown_order: str) -> str:
    """A pick between gpt-4o (run A) and the terser gpt-4o-mini (run B), in shown terms, with a small
    lean towards whichever answer is shown first."""
    winner = rng.choices(PAIRWISE, (0.50, 0.30, 0.13, 0.07))[0]
    if winner in ("A", "B") and rng.random() < 0.08:
        winner = "A" if shown_order == "AB" else "B"  # picks the first one shown
    if shown_order == "BA" and winner in ("A", "B"):
        return "B" if winner == "A" else "A"
    return winner


def model_judgements(eval_score: float, rng: random.Random) -> list[dict[str, Any]]:
    """An LLM judge's scores on keys reviewers also score: `overall_quality` on 60% of traces and
    `helpfulness` on 50%, agreeing with people most of the time."""
    out: list[dict[str, Any]] = []
    if rng.random() < 0.6:
        out.append({"key": "overall_quality", "value": quality_of(eval_score, rng, noise=0.25)})
    if rng.random() < 0.5:
        score = max(1.0, min(5.0, round(1 + 4 * eval_score + rng.gauss(0, 0.7), 1)))
        out.append({"key": "helpfulness", "score": score})
    return out
