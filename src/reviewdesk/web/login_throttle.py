"""Slowing password guessing: failures per (email, client address) in a sliding window.

In-process on purpose for now (no table): with several app processes each one counts on its own,
so the effective limit is MAX_FAILURES times the number of processes.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60
_MAX_KEYS = 100_000  # bounded memory under a spray of made-up emails


class LoginThrottle:
    def __init__(self, max_failures: int = MAX_FAILURES, window_seconds: float = WINDOW_SECONDS) -> None:
        self.max_failures = max_failures
        self.window_seconds = window_seconds
        self._failures: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures[key]
        while times and times[0] <= now - self.window_seconds:
            times.popleft()
        return times

    def retry_after(self, email: str, address: str) -> int:
        """Seconds until this email may try again from this address; 0 when it may now."""
        key = (email.strip().lower(), address)
        now = time.monotonic()
        with self._lock:
            times = self._recent(key, now)
            if len(times) < self.max_failures:
                return 0
            return max(1, int(times[0] + self.window_seconds - now) + 1)

    def failed(self, email: str, address: str) -> None:
        key = (email.strip().lower(), address)
        now = time.monotonic()
        with self._lock:
            if len(self._failures) > _MAX_KEYS:
                self._failures.clear()
            self._recent(key, now).append(now)

    def succeeded(self, email: str, address: str) -> None:
        with self._lock:
            self._failures.pop((email.strip().lower(), address), None)
