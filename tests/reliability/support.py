"""Shared helpers of the reliability suite: synthetic exports, ledger seeding, the invariant checks.

The checks are the promises of the issue, invoice by invoice: the sandbox holds each valid invoice
exactly once, the ledger agrees with it (state ``submitted`` with the sandbox's id), and nothing is
left in ``submitting`` once the run that finished the work succeeded.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chorusflow.ledger import InvoiceState, Ledger
from chorusflow.pipeline import records_from_report
from chorusflow.rules import validate_export
from tests.conftest import REPO_ROOT
from tests.fixtures.sandbox import COMMUNE, SUPPLIER_SIRET, SandboxAdmin

HEADER = [
    "invoice_number",
    "invoice_type",
    "issue_date",
    "due_date",
    "delivery_date",
    "buyer_siret",
    "buyer_name",
    "service_code",
    "engagement_number",
    "market_number",
    "original_invoice_number",
    "line_description",
    "quantity",
    "line_unit",
    "unit_price",
    "vat_rate",
    "line_net_amount",
    "total_ht",
    "total_vat",
    "total_ttc",
]


def invoice_row(number: str, amount_cents: int = 10000) -> list[str]:
    """One valid one-line invoice to the Commune (no service code, no engagement required)."""
    ht = amount_cents / 100
    vat = round(ht * 0.2, 2)

    def fr(value: float) -> str:
        return f"{value:.2f}".replace(".", ",")

    return [
        number,
        "FACTURE",
        "2026-11-02",
        "2026-12-02",
        "2026-10-30",
        COMMUNE,
        "Commune de Démoville",
        "",
        "",
        "",
        "",
        "Entretien éclairage public",
        "1",
        "forfait",
        fr(ht),
        "20",
        fr(ht),
        fr(ht),
        fr(vat),
        fr(ht + vat),
    ]


def invoice_numbers(prefix: str, count: int) -> list[str]:
    """``count`` distinct invoice numbers, valid for Chorus Pro (``[A-Za-z0-9-_/+]{1,20}``)."""
    return [f"{prefix}-{index:05d}" for index in range(1, count + 1)]


def write_export(path: Path, numbers: list[str], extra_rows: list[list[str]] | None = None) -> Path:
    """A semicolon CSV export holding one valid invoice per number (plus ``extra_rows`` as given)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        for position, number in enumerate(numbers):
            writer.writerow(invoice_row(number, 10000 + position))
        for row in extra_rows or []:
            writer.writerow(row)
    return path


def seed_ledger(ledger: Ledger, export: Path) -> list[str]:
    """Validate ``export`` and record it, as the DAG's validate task does; the valid numbers."""
    report = validate_export(export)
    ledger.record_validated(SUPPLIER_SIRET, export.name, records_from_report(report, export.name))
    return [verdict.invoice_number for verdict in report.invoices if verdict.valid]


@dataclass
class InvariantReport:
    """What one check found, counted for the summary lines."""

    expected: int
    duplicates: list[str]
    lost: list[str]
    mismatched: list[str]
    submitting: list[str]

    @property
    def ok(self) -> bool:
        """Whether every invariant held."""
        return not (self.duplicates or self.lost or self.mismatched or self.submitting)

    def describe(self) -> str:
        """A short explanation for an assertion message."""
        return json.dumps(
            {
                "duplicates": self.duplicates[:10],
                "lost": self.lost[:10],
                "mismatched": self.mismatched[:10],
                "submitting": self.submitting[:10],
            }
        )


def check_exactly_once(admin: SandboxAdmin, ledger: Ledger, numbers: list[str]) -> InvariantReport:
    """Each of ``numbers`` deposited exactly once, and the ledger holds it as submitted with that id."""
    wanted = set(numbers)
    received = [invoice for invoice in admin.invoices() if invoice["number"] in wanted]
    per_number = Counter(invoice["number"] for invoice in received)
    counts = admin.submission_counts()
    duplicates = sorted(
        number for number in wanted if per_number.get(number, 0) > 1 or counts.get(number, 0) > 1
    )
    by_number = {invoice["number"]: invoice for invoice in received}
    rows = {row.invoice_number: row for row in ledger.list_invoices(supplier_siret=SUPPLIER_SIRET)}
    lost = sorted(number for number in wanted if number not in by_number or number not in rows)
    mismatched = sorted(
        number
        for number in wanted & set(by_number) & set(rows)
        if rows[number].state is not InvoiceState.SUBMITTED
        or rows[number].identifiant_facture_cpp != by_number[number]["id"]
    )
    submitting = sorted(
        number for number, row in rows.items() if number in wanted and row.state is InvoiceState.SUBMITTING
    )
    return InvariantReport(len(wanted), duplicates, lost, mismatched, submitting)


def summary_line(section: str, **counts: Any) -> str:
    """Print and return one per-section summary line (``make reliability`` shows them)."""
    line = f"[reliability] {section}: " + ", ".join(
        f"{key.replace('_', ' ')}: {value}" for key, value in counts.items()
    )
    print(line, file=sys.stderr, flush=True)
    summary_file = os.environ.get("CHORUSFLOW_RELIABILITY_SUMMARY")
    if summary_file:
        with open(summary_file, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")
    return line


def subprocess_env(**overrides: str) -> dict[str, str]:
    """The current environment for a child Python process, with the repository importable."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env.update(overrides)
    return env
