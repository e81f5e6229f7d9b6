"""Number columns: quantities, unit prices, VAT rates, discounts, line nets and totals as given.

FIELD_FORMAT for a number that cannot be read, AMOUNT_SIGN for a negative one (rates excepted),
VAT_RATE_INVALID for a rate not in force in France. The result also tells the line and total
computations (``chorusflow.rules.lines``, ``chorusflow.rules.totals``) which shortcuts are safe.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from chorusflow.exports.parsing import NumberColumn, parse_numbers
from chorusflow.invoice import plain_rate
from chorusflow.messages import text
from chorusflow.rules.checks.flags import Flag, RowFlagger

# Rates in force in metropolitan France, Corsica and the overseas departments
# (docs/sources.md, VAT rates in force).
FRENCH_VAT_RATES = frozenset(
    Decimal(rate) for rate in ("0", "0.9", "1.05", "1.75", "2.1", "5.5", "8.5", "10", "13", "20")
)
ALLOWED_RATES_TEXT = " ; ".join(format(rate, "f") for rate in sorted(FRENCH_VAT_RATES))
NUMBER_COLUMNS = (
    "quantity",
    "unit_price",
    "vat_rate",
    "line_discount",
    "line_net_amount",
    "total_ht",
    "total_vat",
    "total_ttc",
    "total_vat_eur",  # the VAT in euros of an invoice in another currency: Factur-X's BT-111 needs a number
)
SIGNED_COLUMNS = frozenset(NUMBER_COLUMNS) - {"vat_rate"}
LINE_AMOUNT_COLUMNS = ("quantity", "unit_price", "vat_rate")
TOTAL_COLUMNS = ("total_ht", "total_vat", "total_ttc")


@dataclass(frozen=True, slots=True)
class VatRates:
    """Each row's VAT rate as printed (equal rates print alike), and the order of the rates."""

    plain: list[Decimal | None]  # per row; None when empty or unreadable
    ranks: dict[Decimal | None, int]  # increasing order (a breakdown lists them so); None ranks -1
    findings: list[Flag]  # VAT_RATE_INVALID


@dataclass(frozen=True, slots=True)
class NumberChecks:
    """The number columns as read, and what the line and total computations may take for granted."""

    values: dict[str, list[Decimal | None]]  # per column, one per row; None when empty or unreadable
    rates: VatRates
    readable_lines: list[bool]  # per row: quantity, price, rate (and a given discount) are readable
    all_lines_readable: bool
    has_discounts: bool  # some row has a discount other than zero
    # No discount and no minus sign in quantities, prices and rates: no net nor VAT is negative, not
    # even a negative zero.
    nets_unsigned: bool
    has_given_line_nets: bool
    given_total_columns: list[str]  # the totals some row gives
    amounts_to_compare: bool  # some line net or total is given: compare them with the computed ones
    findings: list[Flag]  # FIELD_FORMAT, AMOUNT_SIGN, VAT_RATE_INVALID, in the order of the report


def check_numbers(columns: Mapping[str, list[str]], flagger: RowFlagger) -> NumberChecks:
    """Read every number column and check the values; see ``NumberChecks``."""
    read = {column: parse_numbers(columns[column]) for column in NUMBER_COLUMNS}
    values = {column: number_column.values for column, number_column in read.items()}
    findings = _unreadable_and_negative(columns, read, flagger)
    rates = _check_rates(columns["vat_rate"], read["vat_rate"], flagger)
    # The usual case, known from the columns alone: every row is readable.
    all_readable = (
        all(read[name].complete for name in LINE_AMOUNT_COLUMNS) and not read["line_discount"].unreadable
    )
    if all_readable:
        readable_lines = [True] * len(values["quantity"])
    else:
        readable_lines = _readable_lines(values, columns["line_discount"])
        all_readable = all(readable_lines)
    has_discounts = read["line_discount"].nonzero  # a zero discount is none
    given_total_columns = [name for name in TOTAL_COLUMNS if read[name].given]
    return NumberChecks(
        values=values,
        rates=rates,
        readable_lines=readable_lines,
        all_lines_readable=all_readable,
        has_discounts=has_discounts,
        nets_unsigned=not has_discounts and not any(read[name].signed for name in LINE_AMOUNT_COLUMNS),
        has_given_line_nets=read["line_net_amount"].given,
        given_total_columns=given_total_columns,
        amounts_to_compare=read["line_net_amount"].given or bool(given_total_columns),
        findings=findings + rates.findings,
    )


def _unreadable_and_negative(
    columns: Mapping[str, list[str]], read: Mapping[str, NumberColumn], flagger: RowFlagger
) -> list[Flag]:
    """FIELD_FORMAT for each unreadable text, then AMOUNT_SIGN for each negative amount, column by column."""
    expected = text("rule.expected.number", flagger.lang)
    flags: list[Flag] = []
    for column, number_column in read.items():
        flags += flagger.unreadable(columns[column], number_column.unreadable, column, expected)
        if column in SIGNED_COLUMNS:
            values = number_column.values
            flags += flagger.rows(
                values, number_column.negatives, "AMOUNT_SIGN", column, value=values.__getitem__
            )
    return flags


def _check_rates(texts: list[str], rate_column: NumberColumn, flagger: RowFlagger) -> VatRates:
    """VAT_RATE_INVALID for a readable rate not in force; each row's rate as printed, and the rates' order."""
    column = rate_column.values
    rates = set(rate_column.table.values() if rate_column.table is not None else column)
    findings = flagger.values(
        column,
        lambda rate: rate is not None and rate not in FRENCH_VAT_RATES,
        "VAT_RATE_INVALID",
        "vat_rate",
        distinct=rates,
        value=texts.__getitem__,
        allowed=ALLOWED_RATES_TEXT,
    )
    plain_rates = {
        rate: None if rate is None else plain_rate(rate) for rate in rates
    }  # equal rates print alike
    ranks: dict[Decimal | None, int] = {
        rate: rank
        for rank, rate in enumerate(sorted(set(plain_rates.values()) - {None}))  # type: ignore[type-var]
    }
    ranks[None] = -1
    return VatRates(list(map(plain_rates.__getitem__, column)), ranks, findings)


def _readable_lines(values: Mapping[str, list[Decimal | None]], discount_texts: list[str]) -> list[bool]:
    """Per row: quantity, price, rate (and a given discount) are readable."""
    return [
        quantity is not None and price is not None and rate is not None and (discount is not None or not raw)
        for quantity, price, rate, discount, raw in zip(
            values["quantity"],
            values["unit_price"],
            values["vat_rate"],
            values["line_discount"],
            discount_texts,
            strict=True,
        )
    ]
