"""A varied sample of valid invoices, drawn from the example export with optional columns taken out
or left empty: every one gives a Factur-X that passes XSD, EN 16931, Factur-X, the French rules and
the PDF/A checks (issue #21: one ordinary invoice in six used to fail, for want of a delivery date)."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from chorusflow.facturx import build_facturx, check_facturx
from chorusflow.facturx.schematron import SchematronProcess
from chorusflow.invoice import Invoice
from chorusflow.rules.validate import validate_export
from tests.facturx.conftest import SAMPLE_EXPORT

TODAY = date(2026, 12, 1)  # the sample's invoices are of November 2026
DELIVERY = ("delivery_date", "delivery_address")
#: Each variant: the columns taken out of the export, and the columns left with empty cells.
VARIANTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "no-delivery-columns": (DELIVERY, ()),
    "empty-delivery-cells": ((), DELIVERY),
    "bare": (
        DELIVERY
        + (
            "operation_nature",
            "market_number",
            "line_unit",
            "line_net_amount",
            "total_ht",
            "total_vat",
            "total_ttc",
        ),
        ("service_code",),
    ),
}


def _variant(folder: Path, name: str) -> Path:
    dropped, emptied = VARIANTS[name]
    with SAMPLE_EXPORT.open(encoding="utf-8", newline="") as source:
        rows = list(csv.DictReader(source, delimiter=";"))
    columns = [column for column in rows[0] if column not in dropped]
    path = folder / f"{name}.csv"
    with path.open("w", encoding="utf-8", newline="") as target:
        writer = csv.DictWriter(target, columns, delimiter=";", extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, **dict.fromkeys(emptied, "")})
    return path


def _valid(path: Path) -> list[Invoice]:
    report = validate_export(path, lang="en", today=TODAY)
    return [verdict.invoice for verdict in report.invoices if verdict.valid and verdict.invoice]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> list[Invoice]:
    folder = tmp_path_factory.mktemp("variants")
    return [invoice for name in VARIANTS for invoice in _valid(_variant(folder, name))]


def test_the_sample_is_varied(sample: list[Invoice]) -> None:
    assert len(sample) >= 60
    assert any(invoice.invoice_type == "AVOIR" for invoice in sample)
    assert sum(invoice.delivery_date is None for invoice in sample) >= 40
    assert any(invoice.operation_nature is None for invoice in sample)


def test_every_invoice_of_the_sample_gives_a_conformant_facturx(
    sample: list[Invoice], saxon: SchematronProcess
) -> None:
    failures = {
        invoice.invoice_number: found
        for invoice in sample
        if (found := check_facturx(build_facturx(invoice, invoice.supplier), lang="en"))
    }
    assert failures == {}
