"""Alerts sent: one row per alert event, so a person hears about each event once."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from chorusflow.ledger.database import LedgerDatabase
from chorusflow.ledger.tables import alerts_sent
from chorusflow.ledger.values import utc_now


def alert_already_sent(db: LedgerDatabase, event_key: str) -> bool:
    """True if an alert for this event was recorded."""
    with db.reading() as connection:
        found = connection.execute(
            select(alerts_sent.c.id).where(alerts_sent.c.event_key == event_key)
        ).first()
    return found is not None


def record_alert(
    db: LedgerDatabase,
    event_key: str,
    kind: str,
    invoice_id: int | None,
    channels: str,
    payload: dict[str, Any],
) -> bool:
    """Record an alert; False if this event was already recorded (race-safe: unique key)."""
    statement = (
        db.insert(alerts_sent)
        .values(
            event_key=event_key,
            kind=kind,
            invoice_id=invoice_id,
            channels=channels[:255],
            sent_at=utc_now(),
            payload=payload,
        )
        .on_conflict_do_nothing(index_elements=["event_key"])
    )
    with db.write() as connection:
        return bool(connection.execute(statement).rowcount == 1)
