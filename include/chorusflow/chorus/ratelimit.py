"""Client-side request pacing shared by every thread using one Chorus Pro client."""

from __future__ import annotations

import threading
import time


class RateLimiter:
    """Token bucket of capacity one: at most ``per_second`` requests per second, evenly spaced.

    No burst is allowed, so N calls take at least ``(N - 1) / per_second`` seconds. Thread-safe:
    each caller reserves its slot under the lock and sleeps outside it.
    """

    def __init__(self, per_second: float) -> None:
        if per_second <= 0:
            raise ValueError("per_second must be positive")
        self.interval = 1.0 / per_second
        self._next_slot = 0.0
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Wait for the next free slot; return the seconds waited."""
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next_slot)
            self._next_slot = slot + self.interval
        delay = slot - now
        if delay > 0:
            time.sleep(delay)
        return delay
