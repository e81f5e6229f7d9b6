"""Every offline rule code, with an export that breaks it and one that passes it."""

from __future__ import annotations

from pathlib import Path

import pytest

from chorusflow_dev.testing.exports import write_export
from tests.rules.builders import COMMUNE, MAIN_CONTRACTOR, codes, row

OTHER_LINE = {"line_description": "Déplacement", "quantity": "1", "unit_price": "50", "vat_rate": "20"}

# (case id, rows, expected error codes of invoice F2026-0001)
FAILING = [
    ("missing due date", [row(due_date="")], {"FIELD_MISSING"}),
    ("missing quantity", [row(quantity="", line_net_amount="200.00")], {"FIELD_MISSING"}),
    ("missing description", [row(line_description="")], {"FIELD_MISSING"}),
    ("impossible date", [row(issue_date="31/02/2026")], {"FIELD_FORMAT"}),
    ("unreadable due date", [row(due_date="demain")], {"FIELD_FORMAT"}),
    ("NaN price", [row(unit_price="NaN")], {"FIELD_FORMAT"}),
    ("Infinity quantity", [row(quantity="Infinity", total_ttc="240")], {"FIELD_FORMAT"}),
    ("text amount", [row(unit_price="cent euros")], {"FIELD_FORMAT"}),
    (
        "header conflict",
        [row(), row(due_date="2026-12-15", **{"line_description": "Autre"})],
        {"HEADER_CONFLICT"},
    ),
    (
        "facture and avoir share a number",
        [row(), row(invoice_type="AVOIR", original_invoice_number="F1")],
        {"HEADER_CONFLICT"},
    ),
    ("SIRET with 13 digits", [row(buyer_siret="2199000160001")], {"SIRET_INVALID"}),
    ("SIRET failing Luhn", [row(buyer_siret="73282932000079")], {"SIRET_INVALID"}),
    ("La Poste SIRET with a wrong digit sum", [row(buyer_siret="35600000049838")], {"SIRET_INVALID"}),
    ("wrong IBAN", [row(supplier_iban="FR7630006000011234567890188")], {"IBAN_INVALID"}),
    ("due before issue", [row(due_date="2026-10-01")], {"DATE_ORDER"}),
    ("VAT 19.6", [row(vat_rate="19,6")], {"VAT_RATE_INVALID"}),
    ("VAT 7", [row(vat_rate="7")], {"VAT_RATE_INVALID"}),
    ("VAT negative", [row(vat_rate="-20")], {"VAT_RATE_INVALID"}),
    ("wrong line net", [row(line_net_amount="210.00")], {"AMOUNT_MISMATCH"}),
    ("wrong total TTC", [row(total_ht="200", total_vat="40", total_ttc="250")], {"AMOUNT_MISMATCH"}),
    ("wrong total VAT", [row(total_vat="20")], {"AMOUNT_MISMATCH"}),
    ("negative quantity on a FACTURE", [row(quantity="-2")], {"AMOUNT_SIGN"}),
    (
        "negative totals",
        [row(quantity="-2", total_ht="-200", total_vat="-40", total_ttc="-240")],
        {"AMOUNT_SIGN"},
    ),
    (
        "negative price on an AVOIR",
        [row(invoice_type="AVOIR", original_invoice_number="F0", unit_price="-100")],
        {"AMOUNT_SIGN"},
    ),
    ("AVOIR without origin", [row(invoice_type="AVOIR")], {"CREDIT_NOTE_ORIGIN_MISSING"}),
    ("currency USD with French VAT", [row(currency="USD")], {"CURRENCY_VAT_IN_EUR_MISSING"}),
    ("currency USD with its VAT in euros", [row(currency="USD", total_vat_eur="37,12")], set()),
    ("currency nonsense", [row(currency="EURO")], {"CURRENCY_INVALID"}),
    ("billing framework A5", [row(billing_framework="A5")], {"BILLING_FRAMEWORK_INVALID"}),
    ("payment means", [row(payment_means="BITCOIN")], {"PAYMENT_MEANS_INVALID"}),
    ("invoice type", [row(invoice_type="DEVIS")], {"INVOICE_TYPE_INVALID"}),
    ("description too long", [row(line_description="x" * 513)], {"FIELD_TOO_LONG"}),
    ("comment too long", [row(comment="y" * 2001)], {"FIELD_TOO_LONG"}),
    ("engagement too long", [row(engagement_number="E" * 51)], {"FIELD_TOO_LONG"}),
]

PASSING = [
    ("plain", [row()]),
    (
        "two lines, two rates",
        [row(), row(line_description="Isolation", quantity="3", unit_price="10", vat_rate="5,5")],
    ),
    (
        "French formats",
        [
            row(
                issue_date="02/11/2026",
                due_date="02/12/2026",
                unit_price="1 000,50",
                buyer_siret="219 900 016 00011",
            )
        ],
    ),
    ("La Poste SIRET", [row(buyer_siret="35600000049837")]),
    ("good IBAN", [row(supplier_iban="FR76 3000 6000 0112 3456 7890 189")]),
    ("due on issue day", [row(due_date="2026-11-02")]),
    (
        "overseas and Corsica rates",
        [row(vat_rate="8.5"), row(**{**OTHER_LINE, "vat_rate": "2,1"}), row(vat_rate="13")],
    ),
    ("given amounts agree", [row(line_net_amount="200,00", total_ht="200", total_vat="40", total_ttc="240")]),
    (
        "per-rate VAT within rounding",
        [
            row(
                quantity="1",
                unit_price="0.125",
                vat_rate="20",
                line_net_amount="0.13",
                total_ht="0.13",
                total_vat="0.03",
                total_ttc="0.16",
            )
        ],
    ),
    (
        "AVOIR with origin and positive amounts",
        [row(invoice_type="avoir", original_invoice_number="F2026-0000")],
    ),
    ("currency eur", [row(currency="eur")]),
    ("billing frameworks", [row(billing_framework="A9", validator_siret=MAIN_CONTRACTOR)]),
    (
        "long billing framework name",
        [row(billing_framework="A12_FACTURE_COTRAITANT", validator_siret=MAIN_CONTRACTOR)],
    ),
    ("payment means", [row(payment_means="cheque")]),
    ("description at the limit", [row(line_description="x" * 512, comment="y" * 2000)]),
    ("discount", [row(line_discount="20", line_net_amount="180")]),
]


@pytest.mark.parametrize(
    ("rows", "expected"), [case[1:] for case in FAILING], ids=[case[0] for case in FAILING]
)
def test_failing_case_gives_exactly_its_code(
    tmp_path: Path, rows: list[dict[str, str]], expected: set[str]
) -> None:
    result = codes(write_export(tmp_path / "export.csv", rows))
    assert result == {"F2026-0001": expected}


@pytest.mark.parametrize("rows", [case[1] for case in PASSING], ids=[case[0] for case in PASSING])
def test_passing_case_has_no_error(tmp_path: Path, rows: list[dict[str, str]]) -> None:
    result = codes(write_export(tmp_path / "export.csv", rows))
    assert result == {"F2026-0001": set()}


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("F2026-0001", True),
        ("A/B+C_D-1", True),
        ("F 2026 0001", False),
        ("F2026-000000000000001", False),  # 21 characters
        ("FACTURE-Ü1", False),
        ("F1\x07", False),
        ('=HYPERLINK("http://x")', False),
    ],
)
def test_invoice_number_format(tmp_path: Path, number: str, valid: bool) -> None:
    result = codes(write_export(tmp_path / "export.csv", [row(invoice_number=number)]))
    assert result == {number: set() if valid else {"INVOICE_NUMBER_FORMAT"}}


def test_row_without_number_is_kept_and_keyed_by_row(tmp_path: Path) -> None:
    path = write_export(tmp_path / "export.csv", [row(), row(invoice_number=""), row(invoice_number="")])
    result = codes(path)
    assert result == {"F2026-0001": set(), "row:3": {"FIELD_MISSING"}, "row:4": {"FIELD_MISSING"}}


def test_one_bad_row_does_not_stop_the_others(tmp_path: Path) -> None:
    rows = [row(invoice_number=f"F{index}") for index in range(5)]
    rows[2]["due_date"] = "31/02/2026"
    result = codes(write_export(tmp_path / "export.csv", rows))
    assert result == {"F0": set(), "F1": set(), "F2": {"FIELD_FORMAT"}, "F3": set(), "F4": set()}


def test_plain_invoice_has_no_warning(tmp_path: Path) -> None:
    from chorusflow.rules import validate_export

    verdict = validate_export(write_export(tmp_path / "export.csv", [row()])).invoices[0]
    assert verdict.valid and verdict.warnings == []


def test_warnings_do_not_block(tmp_path: Path) -> None:
    from chorusflow.rules import validate_export

    path = write_export(tmp_path / "export.csv", [row(delivery_date="", due_date="2027-03-01")])
    verdict = validate_export(path).invoices[0]
    assert verdict.valid
    assert {item.code for item in verdict.warnings} == {"DELIVERY_DATE_MISSING", "PAYMENT_TERMS_LONG"}


def test_credit_note_payment_means_is_dropped_with_a_warning(tmp_path: Path) -> None:
    from chorusflow.rules import validate_export

    path = write_export(
        tmp_path / "export.csv",
        [row(invoice_type="AVOIR", original_invoice_number="F0", payment_means="VIREMENT")],
    )
    verdict = validate_export(path).invoices[0]
    assert verdict.valid and verdict.invoice is not None
    assert verdict.invoice.payment_means is None
    assert [item.code for item in verdict.warnings] == ["CREDIT_NOTE_PAYMENT_MEANS"]


def test_buyer_siret_is_normalised(tmp_path: Path) -> None:
    from chorusflow.rules import validate_export

    path = write_export(tmp_path / "export.csv", [row(buyer_siret=" 219 900 016 00011 ")])
    invoice = validate_export(path).invoices[0].invoice
    assert invoice is not None and invoice.buyer_siret == COMMUNE
