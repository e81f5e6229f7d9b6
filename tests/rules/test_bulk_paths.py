"""The whole-column shortcuts of the engine give the same answers as the value-by-value checks."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from chorusflow.exports.parsing import parse_number, parse_numbers
from chorusflow.invoice import compute_totals, line_net_amount
from chorusflow.rules import validate_export
from chorusflow_dev.testing.exports import write_export
from tests.rules.builders import codes, row


def test_invoice_number_holding_a_line_break_is_refused_beside_valid_ones(tmp_path: Path) -> None:
    rows = [row(invoice_number="F1"), row(invoice_number="F2\nF3"), row(invoice_number="F4")]
    result = codes(write_export(tmp_path / "export.csv", rows))
    assert result["F2\nF3"] == {"INVOICE_NUMBER_FORMAT"}
    assert result["F1"] == result["F4"] == set()


def test_too_long_invoice_number_is_refused(tmp_path: Path) -> None:
    rows = [row(invoice_number="F" * 20), row(invoice_number="F" * 21)]
    result = codes(write_export(tmp_path / "export.csv", rows))
    assert result == {"F" * 20: set(), "F" * 21: {"INVOICE_NUMBER_FORMAT"}}


def _nets(path: Path) -> dict[str, list[Decimal]]:
    report = validate_export(path, lang="fr")
    return {
        verdict.invoice_number: [line.net_amount for line in verdict.invoice.lines]
        for verdict in report.invoices
        if verdict.invoice is not None
    }


def test_line_nets_round_half_up_with_and_without_discounts(tmp_path: Path) -> None:
    plain = [
        row(invoice_number="F1", quantity="0,5", unit_price="0,01"),  # 0.005: half up, not to even
        row(invoice_number="F1", quantity="1,000005", unit_price="3", line_description="b"),
        row(invoice_number="F2", quantity="3", unit_price="0,333333"),
    ]
    expected = {
        "F1": [Decimal("0.01"), Decimal("3.00")],
        "F2": [line_net_amount(Decimal(3), Decimal("0.333333"))],
    }
    assert _nets(write_export(tmp_path / "plain.csv", plain)) == expected
    discounted = [{**item, "line_discount": "0,004"} for item in plain]
    expected_discounted = {
        "F1": [Decimal("0.00"), Decimal("3.00")],  # 0.005 − 0.004 = 0.001; 3.000015 − 0.004 = 2.996015
        "F2": [line_net_amount(Decimal(3), Decimal("0.333333"), Decimal("0.004"))],  # 0.995999
    }
    assert _nets(write_export(tmp_path / "discounted.csv", discounted)) == expected_discounted


def test_dates_in_two_formats_agree_and_different_dates_conflict(tmp_path: Path) -> None:
    rows = [
        row(invoice_number="F1", due_date="2026-12-02"),
        row(invoice_number="F1", due_date="02/12/2026", line_description="b"),
        row(invoice_number="F2", due_date="2026-12-02"),
        row(invoice_number="F2", due_date="2026-12-03", line_description="b"),
    ]
    result = codes(write_export(tmp_path / "export.csv", rows))
    assert result == {"F1": set(), "F2": {"HEADER_CONFLICT"}}


def test_mostly_distinct_numbers_read_row_by_row_equal_the_value_by_value_reading() -> None:
    prices = [f"{cents // 100},{cents % 100:02d}" for cents in range(1000, 1400)] + ["10,00", "10.5"]
    whole = parse_numbers(prices)  # mostly distinct: read row by row
    assert whole.table is None and whole.complete and whole.nonzero
    assert whole.values == [parse_number(text) for text in prices]
    # One text off the common form sends the column through its distinct texts, with the same numbers.
    mixed = parse_numbers([*prices, "(12,50)", "douze", "", "1 234,56"])
    assert mixed.table is not None and not mixed.complete and mixed.given
    assert mixed.values[: len(prices)] == whole.values
    assert mixed.values[len(prices) :] == [Decimal("-12.50"), None, None, Decimal("1234.56")]
    assert mixed.unreadable == {"douze"} and mixed.negatives == {Decimal("-12.50")}
    # A text holding a line break cannot be read in the one pass either.
    broken = parse_numbers([*prices, "7\n8"])
    assert broken.table is not None and broken.values[-1] == parse_number("7\n8")


def test_a_row_of_unreadable_price_among_distinct_prices_is_the_only_one_refused(tmp_path: Path) -> None:
    rows = [
        row(invoice_number=f"F{index}", unit_price=f"{index},{index % 100:02d}") for index in range(1, 41)
    ]
    rows[7] = {**rows[7], "unit_price": "8,O8"}  # a letter O for a zero
    result = codes(write_export(tmp_path / "export.csv", rows))
    assert result.pop("F8") == {"FIELD_FORMAT"}
    assert set(map(frozenset, result.values())) == {frozenset()}


@pytest.mark.parametrize(
    "lines",
    [
        [("2", "10,00", "20", ""), ("1", "0,05", "5,5", ""), ("3", "1,10", "20", "")],  # no sign anywhere
        [("-0", "5,00", "20", ""), ("1", "3,00", "10", "")],  # a negative zero net, alone at its rate
        [("1", "0", "-20", "")],  # a negative rate on a zero base: a negative zero VAT
        [("1", "1,00", "20", "1,50"), ("2", "0,25", "20", "0,50")],  # discounts above the line amount
        [("1", "(2,50)", "5,5", ""), ("1", "2,50", "5,5", "")],  # lines that cancel out
    ],
)
def test_bulk_breakdown_and_totals_equal_compute_totals_to_the_digit(
    tmp_path: Path, lines: list[tuple[str, str, str, str]]
) -> None:
    rows = [
        row(invoice_number=number, quantity=quantity, unit_price=price, vat_rate=rate, line_discount=discount)
        for number in ("F1", "F2")
        for quantity, price, rate, discount in lines
    ]
    report = validate_export(write_export(tmp_path / "export.csv", rows), lang="fr")
    for verdict in report.invoices:
        invoice = verdict.invoice
        assert invoice is not None, verdict.errors
        expected = compute_totals((line.vat_rate, line.net_amount) for line in invoice.lines)
        assert [tuple(map(str, item)) for item in invoice.vat_breakdown] == [
            tuple(map(str, item)) for item in expected.vat_breakdown
        ]
        totals = (invoice.total_ht, invoice.total_vat, invoice.total_ttc)
        assert tuple(map(str, totals)) == tuple(
            map(str, (expected.total_ht, expected.total_vat, expected.total_ttc))
        )
