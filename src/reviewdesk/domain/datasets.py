"""Dataset rules: examples built from reviewed runs (a correction wins), deterministic splits."""

from __future__ import annotations

import hashlib
import math
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from reviewdesk.errors import Invalid

SPLIT_NAME_MAX = 50


def check_proportions(raw: Any, field: str = "split_proportions") -> list[tuple[str, float]]:
    """{"train": 0.8, "test": 0.2} → sorted pairs summing to 1."""
    if not isinstance(raw, dict) or not raw:
        raise Invalid('must be an object such as {"train": 0.8, "test": 0.2}', field=field)
    pairs = []
    for name, share in raw.items():
        if not isinstance(name, str) or not name or len(name) > SPLIT_NAME_MAX:
            raise Invalid("split names are non-empty strings", field=field)
        if isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share <= 1:
            raise Invalid(f"the share of {name!r} must be a number from 0 to 1", field=field)
        pairs.append((name, float(share)))
    if not math.isclose(sum(s for _, s in pairs), 1.0, abs_tol=1e-6):
        raise Invalid("the shares must add up to 1", field=field)
    return sorted(pairs)


def assign_split(key: str, proportions: Sequence[tuple[str, float]]) -> str:
    """The same key always lands in the same split, so re-running never shuffles examples."""
    point = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") / 2**64
    cumulative = 0.0
    for name, share in proportions:
        cumulative += share
        if point < cumulative:
            return name
    return proportions[-1][0]


def latest_correction(feedback: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The newest human correction on a run, if a reviewer left one."""
    corrected = [f for f in feedback if f.get("correction") is not None and f.get("source") == "human"]
    return max(corrected, key=lambda f: f["created_at"]) if corrected else None


GOLD_RULES = ("latest", "majority", "adjudicated")


def check_gold_rule(raw: Any) -> str:
    rule = "latest" if raw is None else raw
    if rule not in GOLD_RULES:
        raise Invalid(f"must be one of {', '.join(GOLD_RULES)}", field="gold")
    return rule


def _answer(row: Mapping[str, Any]) -> Any:
    return row["value"] if row.get("value") is not None else row.get("score")


def gold_values(human: Sequence[Mapping[str, Any]], rule: str = "latest") -> dict[str, Any]:
    """The value each key takes in an example: the newest human answer (`latest`), the most common
    one among reviewers, the newest breaking a tie (`majority`), or an adjudicator's final value where
    there is one, else the majority (`adjudicated`)."""
    by_key: dict[str, list[Mapping[str, Any]]] = {}
    for row in sorted(human, key=lambda f: (f["created_at"], str(f.get("id")))):
        by_key.setdefault(row["key"], []).append(row)
    out: dict[str, Any] = {}
    for key, rows in by_key.items():
        adjudicated = [r for r in rows if (r.get("extra") or {}).get("adjudicated")]
        reviews = [r for r in rows if not (r.get("extra") or {}).get("adjudicated")]
        if rule == "latest":
            out[key] = _answer(rows[-1])
        elif rule == "adjudicated" and adjudicated:
            out[key] = _answer(adjudicated[-1])
        else:
            values = [_answer(r) for r in reviews] or [_answer(r) for r in rows]
            counts = Counter(repr(v) for v in values)
            best = max(counts.values())
            out[key] = next(v for v in reversed(values) if counts[repr(v)] == best)
    return out


def example_from_run(
    run: Mapping[str, Any], feedback: Sequence[Mapping[str, Any]], gold: str = "latest"
) -> dict[str, Any]:
    """inputs, outputs (the correction when there is one) and provenance metadata for one run; each
    feedback key's value chosen by the `gold` rule."""
    correction = latest_correction(feedback)
    outputs = run.get("outputs")
    if correction is not None:
        fixed = correction["correction"]
        outputs = fixed if isinstance(fixed, dict) else {"output": fixed}
    human = [f for f in feedback if f.get("source") == "human"]
    provenance: dict[str, Any] = {
        "source_run_id": str(run["id"]),
        "source_trace_id": str(run["trace_id"]) if run.get("trace_id") else None,
        "project": run.get("project"),
        "corrected": correction is not None,
        "reviewers": sorted({str(f["created_by"]) for f in human if f.get("created_by")}),
        "queues": sorted({str(f["queue_id"]) for f in human if f.get("queue_id")}),
        "rubric_versions": sorted(
            {f["rubric_version"] for f in human if f.get("rubric_version") is not None}
        ),
        "feedback": gold_values(human, gold),
        "gold": gold,
        "adjudicated": any((f.get("extra") or {}).get("adjudicated") for f in human),
    }
    if correction is not None:
        provenance["corrected_by"] = str(correction["created_by"]) if correction.get("created_by") else None
    return {
        "inputs": run.get("inputs"),
        "outputs": outputs,
        "metadata": provenance,
        "source_run_id": run["id"],
    }


def split_key(dataset_id: uuid.UUID, example: Mapping[str, Any]) -> str:
    source = example.get("source_run_id") or example["id"]
    return f"{dataset_id}:{source}"
