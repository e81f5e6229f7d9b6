"""The daily digest: everything still open (blocked, stale, overdue), with totals."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from chorusflow.alerts.events import AlertEvent, blocked_events, overdue_events, stale_events
from chorusflow.alerts.render import NEXT_STEP_TEXT, RenderedAlert, money
from chorusflow.alerts.settings import AlertSettings
from chorusflow.ledger import Ledger
from chorusflow.messages import Language, language


@dataclass
class Digest:
    """Open items on one day."""

    day: str
    blocked: list[AlertEvent] = field(default_factory=list)
    stale: list[AlertEvent] = field(default_factory=list)
    overdue: list[AlertEvent] = field(default_factory=list)

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
    return Digest(
        day=today.isoformat(),
        blocked=blocked_events(ledger, supplier_siret),
        stale=stale_events(ledger, supplier_siret, now, settings),
        overdue=overdue_events(ledger, supplier_siret, today, settings),
    )


def _owed(event: AlertEvent, lang: Language) -> str:
    return money(event.details["total_owed"], "EUR", lang)


def render_digest(digest: Digest, lang: Language | None = None) -> RenderedAlert:
    """The digest as one message."""
    lang = lang or language()
    fr = lang == "fr"
    sections: list[tuple[str, list[str]]] = []
    blocked_lines = [
        f"{e.invoice_number} — {e.buyer_name or e.buyer_siret} — {money(e.amount_ttc, e.currency, lang)} — "
        f"{e.status} : {e.comment or '-'}"
        + (f" → {NEXT_STEP_TEXT[e.next_step][lang]}" if e.next_step in NEXT_STEP_TEXT else "")
        for e in digest.blocked
    ]
    stale_lines = [
        f"{e.invoice_number} — {e.buyer_name or e.buyer_siret} — {money(e.amount_ttc, e.currency, lang)} — "
        + (
            f"{e.status} depuis {e.details['days']} jours"
            if fr
            else f"{e.status} for {e.details['days']} days"
        )
        for e in digest.stale
    ]
    overdue_lines = [
        f"{e.invoice_number} — {e.buyer_name or e.buyer_siret} — {money(e.amount_ttc, e.currency, lang)} — "
        + (
            f"{e.details['days_late']} jours de retard, dû en plus : {_owed(e, lang)}"
            if fr
            else f"{e.details['days_late']} days late, extra owed: {_owed(e, lang)}"
        )
        for e in digest.overdue
    ]
    for title_fr, title_en, events, lines in (
        ("Factures bloquées", "Blocked invoices", digest.blocked, blocked_lines),
        ("Factures sans évolution", "Invoices not moving", digest.stale, stale_lines),
        ("Paiements en retard", "Overdue payments", digest.overdue, overdue_lines),
    ):
        title = title_fr if fr else title_en
        separator = " :" if fr else ":"
        heading = f"{title}{separator} {len(events)} (total {money(Digest.total(events), 'EUR', lang)})"
        sections.append((heading, lines))
    if digest.overdue:
        costs = money(digest.overdue_costs(), "EUR", lang)
        sections.append(
            (
                f"Intérêts et indemnités estimés : {costs}"
                if fr
                else f"Estimated interest and indemnities: {costs}",
                [],
            )
        )
    subject = (
        f"[chorusflow] Point du {digest.day} : {len(digest.blocked)} bloquée(s), {len(digest.stale)} sans "
        f"évolution, {len(digest.overdue)} en retard de paiement"
        if fr
        else f"[chorusflow] Digest {digest.day}: {len(digest.blocked)} blocked, "
        f"{len(digest.stale)} not moving, {len(digest.overdue)} overdue"
    )
    text_parts = []
    html_parts = []
    for heading, lines in sections:
        text_parts.append(heading)
        text_parts += [f"  - {line}" for line in lines]
        text_parts.append("")
        items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
        html_parts.append(f"<h3>{html.escape(heading)}</h3>" + (f"<ul>{items}</ul>" if items else ""))
    if digest.empty:
        text_parts = ["Rien en attente." if fr else "Nothing open."]
        html_parts = [f"<p>{text_parts[0]}</p>"]
    page = f"<html><body><h2>{html.escape(subject)}</h2>{''.join(html_parts)}</body></html>"
    return RenderedAlert(subject=subject, text="\n".join(text_parts).strip(), html=page)
