"""Latency and wall-clock sampling: long-tailed durations and a working-hours traffic rhythm."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta

from reviewdesk.domain.demo.models import ModelSpec

WINDOW = timedelta(days=30)

# Relative traffic by UTC hour: Europe's working day with the US afternoon overlapping it.
_HOURLY = (
    0.14, 0.10, 0.08, 0.07, 0.09, 0.16, 0.30, 0.55, 0.85, 1.00, 1.00, 0.96,
    0.88, 0.95, 1.00, 1.00, 0.92, 0.80, 0.62, 0.50, 0.42, 0.34, 0.26, 0.19,
)  # fmt: skip
_WEEKEND = 0.45


def lognormal_us(rng: random.Random, median_ms: float, sigma: float) -> int:
    return max(1000, int(median_ms * 1000 * math.exp(rng.gauss(0.0, sigma))))


def gap_us(rng: random.Random) -> int:
    """Framework overhead between two steps of a chain: a few milliseconds."""
    return rng.randrange(800, 12_000)


def llm_duration_us(rng: random.Random, model: ModelSpec, prompt_tokens: int, completion_tokens: int) -> int:
    first_token_ms = (280 + prompt_tokens * 0.08) * math.exp(rng.gauss(0.0, 0.45))
    speed = model.tokens_per_second * math.exp(rng.gauss(0.0, 0.25))
    total_ms = first_token_ms + completion_tokens / speed * 1000
    roll = rng.random()
    if roll < 0.012:
        # Provider queueing or a silent retry: the source of the 10 s+ tail.
        total_ms += rng.uniform(7_000, 42_000)
    elif roll < 0.05:
        total_ms += rng.uniform(1_500, 6_000)
    return int(total_ms * 1000)


def sample_start(rng: random.Random, now: datetime, duration_us: int) -> datetime:
    """A start time in the 30 days before `now`, following the daily rhythm, ending before `now`."""
    window_us = int(WINDOW.total_seconds() * 1_000_000)
    margin_us = duration_us + 1_000_000
    while True:
        back_us = rng.randrange(margin_us, window_us)
        start = now - timedelta(microseconds=back_us)
        weight = _HOURLY[start.hour] * (_WEEKEND if start.weekday() >= 5 else 1.0)
        if rng.random() < weight:
            return start
