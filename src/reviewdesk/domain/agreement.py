"""Inter-annotator agreement as the literature defines it: percent agreement beside chance-corrected
figures — Krippendorff's α (any number of raters per item, missing ratings allowed), Cohen's κ (two
raters) and Fleiss' κ (nominal, a fixed number of raters) — at the measurement level the score config
declares (nominal, ordinal, interval), with seeded bootstrap intervals that resample items.

A figure that the data cannot define (one item, every rating the same) is an `Estimate` whose value
is None and whose `reason` says why; it is never reported as a perfect 1.0."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

Level = str  # "nominal" | "ordinal" | "interval"
LEVELS = ("nominal", "ordinal", "interval")
BOOTSTRAP_REPLICATES = 1000
# Replicates × distinct rating patterns per bootstrap, bounded (never under MIN_REPLICATES).
BOOTSTRAP_BUDGET = 2_000_000
MIN_REPLICATES = 100
MULTINOMIAL_PATTERNS = 2000

FEWER_THAN_2_ITEMS = "fewer than 2 items rated by 2 or more reviewers"
FEWER_THAN_2_PAIRS = "fewer than 2 items rated by both reviewers"
ALL_IDENTICAL = "all ratings identical"
NO_PAIRS = "no item has 2 or more ratings"


@dataclass(frozen=True)
class Estimate:
    value: float | None
    reason: str | None = None
    interval: tuple[float, float] | None = None


def undefined(reason: str) -> Estimate:
    return Estimate(None, reason)


def percent_agreement(units: Sequence[Sequence[Hashable]]) -> Estimate:
    """The share of agreeing rater pairs over all pairs within each item (items with ≥ 2 ratings):
    an item rated a, a, b counts 1 agreeing pair out of 3."""
    agree = total = 0
    for values in units:
        for a, b in itertools.combinations(values, 2):
            total += 1
            agree += a == b
    return Estimate(agree / total) if total else undefined(NO_PAIRS)


def all_agree_share(units: Sequence[Sequence[Hashable]]) -> Estimate:
    """The share of items (with ≥ 2 ratings) on which every rating is the same."""
    rated = [u for u in units if len(u) >= 2]
    if not rated:
        return undefined(NO_PAIRS)
    return Estimate(sum(len(set(u)) == 1 for u in rated) / len(rated))


def ranked_values(values: Sequence[Any], order: Sequence[Any] | None) -> list[Any]:
    """The scale's values in order: the config's options (if given) first, then any other value seen
    (a value given under an older config), sorted."""
    known = list(order or [])
    listed = set(known)
    return known + sorted({v for v in values if v not in listed}, key=_sort_key)


def _sort_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (0, float(value))
    return (1, str(value))


def _interval(samples: np.ndarray) -> tuple[float, float] | None:
    defined = samples[~np.isnan(samples)]
    if len(defined) < len(samples) / 2:
        return None  # most resamples were undefined: no honest interval
    low, high = np.percentile(defined, [2.5, 97.5])
    return float(low), float(high)


def _resample(counts: np.ndarray, patterns: np.ndarray, replicates: int, seed: int) -> np.ndarray:
    """Bootstrap sums of item contributions. Items with the same contribution (the same ratings) are
    interchangeable, so drawing n items with replacement is drawing how many of each distinct pattern:
    one multinomial over the patterns (replicates × patterns) times the patterns — exact, and as fast
    for a million items as for ten."""
    rng = np.random.default_rng(seed)
    n = int(counts.sum())
    # Many distinct patterns (continuous scores) make each draw wide: bound replicates × patterns.
    replicates = max(MIN_REPLICATES, min(replicates, BOOTSTRAP_BUDGET // len(counts)))
    if len(counts) > MULTINOMIAL_PATTERNS:
        # Thousands of distinct patterns (continuous scores, large queues): the Poisson bootstrap,
        # each item drawn Poisson(1) times, which the multinomial approaches as items grow.
        draws = rng.poisson(counts, size=(replicates, len(counts))).astype(float)
    else:
        draws = rng.multinomial(n, counts / n, size=replicates).astype(float)
    return draws @ patterns


# --- Krippendorff's α ---------------------------------------------------------------------------


def _delta(level: Level, scale: list[Any], totals: np.ndarray) -> np.ndarray:
    """Squared distances between scale values; for ordinal ones they depend on the marginals, so
    `totals` is (replicates × values) and the result (replicates × values × values)."""
    v = len(scale)
    if level == "interval":
        x = np.array([float(s) for s in scale])
        return np.broadcast_to((x[:, None] - x[None, :]) ** 2, (totals.shape[0], v, v))
    if level == "ordinal":
        cum = np.cumsum(totals, axis=1)
        before = np.concatenate([np.zeros((totals.shape[0], 1)), cum[:, :-1]], axis=1)
        low = np.minimum.outer(np.arange(v), np.arange(v))
        high = np.maximum.outer(np.arange(v), np.arange(v))
        between = cum[:, high] - before[:, low]
        return (between - (totals[:, :, None] + totals[:, None, :]) / 2) ** 2
    return np.broadcast_to(1.0 - np.eye(v), (totals.shape[0], v, v))


def _alpha_from(coincidences: np.ndarray, level: Level, scale: list[Any]) -> np.ndarray:
    """α for each (replicates × values × values) coincidence matrix; NaN where undefined."""
    totals = coincidences.sum(axis=2)
    n = totals.sum(axis=1)
    delta = _delta(level, scale, totals)
    observed = (coincidences * delta).sum(axis=(1, 2))
    expected = (totals[:, :, None] * totals[:, None, :] * delta).sum(axis=(1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = 1 - (n - 1) * observed / expected
    return np.where(expected > 1e-12 * np.maximum(n, 1) ** 2, alpha, np.nan)


def krippendorff_alpha(
    units: Sequence[Sequence[Any]],
    level: Level = "nominal",
    order: Sequence[Any] | None = None,
    *,
    bootstrap: int = 0,
    seed: int = 0,
) -> Estimate:
    """α from the coincidence matrix; items with fewer than 2 ratings do not count (as α defines).
    `order` ranks the values for the ordinal level (the config's options)."""
    pairable = [list(u) for u in units if len(u) >= 2]
    if len(pairable) < 2:
        return undefined(FEWER_THAN_2_ITEMS)
    if level == "interval":
        return _interval_alpha(pairable, bootstrap, seed)
    scale = ranked_values([v for u in pairable for v in u], order if level == "ordinal" else None)
    position = {value: i for i, value in enumerate(scale)}
    v = len(scale)
    # Items with the same multiset of ratings contribute the same coincidences: count them once.
    groups = Counter(tuple(sorted(position[x] for x in u)) for u in pairable)
    patterns = np.zeros((len(groups), v * v))
    for row, ranks in enumerate(groups):
        m = len(ranks)
        for i, j in itertools.permutations(range(m), 2):
            patterns[row, ranks[i] * v + ranks[j]] += 1 / (m - 1)
    counts = np.array(list(groups.values()), dtype=float)
    value = float(_alpha_from((counts @ patterns).reshape(1, v, v), level, scale)[0])
    if math.isnan(value):
        return undefined(ALL_IDENTICAL)
    interval = None
    if bootstrap:
        resampled = _resample(counts, patterns, bootstrap, seed).reshape(-1, v, v)
        interval = _interval(_alpha_from(resampled, level, scale))
    return Estimate(value, None, interval)


def _interval_alpha(pairable: list[list[Any]], bootstrap: int, seed: int) -> Estimate:
    """Interval α from per-item sums, never a values × values matrix (continuous scores may take
    thousands of distinct values): with n pairable values, S1 = Σx, S2 = Σx² and the observed
    disagreement D = Σ_items Σ_{i≠j} (x_i − x_j)² / (m − 1), α = 1 − (n − 1)·D / (2n·S2 − 2·S1²)."""
    groups = Counter(tuple(sorted(float(x) for x in u)) for u in pairable)
    rows = []
    for values in groups:
        m, s1, s2 = len(values), sum(values), sum(x * x for x in values)
        rows.append((m, s1, s2, (2 * m * s2 - 2 * s1 * s1) / (m - 1)))
    stats = np.array(rows, dtype=float)
    counts = np.array(list(groups.values()), dtype=float)

    def alpha(sums: np.ndarray) -> np.ndarray:
        n, s1, s2, d = sums.T
        expected = 2 * n * s2 - 2 * s1 * s1
        with np.errstate(divide="ignore", invalid="ignore"):
            value = 1 - (n - 1) * d / expected
        return np.where(expected > 1e-12 * np.maximum(n * s2, 1), value, np.nan)

    value = float(alpha((counts @ stats)[None])[0])
    if math.isnan(value):
        return undefined(ALL_IDENTICAL)
    interval = _interval(alpha(_resample(counts, stats, bootstrap, seed))) if bootstrap else None
    return Estimate(value, None, interval)


# --- Cohen's κ ----------------------------------------------------------------------------------


def _kappa_from(confusion: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted κ for each (replicates × k × k) confusion matrix; NaN where undefined."""
    n = confusion.sum(axis=(1, 2))
    rows = confusion.sum(axis=2) / n[:, None]
    cols = confusion.sum(axis=1) / n[:, None]
    observed = (confusion * weights).sum(axis=(1, 2)) / n
    expected = (rows[:, :, None] * cols[:, None, :] * weights).sum(axis=(1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        kappa = 1 - observed / expected
    return np.where(expected > 1e-12, kappa, np.nan)


def kappa_weights(level: Level, scale: list[Any]) -> np.ndarray:
    """Disagreement weights: 0/1 for nominal; squared distance of ranks for ordinal (quadratic κ);
    squared distance of the values themselves for interval."""
    k = len(scale)
    if level == "interval":
        x = np.array([float(s) for s in scale])
        return (x[:, None] - x[None, :]) ** 2
    if level == "ordinal":
        r = np.arange(k, dtype=float)
        return (r[:, None] - r[None, :]) ** 2
    return 1.0 - np.eye(k)


def cohen_kappa(
    pairs: Sequence[tuple[Any, Any]],
    level: Level = "nominal",
    order: Sequence[Any] | None = None,
    *,
    bootstrap: int = 0,
    seed: int = 0,
) -> Estimate:
    """κ for two raters over the items both rated, weighted by the measurement level."""
    if len(pairs) < 2:
        return undefined(FEWER_THAN_2_PAIRS)
    if level == "interval":
        return _interval_kappa(pairs, bootstrap, seed)
    scale = ranked_values([v for p in pairs for v in p], order if level == "ordinal" else None)
    position = {value: i for i, value in enumerate(scale)}
    k = len(scale)
    groups = Counter(position[a] * k + position[b] for a, b in pairs)
    patterns = np.zeros((len(groups), k * k))
    for row, cell in enumerate(groups):
        patterns[row, cell] = 1
    counts = np.array(list(groups.values()), dtype=float)
    weights = kappa_weights(level, scale)
    value = float(_kappa_from((counts @ patterns).reshape(1, k, k), weights)[0])
    if math.isnan(value):
        return undefined(ALL_IDENTICAL)
    interval = None
    if bootstrap:
        resampled = _resample(counts, patterns, bootstrap, seed).reshape(-1, k, k)
        interval = _interval(_kappa_from(resampled, weights))
    return Estimate(value, None, interval)


def _interval_kappa(pairs: Sequence[tuple[Any, Any]], bootstrap: int, seed: int) -> Estimate:
    """κ weighted by squared differences of the values, from per-pair sums: observed mean (a − b)²
    over expected mean of (a − b)² with a and b drawn independently from each rater's marginal."""
    groups = Counter((float(a), float(b)) for a, b in pairs)
    stats = np.array([(1, a, b, a * a, b * b, (a - b) ** 2) for a, b in groups])
    counts = np.array(list(groups.values()), dtype=float)

    def kappa(sums: np.ndarray) -> np.ndarray:
        n, sa_, sb, saa, sbb, sd = sums.T
        expected = (saa / n) + (sbb / n) - 2 * (sa_ / n) * (sb / n)
        with np.errstate(divide="ignore", invalid="ignore"):
            value = 1 - (sd / n) / expected
        return np.where(expected > 1e-12, value, np.nan)

    value = float(kappa((counts @ stats)[None])[0])
    if math.isnan(value):
        return undefined(ALL_IDENTICAL)
    interval = _interval(kappa(_resample(counts, stats, bootstrap, seed))) if bootstrap else None
    return Estimate(value, None, interval)


# --- Fleiss' κ ----------------------------------------------------------------------------------


def fleiss_kappa(units: Sequence[Sequence[Hashable]]) -> Estimate:
    """Nominal κ for items that all have the same number (≥ 2) of ratings."""
    rated = [u for u in units if len(u) >= 2]
    if len(rated) < 2:
        return undefined(FEWER_THAN_2_ITEMS)
    sizes = {len(u) for u in rated}
    if len(sizes) != 1:
        return undefined("items have different numbers of ratings")
    raters = sizes.pop()
    counts = [Counter(u) for u in rated]
    categories = {c for count in counts for c in count}
    n_items = len(rated)
    p_items = [(sum(v * v for v in count.values()) - raters) / (raters * (raters - 1)) for count in counts]
    p_bar = sum(p_items) / n_items
    p_cat = [sum(count[c] for count in counts) / (n_items * raters) for c in categories]
    p_e = sum(p * p for p in p_cat)
    if p_e >= 1 - 1e-12:
        return undefined(ALL_IDENTICAL)
    return Estimate((p_bar - p_e) / (1 - p_e))


# --- correlation (human vs model on continuous scores) ------------------------------------------


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    n = len(xs)
    if n < 2:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    return sxy / math.sqrt(sxx * syy) if sxx and syy else None


def _ranks(values: Sequence[float]) -> list[float]:
    ordered = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and values[ordered[j + 1]] == values[ordered[i]]:
            j += 1
        for t in range(i, j + 1):
            ranks[ordered[t]] = (i + j) / 2 + 1  # ties share their mean rank
        i = j + 1
    return ranks


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    return pearson(_ranks(xs), _ranks(ys)) if len(xs) >= 2 else None
