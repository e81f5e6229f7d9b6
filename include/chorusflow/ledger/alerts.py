"""Alerts sent: one row per alert event, so a person hears about each event once."""

from __future__ import annotations

from typing import Any

from chorusflow.ledger.database import LedgerDatabase
from chorusflow.ledger.tables import alerts_sent
from chorusflow.ledger.values import utc_now


def alert_already_sent(db: LedgerDatabase, event_key: str) -> bool:
    """True if an alert for this event was recorded."""
    return db.has_row(alerts_sent.c.event_key, event_key)


def record_alert(
    db: LedgerDatabase,
    event_key: str,
    kind: str,
    invoice_id: int | None,
    channels: str,
    payload: dict[str, Any],
) -> bool:
    """Record an alert; False if this event was already recorded (race-safe: unique key)."""
    values = {
        "event_key": event_key,
        "kind": kind,
        "invoice_id": invoice_id,
        "channels": channels[:255],
        "sent_at": utc_now(),
        "payload": payload,
    }
    return db.insert_once(alerts_sent, "event_key", values)
