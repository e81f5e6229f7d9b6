"""Shared helpers of the reliability suite: the invariant checks, summary lines.

The synthetic exports are written by ``chorusflow_dev.testing.exports`` (``write_sample_export``).

The checks are the promises of the issue, invoice by invoice: the sandbox holds each valid invoice
exactly once, the ledger agrees with it (state ``submitted`` with the sandbox's id), and nothing is
left in ``submitting`` once the run that finished the work succeeded.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from dataclasses import dataclass
from typing import Any

from chorusflow.ledger import InvoiceState, Ledger
from tests.conftest import REPO_ROOT
from tests.fixtures.sandbox import SUPPLIER_SIRET, SandboxAdmin


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
