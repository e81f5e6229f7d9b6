"""Taking in an export: from a validation report to ledger records, and from waiting invoices to
submission batches. Shared by the DAG, the CLI, the demo and the benchmarks; nothing here imports
Airflow. The models are what the submission DAG's tasks hand each other (as plain JSON).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, Field

from chorusflow.ledger import InvoiceRecordInput, InvoiceState, Ledger
from chorusflow.messages import text
from chorusflow.reporting.run_report import ExportSummary, ReportLine, RetryNumber
from chorusflow.rules import InvoiceVerdict, ValidationReport

# Up to this many invoices, each gets its own mapped task: the UI then names every invoice and a
# clear reruns exactly one. Above it, invoices are batched so Airflow overhead stays small.
ONE_TASK_PER_INVOICE_UP_TO = 100
MAX_BATCH_SIZE = 500
MAX_BATCHES = 512  # well under Airflow's default max_map_length (1024)


def row_placeholder_number(source: str, rows: Sequence[int]) -> str:
    """A ledger key for rows that name no invoice, so they are never silently dropped."""
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()[:8]
    first = rows[0] if rows else 0
    return f"?{Path(source).name[:40]}#{digest}:row-{first}"  # language-neutral: a ledger key


def record_from_verdict(verdict: InvoiceVerdict, source: str) -> InvoiceRecordInput:
    """The ledger's view of one verdict: its findings, and and the normalized invoice of a valid one."""
    invoice = verdict.invoice
    findings = [f.model_dump(mode="json") for f in [*verdict.errors, *verdict.warnings]]
    return InvoiceRecordInput(
        invoice_number=verdict.invoice_number or row_placeholder_number(source, verdict.rows),
        valid=verdict.valid,
        normalized=invoice.model_dump(mode="json") if invoice is not None else None,
        findings=findings,
        buyer_siret=invoice.buyer_siret if invoice is not None else None,
        buyer_name=invoice.buyer_name if invoice is not None else None,
        invoice_type=invoice.invoice_type if invoice is not None else None,
        issue_date=invoice.issue_date if invoice is not None else None,
        currency=invoice.currency if invoice is not None else None,
        total_ht=invoice.total_ht if invoice is not None else None,
        total_vat=invoice.total_vat if invoice is not None else None,
        total_ttc=invoice.total_ttc if invoice is not None else None,
    )


def records_from_report(report: ValidationReport, source: str) -> list[InvoiceRecordInput]:
    """Every verdict of a report as a ledger record (file-level errors have no invoice to record)."""
    return [record_from_verdict(verdict, source) for verdict in report.invoices]


class ExportFile(BaseModel):
    """An export file a run processes: where it is, its content hash, and the file itself when the
    inbox is a folder (empty for object storage: each task that reads it stages its own copy).

    ``supplier_id`` is the supplier whose inbox folder (``<inbox>/<supplier id>/``) held it, if any.
    """

    name: str
    uri: str
    sha256: str
    local_path: str = ""
    supplier_id: str | None = None


class InvalidInvoice(BaseModel):
    """An invoice validation refused, with its findings (for reports and alerts)."""

    invoice_number: str
    buyer_siret: str | None = None
    buyer_name: str | None = None
    total_ttc: str | None = None
    currency: str | None = None
    findings: list[dict[str, str | None]] = Field(default_factory=list)
    supplier_id: str | None = None


class RecordedExport(ExportSummary):
    """An export's verdict counts, and what the ledger made of its invoices."""

    ledger: dict[str, int] | None = None
    already_done: list[str] = Field(default_factory=list)


class Validation(BaseModel):
    """What a run's validation hands on: the exports, the invalid invoices, the numbers recorded
    (``processed``: per supplier id; ``processed_numbers``: all of them)."""

    exports: list[RecordedExport] = Field(default_factory=list)
    invalid: list[InvalidInvoice] = Field(default_factory=list)
    invalid_total: int = 0
    processed_numbers: list[str] = Field(default_factory=list)
    processed: dict[str, list[str]] = Field(default_factory=dict)
    dry_run: bool = False


class RetryRequest(BaseModel):
    """The numbers a person asked for again (the ``invoice_numbers`` param), as the plan sorted them.

    ``failed`` ones are planned again (``include_failed``); ``waiting`` ones (``pending``,
    ``submitting``) are planned by every run anyway; ``set_aside`` holds unknown numbers and the ones
    that cannot be deposited again (already on Chorus Pro, refused by validation, waiting for a
    person), each with its reason. Nothing set aside gets a submission task.
    """

    requested: list[str] = Field(default_factory=list)
    failed: list[str] = Field(default_factory=list)
    waiting: list[str] = Field(default_factory=list)
    set_aside: list[RetryNumber] = Field(default_factory=list)

    @property
    def to_submit(self) -> list[str]:
        """The numbers this run deposits, when nothing else holds them."""
        return [*self.failed, *self.waiting]


class Batch(BaseModel):
    """Invoice numbers one submission task deposits; ``label`` names them in the Airflow UI.

    ``supplier_id`` is the supplier they belong to (None: the default supplier).
    """

    label: str
    invoice_numbers: list[str]
    include_failed: bool = False
    supplier_id: str | None = None


def invalid_details(report: ValidationReport, supplier_id: str | None = None) -> list[InvalidInvoice]:
    """The invalid invoices of a report with their codes and messages (for reports and alerts)."""
    return [
        InvalidInvoice(
            supplier_id=supplier_id,
            invoice_number=verdict.invoice_number or _row_label(verdict.rows),
            buyer_siret=verdict.invoice.buyer_siret if verdict.invoice else None,
            buyer_name=verdict.invoice.buyer_name if verdict.invoice else None,
            total_ttc=str(verdict.invoice.total_ttc) if verdict.invoice else None,
            currency=verdict.invoice.currency if verdict.invoice else None,
            findings=[{"code": f.code, "field": f.field, "message": f.message} for f in verdict.errors],
        )
        for verdict in report.invoices
        if not verdict.valid
    ]


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


def _row_label(rows: Sequence[int]) -> str:
    """How a report names an invoice without a number: by its first row, in the output language."""
    return text("report.row_label", row=rows[0] if rows else "?")


def summarize_export(report: ValidationReport, name: str) -> RecordedExport:
    """An export's verdict counts and file-level errors."""
    return RecordedExport(
        name=name,
        invoices=report.summary.invoices,
        valid=report.summary.valid,
        invalid=report.summary.invalid,
        file_errors=[f"{error.code}: {error.message}" for error in report.file_errors],
    )


def merged_summary(name: str, parts: Sequence[RecordedExport], file_errors: Sequence[str]) -> RecordedExport:
    """One export's summary from the summaries of its suppliers' parts, with the file-level errors."""
    ledger: dict[str, int] | None = None
    for part in parts:
        if part.ledger is not None:
            ledger = ledger or {}
            for key, value in part.ledger.items():
                ledger[key] = ledger.get(key, 0) + value
    return RecordedExport(
        name=name,
        invoices=sum(part.invoices for part in parts),
        valid=sum(part.valid for part in parts),
        invalid=sum(part.invalid for part in parts),
        file_errors=[*file_errors, *(error for part in parts for error in part.file_errors)],
        ledger=ledger,
        already_done=[number for part in parts for number in part.already_done],
    )


def record_export(
    ledger: Ledger, supplier_siret: str, report: ValidationReport, name: str
) -> tuple[RecordedExport, list[str]]:
    """Record every verdict of an export in the ledger; its summary and the invoice numbers recorded."""
    records = records_from_report(report, name)
    recorded = ledger.record_validated(supplier_siret, name, records)
    summary = summarize_export(report, name).model_copy(
        update={"ledger": recorded.counts(), "already_done": recorded.already_done}
    )
    return summary, [record.invoice_number for record in records]


def batch_label(numbers: Sequence[str], supplier_id: str | None = None) -> str:
    """The label the Airflow UI shows for a mapped submission task (``<supplier id>: …`` when given)."""
    label = numbers[0] if len(numbers) == 1 else f"{numbers[0]} … {numbers[-1]} ({len(numbers)})"
    return f"{supplier_id}: {label}" if supplier_id else label


def plan_batches(
    invoice_numbers: Sequence[str],
    *,
    concurrency: int,
    batch_size: int | None = None,
    include_failed: bool = False,
    supplier_id: str | None = None,
) -> list[Batch]:
    """Cut the numbers into submission batches.

    Small runs get one invoice per task; larger ones get one batch per concurrent slot, never more
    than ``MAX_BATCH_SIZE`` invoices per batch nor more than ``MAX_BATCHES`` batches. A second round
    of batches started 4–8 s late in every measured run (hand-overs, batches of a round ending
    apart), more than the spread between batches it was meant to even out (docs/performance.md, "Submission").
    """
    numbers = list(dict.fromkeys(invoice_numbers))
    if not numbers:
        return []
    if batch_size is None:
        if len(numbers) <= ONE_TASK_PER_INVOICE_UP_TO:
            batch_size = 1
        else:
            batch_size = min(MAX_BATCH_SIZE, math.ceil(len(numbers) / max(concurrency, 1)))
    batch_size = max(batch_size, math.ceil(len(numbers) / MAX_BATCHES))
    chunks = (numbers[start : start + batch_size] for start in range(0, len(numbers), batch_size))
    return [
        Batch(
            label=batch_label(chunk, supplier_id),
            invoice_numbers=chunk,
            include_failed=include_failed,
            supplier_id=supplier_id,
        )
        for chunk in chunks
    ]


def plan_channel_batches(
    numbers: Sequence[str],
    in_flux_channel: Sequence[str],
    *,
    concurrency: int,
    flux_batch_size: int,
    include_failed: bool = False,
    supplier_id: str | None = None,
) -> list[Batch]:
    """:func:`plan_batches` for the one-by-one channels, and batches of ``flux_batch_size`` for the
    invoices of ``in_flux_channel`` (Factur-X): one task deposits them in as few flux as the size
    limit allows, so the number of ``deposer/flux`` calls follows the invoices, not the slots."""
    flux = set(in_flux_channel)
    one_by_one = [number for number in numbers if number not in flux]
    together = [number for number in numbers if number in flux]
    batches = plan_batches(
        one_by_one, concurrency=concurrency, include_failed=include_failed, supplier_id=supplier_id
    )
    if together:
        batches += plan_batches(
            together,
            concurrency=concurrency,
            batch_size=flux_batch_size,
            include_failed=include_failed,
            supplier_id=supplier_id,
        )
    return batches


def sort_retry_numbers(ledger: Ledger, supplier_siret: str, numbers: Sequence[str]) -> RetryRequest:
    """Sort the numbers asked for again: to submit (``failed``, ``pending``, ``submitting``), unknown,
    or not retryable (any other state: on Chorus Pro already, invalid, or needing a person)."""
    request = RetryRequest(requested=list(dict.fromkeys(n.strip() for n in numbers if n and n.strip())))
    for number in request.requested:
        row = ledger.get_invoice(number, supplier_siret)
        if row is None:
            request.set_aside.append(RetryNumber(invoice_number=number, reason="unknown"))
        elif row.state is InvoiceState.FAILED:
            request.failed.append(number)
        elif row.state in (InvoiceState.PENDING, InvoiceState.SUBMITTING):
            request.waiting.append(number)
        else:
            request.set_aside.append(
                RetryNumber(
                    invoice_number=number,
                    reason="not_retryable",
                    state=row.state.value,
                    chorus_status=row.chorus_status,
                )
            )
    return request


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
