"""A submission run's report put together: which invoices it names (those validated and those
planned, supplier by supplier), what became of the numbers asked for again, one report per supplier
when there are several, what the run hands on (its summary) and when it must fail. Nothing here
imports Airflow: the DAG's ``report`` task reads its inputs from XCom and calls these.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from chorusflow.ledger import Ledger
from chorusflow.reporting.run_report import NEEDS_A_PERSON, ReportLine, RunReport, report_lines, write_report
from chorusflow.storage import StoredPath
from chorusflow.submission.intake import InvalidInvoice, Validation
from chorusflow.submission.plan import Batch, RetryNumber, RetryRequest, reporting_supplier
from chorusflow.suppliers import Suppliers


@dataclass(frozen=True)
class SubmissionReport:
    """A run's report, and its lines by supplier id (empty for a dry run: nothing was recorded)."""

    report: RunReport
    by_supplier: dict[str, list[ReportLine]] = field(default_factory=dict)

    def needing_a_person(self, supplier_id: str) -> list[str]:
        """The supplier's invoices a person must look at (each alerted once)."""
        return [
            line.invoice_number
            for line in self.by_supplier.get(supplier_id, [])
            if line.outcome in NEEDS_A_PERSON
        ]


@dataclass(frozen=True)
class WrittenReport:
    """Where a run's report went: HTML, CSV, and each supplier's own HTML (several suppliers)."""

    html: StoredPath
    csv: StoredPath
    supplier_reports: dict[str, str] = field(default_factory=dict)


def dry_run_lines(invalid: list[InvalidInvoice]) -> list[ReportLine]:
    """A dry run records nothing: its report lists the invalid invoices as validation found them."""
    return [
        ReportLine(
            invoice_number=item.invoice_number,
            outcome="invalid",
            buyer_siret=item.buyer_siret,
            buyer_name=item.buyer_name,
            total_ttc=item.total_ttc,
            currency=item.currency,
            codes=[str(finding["code"]) for finding in item.findings],
            messages=[str(finding["message"]) for finding in item.findings],
        )
        for item in invalid
    ]


def retry_outcomes(
    ledger: Ledger, supplier_siret: str, request: RetryRequest, run_id: str
) -> list[RetryNumber]:
    """What the run report says about the numbers asked for again: the ones the plan set aside, and
    the ones to submit that no attempt of this run took (another attempt held them, or they were
    deposited meanwhile), with the state the ledger holds now."""
    touched = ledger.attempt_outcomes_for_run(run_id, supplier_siret)
    skipped: list[RetryNumber] = []
    for number in request.to_submit:
        if number in touched:
            continue
        row = ledger.get_invoice(number, supplier_siret)
        skipped.append(
            RetryNumber(
                invoice_number=number,
                reason="skipped",
                state=None if row is None else row.state.value,
                chorus_status=None if row is None else row.chorus_status,
                claimed_by=None if row is None else row.claimed_by,
                claim_expires_at=None if row is None else row.claim_expires_at,
            )
        )
    return [*request.set_aside, *skipped]


def planned_numbers(batches: Sequence[Batch], suppliers: Suppliers) -> dict[str, list[str]]:
    """The numbers the plan gave a task, by supplier id (a batch naming none is the default supplier's)."""
    planned: dict[str, list[str]] = {}
    for batch in batches:
        supplier_id = batch.supplier_id or reporting_supplier(suppliers)
        planned.setdefault(supplier_id, []).extend(batch.invoice_numbers)
    return planned


def submission_report(
    ledger: Ledger | None,
    suppliers: Suppliers,
    validation: Validation,
    batches: Sequence[Batch],
    retry: Mapping[str, RetryRequest],
    *,
    dag_id: str,
    run_id: str,
) -> SubmissionReport:
    """The run's report from the ledger: one line per invoice validated or planned, supplier by
    supplier, and the numbers asked for again (``retry``, by supplier id). A dry run's report lists
    the invalid invoices only and reads no ledger (``ledger`` may then be None)."""
    lines: list[ReportLine] = []
    retried: list[RetryNumber] = []
    by_supplier: dict[str, list[ReportLine]] = {}
    if validation.dry_run:
        lines = dry_run_lines(validation.invalid)
    else:
        if ledger is None:
            raise ValueError("a run that is not a dry run is reported from the ledger")
        planned = planned_numbers(batches, suppliers)
        for supplier in suppliers:
            numbers = [*validation.processed.get(supplier.id, []), *planned.get(supplier.id, [])]
            own = report_lines(ledger, supplier.key, numbers, run_id)
            if supplier.id in retry:
                retried += retry_outcomes(ledger, supplier.key, retry[supplier.id], run_id)
            by_supplier[supplier.id] = own
            lines += own
    report = RunReport(
        dag_id=dag_id,
        run_id=run_id,
        dry_run=validation.dry_run,
        exports=validation.exports,
        lines=lines,
        retry=retried,
    )
    return SubmissionReport(report, by_supplier)


def write_submission_report(run: SubmissionReport, suppliers: Suppliers, folder: StoredPath) -> WrittenReport:
    """Write the run's report into ``folder``; with several suppliers (and not a dry run), one report
    each too, in its language: ``<folder>/<supplier id>/``."""
    html_path, csv_path = write_report(run.report, folder)
    written: dict[str, str] = {}
    if suppliers.several and not run.report.dry_run:
        for supplier in suppliers:
            own = run.report.model_copy(update={"lines": run.by_supplier.get(supplier.id, [])})
            supplier_html, _ = write_report(own, folder / supplier.id, supplier.language)
            written[supplier.id] = str(supplier_html)
    return WrittenReport(html_path, csv_path, written)


def run_summary(report: RunReport, written: WrittenReport, note: str) -> dict[str, Any]:
    """What the ``report`` task returns (and pushes as the run's summary): counts, the note, the files."""
    return {
        "counts": report.counts(),
        "exports": len(report.exports),  # 0: another run took the files (the desk's Runs page)
        "retry": report.retry_counts(),
        "note": note,
        "report_html": str(written.html),
        "report_csv": str(written.csv),
        "supplier_reports": written.supplier_reports,
    }


def stuck_message(report: RunReport, html_path: StoredPath | str) -> str | None:
    """Why the run fails (invoices failed for good, to check, or still pending); None when none is,
    and always for a dry run."""
    counts = report.counts()
    if report.dry_run or not counts["failed"] + counts["needs_review"] + counts["pending"]:
        return None
    return (
        f"{counts['failed']} invoice(s) failed for good, {counts['needs_review']} need a person to "
        f"check their deposit and {counts['pending']} are still pending; see {html_path}"
    )
