"""Routing decisions: deterministic sampling and which matches a rule's daily cap still allows."""

from __future__ import annotations

import hashlib
import uuid


def sampled(run_id: uuid.UUID, rule_id: uuid.UUID, rate: float) -> bool:
    """hash(run id, rule id) < rate: the same runs are picked on every replay, independently per rule."""
    if rate >= 1.0:
        return True
    if rate <= 0.0:
        return False
    digest = hashlib.sha256(f"{rule_id}:{run_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rate


def allowed_today(daily_cap: int | None, matched_today: int) -> int | None:
    """How many more runs the rule may route today; None means no cap."""
    if daily_cap is None:
        return None
    return max(daily_cap - matched_today, 0)
