"""Task bodies of ``chorus_resolve_invoices``, once Airflow has given them their context.

The decisions live in :mod:`chorusflow.resolution`; this module resolves the ledger, the client, the
settings and who is running, and maps a result to the task's end: a refused or rejected answer, or a
passing error, fails the try with its rule code and message (the retry opens the form again).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from chorusflow.airflow.connections import alert_dispatcher, chorus_client, claim_owner, get_ledger
from chorusflow.config import load_supplier
from chorusflow.messages import language
from chorusflow.resolution import (
    Decision,
    ResolutionResult,
    action_from_answer,
    build_resolver,
    open_requests,
)
from chorusflow.rules.codes import finding
from chorusflow.rules.profiles import load_profiles
from chorusflow.settings import settings

log = logging.getLogger(__name__)


class DecisionNotApplied(Exception):
    """The answer was refused (rule code), refused by Chorus Pro, or met a passing error: ask again."""


#: The Params form's fields (besides ``invoice_number`` and ``action``), as the decision names them.
FORM_FIELDS = ("attachment", "comment", "service_code", "engagement", "new_number", "chorus_id")


def plan_requests(numbers: list[str] | None) -> list[dict[str, Any]]:
    """One HITL task's arguments per invoice waiting for a decision (``numbers``: only these)."""
    requests = open_requests(
        get_ledger(),
        load_supplier().siret,
        language(),
        settings().attachments_folder,
        load_profiles(),
        numbers or None,
    )
    log.info(
        "%d invoice(s) wait for a decision: %s", len(requests), ", ".join(r.invoice_number for r in requests)
    )
    return [
        {
            "invoice_number": request.invoice_number,
            "event_key": request.event_key,
            "subject": request.subject,
            "body": request.body,
            "options": request.options,
            "fields": request.params,
        }
        for request in requests
    ]


def apply_answer(
    invoice_number: str,
    event_key: str | None,
    chosen: list[str],
    fields: Mapping[str, Any],
    decided_by: str,
    context: Mapping[str, Any],
    *,
    source: str = "hitl",
) -> dict[str, Any]:
    """Apply one person's answer; raise (the task fails with the coded message) unless it is applied."""
    answer = chosen[0] if chosen else ""
    action = action_from_answer(answer)
    if action is None:
        options = ", ".join(chosen) or "-"
        refused = finding("RESOLUTION_OPTION_UNKNOWN", language(), value=answer, options=options)
        raise DecisionNotApplied(f"{refused.code}: {refused.message}")
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
    resolver = build_resolver(ledger, chorus_client(), load_supplier().siret, claim_owner(context))
    result = resolver.apply(decision)
    return _task_end(result)


def apply_form(params: Mapping[str, Any], context: Mapping[str, Any]) -> dict[str, Any] | None:
    """The Params form's decision, when it names an invoice and an action; ``None`` otherwise."""
    number, action = _blank_to_none(params.get("invoice_number")), _blank_to_none(params.get("action"))
    if not (number and action):
        return None
    dag_run = context.get("dag_run")
    decided_by = str(getattr(dag_run, "triggering_user_name", None) or "params-form")
    return apply_answer(str(number), None, [str(action)], params, decided_by, context, source="params")


def remind(invoice_number: str, event_key: str, link: str | None) -> None:
    """No answer in time: remind the recipients once (the daily digest lists the invoice from then on)."""
    from chorusflow.alerts.events import decision_reminder_event

    detail = get_ledger().get_invoice(invoice_number, load_supplier().siret)
    if detail is None:
        return
    report = alert_dispatcher().dispatch([decision_reminder_event(detail, event_key, link)])
    log.info("%s", report.summary_text())


def _task_end(result: ResolutionResult) -> dict[str, Any]:
    if result.ok:
        return result.to_xcom()
    raise DecisionNotApplied(
        f"{result.invoice_number}: {result.result.value}: {result.message} "
        "(the retry, or a clear of this task, asks again)"
    )


def _blank_to_none(value: Any) -> Any:
    return None if value is None or (isinstance(value, str) and not value.strip()) else value
