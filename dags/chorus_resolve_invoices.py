"""
### Decide about blocked invoices: complete, recycle, acknowledge a rejection, review

One human-in-the-loop task per invoice waiting for a decision, labelled with its number, showing the
buyer's comment, the amount and what Chorus Pro expects. The answer is applied by the same task, at
most once (the ledger records who decided, when, what was sent and what Chorus Pro answered):

- **SUSPENDUE**: a PDF (uploaded) and a comment: `ajouter/fichier`, then `completer`;
- **A_RECYCLER**: a new service code and/or engagement, checked against the buyer's directory entry
  and profile: `recycler`;
- **REJETEE**: `traiterRejet`, then re-issue or credit note under a **new** number (the ledger links it
  to the rejected one), or abandon. The same number is never deposited again;
- **needs_review**: "it is on Chorus Pro as id …" (adopt) or "it is not" (deposit again).

Answer on the decision page (`/chorusflow-decisions/NUMBER`, linked from the alert and the invoice
desk): it takes the PDF to attach as an upload. A refused answer comes back on the form with its rule
code and reason, nothing is sent and the decision stays open; a closed or failed decision is reopened
from that page. No answer within
`CHORUSFLOW_RESOLUTION_TIMEOUT_HOURS` reminds the recipients once; the invoice then shows in the daily
digest.

**Without human-in-the-loop**: trigger this DAG with *Invoice number* and *Action* (and the fields the
action needs); the decision is applied at once. `chorusflow resolve` does the same from a shell.

**Several suppliers**: each task is labelled `<supplier id>: <number>` and the answer is sent with
that supplier's connection; reminders go to that supplier's recipients (docs/suppliers.md).

**Schedule**: after a status sync that recorded a new blocking event (Asset
`chorusflow://blocked-invoices`), or by hand. See docs/resolution.md.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from airflow.sdk import Param, dag, get_current_context, task

from chorusflow.airflow.dag_settings import BLOCKED_ASSET, OWNER, START_DATE
from chorusflow.airflow.hitl import DecisionOperator
from chorusflow.messages import text
from chorusflow.resolution import Action
from chorusflow.settings import settings

#: The Params form's language: CHORUSFLOW_LANG (French by default), like the decision forms.
LANG = settings().lang


def _text_param(title_key: str, help_key: str) -> Param:
    return Param(None, type=["null", "string"], title=text(title_key, LANG), description=text(help_key, LANG))


def _action_param() -> Param:
    """The action, shown by its label (no literal ``null``: empty means "open the decision form")."""
    return Param(
        "",
        type="string",
        enum=["", *(action.value for action in Action)],
        values_display={
            "": "—",
            **{action.value: text(f"resolution.action.{action.value}", LANG) for action in Action},
        },
        title=text("resolution.params.action", LANG),
        description=text("resolution.params.action.help", LANG),
    )


@dag(
    dag_id="chorus_resolve_invoices",
    schedule=[BLOCKED_ASSET],
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["chorusflow", "chorus-pro", "decisions"],
    # An answer refused by a rule asks again in the same try; Chorus Pro refusing it, a passing
    # error or no answer in time fails the try, and the retry opens the same form again.
    default_args={"owner": OWNER, "retries": 1, "retry_delay": timedelta(seconds=5)},
    # Every field may stay empty: an empty form asks about every invoice waiting for a decision.
    params={
        "invoice_number": _text_param(
            "resolution.params.invoice_number", "resolution.params.invoice_number.help"
        ),
        "supplier": _text_param("resolution.params.supplier", "resolution.params.supplier.help"),
        "action": _action_param(),
        "attachment": _text_param("resolution.field.attachment", "resolution.params.attachment.help"),
        "comment": _text_param("resolution.field.comment", "resolution.params.comment.help"),
        "service_code": _text_param("resolution.field.service_code", "resolution.params.routing.help"),
        "engagement": _text_param("resolution.field.engagement", "resolution.params.routing.help"),
        "new_number": _text_param("resolution.field.new_number", "resolution.params.new_number.help"),
        "chorus_id": Param(
            None,
            type=["null", "integer"],
            title=text("resolution.field.chorus_id", LANG),
            description=text("resolution.params.chorus_id.help", LANG),
        ),
    },
)
def chorus_resolve_invoices() -> None:
    """Apply a form decision, or ask one question per waiting invoice."""

    @task(multiple_outputs=False)
    def from_form(params: dict[str, Any] | None = None) -> dict[str, Any] | None:
        """The Params form's decision, applied at once (nothing when the form names no action)."""
        from chorusflow.airflow.tasks import resolve as bodies

        return bodies.apply_form(params or {}, get_current_context())

    @task
    def ask(applied: Any, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """One question per invoice waiting for a decision (none when the form decided)."""
        from chorusflow.airflow.tasks import resolve as bodies

        if applied is not None:
            return []
        number = (params or {}).get("invoice_number")
        return bodies.plan_requests([number] if number else None)

    DecisionOperator.partial(
        task_id="decide",
        map_index_template="{{ task.invoice_label }}",
        response_timeout=timedelta(hours=settings().resolution_timeout_hours),
    ).expand_kwargs(ask(from_form()))


chorus_resolve_invoices()
