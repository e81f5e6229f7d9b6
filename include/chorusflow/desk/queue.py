"""The "to handle" queue: what needs a person now, by category, with its age and the amount at stake.

The categories are the alerts' own events (:mod:`chorusflow.alerts.events`), computed from the ledger
the same way, so the desk, the mails and the digest never disagree about what is blocked, stale or
overdue. The technical password's expiry date is only known from Chorus Pro: the desk shows the
latest warning the status sync recorded rather than calling Chorus Pro itself.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import select

from chorusflow.alerts.events import (
    AlertEvent,
    AlertKind,
    blocked_events,
    needs_review_events,
    overdue_events,
    stale_events,
    submission_failed_events,
    validation_events,
)
from chorusflow.alerts.render import follow_up_text, next_step_text
from chorusflow.desk.queries import Clock, age_in_days
from chorusflow.ledger import InvoiceState, Ledger
from chorusflow.ledger.tables import alerts_sent, invoices
from chorusflow.platforms.registry import status_vocabulary
from chorusflow.settings import Language

Category = Literal["blocked", "needs_review", "failed", "invalid", "stale", "overdue", "password"]
#: Categories in the order the queue lists them: what blocks money first.
CATEGORIES: tuple[Category, ...] = (
    "blocked",
    "needs_review",
    "failed",
    "overdue",
    "stale",
    "invalid",
    "password",
)

#: The statuses invoices have on their platform.
STATUSES = status_vocabulary()

_CATEGORY_OF_KIND: dict[AlertKind, Category] = {
    AlertKind.BLOCKED: "blocked",
    AlertKind.NEEDS_REVIEW: "needs_review",
    AlertKind.SUBMISSION_FAILED: "failed",
    AlertKind.VALIDATION_REJECTED: "invalid",
    AlertKind.STALE: "stale",
    AlertKind.PAYMENT_OVERDUE: "overdue",
    AlertKind.PASSWORD_EXPIRY: "password",
}


class QueueItem(BaseModel):
    """One thing a person must handle."""

    category: Category
    invoice_id: int | None = None
    invoice_number: str | None = None
    buyer_name: str | None = None
    buyer_siret: str | None = None
    amount: Decimal | None = None
    currency: str = "EUR"
    status: str | None = None
    comment: str | None = None
    age_days: int | None = None
    #: The alert event's details (days late, interest, expiry date …), as the alerts computed them.
    details: dict[str, Any] = Field(default_factory=dict)
    next_step: str | None = None


class CategorySummary(BaseModel):
    """How many items a category holds and the amounts at stake, per currency."""

    category: Category
    count: int = 0
    totals: dict[str, Decimal] = Field(default_factory=dict)


class Queue(BaseModel):
    """The queue, oldest first within each category, and its summary.

    ``items`` holds at most ``per_category`` items of each category (the oldest); the summary counts
    and totals every item, so a large backlog is still measured in full.
    """

    items: list[QueueItem]
    summary: list[CategorySummary]
    per_category: int | None = None


def what_to_do(item: QueueItem, lang: Language) -> str:
    """The advice for one item, in the alerts' words."""
    if item.category == "blocked":
        step = item.next_step
        return next_step_text(step, lang) or ""
    key = {
        "needs_review": "needs_review",
        "failed": "submission_failed",
        "invalid": "validation_rejected",
        "stale": "stale",
        "overdue": "payment_overdue",
        "password": "password_expiry",
    }[item.category]
    return follow_up_text(key, lang)


def advice_for(state: InvoiceState, chorus_status: str | None, lang: Language) -> str | None:
    """What to do about an invoice in ``state`` (and Chorus Pro status), or None when nothing is due."""
    if state is InvoiceState.BLOCKED:
        step = STATUSES.next_step(chorus_status)
        return next_step_text(step.value, lang) if step is not None else None
    keys = {
        InvoiceState.NEEDS_REVIEW: "needs_review",
        InvoiceState.FAILED: "submission_failed",
        InvoiceState.INVALID: "validation_rejected",
    }
    return follow_up_text(keys[state], lang) if state in keys else None


#: Items listed per category: a clerk works from the oldest; the invoice list filters the rest.
PER_CATEGORY = 100


def to_handle(ledger: Ledger, clock: Clock, per_category: int | None = PER_CATEGORY) -> Queue:
    """Everything that needs a person, from the ledger, for every supplier it holds.

    The summary covers every item; ``items`` the ``per_category`` oldest of each category (all of
    them with None).
    """
    settings = clock.alert_settings
    today = clock.now.astimezone(clock.zone).date()
    events: list[AlertEvent] = []
    for siret in _suppliers(ledger):
        events += blocked_events(ledger, siret)
        events += needs_review_events(ledger, siret)
        events += submission_failed_events(ledger, siret)
        events += overdue_events(ledger, siret, today, settings)
        events += stale_events(ledger, siret, clock.now, settings)
        events += validation_events(ledger, siret)
    # Blocked and stale items are as old as their status, overdue ones as late as they are.
    undated = [
        event.invoice_id
        for event in events
        if event.invoice_id and _CATEGORY_OF_KIND[event.kind] not in ("blocked", "stale", "overdue")
    ]
    entered = _state_entered_at(ledger, undated)
    # Rank every event, but build a queue item only for those listed: a backlog may hold thousands.
    order = {category: position for position, category in enumerate(CATEGORIES)}
    ranked = sorted(
        ((_CATEGORY_OF_KIND[event.kind], _age(event, entered, clock), event) for event in events),
        key=lambda entry: (order[entry[0]], -(entry[1] or 0), entry[2].invoice_number or ""),
    )
    password = _password_item(ledger, today, clock)
    at_stake = [(category, event.amount_ttc, event.currency or "EUR") for category, _, event in ranked]
    summary = summarise(at_stake + ([("password", None, "EUR")] if password is not None else []))
    shown: dict[Category, int] = defaultdict(int)
    items = []
    for category, age, event in ranked:
        shown[category] += 1
        if per_category is None or shown[category] <= per_category:
            items.append(_item(category, age, event))
    if password is not None:
        items.append(password)
    return Queue(items=items, summary=summary, per_category=per_category)


def summarise(entries: Iterable[tuple[Category, Decimal | None, str]]) -> list[CategorySummary]:
    """Counts and totals per category of (category, amount, currency) entries; every category listed."""
    counts: dict[Category, int] = defaultdict(int)
    totals: dict[Category, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for category, amount, currency in entries:
        counts[category] += 1
        if amount is not None:
            totals[category][currency] += amount
    return [
        CategorySummary(category=category, count=counts[category], totals=dict(totals[category]))
        for category in CATEGORIES
    ]


def _suppliers(ledger: Ledger) -> list[str]:
    with ledger.reading() as connection:
        return list(connection.execute(select(invoices.c.supplier_siret).distinct()).scalars())


def _state_entered_at(ledger: Ledger, ids: list[int]) -> dict[int, datetime]:
    """When each invoice last changed (its state's start for states with no Chorus Pro status)."""
    found: dict[int, datetime] = {}
    with ledger.reading() as connection:
        for start in range(0, len(ids), 900):
            statement = select(invoices.c.id, invoices.c.updated_at).where(
                invoices.c.id.in_(ids[start : start + 900])
            )
            found.update({row.id: row.updated_at for row in connection.execute(statement)})
    return found


def _age(event: AlertEvent, entered: dict[int, datetime], clock: Clock) -> int | None:
    """Days in the status (blocked, stale), days late (overdue), else days since the state began."""
    category = _CATEGORY_OF_KIND[event.kind]
    if category == "overdue":
        return int(event.details["days_late"])
    since = event.status_at if category in ("blocked", "stale") else None
    if since is None and event.invoice_id is not None:
        since = entered.get(event.invoice_id)
    return age_in_days(since, clock.now)


def _item(category: Category, age: int | None, event: AlertEvent) -> QueueItem:
    return QueueItem(
        category=category,
        invoice_id=event.invoice_id,
        invoice_number=event.invoice_number,
        buyer_name=event.buyer_name,
        buyer_siret=event.buyer_siret,
        amount=event.amount_ttc,
        currency=event.currency or "EUR",
        status=event.status,
        comment=event.comment,
        age_days=age,
        details=event.details,
        next_step=event.next_step,
    )


def _password_item(ledger: Ledger, today: date, clock: Clock) -> QueueItem | None:
    """The latest technical-password warning the sync recorded, while its date is near or past."""
    statement = (
        select(alerts_sent.c.payload, alerts_sent.c.sent_at)
        .where(alerts_sent.c.kind == AlertKind.PASSWORD_EXPIRY.value, alerts_sent.c.event_key.not_like("%#%"))
        .order_by(alerts_sent.c.sent_at.desc(), alerts_sent.c.id.desc())
        .limit(1)
    )
    with ledger.reading() as connection:
        row = connection.execute(statement).first()
    if row is None:
        return None
    try:
        expires_on = date.fromisoformat(str(row.payload["details"]["expires_on"]))
    except (KeyError, TypeError, ValueError):
        return None
    days_left = (expires_on - today).days
    if days_left < 0:
        # Past that date either it was renewed or every Chorus Pro call fails (and shows as failed).
        return None
    return QueueItem(
        category="password",
        age_days=age_in_days(row.sent_at, clock.now),
        details={"expires_on": expires_on.isoformat(), "days_left": days_left},
    )
