"""Places app traces in time and decorates them with the metadata, tags and feedback a real deployment has."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from reviewdesk.domain.demo import invoice_extraction, ops_agent, support_rag
from reviewdesk.domain.demo.catalog import TENANTS
from reviewdesk.domain.demo.feedback_text import CORRECTNESS_NOTES, NEGATIVE_COMMENTS, POSITIVE_COMMENTS
from reviewdesk.domain.demo.models import ModelSpec, pick_model
from reviewdesk.domain.demo.spans import BuiltTrace, Quality, materialize, new_uuid
from reviewdesk.domain.demo.timing import sample_start

ERROR_RATE = 0.02
USER_RATING_RATE = 0.30
JUDGE_RATE = 0.40


@dataclass(slots=True)
class DemoTrace:
    """One trace: `runs` root first, every parent before its children; `feedback` on the root.

    Runs of one trace may share nested dicts (a chat message is one call's output and the next call's
    input), so copy before mutating.
    """

    runs: list[dict[str, Any]]
    feedback: list[dict[str, Any]]


Builder = Callable[[random.Random, ModelSpec, bool, datetime], BuiltTrace]


@dataclass(frozen=True, slots=True)
class _App:
    project: str
    weight: float
    build: Builder
    model_mix: tuple[tuple[ModelSpec, float], ...]
    beta_model_mix: tuple[tuple[ModelSpec, float], ...]
    version: str
    previous_version: str
    beta_version: str
    released_days_ago: int
    has_sessions: bool


_APPS: tuple[_App, ...] = (
    _App(
        support_rag.PROJECT,
        0.45,
        lambda rng, model, fail, start: support_rag.build_support_trace(rng, model=model, fail=fail),
        support_rag.MODEL_MIX,
        support_rag.BETA_MODEL_MIX,
        "3.8.2",
        "3.8.1",
        "3.9.0-beta.2",
        released_days_ago=5,
        has_sessions=True,
    ),
    _App(
        ops_agent.PROJECT,
        0.30,
        lambda rng, model, fail, start: ops_agent.build_ops_trace(rng, model=model, fail=fail, start=start),
        ops_agent.MODEL_MIX,
        ops_agent.BETA_MODEL_MIX,
        "1.14.0",
        "1.13.3",
        "1.15.0-rc.1",
        released_days_ago=9,
        has_sessions=True,
    ),
    _App(
        invoice_extraction.PROJECT,
        0.25,
        lambda rng, model, fail, start: invoice_extraction.build_invoice_trace(
            rng, model=model, fail=fail, start=start
        ),
        invoice_extraction.MODEL_MIX,
        invoice_extraction.BETA_MODEL_MIX,
        "0.9.4",
        "0.9.3",
        "1.0.0-beta.1",
        released_days_ago=3,
        has_sessions=False,
    ),
)

# (alpha, beta) of the eval score and the app's self-reported confidence for each quality. Hallucinations
# are confidently wrong, which is what makes them worth a human look.
_EVAL_SHAPE: dict[Quality, tuple[float, float]] = {
    "good": (9.0, 1.5),
    "weak": (4.0, 3.5),
    "hallucinated": (1.6, 5.0),
    "error": (1.1, 7.0),
}
_CONFIDENCE_SHAPE: dict[Quality, tuple[float, float]] = {
    "good": (8.0, 2.0),
    "weak": (3.0, 3.0),
    "hallucinated": (7.0, 2.2),
    "error": (1.5, 6.0),
}


@dataclass(frozen=True, slots=True)
class _User:
    user_id: str
    tenant_id: str
    in_beta: bool


@dataclass(slots=True)
class _Context:
    """What stays the same across the turns of one conversation."""

    app: _App
    user: _User
    environment: str
    session_id: str | None


@dataclass(slots=True)
class _Pending:
    """A conversation whose user will ask a follow-up once its last turn has ended."""

    context: _Context
    model: ModelSpec
    previous: BuiltTrace
    previous_end: datetime


def _users(rng: random.Random) -> list[_User]:
    return [
        _User(f"usr_{rng.getrandbits(40):010x}", rng.choice(TENANTS), in_beta=rng.random() < 0.12)
        for _ in range(80)
    ]


def generate_demo(seed: int, n_traces: int, now: datetime) -> Iterator[DemoTrace]:
    """Yields `n_traces` realistic traces over the 30 days before `now`, in no particular time order.

    Three apps, one project each: `support-rag` (retriever + chat, some two-turn sessions), `ops-agent`
    (tool-calling agent) and `invoice-extraction` (prompt → llm → parser). About 2% of traces fail, ~30%
    of roots carry a `user_rating` and ~40% a model-judged `correctness`. Deterministic: the same
    (seed, n_traces, now) gives the same output byte for byte, and a shorter run is a prefix of a longer one.
    A naive `now` is read as UTC.
    """
    now = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
    rng = random.Random(seed)
    users = _users(rng)
    weights = [app.weight for app in _APPS]
    pending: _Pending | None = None
    for _ in range(n_traces):
        trace = _next_turn(rng, pending, now) if pending is not None else None
        pending = None
        if trace is None:
            app = rng.choices(_APPS, weights)[0]
            context = _Context(
                app=app,
                user=rng.choice(users),
                environment=rng.choices(("production", "staging", "development"), (0.93, 0.05, 0.02))[0],
                session_id=new_uuid(rng) if app.has_sessions else None,
            )
            trace, pending = _first_turn(rng, context, now)
        yield trace


def _first_turn(rng: random.Random, context: _Context, now: datetime) -> tuple[DemoTrace, _Pending | None]:
    # Drawn before building so the content can mention dates; pulled back if the trace would end after now.
    start = sample_start(rng, now, duration_us=120_000_000)
    model = _model(rng, context, start, now)
    built = context.app.build(rng, model, rng.random() < ERROR_RATE, start)
    duration = timedelta(microseconds=built.root.end_us)
    start = min(start, now - duration - timedelta(seconds=1))
    trace = _emit(rng, context, built, model, start, now)
    pending = _Pending(context, model, built, start + duration) if built.followup else None
    return trace, pending


def _next_turn(rng: random.Random, pending: _Pending, now: datetime) -> DemoTrace | None:
    """The follow-up turn, or None when it would not have ended by `now`."""
    assert pending.previous.followup is not None
    start = pending.previous_end + timedelta(seconds=rng.uniform(12, 240))
    built = pending.previous.followup(rng, rng.random() < ERROR_RATE)
    if start + timedelta(microseconds=built.root.end_us) >= now:
        return None
    return _emit(rng, pending.context, built, pending.model, start, now)


def _model(rng: random.Random, context: _Context, start: datetime, now: datetime) -> ModelSpec:
    if _is_beta(context, start, now):
        return pick_model(rng, context.app.beta_model_mix)
    return pick_model(rng, context.app.model_mix)


def _is_beta(context: _Context, start: datetime, now: datetime) -> bool:
    return context.environment != "production" or (context.user.in_beta and now - start < timedelta(days=7))


def _version(context: _Context, start: datetime, now: datetime) -> str:
    app = context.app
    if _is_beta(context, start, now):
        return app.beta_version
    released = now - timedelta(days=app.released_days_ago)
    return app.version if start >= released else app.previous_version


def _emit(
    rng: random.Random, context: _Context, built: BuiltTrace, model: ModelSpec, start: datetime, now: datetime
) -> DemoTrace:
    root = built.root
    eval_score = round(rng.betavariate(*_EVAL_SHAPE[built.quality]), 3)
    root.metadata.update(
        {
            "app_version": _version(context, start, now),
            "environment": context.environment,
            "user_id": context.user.user_id,
            "tenant_id": context.user.tenant_id,
            "eval_score": eval_score,
            "confidence": round(rng.betavariate(*_CONFIDENCE_SHAPE[built.quality]), 3),
        }
    )
    root.tags = [context.environment, context.app.project, model.name]
    if _is_beta(context, start, now):
        root.tags.append("beta")
    runs = materialize(root, rng, start=start, project=context.app.project, session_id=context.session_id)
    ended = start + timedelta(microseconds=root.end_us)
    return DemoTrace(runs=runs, feedback=_feedback(rng, runs[0]["id"], built.quality, eval_score, ended, now))


def _feedback(
    rng: random.Random, root_id: str, quality: Quality, eval_score: float, ended: datetime, now: datetime
) -> list[dict[str, Any]]:
    feedback = []
    if rng.random() < USER_RATING_RATE:
        # Unhappy users are the ones whose answers a judge also scores low.
        negative = rng.random() < 0.07 + 1.1 * (1 - eval_score) ** 2
        comments = NEGATIVE_COMMENTS if negative else POSITIVE_COMMENTS
        comment = rng.choice(comments) if rng.random() < (0.6 if negative else 0.2) else None
        delay = math.exp(rng.gauss(math.log(45), 1.3))
        feedback.append(
            {
                "run_id": root_id,
                "key": "user_rating",
                "score": 0.0 if negative else 1.0,
                "value": "negative" if negative else "positive",
                "comment": comment,
                "source": "user",
                "created_at": _after(ended, delay, now),
            }
        )
    if quality != "error" and rng.random() < JUDGE_RATE:
        score = round(min(1.0, max(0.0, eval_score + rng.gauss(0.0, 0.07))), 2)
        feedback.append(
            {
                "run_id": root_id,
                "key": "correctness",
                "score": score,
                "value": None,
                "comment": rng.choice(CORRECTNESS_NOTES[quality]) if rng.random() < 0.7 else None,
                "source": "model",
                "created_at": _after(ended, rng.uniform(20, 900), now),
            }
        )
    return feedback


def _after(ended: datetime, delay_seconds: float, now: datetime) -> str:
    """A moment `delay_seconds` after the trace ended, kept before `now`."""
    room = (now - ended).total_seconds()
    delay = min(delay_seconds, room / 2)
    return (ended + timedelta(seconds=delay)).isoformat(timespec="microseconds")
