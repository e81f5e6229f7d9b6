"""The question a person is asked about one blocked invoice: subject, facts, choices and fields.

A :class:`DecisionRequest` is plain data (JSON through XCom). The Airflow adapter turns it into one
human-in-the-loop task; the same fields make the DAG's Params form and ``chorusflow resolve``'s options.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from chorusflow.ledger import InvoiceRow, InvoiceState, Ledger
from chorusflow.messages import REGISTRY, Language
from chorusflow.messages import text as message_text
from chorusflow.money import money
from chorusflow.resolution.decisions import (
    ACTIONS_OF_KIND,
    Action,
    Kind,
    action_label,
    event_key,
    kind_of,
    recorded_routing,
)
from chorusflow.rules.codes import Finding, finding
from chorusflow.rules.profiles import BuyerProfile
from chorusflow.suppliers import SupplierIdentity, Suppliers

#: The form fields each kind asks for, in order.
FIELDS_OF_KIND: dict[Kind, tuple[str, ...]] = {
    Kind.SUSPENDED: ("attachment", "comment"),
    Kind.TO_RECYCLE: ("service_code", "engagement", "comment"),
    Kind.REJECTED: ("new_number", "comment"),
    Kind.REVIEW: ("chorus_id",),
}


#: The fields each action's own form shows (the decision page answers one action per form).
FIELDS_OF_ACTION: dict[Action, tuple[str, ...]] = {
    Action.COMPLETE: ("attachment", "comment"),
    Action.RECYCLE: ("service_code", "engagement", "comment"),
    Action.REISSUE: ("new_number",),
    Action.CREDIT_NOTE: ("new_number",),
    Action.ADOPT: ("chorus_id",),
}
#: The fields an answer must fill; ``RECYCLE``'s two are "at least one of them" (the checks say so too).
REQUIRED_FIELDS: dict[Action, tuple[str, ...]] = {
    Action.COMPLETE: ("comment",),
    Action.RECYCLE: ("service_code", "engagement"),
    Action.REISSUE: ("new_number",),
    Action.CREDIT_NOTE: ("new_number",),
    Action.ADOPT: ("chorus_id",),
}


def text(key: str, lang: Language, **values: object) -> str:
    """The form's text ``resolution.<key>`` in ``lang``, filled in."""
    return message_text(f"resolution.{key}", lang, **values)


class DecisionRequest(BaseModel):
    """What one human-in-the-loop task asks about one invoice."""

    invoice_number: str
    kind: Kind
    event_key: str
    subject: str
    body: str
    options: list[str]
    #: Form fields: name → JSON Schema of an Airflow ``Param`` (``default``, ``type``, ``title``…).
    params: dict[str, dict[str, Any]]


def field_schema(name: str, lang: Language) -> dict[str, Any]:
    """The JSON Schema of one form field (every field may stay empty: the checks say what is missing)."""
    kind = ["null", "integer"] if name == "chorus_id" else ["null", "string"]
    schema: dict[str, Any] = {"default": None, "type": kind, "title": text(f"field.{name}", lang)}
    if f"resolution.field.{name}.help" in REGISTRY:
        schema["description"] = text(f"field.{name}.help", lang)
    return schema


def build_request(
    row: InvoiceRow, lang: Language, attachments_folder: Path, profile: BuyerProfile | None
) -> DecisionRequest | None:
    """The request for ``row``, or ``None`` when no decision is asked for (``attachments_folder`` is
    no longer shown to the person: the document is uploaded on the decision page)."""
    kind = kind_of(row)
    if kind is None:
        return None
    return DecisionRequest(
        invoice_number=row.invoice_number,
        kind=kind,
        event_key=event_key(row),
        subject=text(f"subject.{kind.value}", lang, number=row.invoice_number),
        body=_body(row, kind, lang, profile),
        options=[action_label(action, lang) for action in ACTIONS_OF_KIND[kind]],
        params={name: field_schema(name, lang) for name in FIELDS_OF_KIND[kind]},
    )


def _body(row: InvoiceRow, kind: Kind, lang: Language, profile: BuyerProfile | None) -> str:
    facts = [
        (text("fact.buyer", lang), f"{row.buyer_name or '-'} ({row.buyer_siret or '-'})"),
        (text("fact.amount", lang), money(row.total_ttc, row.currency, lang)),
    ]
    if kind is Kind.REVIEW:
        facts.append((text("fact.reason", lang), row.last_error or "-"))
    else:
        facts.append((text("fact.status", lang), row.chorus_status or "-"))
        facts.append((text("fact.comment", lang), row.chorus_status_comment or "-"))
    if kind is Kind.TO_RECYCLE:
        service, engagement = recorded_routing(row)
        routing = text("fact.routing_now", lang, service=service or "-", engagement=engagement or "-")
        facts.append((text("fact.routing", lang), routing))
    if kind is Kind.TO_RECYCLE and profile is not None and profile.engagement_number is not None:
        rule = text("fact.rule_field", lang, rule=profile.engagement_number.rule.get(lang))
        facts.append((text("fact.rule", lang), rule))
    lines = [text("fact_line", lang, label=label, value=value) for label, value in facts]
    return "\n".join([*lines, "", text(f"expects.{kind.value}", lang)])


def open_requests(
    ledger: Ledger,
    supplier_siret: str,
    lang: Language,
    attachments_folder: Path,
    profiles: dict[str, BuyerProfile],
    numbers: Iterable[str] | None = None,
) -> list[DecisionRequest]:
    """One request per invoice waiting for a decision no one took yet (``numbers``: only these)."""
    wanted = set(numbers) if numbers is not None else None
    answered = ledger.succeeded_events(supplier_siret)
    rows = [
        *ledger.list_invoices(InvoiceState.BLOCKED, supplier_siret),
        *ledger.list_invoices(InvoiceState.NEEDS_REVIEW, supplier_siret),
    ]
    requests = []
    for row in sorted(rows, key=lambda item: item.id):
        if wanted is not None and row.invoice_number not in wanted:
            continue
        if (row.id, event_key(row)) in answered:
            continue
        request = build_request(row, lang, attachments_folder, profiles.get(row.buyer_siret or ""))
        if request is not None:
            requests.append(request)
    return requests


def decision_supplier(
    ledger: Ledger, suppliers: Suppliers, invoice_number: str, named: str | None, lang: Language
) -> SupplierIdentity | Finding:
    """The supplier a decision about ``invoice_number`` is for, whose technical account sends it: the
    one ``named`` (id or identifier); else the only supplier whose ledger has that number, else the
    default one (the resolver then refuses an unknown number). A supplier named but not configured,
    or a number several suppliers have, is the finding that refuses the decision."""
    if named:
        found = suppliers.find(named)
        return found or finding("RESOLUTION_SUPPLIER_UNKNOWN", lang, value=named)
    holders = [supplier for supplier in suppliers if ledger.get_invoice(invoice_number, supplier.key)]
    if len(holders) > 1:
        owners = ", ".join(supplier.id for supplier in holders)
        return finding("RESOLUTION_SUPPLIER_AMBIGUOUS", lang, number=invoice_number, suppliers=owners)
    return holders[0] if holders else suppliers.default or next(iter(suppliers))
