"""Request pacing: one quota per PISTE application, shared by whoever calls with its client id.

The client paces every HTTP request through one :class:`Pacer`:

- ``acquire()`` reserves the next free slot and sleeps until it (at most ``per_second`` requests per
  second, evenly spaced, no burst), and also waits out any hold set by ``hold_off``;
- ``hold_off(seconds)`` is called on an HTTP 429: nobody sharing the quota sends anything before
  ``Retry-After`` has passed, not just the caller.

Two implementations: :class:`LocalPacer` (this process's threads only) and the ledger's shared pacer
(:meth:`chorusflow.ledger.Ledger.api_pacer`: one row per client id in the ledger's database, so every
worker of a deployment, on every host, shares it). The local one is the fallback when no shared
store is given (a command-line call, a test client). Both take their slot arithmetic from
:mod:`chorusflow.ledger.quota`: the platform depends on the ledger, never the reverse.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol

from chorusflow.ledger.quota import interval_for, sleep_until_slot


class Pacer(Protocol):
    """What the client needs from a rate limiter."""

    def acquire(self) -> float:
        """Wait for the next free slot; return the seconds waited."""
        ...

    def hold_off(self, seconds: float) -> None:
        """Let nobody sharing this quota send anything for ``seconds`` (an HTTP 429's ``Retry-After``)."""
        ...


class LocalPacer:
    """Token bucket of capacity one inside one process: thread-safe, slot reserved under a lock.

    N calls take at least ``(N - 1) / per_second`` seconds. Each caller reserves its slot under the
    lock and sleeps outside it. Without ``per_second`` it only honours holds.
    """

    def __init__(self, per_second: float | None) -> None:
        self.interval = interval_for(per_second)
        self._next_slot = 0.0
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Wait for the next free slot; return the seconds waited."""
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next_slot)
            self._next_slot = slot + self.interval
        return sleep_until_slot(slot, now)

    def hold_off(self, seconds: float) -> None:
        """No slot before ``seconds`` from now."""
        with self._lock:
            self._next_slot = max(self._next_slot, time.monotonic() + max(0.0, seconds))
