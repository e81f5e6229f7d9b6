"""Validate the rows of an export table and turn each invoice into a verdict.

``TableValidator.run`` runs the steps in order; each lives in its own module:

1. column checks, once over the whole table, one module per family of columns
   (``chorusflow.rules.checks``: numbers, dates, identifiers, code lists, texts, rows);
2. rows grouped into invoices (``grouping``), then HEADER_CONFLICT (``checks.headers``);
3. line nets and lines (``lines``), VAT breakdowns and totals (``totals``), in bulk;
4. per invoice, ``verdict.check_invoice`` decides its findings (the rules of the invoice as a whole:
   ``checks.dates``, ``checks.amounts``, ``checks.buyers``, ``checks.attachments``…) and
   ``verdict.build_invoice`` builds its ``Invoice``.

Column checks run once per distinct value (exports repeat dates, rates and SIRETs on every line)
and only look at individual rows when a value is wrong. One root cause gives one code: an amount
that cannot be read is ``FIELD_FORMAT`` only, never also ``AMOUNT_MISMATCH``; an impossible date is
never also ``DATE_ORDER``.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from chorusflow.exports.reader import ExportTable
from chorusflow.rules.checks.amounts import zero_rated_invoices
from chorusflow.rules.checks.attachments import ATTACHMENT_NAME_MAX, AttachmentKeeper, AttachmentRules
from chorusflow.rules.checks.buyers import BuyerRules
from chorusflow.rules.checks.code_lists import (
    BILLING_FRAMEWORKS,
    INVOICE_TYPES,
    PAYMENT_MEANS,
    VALIDATED_FRAMEWORKS,
)
from chorusflow.rules.checks.columns import ColumnChecks, check_columns
from chorusflow.rules.checks.crossborder import supplier_identifier_findings
from chorusflow.rules.checks.dates import DATE_COLUMNS, LEGAL_PAYMENT_DAYS, PARIS, invoice_dates, paris_today
from chorusflow.rules.checks.flags import FindingsByInvoice, RowFlagger
from chorusflow.rules.checks.headers import check_header_conflicts
from chorusflow.rules.checks.identifiers import (
    INVOICE_NUMBER_CHARACTERS,
    INVOICE_NUMBER_MAX,
    iban_is_valid,
    invoice_number_is_a_date,
    invoice_number_is_valid,
    siret_is_valid,
    supplier_iban_findings,
)
from chorusflow.rules.checks.numbers import (
    ALLOWED_RATES_TEXT,
    FRENCH_VAT_RATES,
    LINE_AMOUNT_COLUMNS,
    NUMBER_COLUMNS,
    SIGNED_COLUMNS,
    TOTAL_COLUMNS,
)
from chorusflow.rules.checks.texts import FIELD_LIMITS, postal_address_is_usable
from chorusflow.rules.codes import Severity
from chorusflow.rules.directory import BuyerDirectory
from chorusflow.rules.grouping import group_invoices, invoice_keys
from chorusflow.rules.lines import build_lines
from chorusflow.rules.profiles import BuyerProfile
from chorusflow.rules.totals import build_totals
from chorusflow.rules.verdict import STRUCTURAL_CODES, CheckedExport, InvoiceVerdict, invoice_verdicts
from chorusflow.storage import StoredPath
from chorusflow.suppliers import SupplierIdentity

# The names this module held before the rules were split by family, kept importable from here.
__all__ = [
    "ALLOWED_RATES_TEXT",
    "ATTACHMENT_NAME_MAX",
    "BILLING_FRAMEWORKS",
    "DATE_COLUMNS",
    "FIELD_LIMITS",
    "FRENCH_VAT_RATES",
    "INVOICE_NUMBER_CHARACTERS",
    "INVOICE_NUMBER_MAX",
    "INVOICE_TYPES",
    "LEGAL_PAYMENT_DAYS",
    "LINE_AMOUNT_COLUMNS",
    "NUMBER_COLUMNS",
    "PARIS",
    "PAYMENT_MEANS",
    "SIGNED_COLUMNS",
    "STRUCTURAL_CODES",
    "TOTAL_COLUMNS",
    "VALIDATED_FRAMEWORKS",
    "InvoiceVerdict",
    "TableValidator",
    "gc_paused",
    "iban_is_valid",
    "invoice_number_is_a_date",
    "invoice_number_is_valid",
    "paris_today",
    "postal_address_is_usable",
    "reform_severity",
    "siret_is_valid",
]


def reform_severity(supplier: SupplierIdentity, today: date) -> Severity:
    """The severity of the 2026 reform's mentions (``REFORM_CODES``) for ``supplier`` on ``today``."""
    return "error" if today >= supplier.reform_mentions_from else "warning"


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while hundreds of thousands of small acyclic objects are made.

    Without this, the collector rescans the growing heap again and again, for nothing (about 2×).
    On the way out the objects made are moved to the oldest generation (``freeze`` then ``unfreeze``):
    the first young collection would otherwise scan all of them once (0.08 s for 100,000 lines) only
    to promote them there. They stay collectable; a full collection sees them like any old object.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        if collecting:
            gc.enable()


class TableValidator:
    """Validates one export table; ``run()`` returns one verdict per invoice."""

    def __init__(
        self,
        table: ExportTable,
        *,
        supplier: SupplierIdentity,
        lang: str,
        profiles: dict[str, BuyerProfile],
        directory: BuyerDirectory | None,
        today: date | None = None,
        attachments_from: Path | StoredPath | None = None,
        keep_attachment: AttachmentKeeper | None = None,
    ) -> None:
        self.table = table
        # Where the attachments are looked for (default: the export's folder), and who keeps them.
        self.attachments_from = attachments_from if attachments_from is not None else table.folder
        self.keep_attachment = keep_attachment
        self.columns = table.columns
        self.supplier = supplier
        self.lang = lang
        # "Today" decides INVOICE_DATE_FUTURE and whether the reform's mentions are errors yet.
        self.today = today if today is not None else paris_today()
        self.reform_severity = reform_severity(supplier, self.today)
        self.profiles = profiles
        self.directory = directory
        self.keys = invoice_keys(table)  # per row: its invoice's number, or ("row", n) without one

    def run(self) -> list[InvoiceVerdict]:
        """Check every row and return one verdict per invoice, in the order of the export."""
        with gc_paused():
            export = self._check_export()
            return invoice_verdicts(export)

    def _check_export(self) -> CheckedExport:
        """Every whole-table step: column checks, grouping, header conflicts, lines and totals."""
        checked = self._check_columns()
        groups = group_invoices(self.keys, self.table.row_numbers, checked.numbers.readable_lines)
        findings = FindingsByInvoice()
        findings.add_all(checked.findings)
        findings.add_all(check_header_conflicts(self.columns, checked, groups, self.lang))
        lines = build_lines(self.columns, checked.numbers, groups)
        return CheckedExport(
            columns=self.columns,
            checked=checked,
            groups=groups,
            dates=invoice_dates(self.columns, checked.dates, groups.first_rows),
            lines=lines,
            totals=build_totals(lines.nets, checked.numbers, groups),
            zero_rated=zero_rated_invoices(checked.numbers.rates, groups),
            findings=findings,
            buyers=BuyerRules(self.profiles, self.directory, self.lang),
            attachments=AttachmentRules(self.attachments_from, self.lang, self.keep_attachment),
            supplier=self.supplier,
            supplier_iban_findings=supplier_iban_findings(self.supplier, self.lang),
            lang=self.lang,
            crossborder=not self.supplier.french
            or any(self.columns["vat_treatment"])
            or bool(supplier_identifier_findings(self.supplier, self.lang)),
            currency_rules=set(checked.codes.currencies) != {"EUR"}
            or any(profile.currencies for profile in self.profiles.values()),
            supplier_findings=supplier_identifier_findings(self.supplier, self.lang),
        )

    def _check_columns(self) -> ColumnChecks:
        """The column checks of every family (``checks.columns``), once over the whole table."""
        return check_columns(
            self.table,
            RowFlagger(self.keys, self.lang),
            today=self.today,
            reform_severity=self.reform_severity,
            reform_since=self.supplier.reform_mentions_from.isoformat(),
        )
