"""Every column check of an export table, run once over the whole table, in the order of the report.

Within one invoice, findings are reported in the order they are found: the order of the calls
below, then HEADER_CONFLICT (``headers``), then the rules of the invoice as a whole
(``chorusflow.rules.verdict``). Changing the order changes the reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from chorusflow.exports.reader import ExportTable
from chorusflow.rules.checks.code_lists import CodeChecks, check_code_lists
from chorusflow.rules.checks.dates import DateChecks, check_dates
from chorusflow.rules.checks.flags import Flag, RowFlagger
from chorusflow.rules.checks.identifiers import Sirets, check_ibans, check_invoice_numbers, check_sirets
from chorusflow.rules.checks.numbers import NumberChecks, check_numbers
from chorusflow.rules.checks.rows import check_malformed, check_required
from chorusflow.rules.checks.texts import check_delivery_addresses, check_lengths
from chorusflow.rules.codes import Severity


@dataclass(frozen=True, slots=True)
class ColumnChecks:
    """The columns as parsed by each family of checks, and all their findings in report order."""

    numbers: NumberChecks
    dates: DateChecks
    sirets: Sirets
    codes: CodeChecks
    ibans: list[str]  # the supplier IBAN column, compacted
    findings: list[Flag]


def check_columns(
    table: ExportTable, flagger: RowFlagger, *, today: date, reform_severity: Severity, reform_since: str
) -> ColumnChecks:
    """Run the column checks of every family; ``today`` decides INVOICE_DATE_FUTURE.

    ``reform_severity`` is the severity of the 2026 reform's mentions, due since ``reform_since``.
    """
    columns = table.columns
    required = check_required(columns, flagger)
    numbers = check_numbers(columns, flagger)
    dates = check_dates(columns, flagger, today)
    invoice_numbers = check_invoice_numbers(columns["invoice_number"], flagger)
    lengths = check_lengths(columns, flagger)
    sirets = check_sirets(columns, flagger)
    codes = check_code_lists(columns, flagger, reform_severity, reform_since)
    addresses = check_delivery_addresses(columns["delivery_address"], flagger, reform_severity, reform_since)
    ibans = check_ibans(columns["supplier_iban"], flagger)
    malformed = check_malformed(table.malformed, flagger.lang)
    findings = [
        *required,
        *numbers.findings,
        *dates.findings,
        *invoice_numbers,
        *lengths,
        *sirets.findings,
        *codes.findings,
        *addresses,
        *ibans.findings,
        *malformed,
    ]
    return ColumnChecks(numbers, dates, sirets, codes, ibans.values, findings)
