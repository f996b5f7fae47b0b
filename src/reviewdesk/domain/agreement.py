"""Inter-annotator agreement, done the way the literature does it: percent agreement beside a
chance-corrected figure — Cohen's κ (2 raters; quadratic-weighted for ordinal and interval data),
Fleiss' κ (a fixed number of raters) and Krippendorff's α (any number of raters per item, missing
ratings allowed). Written out here (a few dozen lines) rather than pulling in scipy/sklearn."""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

Level = str  # "nominal" | "ordinal" | "interval"


def percent_agreement(units: Sequence[Sequence[Hashable]]) -> float | None:
    """The share of agreeing rater pairs, over all pairs within each item (items with ≥ 2 ratings)."""
    agree = total = 0
    for values in units:
        for a, b in itertools.combinations(values, 2):
            total += 1
            agree += a == b
    return agree / total if total else None


def cohen_kappa(
    pairs: Sequence[tuple[Any, Any]], categories: Sequence[Any] | None = None, weights: str | None = None
) -> float | None:
    """κ for two raters. `weights="quadratic"` for ordered categories (categories in their order)."""
    if not pairs:
        return None
    cats = list(categories) if categories is not None else sorted({v for p in pairs for v in p}, key=str)
    index = {c: i for i, c in enumerate(cats)}
    k = len(cats)
    if k < 2:
        return None
    observed = [[0.0] * k for _ in range(k)]
    for a, b in pairs:
        observed[index[a]][index[b]] += 1
    n = len(pairs)
    rows = [sum(observed[i]) / n for i in range(k)]
    cols = [sum(observed[i][j] for i in range(k)) / n for j in range(k)]

    def weight(i: int, j: int) -> float:
        if weights == "quadratic":
            return (i - j) ** 2 / (k - 1) ** 2
        return 0.0 if i == j else 1.0

    disagreement = sum(weight(i, j) * observed[i][j] / n for i in range(k) for j in range(k))
    expected = sum(weight(i, j) * rows[i] * cols[j] for i in range(k) for j in range(k))
    if expected == 0:
        return 1.0 if disagreement == 0 else None
    return 1 - disagreement / expected


def fleiss_kappa(units: Sequence[Sequence[Hashable]]) -> float | None:
    """κ for items that all have the same number (≥ 2) of ratings; None otherwise."""
    sizes = {len(u) for u in units}
    if not units or len(sizes) != 1 or (raters := sizes.pop()) < 2:
        return None
    counts = [Counter(u) for u in units]
    categories = {c for count in counts for c in count}
    n_items = len(units)
    p_items = [(sum(v * v for v in count.values()) - raters) / (raters * (raters - 1)) for count in counts]
    p_bar = sum(p_items) / n_items
    p_cat = [sum(count[c] for count in counts) / (n_items * raters) for c in categories]
    p_e = sum(p * p for p in p_cat)
    if p_e == 1:
        return 1.0 if p_bar == 1 else None
    return (p_bar - p_e) / (1 - p_e)


def krippendorff_alpha(
    units: Sequence[Sequence[Any]], level: Level = "nominal", order: Sequence[Any] | None = None
) -> float | None:
    """α from the coincidence matrix; units with fewer than 2 ratings do not count (as α defines).
    `order` ranks the values for the ordinal level (defaults to sorted values)."""
    coincidences: dict[tuple[Any, Any], float] = defaultdict(float)
    for values in units:
        m = len(values)
        if m < 2:
            continue
        for i, j in itertools.permutations(range(m), 2):
            coincidences[(values[i], values[j])] += 1 / (m - 1)
    if not coincidences:
        return None
    totals: dict[Any, float] = defaultdict(float)
    for (c, _k), weight in coincidences.items():
        totals[c] += weight
    n = sum(totals.values())
    values = list(totals)
    delta = _distance(level, values, totals, order)
    observed = sum(w * delta(c, k) for (c, k), w in coincidences.items())
    expected = sum(totals[c] * totals[k] * delta(c, k) for c in values for k in values)
    if expected == 0:
        return 1.0 if observed == 0 else None
    return 1 - (n - 1) * observed / expected


def _distance(level: Level, values: list[Any], totals: Mapping[Any, float], order: Sequence[Any] | None):  # type: ignore[no-untyped-def]
    if level == "interval":
        return lambda c, k: (float(c) - float(k)) ** 2
    if level == "ordinal":
        ranked = [v for v in (order or sorted(values, key=str)) if v in totals]
        position = {v: i for i, v in enumerate(ranked)}

        def ordinal(c: Any, k: Any) -> float:
            low, high = sorted((position[c], position[k]))
            between = sum(totals[ranked[g]] for g in range(low, high + 1))
            return (between - (totals[c] + totals[k]) / 2) ** 2

        return ordinal
    return lambda c, k: 0.0 if c == k else 1.0


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
