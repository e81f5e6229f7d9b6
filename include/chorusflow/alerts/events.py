"""Alert events: what happened, to which invoice, and the key that makes it alert once.

Events are computed from the ledger (not from one sync's answers), so an alert task that crashed
after the sync still alerts on the next run, and a second run finds the same keys already sent.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from chorusflow.alerts.settings import AlertSettings
from chorusflow.ledger import InvoiceRow, InvoiceState, Ledger
from chorusflow.statuses import StatusClass, classify, next_step

CENT = Decimal("0.01")


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
        if classify(row.chorus_status) is not StatusClass.BLOCKED:
            continue
        step = next_step(row.chorus_status)
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


def stale_events(
    ledger: Ledger, supplier_siret: str, now: datetime, settings: AlertSettings
) -> list[AlertEvent]:
    """Invoices that stayed longer than allowed in one in-progress status (once per status reached)."""
    events = []
    for row in ledger.list_invoices(InvoiceState.SUBMITTED, supplier_siret):
        since = row.chorus_status_at or row.submitted_at
        if row.chorus_status is None or since is None:
            continue
        if classify(row.chorus_status) is not StatusClass.IN_PROGRESS:
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


def late_payment_interest(amount_ttc: Decimal, days_late: int, annual_rate_percent: Decimal) -> Decimal:
    """Late-payment interest, pro rata temporis on the TTC amount (365-day year), rounded to the cent."""
    if days_late <= 0:
        return Decimal("0.00")
    interest = amount_ttc * annual_rate_percent / Decimal(100) * Decimal(days_late) / Decimal(365)
    return interest.quantize(CENT, rounding=ROUND_HALF_UP)


def payment_due_date(received_on: date, settings: AlertSettings) -> date:
    """The legal payment deadline of a public buyer: ``payment_days`` (30) after receipt."""
    return received_on + timedelta(days=settings.payment_days)


def overdue_events(
    ledger: Ledger, supplier_siret: str, today: date, settings: AlertSettings
) -> list[AlertEvent]:
    """Invoices in progress whose legal payment deadline has passed (once per invoice).

    Receipt is the deposit date on Chorus Pro. Blocked invoices are left out: a suspension stops the
    clock and a rejection ends the claim; paid and closed invoices are done.
    """
    zone = ZoneInfo(settings.timezone)
    rate = settings.ecb_rate + settings.late_points
    events = []
    for row in ledger.list_invoices(InvoiceState.SUBMITTED, supplier_siret):
        if row.submitted_at is None:
            continue
        received = row.submitted_at.astimezone(zone).date()
        due = payment_due_date(received, settings)
        days_late = (today - due).days
        if days_late <= 0:
            continue
        amount = row.total_ttc or Decimal("0")
        interest = late_payment_interest(amount, days_late, rate)
        events.append(
            AlertEvent(
                kind=AlertKind.PAYMENT_OVERDUE,
                event_key=f"payment_overdue:{row.id}",
                details={
                    "received_on": received.isoformat(),
                    "due_on": due.isoformat(),
                    "days_late": days_late,
                    "rate_percent": str(rate),
                    "ecb_rate_percent": str(settings.ecb_rate),
                    "interest": str(interest),
                    "fixed_indemnity": str(settings.fixed_indemnity.quantize(CENT)),
                    "total_owed": str((interest + settings.fixed_indemnity).quantize(CENT)),
                },
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
