"""Dates: the issue, due and delivery dates of an invoice.

Columns: FIELD_FORMAT for a date that cannot be read (or is impossible, 31/02), INVOICE_DATE_FUTURE.
Per invoice: DATE_ORDER, PAYMENT_TERMS_LONG (warning), DELIVERY_DATE_MISSING (warning). An impossible
date is FIELD_FORMAT only, never also DATE_ORDER.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from chorusflow.exports.parsing import distinct_values, parse_date
from chorusflow.messages import text
from chorusflow.rules.checks.flags import Flag, RowFlagger
from chorusflow.rules.codes import Finding, finding

PARIS = ZoneInfo("Europe/Paris")
DATE_COLUMNS = ("issue_date", "due_date", "delivery_date")
LEGAL_PAYMENT_DAYS = 60


@dataclass(frozen=True, slots=True)
class DateChecks:
    """Each date column as a table of its distinct texts (dates are header values: few distinct texts)."""

    tables: dict[str, dict[str, date | None]]  # column -> text -> date; None when empty or unreadable
    findings: list[Flag]  # FIELD_FORMAT, INVOICE_DATE_FUTURE


@dataclass(frozen=True, slots=True)
class InvoiceDates:
    """Each invoice's dates, as read on its first row; None when empty or unreadable."""

    issue: list[date | None]
    due: list[date | None]
    delivery: list[date | None]


def paris_today() -> date:
    """Today in France (Europe/Paris): the day Chorus Pro dates a deposit made now."""
    return datetime.now(PARIS).date()


def check_dates(columns: Mapping[str, list[str]], flagger: RowFlagger, today: date) -> DateChecks:
    """Read the date columns once per distinct text; FIELD_FORMAT, then INVOICE_DATE_FUTURE."""
    expected = text("rule.expected.date", flagger.lang)
    tables: dict[str, dict[str, date | None]] = {}
    flags: list[Flag] = []
    for column in DATE_COLUMNS:
        dates = tables[column] = {text: parse_date(text) for text in distinct_values(columns[column])}
        unreadable = {text for text, value in dates.items() if value is None and text != ""}
        flags += flagger.unreadable(columns[column], unreadable, column, expected)
    flags += _future_issue_dates(columns["issue_date"], tables["issue_date"], flagger, today)
    return DateChecks(tables, flags)


def _future_issue_dates(
    texts: list[str], dates: Mapping[str, date | None], flagger: RowFlagger, today: date
) -> list[Flag]:
    """INVOICE_DATE_FUTURE: Chorus Pro refuses an invoice dated after its deposit.

    (docs/sources.md, Invoice number and date)
    """
    future = {text: day.isoformat() for text, day in dates.items() if day is not None and day > today}
    return flagger.rows(
        texts,
        future,
        "INVOICE_DATE_FUTURE",
        "issue_date",
        date=lambda row: future[texts[row]],
        today=today.isoformat(),
    )


def invoice_dates(
    columns: Mapping[str, list[str]], checks: DateChecks, first_rows: list[int]
) -> InvoiceDates:
    """Each invoice's dates, looked up for all invoices at once (at C speed)."""

    def of(column: str) -> list[date | None]:
        return list(map(checks.tables[column].__getitem__, map(columns[column].__getitem__, first_rows)))

    return InvoiceDates(of("issue_date"), of("due_date"), of("delivery_date"))


def invoice_date_findings(
    issue: date | None, due: date | None, delivery_text: str, lang: str
) -> list[Finding]:
    """DATE_ORDER or PAYMENT_TERMS_LONG (due date against issue date), then DELIVERY_DATE_MISSING."""
    found: list[Finding] = []
    if issue is not None and due is not None:
        if due < issue:
            found.append(
                finding("DATE_ORDER", lang, "due_date", due=due.isoformat(), issue=issue.isoformat())
            )
        elif (due - issue).days > LEGAL_PAYMENT_DAYS:
            found.append(finding("PAYMENT_TERMS_LONG", lang, "due_date", days=(due - issue).days))
    if delivery_text == "":
        found.append(finding("DELIVERY_DATE_MISSING", lang, "delivery_date"))
    return found
