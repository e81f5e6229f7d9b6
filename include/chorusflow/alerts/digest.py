"""The daily digest: everything still open (blocked, stale, overdue), with totals."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from chorusflow.alerts.events import (
    AlertEvent,
    blocked_events,
    decisions_awaited,
    overdue_events,
    stale_events,
)
from chorusflow.alerts.render import RenderedAlert, next_step_text
from chorusflow.alerts.settings import AlertSettings
from chorusflow.ledger import Ledger
from chorusflow.messages import Language, language, text
from chorusflow.money import money


@dataclass
class Digest:
    """Open items on one day."""

    day: str
    blocked: list[AlertEvent] = field(default_factory=list)
    stale: list[AlertEvent] = field(default_factory=list)
    overdue: list[AlertEvent] = field(default_factory=list)
    #: Blocked invoices whose decision was asked, reminded, and still not taken.
    awaited: list[AlertEvent] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Nothing open."""
        return not (self.blocked or self.stale or self.overdue)

    @staticmethod
    def total(events: list[AlertEvent]) -> Decimal:
        """Sum of the TTC amounts."""
        return sum((event.amount_ttc or Decimal("0") for event in events), Decimal("0"))

    def overdue_costs(self) -> Decimal:
        """Estimated interest plus fixed indemnities owed on overdue invoices."""
        return sum((Decimal(event.details["total_owed"]) for event in self.overdue), Decimal("0"))


def build_digest(ledger: Ledger, supplier_siret: str, now: datetime, settings: AlertSettings) -> Digest:
    """The open items of the supplier at ``now``."""
    today = now.astimezone(ZoneInfo(settings.timezone)).date()
    blocked = blocked_events(ledger, supplier_siret)
    return Digest(
        day=today.isoformat(),
        blocked=blocked,
        stale=stale_events(ledger, supplier_siret, now, settings),
        overdue=overdue_events(ledger, supplier_siret, today, settings),
        awaited=decisions_awaited(ledger, supplier_siret, blocked),
    )


def _owed(event: AlertEvent, lang: Language) -> str:
    return money(event.details["total_owed"], "EUR", lang)


def render_digest(digest: Digest, lang: Language | None = None) -> RenderedAlert:
    """The digest as one message."""
    lang = language(lang)
    sections: list[tuple[str, list[str]]] = []

    def head(event: AlertEvent) -> str:
        buyer = event.buyer_name or event.buyer_siret
        return f"{event.invoice_number} — {buyer} — {money(event.amount_ttc, event.currency, lang)} — "

    blocked_lines = []
    for e in digest.blocked:
        todo = next_step_text(e.next_step, lang)
        blocked_lines.append(f"{head(e)}{e.status} : {e.comment or '-'}" + (f" → {todo}" if todo else ""))
    stale_lines = [
        head(e) + text("digest.stale_line", lang, status=e.status, days=e.details["days"])
        for e in digest.stale
    ]
    overdue_lines = [
        head(e) + text("digest.overdue_line", lang, days_late=e.details["days_late"], owed=_owed(e, lang))
        for e in digest.overdue
    ]
    awaited_lines = [f"{head(e)}{e.status} : {e.comment or '-'}" for e in digest.awaited]
    for title_key, events, lines in (
        ("digest.awaited", digest.awaited, awaited_lines),
        ("digest.blocked", digest.blocked, blocked_lines),
        ("digest.stale", digest.stale, stale_lines),
        ("digest.overdue", digest.overdue, overdue_lines),
    ):
        total = money(Digest.total(events), "EUR", lang)
        heading = text("digest.heading", lang, title=text(title_key, lang), count=len(events), total=total)
        sections.append((heading, lines))
    if digest.overdue:
        sections.append((text("digest.costs", lang, costs=money(digest.overdue_costs(), "EUR", lang)), []))
    subject = text(
        "digest.subject", lang, day=digest.day, blocked=len(digest.blocked), stale=len(digest.stale),
        overdue=len(digest.overdue),
    )  # fmt: skip
    text_parts = []
    html_parts = []
    for heading, lines in sections:
        text_parts.append(heading)
        text_parts += [f"  - {line}" for line in lines]
        text_parts.append("")
        items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
        html_parts.append(f"<h3>{html.escape(heading)}</h3>" + (f"<ul>{items}</ul>" if items else ""))
    if digest.empty:
        text_parts = [text("digest.nothing_open", lang)]
        html_parts = [f"<p>{text_parts[0]}</p>"]
    page = f"<html><body><h2>{html.escape(subject)}</h2>{''.join(html_parts)}</body></html>"
    return RenderedAlert(subject=subject, text="\n".join(text_parts).strip(), html=page)
