"""A calibration session's verdict per field: how disputed each item is, how far each reviewer sits
from the consensus of the others, and whether the field breaks the session's thresholds."""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Mapping, Sequence
from typing import Any

MOST_DISPUTED = 5


def item_disagreement(ratings: Mapping[str, Any]) -> float:
    """The share of disagreeing reviewer pairs on one item."""
    pairs = list(itertools.combinations(ratings.values(), 2))
    return sum(a != b for a, b in pairs) / len(pairs) if pairs else 0.0


def most_disputed(by_item: Mapping[Any, Mapping[str, Any]], limit: int = MOST_DISPUTED) -> list[dict]:
    scored = [
        {"run_id": run_id, "disagreement": item_disagreement(r), "ratings": dict(r)}
        for run_id, r in by_item.items()
        if len(r) >= 2
    ]
    scored = [s for s in scored if s["disagreement"] > 0]
    scored.sort(key=lambda s: (-s["disagreement"], str(s["run_id"])))
    return scored[:limit]


def _position(level: str, scale: Sequence[Any] | None, value: Any) -> float | None:
    if level == "interval":
        return float(value)
    if level == "ordinal" and scale:
        return float(list(scale).index(value)) if value in scale else None
    return None


def reviewer_distances(
    by_item: Mapping[Any, Mapping[str, Any]], level: str, scale: Sequence[Any] | None, span: float | None
) -> list[dict[str, Any]]:
    """Per reviewer, the mean distance (0 = always with the others, 1 = as far as it goes) from the
    other reviewers: for nominal fields the share of them who gave another value, otherwise the
    distance from their median over the scale's width."""
    distances: dict[str, list[float]] = {}
    for ratings in by_item.values():
        for reviewer, value in ratings.items():
            others = [v for r, v in ratings.items() if r != reviewer]
            if not others:
                continue
            mine = _position(level, scale, value)
            theirs = [_position(level, scale, v) for v in others]
            if mine is not None and all(t is not None for t in theirs) and level != "nominal":
                width = span if level == "interval" else max(len(scale or []) - 1, 1)
                median = statistics.median(theirs)  # type: ignore[type-var]
                distances.setdefault(reviewer, []).append(min(abs(mine - median) / (width or 1), 1.0))
                continue
            # Nominal: the share of the other reviewers who gave another value.
            distances.setdefault(reviewer, []).append(sum(v != value for v in others) / len(others))
    return [
        {"reviewer": reviewer, "items": len(d), "distance_from_consensus": sum(d) / len(d)}
        for reviewer, d in sorted(distances.items())
    ]


def field_alert(
    percent_agreement: float | None, alpha: float | None, max_disagreement: float, min_alpha: float
) -> list[str]:
    """Why the field alerts (empty: it does not). An undefined α (all identical) raises nothing."""
    reasons = []
    if percent_agreement is not None and 1 - percent_agreement > max_disagreement:
        reasons.append(f"disagreement {1 - percent_agreement:.0%} is over {max_disagreement:.0%}")
    if alpha is not None and alpha < min_alpha:
        reasons.append(f"Krippendorff's α {alpha:.2f} is under {min_alpha:.3g}")
    return reasons
