"""A sandbox's state file: atomic writes, coalesced so a busy sandbox writes at most every half second.

The whole state is rewritten each time, so writes are coalesced: at most one every
``MIN_SECONDS_BETWEEN_WRITES``, the last change always written by a timer, and ``flush()`` (called
when a server stops) writes what is pending at once.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

MIN_SECONDS_BETWEEN_WRITES = 0.5


def write_atomically(path: Path, content: bytes) -> None:
    """Temporary file + ``os.replace``: a crash leaves the old or the new file, never a torn one."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        # No fsync: power-loss durability is not worth an fsync per call in a sandbox.
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


class CoalescedWriter:
    """Calls ``write`` now, or within ``MIN_SECONDS_BETWEEN_WRITES`` of the last call (one timer)."""

    def __init__(self, write: Callable[[], None], lock: threading.RLock | None = None) -> None:
        self._write = write
        self.lock = lock if lock is not None else threading.RLock()
        self._last_write = 0.0
        self._pending: threading.Timer | None = None

    def save(self) -> None:
        """Write now, or within ``MIN_SECONDS_BETWEEN_WRITES`` when the file was just written."""
        with self.lock:
            if self._pending is not None:
                return  # a timer already writes the latest state
            wait = self._last_write + MIN_SECONDS_BETWEEN_WRITES - time.monotonic()
            if wait <= 0:
                self.write_now()
                return
            self._pending = threading.Timer(wait, self.flush)
            self._pending.daemon = True
            self._pending.start()

    def flush(self) -> None:
        """Write any change not written yet (at once)."""
        with self.lock:
            if self._pending is not None:
                self._pending.cancel()
                self._pending = None
                self.write_now()

    def write_now(self) -> None:
        """Write at once (and restart the coalescing window)."""
        with self.lock:
            self._last_write = time.monotonic()
            self._write()
