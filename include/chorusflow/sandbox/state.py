"""The sandbox's mutable state (invoices, flux, attachments, counters) and its persistence.

One re-entrant lock guards everything; every mutation is followed by ``save()``, which writes the
state file atomically (temporary file + ``os.replace``) when one is configured. The whole state is
rewritten each time, so writes are coalesced: at most one every ``MIN_SECONDS_BETWEEN_WRITES``, the
last change always written by a timer, and ``flush()`` (called by ``SandboxServer.stop()``) writes
what is pending at once. Thousands of invoices would otherwise cost one multi-MB write per call.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

FIRST_INVOICE_ID = 7_200_001
FIRST_ATTACHMENT_ID = 910_001
FIRST_HISTORY_ID = 55_000_001
STATE_VERSION = 1
MIN_SECONDS_BETWEEN_WRITES = 0.5


def _empty_state() -> dict[str, Any]:
    return {
        "version": STATE_VERSION,
        "invoices": {},
        "flux": {},
        "attachments": {},
        "submission_counts": {},
        "counters": {
            "invoice": FIRST_INVOICE_ID,
            "attachment": FIRST_ATTACHMENT_ID,
            "history": FIRST_HISTORY_ID,
            "flux": 1,
        },
    }


class StateStore:
    """Holds the state dictionary; callers take ``lock`` around reads and mutations."""

    def __init__(self, path: Path | None = None) -> None:
        self.lock = threading.RLock()
        self.path = path
        self._last_write = 0.0
        self._pending: threading.Timer | None = None
        self.data: dict[str, Any] = _empty_state()
        if path is not None and path.exists() and path.stat().st_size > 0:
            loaded = json.loads(path.read_text(encoding="utf-8"))
            base = _empty_state()
            base.update({k: v for k, v in loaded.items() if k in base})
            base["counters"] = {**_empty_state()["counters"], **loaded.get("counters", {})}
            self.data = base

    @property
    def invoices(self) -> dict[str, dict[str, Any]]:
        """Invoices by str(identifiantFactureCPP)."""
        result: dict[str, dict[str, Any]] = self.data["invoices"]
        return result

    @property
    def flux(self) -> dict[str, dict[str, Any]]:
        """Flux by numeroFluxDepot."""
        result: dict[str, dict[str, Any]] = self.data["flux"]
        return result

    @property
    def attachments(self) -> dict[str, dict[str, Any]]:
        """Attachment metadata by str(pieceJointeId) (the content itself is not kept)."""
        result: dict[str, dict[str, Any]] = self.data["attachments"]
        return result

    @property
    def submission_counts(self) -> dict[str, int]:
        """How many times each invoice number was deposited/submitted, refused duplicates included."""
        result: dict[str, int] = self.data["submission_counts"]
        return result

    def next_id(self, counter: str) -> int:
        """Allocate the next value of a persistent counter."""
        with self.lock:
            value = int(self.data["counters"][counter])
            self.data["counters"][counter] = value + 1
            return value

    def reset(self) -> None:
        """Forget every invoice, flux and attachment (ids restart too)."""
        with self.lock:
            self.data = _empty_state()
            self.save()

    def save(self) -> None:
        """Write the state file now, or within ``MIN_SECONDS_BETWEEN_WRITES`` when it was just written."""
        if self.path is None:
            return
        with self.lock:
            if self._pending is not None:
                return  # a timer already writes the latest state
            wait = self._last_write + MIN_SECONDS_BETWEEN_WRITES - time.monotonic()
            if wait <= 0:
                self._write()
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
                self._write()

    def _write(self) -> None:
        """Write the state file atomically."""
        if self.path is None:
            return
        with self.lock:
            self._last_write = time.monotonic()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
            try:
                # No fsync: os.replace already makes a crash of the process leave the old or the new
                # file, never a torn one; power-loss durability is not worth an fsync per call here.
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    json.dump(self.data, handle, ensure_ascii=False, separators=(",", ":"))
                os.replace(tmp_name, self.path)
            except BaseException:
                Path(tmp_name).unlink(missing_ok=True)
                raise
