"""Consensus among reviews, and how a reviewer's answers compare with it and with gold answers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

CONTINUOUS_TOLERANCE = 0.1  # a continuous answer within 10% of the scale's range of gold counts as right


def _hashable(value: Any) -> Any:
    return repr(value) if isinstance(value, dict | list) else value


def majority(values: Sequence[Any]) -> Any | None:
    """The most common value; None when there is none or the top is tied."""
    if not values:
        return None
    counts = Counter(_hashable(v) for v in values).most_common()
    if len(counts) > 1 and counts[0][1] == counts[1][1]:
        return None
    top = counts[0][0]
    return next(v for v in values if _hashable(v) == top)


def matches(config: Mapping[str, Any] | None, given: Any, expected: Any) -> bool:
    """Whether an answer counts as the expected one: equal, or for a continuous field close enough."""
    if (config or {}).get("type") == "continuous":
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (given, expected)):
            return False
        span = float(config["max"]) - float(config["min"])  # type: ignore[index]
        return abs(float(given) - float(expected)) <= CONTINUOUS_TOLERANCE * span
    return given == expected


def disagreeing_fields(answer_sets: Iterable[Mapping[str, Any]]) -> list[str]:
    """Fields on which reviews of one item gave more than one value (ignoring unanswered ones)."""
    seen: dict[str, set[Any]] = {}
    for answers in answer_sets:
        for key, value in (answers or {}).items():
            if value is not None:
                seen.setdefault(key, set()).add(_hashable(value))
    return sorted(k for k, values in seen.items() if len(values) > 1)


def majority_answers(answer_sets: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Per field, the majority value of the reviews (fields without one are left out)."""
    keys = sorted({k for answers in answer_sets for k in (answers or {})})
    out = {}
    for key in keys:
        winner = majority([a[key] for a in answer_sets if a and a.get(key) is not None])
        if winner is not None:
            out[key] = winner
    return out


def consensus_tally(
    config: Mapping[str, Any] | None, by_item: Mapping[Any, Mapping[Any, Any]]
) -> dict[Any, list[int]]:
    """Per rater, [answers equal to the strict majority of the item's answers, answers compared] over
    the items two or more rated (with no majority, an answer does not count as agreeing)."""
    tally: dict[Any, list[int]] = {}
    for ratings in by_item.values():
        if len(ratings) < 2:
            continue
        consensus = majority(list(ratings.values()))
        for rater, value in ratings.items():
            counts = tally.setdefault(rater, [0, 0])
            counts[0] += consensus is not None and matches(config, value, consensus)
            counts[1] += 1
    return tally
