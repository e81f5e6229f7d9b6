"""Taking in an export: from a validation report to ledger records and the export's summary. Shared
by the DAG, the CLI, the demo and the benchmarks; nothing here imports Airflow. The models are what
the submission DAG's tasks hand each other (as plain JSON); the batches are :mod:`.plan`'s.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, Field

from chorusflow.ledger import InvoiceRecordInput, Ledger
from chorusflow.messages import text
from chorusflow.rules import InvoiceVerdict, ValidationReport


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


class ExportSummary(BaseModel):
    """One processed export file."""

    name: str
    invoices: int = 0
    valid: int = 0
    invalid: int = 0
    file_errors: list[str] = Field(default_factory=list)


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
