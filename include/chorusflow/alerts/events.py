"""Alert events: what happened, to which invoice, and the key that makes it alert once.

Events are computed from the ledger (not from one sync's answers), so an alert task that crashed
after the sync still alerts on the next run, and a second run finds the same keys already sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from chorusflow.alerts.settings import AlertSettings
from chorusflow.ledger import InvoiceRow, InvoiceState, Ledger
from chorusflow.platforms.interface import StatusClass
from chorusflow.platforms.registry import status_vocabulary
from chorusflow.sync.payment_clock import CENT, SUSPENDED, PaymentClock, late_payment_interest, payment_clock

#: The statuses invoices have on their platform.
STATUSES = status_vocabulary()


class AlertKind(StrEnum):
    """Why people are alerted."""

    BLOCKED = "blocked"
    STALE = "stale"
    PAYMENT_OVERDUE = "payment_overdue"
    VALIDATION_REJECTED = "validation_rejected"
    SUBMISSION_FAILED = "submission_failed"
    NEEDS_REVIEW = "needs_review"
    FLUX_REFUSED = "flux_refused"
    PASSWORD_EXPIRY = "password_expiry"
    DECISION_REMINDER = "decision_reminder"


class AlertEvent(BaseModel):
    """One thing to tell people about, once (``event_key`` is unique per event)."""

    model_config = ConfigDict(frozen=True)

    kind: AlertKind
    event_key: str
    invoice_id: int | None = None
    invoice_number: str | None = None
    buyer_name: str | None = None
    buyer_siret: str | None = None
    amount_ttc: Decimal | None = None
    currency: str | None = None
    status: str | None = None
    status_at: datetime | None = None
    comment: str | None = None
    next_step: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)

    def payload(self) -> dict[str, Any]:
        """What the ledger keeps about the alert (JSON; no secrets by construction)."""
        return self.model_dump(mode="json")


def _invoice_fields(row: InvoiceRow) -> dict[str, Any]:
    return {
        "invoice_id": row.id,
        "invoice_number": row.invoice_number,
        "buyer_name": row.buyer_name,
        "buyer_siret": row.buyer_siret,
        "amount_ttc": row.total_ttc,
        "currency": row.currency or "EUR",
        "status": row.chorus_status,
        "status_at": row.chorus_status_at,
    }


def _moment(value: datetime | None) -> str:
    return value.isoformat() if value else "-"


def blocked_events(ledger: Ledger, supplier_siret: str) -> list[AlertEvent]:
    """One event per blocking status an invoice reached (a second suspension is a new event)."""
    events = []
    for row in ledger.list_invoices(InvoiceState.BLOCKED, supplier_siret):
        if STATUSES.classify(row.chorus_status) is not StatusClass.BLOCKED:
            continue
        step = STATUSES.next_step(row.chorus_status)
        events.append(
            AlertEvent(
                kind=AlertKind.BLOCKED,
                event_key=f"blocked:{row.id}:{row.chorus_status}:{_moment(row.chorus_status_at)}",
                comment=row.chorus_status_comment,
                next_step=step.value if step else None,
                **_invoice_fields(row),
            )
        )
    return events


def decision_reminder_key(invoice_id: int, event_key: str) -> str:
    """The key of the one reminder about a decision (``event_key``: the blocking event it answers)."""
    return f"decision_reminder:{invoice_id}:{event_key}"


def decision_reminder_event(row: InvoiceRow, event_key: str, link: str | None) -> AlertEvent:
    """Nobody decided about this invoice in time: remind the recipients, once per blocking event."""
    return AlertEvent(
        kind=AlertKind.DECISION_REMINDER,
        event_key=decision_reminder_key(row.id, event_key),
        comment=row.chorus_status_comment or row.last_error,
        next_step=(step.value if (step := STATUSES.next_step(row.chorus_status)) else None),
        details={"decision_url": link} if link else {},
        **_invoice_fields(row),
    )


def decisions_awaited(ledger: Ledger, supplier_siret: str, events: list[AlertEvent]) -> list[AlertEvent]:
    """The blocked ``events`` whose decision reminder was sent and is still unanswered (for the digest)."""
    answered = ledger.succeeded_events(supplier_siret)
    awaited = []
    for event in events:
        if event.invoice_id is None:
            continue
        blocking = f"{event.status}@{_moment(event.status_at)}"
        if (event.invoice_id, blocking) in answered:
            continue
        if ledger.alert_already_sent(decision_reminder_key(event.invoice_id, blocking)):
            awaited.append(event)
    return awaited


def stale_events(
    ledger: Ledger, supplier_siret: str, now: datetime, settings: AlertSettings
) -> list[AlertEvent]:
    """Invoices that stayed longer than allowed in one in-progress status (once per status reached)."""
    events = []
    # Only the invoices that have been in their status longer than the shortest limit.
    shortest = min(settings.stale_days.values(), default=0)
    before = now - timedelta(days=shortest)
    for row in ledger.list_invoices(InvoiceState.SUBMITTED, supplier_siret, status_since_before=before):
        since = row.chorus_status_at or row.submitted_at
        if row.chorus_status is None or since is None:
            continue
        if STATUSES.classify(row.chorus_status) is not StatusClass.IN_PROGRESS:
            continue
        days = (now - since).days
        limit = settings.stale_limit(row.chorus_status)
        if days <= limit:
            continue
        events.append(
            AlertEvent(
                kind=AlertKind.STALE,
                event_key=f"stale:{row.id}:{row.chorus_status}:{_moment(row.chorus_status_at)}",
                details={"days": days, "limit_days": limit},
                **_invoice_fields(row),
            )
        )
    return events


def invoice_clock(
    submitted_at: datetime | None,
    buyer_siret: str | None,
    statuses: Iterable[tuple[str, datetime]],
    settings: AlertSettings,
) -> PaymentClock | None:
    """The payment clock of an invoice deposited at ``submitted_at`` (None before its deposit).

    The one computation behind the desk's due dates, the overdue alerts and the digest: days are
    counted in ``CHORUSFLOW_TIMEZONE``; ``statuses`` is its status history when it was ever suspended.
    """
    if submitted_at is None:
        return None
    zone = ZoneInfo(settings.timezone)
    return payment_clock(
        submitted_at.astimezone(zone).date(),
        settings.payment_days_for(buyer_siret),
        [(status, changed_at.astimezone(zone).date()) for status, changed_at in statuses],
    )


def overdue_details(
    clock: PaymentClock, amount_ttc: Decimal | None, today: date, settings: AlertSettings
) -> dict[str, Any] | None:
    """What an overdue invoice costs the buyer at ``today`` (None when it is not overdue)."""
    days_late = clock.days_late(today)
    if days_late <= 0 or clock.due_on is None:
        return None
    rate = settings.ecb_rate + settings.late_points
    interest = late_payment_interest(amount_ttc or Decimal("0"), days_late, rate)
    return {
        "received_on": clock.received_on.isoformat(),
        "period_days": clock.period_days,
        "suspended_on": clock.suspended_on.isoformat() if clock.suspended_on else None,
        "resumed_on": clock.resumed_on.isoformat() if clock.resumed_on else None,
        "due_on": clock.due_on.isoformat(),
        "days_late": days_late,
        "rate_percent": str(rate),
        "ecb_rate_percent": str(settings.ecb_rate),
        "interest": str(interest),
        "fixed_indemnity": str(settings.fixed_indemnity.quantize(CENT)),
        "total_owed": str((interest + settings.fixed_indemnity).quantize(CENT)),
    }


def overdue_events(
    ledger: Ledger, supplier_siret: str, today: date, settings: AlertSettings
) -> list[AlertEvent]:
    """Invoices on Chorus Pro whose legal payment deadline has passed (once per invoice).

    The clock is :func:`invoice_clock`'s. Left out: invoices not yet deposited, rejected or sent
    back (blocked other than suspended), suspended while their one interruption holds, paid or closed.
    """
    states = (InvoiceState.SUBMITTED, InvoiceState.BLOCKED)
    # Only the invoices deposited longer ago than the shortest period (a day of margin for time zones).
    shortest = settings.shortest_payment_days()
    before = datetime.combine(today, time(), UTC) + timedelta(days=2 - shortest)
    candidates = [
        row
        for state in states
        for row in ledger.list_invoices(state, supplier_siret, submitted_before=before)
        if state is InvoiceState.SUBMITTED or row.chorus_status == SUSPENDED
    ]
    histories = ledger.suspension_histories(supplier_siret=supplier_siret, states=states)
    events = []
    for row in sorted(candidates, key=lambda candidate: candidate.id):
        clock = invoice_clock(row.submitted_at, row.buyer_siret, histories.get(row.id, ()), settings)
        details = None if clock is None else overdue_details(clock, row.total_ttc, today, settings)
        if details is None:
            continue
        events.append(
            AlertEvent(
                kind=AlertKind.PAYMENT_OVERDUE,
                event_key=f"payment_overdue:{row.id}",
                details=details,
                **_invoice_fields(row),
            )
        )
    return events


def password_expiry_event(expires_on: date | None, today: date, settings: AlertSettings) -> AlertEvent | None:
    """An event when the technical account password expires within a threshold (once per threshold)."""
    if expires_on is None:
        return None
    days_left = (expires_on - today).days
    reached = [threshold for threshold in settings.password_alert_days if days_left <= threshold]
    if not reached:
        return None
    threshold = min(reached)
    return AlertEvent(
        kind=AlertKind.PASSWORD_EXPIRY,
        event_key=f"password_expiry:{expires_on.isoformat()}:{threshold}",
        details={"expires_on": expires_on.isoformat(), "days_left": days_left, "threshold_days": threshold},
    )


def _selected(
    ledger: Ledger, state: InvoiceState, supplier_siret: str, numbers: list[str] | None
) -> list[InvoiceRow]:
    rows = ledger.list_invoices(state, supplier_siret)
    if numbers is None:
        return rows
    wanted = set(numbers)
    return [row for row in rows if row.invoice_number in wanted]


def validation_events(
    ledger: Ledger, supplier_siret: str, numbers: list[str] | None = None
) -> list[AlertEvent]:
    """Invoices refused by validation (once per content: a corrected one failing again alerts again)."""
    events = []
    for row in _selected(ledger, InvoiceState.INVALID, supplier_siret, numbers):
        findings = [f for f in row.findings if f.get("severity", "error") == "error"]
        events.append(
            AlertEvent(
                kind=AlertKind.VALIDATION_REJECTED,
                event_key=f"validation_rejected:{row.id}:{row.content_hash}",
                details={
                    "findings": [{"code": f.get("code"), "message": f.get("message")} for f in findings][:20]
                },
                **_invoice_fields(row),
            )
        )
    return events


def submission_failed_events(
    ledger: Ledger, supplier_siret: str, numbers: list[str] | None = None
) -> list[AlertEvent]:
    """Invoices Chorus Pro refused for good (once per failure: a retry failing again alerts again)."""
    events = []
    for row in _selected(ledger, InvoiceState.FAILED, supplier_siret, numbers):
        if _refused_in_flux(row):
            continue  # alerted by flux_refused_events, with the flux and the platform's reason
        events.append(
            AlertEvent(
                kind=AlertKind.SUBMISSION_FAILED,
                event_key=f"submission_failed:{row.id}:{row.version}",
                comment=row.last_error,
                **_invoice_fields(row),
            )
        )
    return events


def needs_review_events(
    ledger: Ledger, supplier_siret: str, numbers: list[str] | None = None
) -> list[AlertEvent]:
    """Invoices whose deposit outcome is ambiguous: once per invoice (it is never re-deposited)."""
    return [
        AlertEvent(
            kind=AlertKind.NEEDS_REVIEW,
            event_key=f"needs_review:{row.id}",
            comment=row.last_error,
            **_invoice_fields(row),
        )
        for row in _selected(ledger, InvoiceState.NEEDS_REVIEW, supplier_siret, numbers)
    ]


def _refused_in_flux(row: InvoiceRow) -> bool:
    """Whether a failed invoice was refused by Chorus Pro inside a flux (after its deposit)."""
    return row.numero_flux_depot is not None and (row.last_error or "").startswith("Chorus Pro refused")


def flux_refused_events(
    ledger: Ledger, supplier_siret: str, numbers: list[str] | None = None
) -> list[AlertEvent]:
    """Invoices Chorus Pro refused inside a Factur-X flux: once per invoice and flux, with the reason
    the platform gave (``listeErreurDP`` or ``listeErreurTechnique``)."""
    return [
        AlertEvent(
            kind=AlertKind.FLUX_REFUSED,
            event_key=f"flux_refused:{row.id}:{row.numero_flux_depot}",
            comment=row.last_error,
            details={"flux": row.numero_flux_depot},
            **_invoice_fields(row),
        )
        for row in _selected(ledger, InvoiceState.FAILED, supplier_siret, numbers)
        if _refused_in_flux(row)
    ]
