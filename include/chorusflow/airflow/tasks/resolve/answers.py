"""``decide`` and ``from_form``: one person's answer applied with the technical account of the
invoice's supplier. A refused answer (a rule code, nothing sent) raises :class:`DecisionRefused`,
which the decision task answers by asking again without using up a try; an answer Chorus Pro
refused, or a passing error, fails the try (:class:`DecisionNotApplied`)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from airflow.exceptions import AirflowFailException

from chorusflow.airflow.connections import claim_owner, get_ledger, reports_root, supplier_client
from chorusflow.ledger import Ledger
from chorusflow.messages import language
from chorusflow.resolution import DecisionResult, ResolutionResult, build_resolver, decision_supplier
from chorusflow.resolution.decisions import Decision, blank_to_none, decision_from_answer
from chorusflow.suppliers import SupplierIdentity, Suppliers, load_suppliers

log = logging.getLogger(__name__)


class DecisionNotApplied(Exception):
    """The answer was refused by Chorus Pro, or met a passing error: the try fails."""


class DecisionRefused(DecisionNotApplied):
    """A rule code refused the answer and nothing was sent: the person answers again (no try used)."""


class FormDecisionRefused(DecisionRefused, AirflowFailException):
    """The Params form's answer was refused: the same form would be refused again, so no retry
    (trigger the DAG again with a corrected answer)."""


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
    decision = decision_from_answer(
        invoice_number, event_key, chosen, fields, decided_by, source=source, lang=language()
    )
    if not isinstance(decision, Decision):
        raise DecisionRefused(f"{decision.code}: {decision.message}")
    ledger = get_ledger()
    supplier = supplier_of(ledger, load_suppliers(), invoice_number, supplier_id)
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
    number, action = blank_to_none(params.get("invoice_number")), blank_to_none(params.get("action"))
    if not (number and action):
        return None
    dag_run = context.get("dag_run")
    decided_by = str(getattr(dag_run, "triggering_user_name", None) or "params-form")
    supplier = blank_to_none(params.get("supplier"))
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


def supplier_of(
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
