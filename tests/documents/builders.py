"""Invoices for the PDF tests: one carrying every optional mention, and many-line ones."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

from pypdf import PdfReader

from chorusflow.invoice import Invoice, InvoiceLine, compute_totals, line_net_amount
from chorusflow_dev.testing import COMMUNE, COMMUNE_NAME
from chorusflow_dev.testing.documents import SUPPLIER

# (description, quantity, unit, unit price, discount, VAT rate)
LineSpec = tuple[str, str, str | None, str, str, str]
LINES: list[LineSpec] = [
    ("Maintenance chaudière gaz - forfait mensuel", "1", "forfait", "450.00", "0", "20"),
    ("Fourniture électricité - consommation kWh", "12500", "kWh", "0.1845", "0", "20"),
    ("Isolation des combles (m²)", "120", "m2", "32.50", "100", "5.5"),
    ("Travaux de rénovation énergétique logement social", "1", "forfait", "34190.40", "0", "10"),
]


def lines(specs: list[LineSpec]) -> list[InvoiceLine]:
    """Invoice lines with their net amounts computed as chorusflow computes them."""
    built = []
    for number, (description, quantity, unit, price, discount, rate) in enumerate(specs, start=1):
        q, p, d = Decimal(quantity), Decimal(price), Decimal(discount)
        net = line_net_amount(q, p, d)
        built.append(InvoiceLine(number, description, q, unit, p, d, Decimal(rate), net))
    return built


def invoice(specs: list[LineSpec] | None = None, **changes: Any) -> Invoice:
    """A valid invoice to the Commune with every optional mention given; ``changes`` replace fields."""
    built = lines(LINES if specs is None else specs)
    totals = compute_totals((line.vat_rate, line.net_amount) for line in built)
    fields: dict[str, Any] = {
        "invoice_number": "F2026-0901",
        "issue_date": date(2026, 12, 3),
        "due_date": date(2027, 1, 2),
        "delivery_date": date(2026, 11, 30),
        "buyer_siret": COMMUNE,
        "buyer_name": COMMUNE_NAME,
        "buyer_address": "1 place de la Mairie\n99000 Démoville",
        "delivery_address": "Groupe scolaire Jules Ferry\n4 rue des Écoles\n99000 Démoville",
        "operation_nature": "mixed",
        "service_code": "SERV_TECH",
        "engagement_number": "EJ-2026-0042",
        "market_number": "MAPA-2026-17",
        "supplier": SUPPLIER,
        "comment": "Intervention réalisée conformément au bon de commande.",
        "lines": built,
        "vat_breakdown": totals.vat_breakdown,
        "total_ht": totals.total_ht,
        "total_vat": totals.total_vat,
        "total_ttc": totals.total_ttc,
    }
    fields.update(changes)
    return Invoice(**fields)


def many_lines(count: int) -> list[LineSpec]:
    """``count`` lines, one in three with a description long enough to wrap."""
    return [
        (
            f"Ligne {index} : intervention"
            + (" sur site avec rapport détaillé" * 4 if index % 3 == 0 else ""),
            str(index % 9 + 1),
            "h",
            "78.00",
            "0",
            "20",
        )
        for index in range(1, count + 1)
    ]


def pdf_text(pdf: bytes) -> str:
    """The PDF's text as pypdf extracts it, every run of spaces (no-break ones too) made one space."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def page_count(pdf: bytes) -> int:
    """How many pages the PDF has."""
    return len(PdfReader(io.BytesIO(pdf)).pages)
