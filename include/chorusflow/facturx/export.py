"""``chorusflow validate --facturx``: every valid invoice of an export built as Factur-X and checked.

The findings of each file join its invoice's verdict, like the other rules: an error makes the
invoice invalid (it would not be deposited), a warning stays a warning. One invoice whose file
cannot be built gets ``FACTURX_BUILD_FAILED`` and the others go on.
"""

from __future__ import annotations

from collections.abc import Iterator

from chorusflow.facturx.check import check_facturx_many
from chorusflow.facturx.pdfa import build_facturx
from chorusflow.invoice import Invoice
from chorusflow.rules.checks.crossborder import facturx_supplier_findings
from chorusflow.rules.codes import Finding, finding
from chorusflow.rules.validate import ValidationReport
from chorusflow.rules.verdict import InvoiceVerdict


def with_facturx_checks(report: ValidationReport, lang: str) -> ValidationReport:
    """``report`` with each valid invoice's Factur-X findings added to its verdict and the counts."""
    checked = iter(facturx_findings([v.invoice for v in report.invoices if v.valid and v.invoice], lang))
    verdicts = [
        _checked(verdict, next(checked)) if verdict.valid and verdict.invoice else verdict
        for verdict in report.invoices
    ]
    valid = sum(verdict.valid for verdict in verdicts)
    summary = report.summary.model_copy(
        update={
            "valid": valid,
            "invalid": len(verdicts) - valid,
            "warnings": sum(len(verdict.warnings) for verdict in verdicts),
        }
    )
    return report.model_copy(update={"invoices": verdicts, "summary": summary})


def _checked(verdict: InvoiceVerdict, found: list[Finding]) -> InvoiceVerdict:
    errors = [item for item in found if item.severity == "error"]
    warnings = [item for item in found if item.severity == "warning"]
    return verdict.model_copy(
        update={
            "valid": not errors,
            "errors": [*verdict.errors, *errors],
            "warnings": [*verdict.warnings, *warnings],
        }
    )


def facturx_findings(invoices: list[Invoice], lang: str) -> list[list[Finding]]:
    """The findings of each invoice's Factur-X, in order; none is built for a supplier without a
    SIRET. Each file is checked as soon as it is built, by a pool of validator processes
    (:func:`check_facturx_many`), while the next one is built."""
    settled: list[list[Finding] | None] = []  # None: the next answer of the checks

    def built() -> Iterator[bytes]:
        for invoice in invoices:
            refused = facturx_supplier_findings(invoice.supplier, lang)
            if refused:
                settled.append(refused)
                continue
            try:
                data = build_facturx(invoice, invoice.supplier)
            except Exception as error:  # one file that cannot be built never stops the others
                detail = f"{type(error).__name__}: {error}"[:300]
                settled.append([finding("FACTURX_BUILD_FAILED", lang, detail=detail)])
                continue
            settled.append(None)
            yield data

    checked = iter(check_facturx_many(built(), lang=lang))
    return [found if found is not None else next(checked) for found in settled]
