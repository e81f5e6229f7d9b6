"""
### Submit invoices to Chorus Pro, at most once

Picks up new accounting exports from the inbox, validates every invoice against French invoicing
rules and each buyer's Chorus Pro requirements, records everything in the ledger, and deposits the
valid invoices on Chorus Pro under the supplier's own numbers (`DEPOT_PDF_API`: the invoice PDF, then
`factures/v1/soumettre`).

**Tasks**
1. `prepare`, in one task (no hand-over between its steps):
   - extract: new export files from the inbox (`CHORUSFLOW_INBOX`, a folder or an object storage
     URL), or the file named by the `export_path` param. A file whose content was already processed
     is skipped;
   - validate: rule codes per invoice, recorded in the ledger (an export's attachments kept in
     shared storage); the export is archived with the run id;
   - plan: every invoice waiting in the ledger (new ones, and any left pending by an earlier run),
     plus the `invoice_numbers` param, cut into batches.
2. `submit`: mapped over batches of invoice numbers (the UI shows the numbers), in the pool
   `chorus_pro_api`. Rate limits, server errors and timeouts are retried with exponential backoff;
   functional and authentication errors fail at once.
3. `report`: counts, rejected invoices with their codes, an HTML and a CSV report, and the run note.

**Manual reruns.** Clear a failed `submit` task instance (its label names the invoices): the ledger
makes the rerun safe, and an invoice whose earlier outcome is unknown is looked up on Chorus Pro
before anything is deposited again. Or trigger the DAG with `invoice_numbers` to retry invoices that
failed before Chorus Pro accepted them, once you fixed the cause. An invoice Chorus Pro holds or
refused is never deposited again: a refused one needs a new number or a credit note.

**Trigger form.** Every field may stay empty: no *Export file* means the inbox, no *Invoice numbers
to retry* means only the invoices waiting in the ledger, and *Dry run* is off unless switched on.

**Several suppliers** (`include/config/suppliers/`, docs/suppliers.md): the inbox's supplier folders
(`<inbox>/<supplier id>/`) are read too; each invoice goes to the supplier its `supplier_id` column or
its folder names (else the default one) and is deposited with that supplier's connection
(`chorus_pro__<supplier id>`); batches are labelled `<supplier id>: <number>`. An export naming an
unknown supplier stays in the inbox (`SUPPLIER_UNKNOWN`) and nothing of those invoices is recorded.

Schedule: hourly from 7:00 to 19:00 on weekdays, Paris time (`CHORUSFLOW_SUBMIT_SCHEDULE`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from airflow.sdk import Param, dag, get_current_context, task

from chorusflow.airflow.dag_settings import (
    OWNER,
    POOL,
    PREPARE_TASK,
    START_DATE,
    SUBMISSIONS_ASSET,
    VALIDATED_KEY,
    submit_retries,
    timetable,
)
from chorusflow.messages import text
from chorusflow.settings import settings

#: The Params form's language: CHORUSFLOW_LANG (French by default), like the decision forms.
LANG = settings().lang


@dag(
    dag_id="chorus_submit_invoices",
    schedule=timetable(settings().submit_schedule),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["chorusflow", "chorus-pro", "invoices"],
    default_args={
        "owner": OWNER,
        "retries": 2,
        "retry_delay": timedelta(seconds=30),
    },
    # Every field may stay empty in the trigger form: the form marks a Param whose type has no "null"
    # as required and keeps *Trigger* disabled while it is empty. None or empty means "not given".
    params={
        "export_path": Param(
            None,
            type=["null", "string"],
            title=text("report.params.export_path", LANG),
            description=text("report.params.export_path.help", LANG),
        ),
        "invoice_numbers": Param(
            [],
            type=["null", "array"],
            items={"type": "string"},
            title=text("report.params.invoice_numbers", LANG),
            description=text("report.params.invoice_numbers.help", LANG),
        ),
        "dry_run": Param(
            False,
            type=["null", "boolean"],
            title=text("report.params.dry_run", LANG),
            description=text("report.params.dry_run.help", LANG),
        ),
    },
)
def chorus_submit_invoices() -> None:
    """Prepare (extract, validate, plan), submit and report."""

    @task
    def prepare(params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Extract, validate and plan: the batches of invoices to deposit (and the validation's
        outcome under the XCom key `validated`)."""
        from chorusflow.airflow.tasks import submit as bodies

        params = params or {}
        return bodies.prepare(
            export_path=params.get("export_path") or None,
            dry_run=bool(params.get("dry_run")),
            retry_numbers=list(params.get("invoice_numbers") or []),
            run_id=get_current_context()["run_id"],
        )

    @task(
        multiple_outputs=False,
        pool=POOL,
        map_index_template="{{ batch_label }}",
        **submit_retries(),
    )
    def submit(batch: dict[str, Any]) -> dict[str, Any]:
        """Deposit one batch of invoices; each invoice at most once, whatever happened before."""
        from chorusflow.airflow.tasks import submit as bodies

        context = get_current_context()
        context["batch_label"] = batch["label"]  # type: ignore[typeddict-unknown-key]
        return bodies.submit(batch, context)

    @task(multiple_outputs=False, trigger_rule="all_done", retries=1, outlets=[SUBMISSIONS_ASSET])
    def report(batches: list[dict[str, Any]]) -> dict[str, Any]:
        """Write the run report (HTML and CSV), log the summary and alert on rejected invoices."""
        from chorusflow.airflow.tasks import submit as bodies

        context = get_current_context()
        validated = context["ti"].xcom_pull(task_ids=PREPARE_TASK, key=VALIDATED_KEY)
        return bodies.report(validated, batches, context)

    batches = prepare()
    submitted = submit.expand(batch=batches)
    submitted >> report(batches)


chorus_submit_invoices()
