"""Task bodies of ``chorus_resolve_invoices``, once Airflow has given them their context.

The decisions live in :mod:`chorusflow.resolution`; this module resolves the ledger, the client, the
settings and who is running, and maps a result to the task's end: a refused answer (a rule code,
nothing sent) raises :class:`DecisionRefused`, which the decision task answers by asking again without
using up a try; an answer Chorus Pro refused, or a passing error, fails the try.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from airflow.exceptions import AirflowFailException

from chorusflow.airflow.connections import (
    claim_owner,
    get_ledger,
    reports_root,
    supplier_alert_channels,
    supplier_client,
)
from chorusflow.alerts import AlertDispatcher
from chorusflow.ledger import Ledger
from chorusflow.messages import Language, language
from chorusflow.messages import text as message_text
from chorusflow.resolution import (
    Decision,
    DecisionResult,
    ResolutionResult,
    action_from_answer,
    build_resolver,
    decision_label,
    decision_supplier,
    open_requests,
)
from chorusflow.rules.codes import finding
from chorusflow.rules.profiles import load_profiles
from chorusflow.settings import settings
from chorusflow.suppliers import SupplierIdentity, Suppliers, load_suppliers

log = logging.getLogger(__name__)


class DecisionNotApplied(Exception):
    """The answer was refused by Chorus Pro, or met a passing error: the try fails."""


class DecisionRefused(DecisionNotApplied):
    """A rule code refused the answer and nothing was sent: the person answers again (no try used)."""


class FormDecisionRefused(DecisionRefused, AirflowFailException):
    """The Params form's answer was refused: the same form would be refused again, so no retry
    (trigger the DAG again with a corrected answer)."""


#: The Params form's fields (besides ``invoice_number`` and ``action``), as the decision names them.
FORM_FIELDS = ("attachment", "comment", "service_code", "engagement", "new_number", "chorus_id")


def plan_requests(numbers: list[str] | None) -> list[dict[str, Any]]:
    """One HITL task's arguments per invoice waiting for a decision (``numbers``: only these), for
    every supplier: each task carries its invoice's supplier (``supplier_id``, ``None`` in a
    one-supplier deployment) and is labelled with :func:`decision_label`."""
    ledger = get_ledger()
    suppliers = load_suppliers()
    planned: list[dict[str, Any]] = []
    for supplier in suppliers:
        shown_id = supplier.id if suppliers.several else None
        requests = open_requests(
            ledger,
            supplier.key,
            supplier.language,
            settings().attachments_folder,
            load_profiles(),
            numbers or None,
        )
        planned += [
            {
                "invoice_number": request.invoice_number,
                "supplier_id": shown_id,
                "invoice_label": decision_label(request.invoice_number, shown_id),
                "event_key": request.event_key,
                "subject": request.subject,
                "body": _with_page_link(
                    request.body, decision_label(request.invoice_number, shown_id), supplier.language
                ),
                "options": request.options,
                "fields": request.params,
            }
            for request in requests
        ]
    log.info(
        "%d invoice(s) wait for a decision: %s",
        len(planned),
        ", ".join(item["invoice_label"] for item in planned),
    )
    return planned


def _with_page_link(body: str, label: str, lang: Language) -> str:
    """The question, plus the way to the decision page (upload, reasons of a refusal) for a person who
    opened Airflow's own form; unchanged without ``[api] base_url``."""
    from urllib.parse import quote

    from airflow.configuration import conf

    base_url = conf.get("api", "base_url", fallback=None)
    if not base_url:
        return body
    link = f"{base_url.rstrip('/')}/chorusflow-decisions/{quote(label, safe='')}"
    return f"{body}\n\n{message_text('resolution.page.link', lang, url=link)}"


def apply_answer(
    invoice_number: str,
    event_key: str | None,
    chosen: list[str],
    fields: Mapping[str, Any],
    decided_by: str,
    context: Mapping[str, Any],
    *,
    source: str = "hitl",
    supplier_id: str | None = None,
) -> dict[str, Any]:
    """Apply one person's answer with the technical account of the invoice's supplier (``supplier_id``,
    else the default one); raise (the task fails with the coded message) unless it is applied."""
    answer = chosen[0] if chosen else ""
    action = action_from_answer(answer)
    if action is None:
        options = ", ".join(chosen) or "-"
        refused = finding("RESOLUTION_OPTION_UNKNOWN", language(), value=answer, options=options)
        raise DecisionRefused(f"{refused.code}: {refused.message}")
    values = {name: _blank_to_none(fields.get(name)) for name in FORM_FIELDS}
    decision = Decision(
        invoice_number=invoice_number,
        action=action,
        decided_by=decided_by,
        source=source,
        event_key=event_key,
        **values,
    )
    ledger = get_ledger()
    supplier = _supplier_of(ledger, load_suppliers(), invoice_number, supplier_id)
    resolver = build_resolver(
        ledger, supplier_client(supplier), supplier.key, claim_owner(context), documents=reports_root()
    )
    result = resolver.apply(decision)
    return _task_end(result)


def apply_form(params: Mapping[str, Any], context: Mapping[str, Any]) -> dict[str, Any] | None:
    """The Params form's decision, when it names an invoice and an action; ``None`` otherwise.

    With several suppliers, ``supplier`` names the invoice's supplier (id or identifier); it may stay
    empty when a single supplier has an invoice with that number.
    """
    number, action = _blank_to_none(params.get("invoice_number")), _blank_to_none(params.get("action"))
    if not (number and action):
        return None
    dag_run = context.get("dag_run")
    decided_by = str(getattr(dag_run, "triggering_user_name", None) or "params-form")
    supplier = _blank_to_none(params.get("supplier"))
    try:
        return apply_answer(
            str(number),
            None,
            [str(action)],
            params,
            decided_by,
            context,
            source="params",
            supplier_id=str(supplier) if supplier else None,
        )
    except DecisionRefused as refused:
        raise FormDecisionRefused(str(refused)) from refused


def remind(invoice_number: str, event_key: str, link: str | None, supplier_id: str | None = None) -> None:
    """No answer in time: remind the recipients of the invoice's supplier once (the daily digest lists
    the invoice from then on)."""
    from chorusflow.alerts.events import decision_reminder_event

    ledger = get_ledger()
    suppliers = load_suppliers()
    supplier = _supplier_of(ledger, suppliers, invoice_number, supplier_id)
    detail = ledger.get_invoice(invoice_number, supplier.key)
    if detail is None:
        return
    channels = supplier_alert_channels(supplier, suppliers)
    dispatcher = AlertDispatcher(ledger, channels, supplier.language)
    report = dispatcher.dispatch([decision_reminder_event(detail, event_key, link)])
    log.info("%s", report.summary_text())


def _supplier_of(
    ledger: Ledger, suppliers: Suppliers, invoice_number: str, supplier_id: str | None
) -> SupplierIdentity:
    """The supplier a decision is for (:func:`decision_supplier`); a refusal fails the try, nothing sent."""
    found = decision_supplier(ledger, suppliers, invoice_number, supplier_id, language())
    if isinstance(found, SupplierIdentity):
        return found
    raise DecisionRefused(f"{found.code}: {found.message}")


def _task_end(result: ResolutionResult) -> dict[str, Any]:
    if result.ok:
        return result.to_xcom()
    if result.result is DecisionResult.REFUSED:
        raise DecisionRefused(f"{result.invoice_number}: {result.message}")
    raise DecisionNotApplied(
        f"{result.invoice_number}: {result.result.value}: {result.message} "
        "(the retry, or reopening the decision from the desk, asks again)"
    )


def _blank_to_none(value: Any) -> Any:
    return None if value is None or (isinstance(value, str) and not value.strip()) else value
