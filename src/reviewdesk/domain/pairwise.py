"""Pairwise outcomes: win rates per variant and how often the side shown first won (position bias)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any


def canonical_winner(answer: str, shown_order: str | None) -> str:
    """Reviewers answer in shown terms (A = the left side); map back to the item's run A / run B."""
    if shown_order == "BA" and answer in ("A", "B"):
        return "B" if answer == "A" else "A"
    return answer


def variant_of(run: Mapping[str, Any] | None, field: str | None) -> str:
    """Read a dotted field such as `metadata.model` off a run; unknown when missing."""
    if run is None or not field:
        return "unknown"
    node: Any = run
    for part in field.split("."):
        node = node.get(part) if isinstance(node, Mapping) else None
        if node is None:
            return "unknown"
    return str(node)


def summarize(outcomes: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """outcomes: {answer, shown_order, variant_a, variant_b}. Ties count half a win to each side."""
    wins: dict[str, float] = defaultdict(float)
    games: dict[str, int] = defaultdict(int)
    left_won = decided = total = 0
    counts: dict[str, int] = defaultdict(int)
    for outcome in outcomes:
        total += 1
        answer = outcome["answer"]
        counts[answer] += 1
        a, b = outcome["variant_a"], outcome["variant_b"]
        games[a] += 1
        games[b] += 1
        winner = canonical_winner(answer, outcome.get("shown_order"))
        if winner == "A":
            wins[a] += 1
        elif winner == "B":
            wins[b] += 1
        elif winner == "tie":
            wins[a] += 0.5
            wins[b] += 0.5
        if answer in ("A", "B"):
            decided += 1
            left_won += answer == "A"
    return {
        "reviews": total,
        "answers": dict(counts),
        "win_rates": {
            v: {"wins": wins[v], "comparisons": games[v], "win_rate": wins[v] / games[v]}
            for v in sorted(games)
        },
        "position_bias": {
            "decided": decided,
            "left_won": left_won,
            "left_win_rate": left_won / decided if decided else None,
        },
    }
