"""Alert messages in French (default) or English: a subject, a text part and an HTML part."""

from __future__ import annotations

import html
from dataclasses import dataclass
from decimal import Decimal

from chorusflow.alerts.events import AlertEvent, AlertKind
from chorusflow.config import Language, language


@dataclass(frozen=True)
class RenderedAlert:
    """One message, ready for any channel."""

    subject: str
    text: str
    html: str


NEXT_STEP_TEXT: dict[str, dict[Language, str]] = {
    "complete": {
        "fr": "Compléter la facture sur Chorus Pro (action « Compléter ») en joignant la pièce ou "
        "l'information demandée par l'acheteur ; elle passera au statut COMPLETEE.",
        "en": 'Complete the invoice on Chorus Pro (action "Compléter") with the document or information the '
        "buyer asks for; it then moves to COMPLETEE.",
    },
    "recycle": {
        "fr": "Recycler la facture sur Chorus Pro avec le bon acheminement (SIRET du destinataire, "
        "code service, numéro d'engagement) ; le numéro de facture reste le même.",
        "en": "Recycle the invoice on Chorus Pro with the right routing (buyer SIRET, service code, "
        "engagement number); the invoice number stays the same.",
    },
    "new_invoice": {
        "fr": "La facture est refusée définitivement : émettre un avoir si elle est comptabilisée, puis une "
        "nouvelle facture avec un nouveau numéro.",
        "en": "The invoice is refused for good: issue a credit note if it is booked, then a new invoice "
        "with a new number.",
    },
    "fix_validator": {
        "fr": "Corriger le valideur de la facture sur Chorus Pro.",
        "en": "Correct the invoice's validator on Chorus Pro.",
    },
    "act_in_portal": {
        "fr": "Traiter la facture dans le portail Chorus Pro (circuit de validation des travaux).",
        "en": "Handle the invoice in the Chorus Pro portal (works-invoice validation circuit).",
    },
}

KIND_TITLES: dict[AlertKind, dict[Language, str]] = {
    AlertKind.BLOCKED: {"fr": "Facture bloquée", "en": "Invoice blocked"},
    AlertKind.STALE: {"fr": "Facture sans évolution", "en": "Invoice not moving"},
    AlertKind.PAYMENT_OVERDUE: {"fr": "Délai de paiement dépassé", "en": "Payment deadline passed"},
    AlertKind.VALIDATION_REJECTED: {"fr": "Facture non envoyée (règles)", "en": "Invoice not sent (rules)"},
    AlertKind.SUBMISSION_FAILED: {"fr": "Dépôt refusé par Chorus Pro", "en": "Deposit refused by Chorus Pro"},
    AlertKind.NEEDS_REVIEW: {"fr": "Dépôt à vérifier", "en": "Deposit to check"},
    AlertKind.FLUX_REFUSED: {"fr": "Facture refusée dans un flux", "en": "Invoice refused in a flux"},
    AlertKind.PASSWORD_EXPIRY: {
        "fr": "Mot de passe du compte technique bientôt expiré",
        "en": "Technical account password expires soon",
    },
}


def money(amount: Decimal | str | None, currency: str | None, lang: Language) -> str:
    """``1 234,56 €`` in French, ``EUR 1,234.56`` in English."""
    if amount is None:
        return "-"
    value = Decimal(str(amount)).quantize(Decimal("0.01"))
    code = currency or "EUR"
    if lang == "en":
        return f"{code} {value:,.2f}"
    text = f"{value:,.2f}".replace(",", "\u202f").replace(".", ",")
    return f"{text} €" if code == "EUR" else f"{text} {code}"


def _lines(event: AlertEvent, lang: Language) -> tuple[str, list[tuple[str, str]], list[str]]:
    """(headline, labelled facts, paragraphs) for one event."""
    fr = lang == "fr"
    number = event.invoice_number or "-"
    buyer = event.buyer_name or event.buyer_siret or "-"
    facts: list[tuple[str, str]] = []
    if event.invoice_number:
        facts = [
            ("Facture" if fr else "Invoice", number),
            ("Acheteur" if fr else "Buyer", f"{buyer} ({event.buyer_siret})" if event.buyer_siret else buyer),
            ("Montant TTC" if fr else "Amount incl. VAT", money(event.amount_ttc, event.currency, lang)),
        ]
        if event.status:
            facts.append(("Statut Chorus Pro" if fr else "Chorus Pro status", event.status))
    paragraphs: list[str] = []
    details = event.details
    if event.kind is AlertKind.BLOCKED:
        headline = (
            f"La facture {number} est bloquée sur Chorus Pro ({event.status}) par {buyer}."
            if fr
            else f"Invoice {number} is blocked on Chorus Pro ({event.status}) by {buyer}."
        )
        reason = event.comment or ("(aucun motif donné)" if fr else "(no reason given)")
        facts.append(("Motif de l'acheteur" if fr else "Buyer's reason", reason))
        if event.next_step in NEXT_STEP_TEXT:
            facts.append(("À faire" if fr else "What to do", NEXT_STEP_TEXT[event.next_step][lang]))
    elif event.kind is AlertKind.STALE:
        days, limit = details.get("days"), details.get("limit_days")
        headline = (
            f"La facture {number} est au statut {event.status} depuis {days} jours (seuil : {limit} jours)."
            if fr
            else f"Invoice {number} has been {event.status} for {days} days (limit: {limit} days)."
        )
        paragraphs.append(
            "Relancer l'acheteur ou son service facturier."
            if fr
            else "Follow up with the buyer's accounts payable."
        )
    elif event.kind is AlertKind.PAYMENT_OVERDUE:
        headline = (
            f"Le délai légal de paiement de la facture {number} est dépassé de {details['days_late']} jours."
            if fr
            else f"The legal payment deadline of invoice {number} passed {details['days_late']} days ago."
        )
        facts += [
            ("Reçue le" if fr else "Received on", str(details["received_on"])),
            ("Échéance (30 jours)" if fr else "Due on (30 days)", str(details["due_on"])),
            (
                "Intérêts moratoires estimés" if fr else "Estimated late interest",
                money(details["interest"], event.currency, lang)
                + (
                    f" (taux BCE {details['ecb_rate_percent']} % + 8 points, au prorata)"
                    if fr
                    else f" (ECB rate {details['ecb_rate_percent']}% + 8 points, pro rata)"
                ),
            ),
            (
                "Indemnité forfaitaire" if fr else "Fixed indemnity",
                money(details["fixed_indemnity"], "EUR", lang),
            ),
        ]
        paragraphs.append(
            "Ces sommes sont dues de plein droit par l'acheteur public ; relancer son comptable."
            if fr
            else "The public buyer owes these by law; follow up with its accountant."
        )
    elif event.kind is AlertKind.VALIDATION_REJECTED:
        headline = (
            f"La facture {number} n'a pas été envoyée à Chorus Pro : elle ne respecte pas les règles."
            if fr
            else f"Invoice {number} was not sent to Chorus Pro: it breaks the rules."
        )
        paragraphs += [f"{f.get('code')} : {f.get('message')}" for f in details.get("findings", [])]
        paragraphs.append(
            "Corriger la facture dans la comptabilité ; le prochain export la renverra."
            if fr
            else "Correct the invoice in the accounting system; the next export sends it again."
        )
    elif event.kind is AlertKind.NEEDS_REVIEW:
        headline = (
            f"Impossible de savoir si la facture {number} a été déposée sur Chorus Pro ; "
            "chorusflow ne la déposera pas de nouveau sans votre décision."
            if fr
            else f"Whether invoice {number} was deposited on Chorus Pro cannot be told; "
            "chorusflow will not deposit it again without your decision."
        )
        if event.comment:
            facts.append(("Constat" if fr else "Finding", event.comment))
        paragraphs.append(
            "Chercher la facture sur le portail Chorus Pro (client, montant, date de dépôt). "
            "Si elle y est, noter son identifiant ; sinon, la remettre en dépôt."
            if fr
            else "Look for the invoice on the Chorus Pro portal (buyer, amount, deposit date). "
            "If it is there, note its id; otherwise release it for deposit."
        )
    elif event.kind is AlertKind.SUBMISSION_FAILED:
        headline = (
            f"Chorus Pro a refusé le dépôt de la facture {number} ; elle n'est pas déposée."
            if fr
            else f"Chorus Pro refused to deposit invoice {number}; it is not deposited."
        )
        if event.comment:
            facts.append(("Erreur" if fr else "Error", event.comment))
        paragraphs.append(
            "Corriger la cause puis relancer le DAG chorus_submit_invoices avec ce numéro de facture."
            if fr
            else "Fix the cause, then trigger chorus_submit_invoices again with this invoice number."
        )
    elif event.kind is AlertKind.FLUX_REFUSED:
        flux = str(details.get("flux") or "-")
        headline = (
            f"Chorus Pro a refusé la facture {number} déposée dans le flux {flux} ; elle n'est pas intégrée."
            if fr
            else f"Chorus Pro refused invoice {number}, deposited in flux {flux}; it is not integrated."
        )
        facts.append(("Flux", flux))
        if event.comment:
            facts.append(("Motif de Chorus Pro" if fr else "Chorus Pro's reason", event.comment))
        paragraphs.append(
            "Corriger la facture (ou sa Factur-X) selon ce motif, puis relancer le DAG "
            "chorus_submit_invoices avec ce numéro de facture."
            if fr
            else "Correct the invoice (or its Factur-X) as the reason says, then trigger "
            "chorus_submit_invoices again with this invoice number."
        )
    else:
        headline = (
            f"Le mot de passe du compte technique Chorus Pro expire le {details['expires_on']} "
            f"(dans {details['days_left']} jours)."
            if fr
            else f"The Chorus Pro technical account password expires on {details['expires_on']} "
            f"(in {details['days_left']} days)."
        )
        paragraphs.append(
            "Le renouveler sur le portail Chorus Pro, puis mettre à jour le mot de passe de la connexion "
            "Airflow chorus_pro."
            if fr
            else "Renew it on the Chorus Pro portal, then update the password of the Airflow connection "
            "chorus_pro."
        )
    return headline, facts, paragraphs


def render(event: AlertEvent, lang: Language | None = None) -> RenderedAlert:
    """The message of one event, in ``lang`` (default: ``CHORUSFLOW_LANG``, French)."""
    lang = lang or language()
    headline, facts, paragraphs = _lines(event, lang)
    title = KIND_TITLES[event.kind][lang]
    subject = f"[chorusflow] {title}" + (
        f" : {event.invoice_number}" if lang == "fr" and event.invoice_number else ""
    )
    if lang == "en" and event.invoice_number:
        subject += f": {event.invoice_number}"
    text_lines = [headline, ""] + [
        f"{label} : {value}" if lang == "fr" else f"{label}: {value}" for label, value in facts
    ]
    if paragraphs:
        text_lines += [""] + paragraphs
    rows = "".join(
        f"<tr><th align='left' style='padding-right:1em'>{html.escape(label)}</th>"
        f"<td>{html.escape(value)}</td></tr>"
        for label, value in facts
    )
    body = "".join(f"<p>{html.escape(paragraph)}</p>" for paragraph in paragraphs)
    page = (
        f"<html><body><h2>{html.escape(title)}</h2><p><strong>{html.escape(headline)}</strong></p>"
        f"<table>{rows}</table>{body}<p style='color:#777'>chorusflow</p></body></html>"
    )
    return RenderedAlert(subject=subject, text="\n".join(text_lines), html=page)
