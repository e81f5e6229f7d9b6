"""The submission pipeline's domain steps, shared by the DAG, the demo and the benchmarks.

From a validation report to ledger records, and from pending invoices to submission batches.
Nothing here imports Airflow.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from chorusflow.ledger import InvoiceRecordInput
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
    return f"?{Path(source).name[:40]}#{digest}:ligne-{first}"


def record_from_verdict(verdict: InvoiceVerdict, source: str) -> InvoiceRecordInput:
    """The ledger's view of one verdict: its findings, and the normalized invoice when it exists."""
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


def invalid_details(report: ValidationReport, limit: int | None = None) -> list[dict[str, Any]]:
    """The invalid invoices of a report with their codes and messages (for reports and alerts)."""
    details = [
        {
            "invoice_number": verdict.invoice_number or f"(ligne {verdict.rows[0] if verdict.rows else '?'})",
            "buyer_siret": verdict.invoice.buyer_siret if verdict.invoice else None,
            "total_ttc": str(verdict.invoice.total_ttc) if verdict.invoice else None,
            "findings": [{"code": f.code, "field": f.field, "message": f.message} for f in verdict.errors],
        }
        for verdict in report.invoices
        if not verdict.valid
    ]
    return details if limit is None else details[:limit]


def batch_label(numbers: Sequence[str]) -> str:
    """The label the Airflow UI shows for a mapped submission task."""
    if len(numbers) == 1:
        return numbers[0]
    return f"{numbers[0]} … {numbers[-1]} ({len(numbers)})"


def plan_batches(
    invoice_numbers: Sequence[str],
    *,
    concurrency: int,
    batch_size: int | None = None,
    include_failed: bool = False,
) -> list[dict[str, Any]]:
    """Cut the numbers into submission batches.

    Small runs get one invoice per task; larger ones get about two batches per concurrent slot (so
    a slow batch does not hold the run), never more than ``MAX_BATCH_SIZE`` invoices per batch nor
    more than ``MAX_BATCHES`` batches. With warm workers the second round of task starts costs under
    a second (docs/performance.md, "Submission").
    """
    numbers = list(dict.fromkeys(invoice_numbers))
    if not numbers:
        return []
    if batch_size is None:
        if len(numbers) <= ONE_TASK_PER_INVOICE_UP_TO:
            batch_size = 1
        else:
            batch_size = min(MAX_BATCH_SIZE, math.ceil(len(numbers) / max(2 * concurrency, 1)))
    batch_size = max(batch_size, math.ceil(len(numbers) / MAX_BATCHES))
    return [
        {
            "label": batch_label(chunk),
            "invoice_numbers": chunk,
            "include_failed": include_failed,
        }
        for chunk in (numbers[start : start + batch_size] for start in range(0, len(numbers), batch_size))
    ]
