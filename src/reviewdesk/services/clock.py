"""The one place services read the time, so tests and the demo can reason about 'now'."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

_SET_TO: ContextVar[datetime | None] = ContextVar("reviewdesk_clock", default=None)


def utcnow() -> datetime:
    return _SET_TO.get() or datetime.now(UTC)


@contextmanager
def set_to(moment: datetime) -> Iterator[None]:
    """Services called inside read `moment` as now (in this thread or task only): the demo replays a
    month of work at the times it happened, through the ordinary services."""
    if moment.tzinfo is None:
        raise ValueError("the clock is set to an aware UTC time")
    token = _SET_TO.set(moment.astimezone(UTC))
    try:
        yield
    finally:
        _SET_TO.reset(token)
