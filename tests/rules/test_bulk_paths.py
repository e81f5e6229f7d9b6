"""The whole-column shortcuts of the engine give the same answers as the value-by-value checks."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from chorusflow.model import line_net_amount
from chorusflow.rules import validate_export
from chorusflow.testing.exports import write_export
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
