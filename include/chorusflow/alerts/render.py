"""Alert messages in French (default) or English: a subject, a text part and an HTML part.

Every word comes from the message catalogue (``alert.*`` in :mod:`chorusflow.messages.alerts`).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from chorusflow.alerts.events import AlertEvent, AlertKind
from chorusflow.messages import REGISTRY, Language, language, text
from chorusflow.money import money


@dataclass(frozen=True)
class RenderedAlert:
    """One message, ready for any channel."""

    subject: str
    text: str
    html: str


def next_step_text(next_step: str | None, lang: Language) -> str | None:
    """What to do about a blocked invoice (``alert.next_step.<step>``), or ``None`` for no known step."""
    key = f"alert.next_step.{next_step}"
    return text(key, lang) if key in REGISTRY else None


def follow_up_text(kind: str, lang: Language) -> str:
    """What a person does about an alert of ``kind`` that is not a blocked status (``alert.<kind>.todo``);
    the invoice desk says the same."""
    return text(f"alert.{kind}.todo", lang)


def kind_title(kind: str, lang: Language) -> str:
    """An alert kind's title (``alert.title.<kind>``), the raw kind when it has none."""
    key = f"alert.title.{kind}"
    return text(key, lang) if key in REGISTRY else kind


def _lines(event: AlertEvent, lang: Language) -> tuple[str, list[tuple[str, str]], list[str]]:
    """(headline, labelled facts, paragraphs) for one event."""

    def say(key: str, **params: object) -> str:
        return text(key, lang, **params)

    number = event.invoice_number or "-"
    buyer = event.buyer_name or event.buyer_siret or "-"
    facts: list[tuple[str, str]] = []
    if event.invoice_number:
        facts = [
            (say("alert.fact.invoice"), number),
            (say("alert.fact.buyer"), f"{buyer} ({event.buyer_siret})" if event.buyer_siret else buyer),
            (say("alert.fact.amount"), money(event.amount_ttc, event.currency, lang)),
        ]
        if event.status:
            facts.append((say("alert.fact.status"), event.status))
    paragraphs: list[str] = []
    details = event.details
    kind = event.kind.value
    if event.kind is AlertKind.BLOCKED:
        headline = say("alert.blocked.headline", number=number, status=event.status, buyer=buyer)
        facts.append((say("alert.fact.buyer_reason"), event.comment or say("alert.no_reason")))
        todo = next_step_text(event.next_step, lang)
        if todo is not None:
            facts.append((say("alert.fact.todo"), todo))
    elif event.kind is AlertKind.DECISION_REMINDER:
        headline = say(
            "alert.decision_reminder.headline",
            number=number,
            status=event.status or say("alert.decision_reminder.under_review"),
        )
        if event.comment:
            facts.append((say("alert.fact.buyer_reason"), event.comment))
        paragraphs.append(say("alert.decision_reminder.todo"))
    elif event.kind is AlertKind.STALE:
        headline = say(
            "alert.stale.headline", number=number, status=event.status, days=details.get("days"),
            limit=details.get("limit_days"),
        )  # fmt: skip
        paragraphs.append(say("alert.stale.todo"))
    elif event.kind is AlertKind.PAYMENT_OVERDUE:
        headline = say("alert.payment_overdue.headline", number=number, days_late=details["days_late"])
        basis = say("alert.payment_overdue.interest_basis", rate=details["ecb_rate_percent"])
        facts.append((say("alert.fact.received_on"), str(details["received_on"])))
        if details.get("suspended_on"):
            span = say(
                "alert.fact.interrupted_span",
                suspended=details["suspended_on"],
                resumed=details["resumed_on"],
            )
            facts.append((say("alert.fact.interrupted"), span))
        facts += [
            (say("alert.fact.due_on", days=details.get("period_days", 30)), str(details["due_on"])),
            (say("alert.fact.interest"), money(details["interest"], event.currency, lang) + basis),
            (say("alert.fact.fixed_indemnity"), money(details["fixed_indemnity"], "EUR", lang)),
        ]
        paragraphs.append(say("alert.payment_overdue.todo"))
    elif event.kind is AlertKind.VALIDATION_REJECTED:
        headline = say("alert.validation_rejected.headline", number=number)
        paragraphs += [f"{f.get('code')} : {f.get('message')}" for f in details.get("findings", [])]
        paragraphs.append(say("alert.validation_rejected.todo"))
    elif event.kind in (AlertKind.NEEDS_REVIEW, AlertKind.SUBMISSION_FAILED):
        headline = say(f"alert.{kind}.headline", number=number)
        if event.comment:
            label = "alert.fact.finding" if event.kind is AlertKind.NEEDS_REVIEW else "alert.fact.error"
            facts.append((say(label), event.comment))
        paragraphs.append(say(f"alert.{kind}.todo"))
    elif event.kind is AlertKind.FLUX_REFUSED:
        flux = str(details.get("flux") or "-")
        headline = say("alert.flux_refused.headline", number=number, flux=flux)
        facts.append((say("alert.fact.flux"), flux))
        if event.comment:
            facts.append((say("alert.fact.platform_reason"), event.comment))
        paragraphs.append(say("alert.flux_refused.todo"))
    else:
        headline = say(
            "alert.password_expiry.headline", expires_on=details["expires_on"], days_left=details["days_left"]
        )
        paragraphs.append(say("alert.password_expiry.todo"))
    if details.get("decision_url"):
        facts.append((say("alert.fact.decision_url"), str(details["decision_url"])))
    return headline, facts, paragraphs


def _cell(value: str) -> str:
    """A table cell; a link stays a link in the HTML message."""
    if value.startswith(("http://", "https://")):
        return f"<a href='{html.escape(value, quote=True)}'>{html.escape(value)}</a>"
    return html.escape(value)


def render(event: AlertEvent, lang: Language | None = None) -> RenderedAlert:
    """The message of one event, in ``lang`` (default: ``CHORUSFLOW_LANG``, French)."""
    lang = language(lang)
    headline, facts, paragraphs = _lines(event, lang)
    title = text(f"alert.title.{event.kind.value}", lang)
    subject = (
        text("alert.subject_invoice", lang, title=title, number=event.invoice_number)
        if event.invoice_number
        else text("alert.subject", lang, title=title)
    )
    colon = text("format.colon", lang)
    text_lines = [headline, ""] + [f"{label}{colon}{value}" for label, value in facts]
    if paragraphs:
        text_lines += [""] + paragraphs
    rows = "".join(
        f"<tr><th align='left' style='padding-right:1em'>{html.escape(label)}</th>"
        f"<td>{_cell(value)}</td></tr>"
        for label, value in facts
    )
    body = "".join(f"<p>{html.escape(paragraph)}</p>" for paragraph in paragraphs)
    page = (
        f"<html><body><h2>{html.escape(title)}</h2><p><strong>{html.escape(headline)}</strong></p>"
        f"<table>{rows}</table>{body}<p style='color:#777'>chorusflow</p></body></html>"
    )
    return RenderedAlert(subject=subject, text="\n".join(text_lines), html=page)
