"""``chorusflow validate --facturx``: every valid invoice of an export built as Factur-X and checked.

The findings of each file join its invoice's verdict, like the other rules: an error makes the
invoice invalid (it would not be deposited), a warning stays a warning. One invoice whose file
cannot be built gets ``FACTURX_BUILD_FAILED`` and the others go on.
"""

from __future__ import annotations

from chorusflow.facturx.check import check_facturx
from chorusflow.facturx.pdfa import build_facturx
from chorusflow.model import Invoice
from chorusflow.rules.checks.crossborder import facturx_supplier_findings
from chorusflow.rules.codes import Finding, finding
from chorusflow.rules.validate import ValidationReport
from chorusflow.rules.verdict import InvoiceVerdict


def with_facturx_checks(report: ValidationReport, lang: str) -> ValidationReport:
    """``report`` with each valid invoice's Factur-X findings added to its verdict and the counts."""
    verdicts = [_checked(verdict, lang) if verdict.valid else verdict for verdict in report.invoices]
    valid = sum(verdict.valid for verdict in verdicts)
    summary = report.summary.model_copy(
        update={
            "valid": valid,
            "invalid": len(verdicts) - valid,
            "warnings": sum(len(verdict.warnings) for verdict in verdicts),
        }
    )
    return report.model_copy(update={"invoices": verdicts, "summary": summary})


def _checked(verdict: InvoiceVerdict, lang: str) -> InvoiceVerdict:
    invoice = verdict.invoice
    if invoice is None:
        return verdict
    found = _facturx_findings(invoice, lang)
    errors = [item for item in found if item.severity == "error"]
    warnings = [item for item in found if item.severity == "warning"]
    return verdict.model_copy(
        update={
            "valid": not errors,
            "errors": [*verdict.errors, *errors],
            "warnings": [*verdict.warnings, *warnings],
        }
    )


def _facturx_findings(invoice: Invoice, lang: str) -> list[Finding]:
    """The findings of the invoice's Factur-X; none is built for a supplier without a SIRET."""
    refused = facturx_supplier_findings(invoice.supplier, lang)
    if refused:
        return refused
    try:
        return check_facturx(build_facturx(invoice, invoice.supplier), lang=lang)
    except Exception as error:  # one file that cannot be built never stops the others
        return [finding("FACTURX_BUILD_FAILED", lang, detail=f"{type(error).__name__}: {error}"[:300])]
