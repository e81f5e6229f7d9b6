"""Client-side request pacing: per client (all its threads), or per machine (all its processes)."""

from __future__ import annotations

import fcntl
import threading
import time
from pathlib import Path


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


class SharedRateLimiter:
    """The same pacing shared by every process of one machine, through a locked file.

    Several Airflow tasks (LocalExecutor: one process each) call Chorus Pro at once; a per-process
    limit would have to be divided by the pool size and would waste the quota whenever fewer tasks
    run. Here every process reserves its slot in one file (``next free slot`` as a wall-clock time)
    under an exclusive ``flock``, then sleeps outside the lock. Processes on other machines do not
    share it: there, the in-client handling of HTTP 429 still keeps a 429 from failing a task.
    """

    def __init__(self, per_second: float, path: Path) -> None:
        if per_second <= 0:
            raise ValueError("per_second must be positive")
        self.interval = 1.0 / per_second
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Wait for the next free slot of the whole machine; return the seconds waited."""
        with self._lock, open(self.path, "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                handle.seek(0)
                raw = handle.read().strip()
                now = time.time()
                try:
                    next_slot = float(raw) if raw else 0.0
                except ValueError:
                    next_slot = 0.0
                slot = max(now, next_slot)
                handle.seek(0)
                handle.truncate()
                handle.write(repr(slot + self.interval).encode("ascii"))
                handle.flush()
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        delay = slot - now
        if delay > 0:
            time.sleep(delay)
        return delay
