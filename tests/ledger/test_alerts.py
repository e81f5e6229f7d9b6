"""Alerts sent: each alert event recorded once."""

from __future__ import annotations

from chorusflow.ledger import Ledger
from tests.ledger.helpers import submitted


def test_alert_recorded_once(ledger: Ledger) -> None:
    invoice = submitted(ledger, "F-1", 701)
    key = f"blocked:{invoice}:SUSPENDUE:2026-11-22T10:00"
    assert not ledger.alert_already_sent(key)
    assert ledger.record_alert(key, "blocked", invoice, "smtp,webhook", {"status": "SUSPENDUE"})
    assert not ledger.record_alert(key, "blocked", invoice, "smtp", {"status": "SUSPENDUE"})
    assert ledger.alert_already_sent(key)
    assert ledger.record_alert("digest:2026-11-27", "digest", None, "smtp", {"count": 3})
