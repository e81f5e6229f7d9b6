"""The invoice model: amounts (docs/sources.md#amounts-and-rounding), the JSON round trip (XCom, ledger)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from chorusflow.invoice import (
    Invoice,
    InvoiceLine,
    VatBreakdown,
    compute_totals,
    line_net_amount,
    round_cents,
)
from chorusflow.rules import validate_export
from chorusflow.suppliers import SupplierIdentity
from chorusflow_dev.testing.exports import write_export
from tests.rules.builders import row


def test_half_up_rounding() -> None:
    assert round_cents(Decimal("0.125")) == Decimal("0.13")
    assert round_cents(Decimal("-0.125")) == Decimal("-0.13")
    assert line_net_amount(Decimal("3"), Decimal("0.3333"), Decimal("0")) == Decimal("1.00")
    assert line_net_amount(Decimal("2"), Decimal("100"), Decimal("20")) == Decimal("180.00")


def test_vat_is_computed_per_rate_not_per_line() -> None:
    # Three lines of 0.05 at 20 %: per line VAT rounds to 0.01 each (0.03); per rate 0.15 × 20 % = 0.03.
    # Seven lines of 0.07 at 5.5 %: per line 0.00 each; per rate 0.49 × 5.5 % = 0.03.
    lines = [(Decimal("20"), Decimal("0.05"))] * 3 + [(Decimal("5.5"), Decimal("0.07"))] * 7
    totals = compute_totals(lines)
    assert [(item.rate, item.base, item.vat) for item in totals.vat_breakdown] == [
        (Decimal("5.5"), Decimal("0.49"), Decimal("0.03")),
        (Decimal("20"), Decimal("0.15"), Decimal("0.03")),
    ]
    assert (totals.total_ht, totals.total_vat, totals.total_ttc) == (
        Decimal("0.64"),
        Decimal("0.06"),
        Decimal("0.70"),
    )


def test_same_rate_written_differently_is_one_breakdown() -> None:
    totals = compute_totals([(Decimal("20"), Decimal("10")), (Decimal("20.00"), Decimal("5"))])
    assert len(totals.vat_breakdown) == 1 and totals.total_vat == Decimal("3.00")


def test_json_round_trip_of_a_built_invoice(tmp_path: Path) -> None:
    (tmp_path / "f.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    header = {"attachment": "f.pdf", "comment": "Merci", "service_code": "S1"}
    path = write_export(
        tmp_path / "e.csv",
        [
            row(**header, line_unit="h"),
            row(**header, line_description="Isolation", quantity="3,5", unit_price="12,345", vat_rate="5,5"),
        ],
    )
    invoice = validate_export(path).invoices[0].invoice
    assert invoice is not None
    dumped = invoice.model_dump(mode="json")
    again = Invoice.model_validate(dumped)
    assert again == invoice
    assert dumped["total_ttc"] == "285.59" and dumped["attachment"] == str((tmp_path / "f.pdf").resolve())
    assert again.lines[1].net_amount == Decimal("43.21")
    # Lines and VAT lines are tuples in memory but objects in JSON, keyed as the fields.
    assert dumped["lines"][1] == {
        "number": 2,
        "description": "Isolation",
        "quantity": "3.5",
        "unit": None,
        "unit_price": "12.345",
        "discount": "0",
        "vat_rate": "5.5",
        "net_amount": "43.21",
    }
    assert dumped["vat_breakdown"][0] == {"rate": "5.5", "base": "43.21", "vat": "2.38"}
    assert list(dumped["lines"][0]) == list(InvoiceLine._fields)  # keys in the fields' order
    assert list(dumped["vat_breakdown"][0]) == list(VatBreakdown._fields)
    assert isinstance(again.lines[0], InvoiceLine) and again.vat_breakdown == invoice.vat_breakdown
    broken = {**dumped, "lines": [{**dumped["lines"][0], "quantity": "beaucoup"}]}
    try:
        Invoice.model_validate(broken)
    except ValueError as error:
        assert "lines.0.quantity" in str(error)
    else:  # pragma: no cover
        raise AssertionError("a line read back from JSON must be validated")


def test_invoice_model_validates_its_fields() -> None:
    supplier = SupplierIdentity(siret="45218801400016", name="ACME")
    line = InvoiceLine(
        number=1,
        description="x",
        quantity=Decimal(1),
        unit=None,
        unit_price=Decimal(1),
        discount=Decimal(0),
        vat_rate=Decimal(20),
        net_amount=Decimal("1.00"),
    )
    totals = compute_totals([(line.vat_rate, line.net_amount)])
    invoice = Invoice(
        invoice_number="F1",
        issue_date=date(2026, 1, 1),
        due_date=date(2026, 1, 31),
        buyer_siret="21990001600011",
        supplier=supplier,
        lines=[line],
        vat_breakdown=totals.vat_breakdown,
        total_ht=totals.total_ht,
        total_vat=totals.total_vat,
        total_ttc=totals.total_ttc,
    )
    assert invoice.total_ttc == Decimal("1.20") and invoice.filled_in == {}
    try:
        Invoice.model_validate({**invoice.model_dump(), "buyer_siret": "123"})
    except ValueError as error:
        assert "buyer_siret" in str(error)
    else:  # pragma: no cover
        raise AssertionError("a 3-digit SIRET must be refused")
