"""The one place services read the time, so tests and the demo can reason about 'now'."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
