"""The PA sandbox's state file: flows (with their files), invoices and the platform clock.

Written atomically and coalesced (``chorusflow_dev.serving.state_file``: at most every half second,
the last change always written by a timer, and at once by ``flush()``, called when the server
stops). A restarted sandbox finds every flow and invoice again,
its simulated clock where it was, and Pending flows still due at their time.
"""

from __future__ import annotations

import base64
import dataclasses
import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from chorusflow_dev.pa_sandbox.invoices import InvoiceFacts
from chorusflow_dev.pa_sandbox.platform import FlowRecord, InvoiceRecord, PaPlatform
from chorusflow_dev.serving.state_file import CoalescedWriter, write_atomically

STATE_VERSION = 1


def _flow_to_json(record: FlowRecord) -> dict[str, Any]:
    data = dataclasses.asdict(record)
    data["content"] = base64.b64encode(record.content).decode("ascii")
    data["submitted_at"] = record.submitted_at.isoformat()
    data["updated_at"] = record.updated_at.isoformat()
    return data


def _flow_from_json(data: dict[str, Any]) -> FlowRecord:
    values = dict(data)
    values["content"] = base64.b64decode(values["content"])
    values["submitted_at"] = datetime.fromisoformat(values["submitted_at"])
    values["updated_at"] = datetime.fromisoformat(values["updated_at"])
    return FlowRecord(**values)


def _invoice_to_json(invoice: InvoiceRecord) -> dict[str, Any]:
    data = dataclasses.asdict(invoice)
    data["facts"] = {k: str(v) for k, v in dataclasses.asdict(invoice.facts).items()}
    data["received_at"] = invoice.received_at.isoformat()
    data["paid"] = str(invoice.paid)
    return data


def _invoice_from_json(data: dict[str, Any]) -> InvoiceRecord:
    facts = dict(data["facts"])
    facts["total"], facts["vat_rate"] = Decimal(facts["total"]), Decimal(facts["vat_rate"])
    values = {**data, "facts": InvoiceFacts(**facts), "paid": Decimal(data["paid"])}
    values["received_at"] = datetime.fromisoformat(data["received_at"])
    return InvoiceRecord(**values)


def dump(platform: PaPlatform) -> dict[str, Any]:
    """The platform's state as JSON-ready data (caller holds the platform's lock)."""
    return {
        "version": STATE_VERSION,
        "simulated_seconds": platform.simulated_seconds(),
        "last_update": platform.last_update.isoformat(),
        "flows": [_flow_to_json(r) for r in platform.flows.values()],
        "invoices": [_invoice_to_json(i) for i in platform.invoices.values()],
    }


def restore(platform: PaPlatform, data: dict[str, Any]) -> None:
    """Put a dumped state back into a fresh platform."""
    platform.flows = {f["flow_id"]: _flow_from_json(f) for f in data.get("flows", [])}
    platform.invoices = {i["key"]: _invoice_from_json(i) for i in data.get("invoices", [])}
    platform.restart_clock(float(data.get("simulated_seconds", 0.0)))
    if "last_update" in data:
        platform.last_update = datetime.fromisoformat(data["last_update"])


class StateFile:
    """Coalesced, atomic writes of one platform's state to ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._writer = CoalescedWriter(self._write)
        self._platform: PaPlatform | None = None

    def load_into(self, platform: PaPlatform) -> None:
        """Restore ``platform`` from the file when there is one, and save it from now on."""
        self._platform = platform
        if self.path.exists() and self.path.stat().st_size > 0:
            restore(platform, json.loads(self.path.read_text(encoding="utf-8")))

    def follow(self, platform: PaPlatform) -> None:
        """Save ``platform`` from now on (a reset replaced the previous one)."""
        self._platform = platform

    def save(self) -> None:
        """Write now, or within half a second of the last write."""
        self._writer.save()

    def flush(self) -> None:
        """Write any pending change at once."""
        self._writer.flush()

    def _write(self) -> None:
        platform = self._platform
        if platform is None:
            return
        with platform.lock:
            text = json.dumps(dump(platform), ensure_ascii=False, separators=(",", ":"))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(self.path, text.encode("utf-8"))
