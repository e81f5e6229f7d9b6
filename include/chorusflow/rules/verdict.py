"""One invoice's verdict: ``check_invoice`` decides its findings, ``build_invoice`` builds its ``Invoice``.

Both read what the whole-table steps already found and computed (``CheckedExport``): nothing is
validated twice, and the ``Invoice`` is built without pydantic validation (``construct_checked``) from
values the checks accepted. An invoice gets no ``Invoice`` when an error leaves its values unusable
(``STRUCTURAL_CODES``), when a line is unreadable, or when it has no number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict

from chorusflow.invoice import Invoice, construct_checked
from chorusflow.messages import text
from chorusflow.rules.checks.amounts import amount_findings, exemption_findings
from chorusflow.rules.checks.attachments import AttachmentRules
from chorusflow.rules.checks.buyers import BuyerOutcome, BuyerRules
from chorusflow.rules.checks.code_lists import VALIDATED_FRAMEWORKS, credit_note_findings
from chorusflow.rules.checks.columns import ColumnChecks
from chorusflow.rules.checks.crossborder import (
    NO_FRENCH_VAT,
    TREATMENTS,
    VatTreatment,
    crossborder_findings,
    currency_findings,
    facturx_supplier_findings,
    vat_treatment,
)
from chorusflow.rules.checks.dates import InvoiceDates, invoice_date_findings
from chorusflow.rules.checks.flags import FindingsByInvoice
from chorusflow.rules.checks.identifiers import validator_findings
from chorusflow.rules.codes import Finding, finding
from chorusflow.rules.grouping import InvoiceGroups
from chorusflow.rules.lines import Lines
from chorusflow.rules.totals import InvoiceTotals
from chorusflow.storage import StoredPath
from chorusflow.suppliers import SupplierIdentity

# Errors after which the values cannot make a well-formed Invoice object.
STRUCTURAL_CODES = frozenset(
    {
        "FIELD_MISSING",
        "FIELD_FORMAT",
        "SIRET_INVALID",
        "INVOICE_TYPE_INVALID",
        "BILLING_FRAMEWORK_INVALID",
        "PAYMENT_MEANS_INVALID",
        "HEADER_CONFLICT",
        "ROW_MALFORMED",
        "INVOICE_NUMBER_FORMAT",
    }
)


class InvoiceVerdict(BaseModel):
    """The outcome for one invoice of the export (or one row that names no invoice)."""

    model_config = ConfigDict(frozen=True)

    invoice_number: str
    rows: list[int]
    valid: bool
    errors: list[Finding]
    warnings: list[Finding]
    invoice: Invoice | None = None


@dataclass(frozen=True, slots=True)
class CheckedExport:
    """What the whole-table steps found and computed, that each invoice's verdict reads."""

    columns: Mapping[str, list[str]]
    checked: ColumnChecks
    groups: InvoiceGroups
    dates: InvoiceDates
    lines: Lines
    totals: InvoiceTotals
    zero_rated: list[bool] | None  # per invoice: a 0 % line (None: no such line in the export)
    findings: FindingsByInvoice  # the column findings and HEADER_CONFLICT
    buyers: BuyerRules
    attachments: AttachmentRules
    supplier: SupplierIdentity
    supplier_iban_findings: list[Finding]  # of an invoice paid by transfer without its own IBAN
    lang: str
    # The rules of suppliers outside France (checks.crossborder): whether to run them at all (a foreign
    # supplier, or a vat_treatment column), the currency rules likewise, and the supplier's own.
    crossborder: bool = False
    currency_rules: bool = False
    supplier_findings: tuple[Finding, ...] = ()


class InvoiceChecks(NamedTuple):
    """What ``check_invoice`` decided: the findings, and the values the ``Invoice`` takes from the rules."""

    errors: list[Finding]
    warnings: list[Finding]
    payment_means: str | None
    attachment: StoredPath | None  # a Path when the export's folder is local
    buyer: BuyerOutcome
    attachment_stored: str | None  # its key in shared storage, kept for a valid invoice


def invoice_verdicts(export: CheckedExport) -> list[InvoiceVerdict]:
    """One verdict per invoice, in the order of the export."""
    groups = export.groups
    return [
        invoice_verdict(export, group, key, first)
        for group, (key, first) in enumerate(zip(groups.keys, groups.first_rows, strict=True))
    ]


def invoice_verdict(export: CheckedExport, group: int, key: object, first: int) -> InvoiceVerdict:
    """The verdict of invoice ``group`` (its key, its first row): its findings, and its ``Invoice``."""
    checks = check_invoice(export, group, key, first)
    errors = checks.errors
    number = key if isinstance(key, str) else ""
    invoice = None
    if (
        number
        and export.groups.readable[group]
        and not (errors and any(item.code in STRUCTURAL_CODES for item in errors))
    ):
        invoice = build_invoice(export, group, first, number, checks)
    return construct_checked(
        InvoiceVerdict,
        {
            "invoice_number": number,
            "rows": export.groups.row_numbers[group],
            "valid": not errors,
            "errors": errors,
            "warnings": checks.warnings,
            "invoice": invoice,
        },
    )


def check_invoice(export: CheckedExport, group: int, key: object, first: int) -> InvoiceChecks:
    """The findings of one invoice: those of its columns, then the rules of the invoice as a whole.

    The rules run in the order of the report; the rarer ones only when the export calls for them.
    """
    columns, checked, lang = export.columns, export.checked, export.lang
    codes = checked.codes
    found = invoice_date_findings(
        export.dates.issue[group], export.dates.due[group], columns["delivery_date"][first], lang
    )
    invoice_type, given_means = codes.types[first], codes.payment_means[first]
    means: str | None = given_means or "VIREMENT"
    if invoice_type == "AVOIR":
        found += credit_note_findings(columns["original_invoice_number"][first], given_means, lang)
        means = None  # no payment means on a credit note (docs/sources.md, Credit notes)
    if export.supplier_iban_findings and means == "VIREMENT" and not checked.ibans[first]:
        found += export.supplier_iban_findings
    attachment = None
    attachment_value = columns["attachment"][first]
    if attachment_value:
        attachment, attachment_findings = export.attachments.check(attachment_value)
        found += attachment_findings
    framework = codes.frameworks[first]
    if codes.validators_required and framework in VALIDATED_FRAMEWORKS:
        found += validator_findings(framework, checked.sirets.validator[first], lang)
    treatment: VatTreatment | None = "standard"
    if export.crossborder:
        treatment = vat_treatment(columns["vat_treatment"][first])
        if treatment is None:
            given = columns["vat_treatment"][first]
            found.append(finding("VAT_TREATMENT_INVALID", lang, "vat_treatment", value=given))
    if export.zero_rated is not None and export.zero_rated[group] and treatment not in NO_FRENCH_VAT:
        found += exemption_findings(columns["vat_exemption_reason"][first], lang)
    if export.groups.readable[group]:
        totals = export.totals.totals[group]
        if checked.numbers.amounts_to_compare or totals[2] < 0:
            rows = export.groups.rows(group)
            found += amount_findings(rows, totals, checked.numbers, export.lines.nets, lang)
    if export.crossborder or export.currency_rules:
        found += _crossborder(export, group, first, treatment)
    buyer = export.buyers.outcome(
        checked.sirets.buyer[first], columns["service_code"][first], columns["engagement_number"][first]
    )
    every = export.findings.get(key, found + buyer.findings if buyer.findings else found)
    if codes.nature_missing is not None and not columns["operation_nature"][first]:
        every.append(codes.nature_missing)  # one finding shared by every invoice without a nature
    errors = [item for item in every if item.severity == "error"] if every else []
    warnings = [item for item in every if item.severity == "warning"] if every else []
    stored = export.attachments.kept(attachment_value) if attachment is not None and not errors else None
    # tuple.__new__: the NamedTuple without its Python-level __new__, once per invoice
    return tuple.__new__(InvoiceChecks, (errors, warnings, means, attachment, buyer, stored))


def _crossborder(
    export: CheckedExport, group: int, first: int, treatment: VatTreatment | None
) -> list[Finding]:
    """The rules of a supplier outside France and of currencies (``checks.crossborder``)."""
    columns, codes, lang = export.columns, export.checked.codes, export.lang
    found: list[Finding] = list(export.supplier_findings)
    readable = export.groups.readable[group]
    total_vat = export.totals.totals[group][1] if readable else None
    if export.crossborder and treatment is not None and readable:
        found += crossborder_findings(
            export.supplier,
            treatment,
            nature=codes.operation_natures[first],
            total_vat=total_vat,
            charged_rates=[line.vat_rate for line in export.lines.by_invoice[group] if line is not None],
            buyer_vat_number=columns["buyer_vat_number"][first].strip(),
            lang=lang,
        )
    profile = export.buyers.profiles.get(export.checked.sirets.buyer[first])
    if profile is not None and profile.deposit_channel == "facturx":
        found += facturx_supplier_findings(export.supplier, lang)
    if export.currency_rules:
        accepted = profile.currencies if profile is not None else None
        found += currency_findings(
            codes.currencies[first], accepted, total_vat, columns["total_vat_eur"][first], lang
        )
    return found


def build_invoice(
    export: CheckedExport, group: int, first: int, number: str, checks: InvoiceChecks
) -> Invoice:
    """The ``Invoice`` of one invoice whose values the checks accepted (no validation again)."""
    columns, checked, dates = export.columns, export.checked, export.dates
    codes, buyer = checked.codes, checks.buyer
    means, iban = checks.payment_means, checked.ibans[first] or None
    treatment = (
        (vat_treatment(columns["vat_treatment"][first]) or "standard") if export.crossborder else "standard"
    )
    total_ht, total_vat, total_ttc = export.totals.totals[group]
    return construct_checked(
        Invoice,
        {
            "invoice_number": number,
            "invoice_type": codes.types[first],
            "issue_date": dates.issue[group],
            "due_date": dates.due[group],
            "delivery_date": dates.delivery[group],
            "currency": codes.currencies[first],
            "buyer_siret": checked.sirets.buyer[first],
            "buyer_name": columns["buyer_name"][first] or None,
            "buyer_address": columns["buyer_address"][first]
            or export.buyers.directory_address(checked.sirets.buyer[first]),
            "delivery_address": columns["delivery_address"][first] or None,
            "operation_nature": codes.operation_natures[first] or None,
            "validator_siret": checked.sirets.validator[first] or None,
            "vat_exemption_reason": columns["vat_exemption_reason"][first] or _mention(export, treatment),
            "service_code": buyer.service_code,
            "engagement_number": buyer.engagement,
            "market_number": columns["market_number"][first] or None,
            "billing_framework": codes.frameworks[first],
            "payment_means": means,
            "supplier": export.supplier,
            "supplier_iban": iban or (export.supplier.iban if means == "VIREMENT" else None),
            "original_invoice_number": columns["original_invoice_number"][first] or None,
            "vat_treatment": treatment,
            "buyer_vat_number": columns["buyer_vat_number"][first].strip() or None,
            "total_vat_eur": columns["total_vat_eur"][first].strip() or None,
            # Kept in shared storage, the invoice names only its key (no worker's disk); else the
            # local file, as ``chorusflow validate`` shows it.
            "attachment": checks.attachment
            if checks.attachment_stored is None and isinstance(checks.attachment, Path)
            else None,
            "attachment_stored": checks.attachment_stored,
            "comment": columns["comment"][first] or None,
            "lines": export.lines.by_invoice[group],
            "vat_breakdown": export.totals.breakdowns[group],
            "total_ht": total_ht,
            "total_vat": total_vat,
            "total_ttc": total_ttc,
            "filled_in": dict(buyer.filled_in) if buyer.filled_in else {},
        },
    )


def _mention(export: CheckedExport, treatment: str) -> str | None:
    """The legal mention a cross-border treatment puts on the invoice (in French, as the law writes
    it), sent as the exemption's reason; None for the standard treatment."""
    known = TREATMENTS.get(treatment)
    return text(known.mention_key, "fr") if known is not None else None
