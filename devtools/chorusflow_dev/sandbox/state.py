"""The sandbox's mutable state (invoices, flux, attachments, counters) and its persistence.

One re-entrant lock guards everything; every mutation is followed by ``save()``, which writes the
state file atomically and coalesced (``chorusflow_dev.serving.state_file``) when one is configured;
``flush()`` (called by ``SandboxServer.stop()``) writes what is pending at once. Thousands of
invoices would otherwise cost one multi-MB write per call.

Attachment contents are not in the JSON state (they would make every rewrite megabytes larger):
they are written once, atomically, as files named by attachment id in ``<state file>.attachments/``
next to the state file, or kept in memory when there is no state file.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

from chorusflow_dev.serving.state_file import CoalescedWriter, write_atomically

FIRST_INVOICE_ID = 7_200_001
FIRST_ATTACHMENT_ID = 910_001
FIRST_HISTORY_ID = 55_000_001
FIRST_SAISIE_SEQUENCE = 1
STATE_VERSION = 2  # 2: submission counts per year of the invoice date


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
            "saisie_number": FIRST_SAISIE_SEQUENCE,
        },
    }


def _counts_by_year(flat: dict[str, int], invoices: dict[str, dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Version-1 counts (per number only) filed under the year of the invoice holding that number."""
    years = {
        inv["number"]: str(inv.get("invoice_date") or inv["deposit_date"])[:4] for inv in invoices.values()
    }
    result: dict[str, dict[str, int]] = {}
    for number, count in flat.items():
        year = years.get(number, str(time.localtime().tm_year))
        result.setdefault(year, {})[number] = int(count)
    return result


class StateStore:
    """Holds the state dictionary; callers take ``lock`` around reads and mutations."""

    def __init__(self, path: Path | None = None) -> None:
        self.lock = threading.RLock()
        self.path = path
        self._writer = CoalescedWriter(self._write, self.lock)
        self.data: dict[str, Any] = _empty_state()
        self._contents: dict[str, bytes] = {}  # attachment contents when there is no state file
        if path is not None and path.exists() and path.stat().st_size > 0:
            loaded = json.loads(path.read_text(encoding="utf-8"))
            base = _empty_state()
            base.update({k: v for k, v in loaded.items() if k in base})
            base["counters"] = {**_empty_state()["counters"], **loaded.get("counters", {})}
            if int(loaded.get("version", 1)) < 2:
                base["submission_counts"] = _counts_by_year(base["submission_counts"], base["invoices"])
            base["version"] = STATE_VERSION
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
        """Attachment metadata by str(pieceJointeId); the content is read with ``attachment_content``."""
        result: dict[str, dict[str, Any]] = self.data["attachments"]
        return result

    @property
    def attachments_dir(self) -> Path | None:
        """Where attachment contents are written (None: kept in memory)."""
        return None if self.path is None else self.path.parent / f"{self.path.name}.attachments"

    def put_attachment_content(self, attachment_id: int, content: bytes) -> None:
        """Keep an uploaded file's bytes (written at once: an id handed out must have its content)."""
        folder = self.attachments_dir
        with self.lock:
            if folder is None:
                self._contents[str(attachment_id)] = content
                return
            folder.mkdir(parents=True, exist_ok=True)
            write_atomically(folder / str(attachment_id), content)

    def attachment_content(self, attachment_id: int | str) -> bytes | None:
        """The bytes uploaded as this attachment, or None (unknown id, or metadata from an old state)."""
        folder = self.attachments_dir
        with self.lock:
            if folder is None:
                return self._contents.get(str(attachment_id))
            file = folder / str(attachment_id)
            return file.read_bytes() if str(attachment_id).isdigit() and file.is_file() else None

    @property
    def submission_counts(self) -> dict[str, dict[str, int]]:
        """Per invoice-date year: deposits of each number (refused duplicates included)."""
        result: dict[str, dict[str, int]] = self.data["submission_counts"]
        return result

    def count_submission(self, year: str, number: str) -> None:
        """One more deposit (accepted or refused as a duplicate) of ``number`` for ``year``."""
        with self.lock:
            per_year = self.submission_counts.setdefault(year, {})
            per_year[number] = per_year.get(number, 0) + 1

    def submission_count(self, year: str, number: str) -> int:
        """How many times ``number`` was deposited for ``year`` (0 if never)."""
        return self.submission_counts.get(year, {}).get(number, 0)

    def submission_totals(self) -> dict[str, int]:
        """How many times each number was deposited, all years together."""
        totals: dict[str, int] = {}
        with self.lock:
            for per_year in self.submission_counts.values():
                for number, count in per_year.items():
                    totals[number] = totals.get(number, 0) + count
        return totals

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
            self._contents.clear()
            folder = self.attachments_dir
            if folder is not None and folder.is_dir():
                for file in folder.iterdir():
                    file.unlink(missing_ok=True)
            self.save()

    def save(self) -> None:
        """Write the state file now, or within half a second when it was just written."""
        if self.path is not None:
            self._writer.save()

    def flush(self) -> None:
        """Write any change not written yet (at once)."""
        self._writer.flush()

    def _write(self) -> None:
        """Write the state file atomically (the writer holds ``lock``)."""
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.data, ensure_ascii=False, separators=(",", ":"))
        write_atomically(self.path, text.encode("utf-8"))
