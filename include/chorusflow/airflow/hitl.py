"""The human-in-the-loop task that asks a person about one blocked invoice, then applies the answer.

:class:`DecisionOperator` is the standard provider's ``HITLOperator`` with one invoice's question
(:class:`chorusflow.resolution.DecisionRequest`: subject, facts, choices, fields), and its supplier
when the deployment has several: the answer goes out with that supplier's technical account. When the answer
comes (the decision page of ``plugins/chorusflow_decisions.py``, Airflow's form or
``PATCH .../hitlDetails``), the same task applies it through the domain's resolver and ends with what
happened. A refused answer (a rule code, nothing sent) asks again at once, in the same try: the ledger
keeps the refusal, which the decision page shows on the form; only an answer Chorus Pro refused or a
passing error fails the try. A decision not taken within ``response_timeout`` reminds the recipients
once.
"""

from __future__ import annotations

from typing import Any

from airflow.providers.standard.operators.hitl import HITLOperator
from airflow.sdk import Param


class DecisionOperator(HITLOperator):
    """Ask about one invoice (mapped: one task per invoice, labelled with its number) and apply the answer."""

    template_fields = ()  # subject and body are the domain's text: never rendered as templates

    def __init__(
        self,
        *,
        invoice_number: str,
        event_key: str,
        fields: dict[str, dict[str, Any]],
        supplier_id: str | None = None,
        invoice_label: str | None = None,
        params: Any = None,
        **kwargs: Any,
    ) -> None:
        # ``params`` (the DAG's, passed again when a mapped task is unmapped) are not this form's fields.
        del params
        form = {
            name: Param(schema.get("default"), source="task", **_without_default(schema))
            for name, schema in fields.items()
        }
        super().__init__(params=form, **kwargs)
        self.invoice_number = invoice_number
        self.event_key = event_key
        self.supplier_id = supplier_id  # the invoice's supplier; None in a one-supplier deployment
        self.invoice_label = (
            invoice_label or invoice_number
        )  # the task's label: ``<supplier id>: <number>`` or the number

    def execute_complete(self, context: Any, event: dict[str, Any]) -> Any:
        """Apply the answer, or remind the recipients when none came in time."""
        # the DAG file imports this operator: the task bodies load when an answer comes, not at parsing
        from chorusflow.airflow.tasks import resolve as bodies

        if event.get("error_type") == "timeout":
            bodies.remind(self.invoice_number, self.event_key, self.link(context), self.supplier_id)
        answer = super().execute_complete(context=context, event=event)
        responder = answer.get("responded_by_user") or {}
        try:
            return bodies.apply_answer(
                self.invoice_number,
                self.event_key,
                list(answer.get("chosen_options") or []),
                dict(answer.get("params_input") or {}),
                str(responder.get("name") or responder.get("id") or "unknown"),
                context,
                supplier_id=self.supplier_id,
            )
        except bodies.DecisionRefused as refused:
            # Nothing was sent: clear the answer and wait for the next one, without using up a try.
            self.log.warning("Answer refused, asking again: %s", refused)
            return self.execute(context)

    def link(self, context: Any) -> str | None:
        """This task's form in the Airflow UI (``None`` without ``[api] base_url``)."""
        try:
            return self.generate_link_to_ui_from_context(context=context)
        except ValueError:
            return None


def _without_default(schema: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in schema.items() if key != "default"}
