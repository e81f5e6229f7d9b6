"""Sample accounting exports: a valid invoice as a row of canonical columns, and the CSV writer."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from chorusflow_dev.testing import COMMUNE, COMMUNE_NAME, ISSUE_DATE

Row = Mapping[str, str]  # canonical column name -> cell text; a missing column is an empty cell

# Canonical names (chorusflow.exports.columns) in the order of examples/sample-export.csv: the
# invoice's header, its line, then its totals, as an ERP prints them. Only the order is chosen here;
# tests/test_testing.py checks it against both.
EXPORT_COLUMNS: tuple[str, ...] = (
    "invoice_number",
    "invoice_type",
    "issue_date",
    "due_date",
    "delivery_date",
    "buyer_siret",
    "buyer_name",
    "delivery_address",
    "operation_nature",
    "service_code",
    "engagement_number",
    "market_number",
    "original_invoice_number",
    "vat_exemption_reason",
    "line_description",
    "quantity",
    "line_unit",
    "unit_price",
    "vat_rate",
    "line_net_amount",
    "total_ht",
    "total_vat",
    "total_ttc",
)


def invoice_numbers(prefix: str, count: int) -> list[str]:
    """``count`` distinct invoice numbers, valid for Chorus Pro (``[A-Za-z0-9-_/+]{1,20}``)."""
    return [f"{prefix}-{index:05d}" for index in range(1, count + 1)]


def _french(amount: Decimal) -> str:
    return f"{amount:.2f}".replace(".", ",")


def sample_invoice(
    number: str,
    amount_cents: int = 10_000,
    *,
    issue: date = ISSUE_DATE,
    description: str = "Entretien éclairage public",
) -> dict[str, str]:
    """One valid one-line invoice to the Commune: a flat fee of ``amount_cents`` HT + 20 % VAT.

    Its totals are printed; it was delivered 3 days before ``issue`` and is due 30 days after.
    """
    ht = Decimal(amount_cents) / 100
    vat = (ht * Decimal("0.2")).quantize(Decimal("0.01"))
    return {
        "invoice_number": number,
        "invoice_type": "FACTURE",
        "issue_date": issue.isoformat(),
        "due_date": (issue + timedelta(days=30)).isoformat(),
        "delivery_date": (issue - timedelta(days=3)).isoformat(),
        "buyer_siret": COMMUNE,
        "buyer_name": COMMUNE_NAME,
        "operation_nature": "services",
        "line_description": description,
        "quantity": "1",
        "line_unit": "forfait",
        "unit_price": _french(ht),
        "vat_rate": "20",
        "line_net_amount": _french(ht),
        "total_ht": _french(ht),
        "total_vat": _french(vat),
        "total_ttc": _french(ht + vat),
    }


def export_row(row: Row, columns: Sequence[str] = EXPORT_COLUMNS) -> list[str]:
    """The cells of ``row`` in the order of ``columns`` (empty where it has no value)."""
    return [row.get(name, "") for name in columns]


def write_export(
    path: Path,
    rows: Iterable[Row],
    columns: Sequence[str] | None = None,
    *,
    sep: str = ";",
    encoding: str = "utf-8",
) -> Path:
    """Write ``rows`` as a CSV export headed by ``columns`` or else the rows' keys; return ``path``.

    The keys come in the order first seen. With ``columns`` given, ``rows`` is streamed, never held.
    """
    if columns is None:
        rows = list(rows)
        columns = list(dict.fromkeys(name for row in rows for name in row))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle, delimiter=sep)
        writer.writerow(columns)
        writer.writerows(export_row(row, columns) for row in rows)
    return path


def write_sample_export(path: Path, numbers: Iterable[str], *, issue: date = ISSUE_DATE) -> Path:
    """Write one valid ``sample_invoice`` per number (100,00 €, 100,01 € … HT); return ``path``."""
    rows = (sample_invoice(number, 10_000 + position, issue=issue) for position, number in enumerate(numbers))
    return write_export(path, rows, EXPORT_COLUMNS)
