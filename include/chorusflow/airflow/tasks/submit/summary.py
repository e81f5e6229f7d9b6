"""``report``: the run report (:mod:`chorusflow.reporting.submission_run`) written, the alerts sent,
and the run failed when invoices need a person."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from airflow.sdk.exceptions import AirflowFailException

from chorusflow.airflow.connections import get_ledger, reports_folder
from chorusflow.airflow.dag_settings import PREPARE_TASK, RUN_SUMMARY_KEY
from chorusflow.airflow.notifiers import send_submission_alerts
from chorusflow.airflow.tasks.submit.planning import RETRY_KEY
from chorusflow.reporting.submission_run import (
    run_summary,
    stuck_message,
    submission_report,
    write_submission_report,
)
from chorusflow.submission.intake import Validation
from chorusflow.submission.plan import Batch, RetryRequest
from chorusflow.suppliers import SupplierIdentity, load_suppliers

log = logging.getLogger(__name__)


def report(
    validated: dict[str, Any], batches: list[dict[str, Any]], context: Mapping[str, Any]
) -> dict[str, Any]:
    """Write the run report from the ledger and the plan; fail the run when invoices need a person."""

    ti = context["ti"]
    validation = Validation.model_validate(validated)
    suppliers = load_suppliers()
    pushed = {} if validation.dry_run else ti.xcom_pull(task_ids=PREPARE_TASK, key=RETRY_KEY) or {}
    run = submission_report(
        None if validation.dry_run else get_ledger(),
        suppliers,
        validation,
        [Batch.model_validate(item) for item in batches],
        {key: RetryRequest.model_validate(value) for key, value in pushed.items()},
        dag_id=ti.dag_id,
        run_id=ti.run_id,
    )
    written = write_submission_report(run, suppliers, reports_folder(ti.dag_id, ti.run_id))
    summary = run.report.summary_text()
    log.info("%s\nReport: %s (CSV: %s)", summary, written.html, written.csv)
    if not run.report.dry_run:
        for supplier in suppliers:
            _send_submission_alerts(supplier, run.needing_a_person(supplier.id))
    result = run_summary(run.report, written, summary)
    # Pushed under its own key too, so a failed run still gets its note in the UI.
    ti.xcom_push(key=RUN_SUMMARY_KEY, value=result)
    stuck = stuck_message(run.report, written.html)
    if stuck:
        raise AirflowFailException(stuck)
    return result


def _send_submission_alerts(supplier: SupplierIdentity, numbers: list[str]) -> None:
    """Alert on rejected and failed invoices (each once); an alert problem never hides the run's outcome."""

    if not numbers:
        return
    try:
        send_submission_alerts(numbers, supplier)
    except Exception:
        log.exception("Could not send the submission alerts of %s", supplier.id)
