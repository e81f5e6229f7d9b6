"""Benchmark: recording the validator's verdicts of one export in the ledger, on SQLite and PostgreSQL.

Run ``.venv/bin/python bench/ledger.py [--invoices N] [--repeat R] [--backend sqlite|postgres|both]``.
For each database (fresh and migrated, as in ``bench/desk.py``) it times ``Ledger.record_validated``
for N verdicts (default 20,000, one in ten invalid): the first recording (every invoice new) and the
same export recorded again (every invoice unchanged), R times each on a fresh database, and prints the
median, the invoices per second and the 1-minute load average beside them. This figure was once a
bound in ``tests/ledger/test_invoices.py``; the test now checks that the recording is done in bulk (a
few statements per chunk of rows), and the time is measured here. Results: docs/performance.md
("Recording verdicts").
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

from desk import database
from sqlalchemy.exc import OperationalError

from chorusflow.ledger import InvoiceRecordInput, Ledger

SUPPLIER = "12345678200051"
INVALID = [{"code": "FR-SIRET-01", "field": "buyer_siret", "message": "SIRET invalide", "severity": "error"}]


def verdicts(count: int) -> list[InvoiceRecordInput]:
    """``count`` verdicts of one-line invoices, one in ten invalid."""
    ttc, ht = Decimal("120.00"), Decimal("100.00")
    return [
        InvoiceRecordInput(
            invoice_number=f"B-{index:07d}",
            valid=index % 10 != 0,
            normalized={
                "number": f"B-{index:07d}",
                "total_ttc": str(ttc),
                "lines": [{"label": "x", "qty": "1"}],
            },
            findings=[] if index % 10 else INVALID,
            buyer_siret="11000201100044",
            buyer_name="Commune de Test",
            invoice_type="FACTURE",
            issue_date=date(2026, 11, 2),
            currency="EUR",
            total_ht=ht,
            total_vat=ttc - ht,
            total_ttc=ttc,
        )
        for index in range(count)
    ]


def timed_recordings(url: str, batch: list[InvoiceRecordInput]) -> tuple[float, float]:
    """Seconds to record ``batch`` into a fresh ledger, then to record it again unchanged."""
    ledger = Ledger(url)
    ledger.migrate()
    try:
        started = time.perf_counter()
        ledger.record_validated(SUPPLIER, "bench.csv", batch)
        first = time.perf_counter() - started
        started = time.perf_counter()
        ledger.record_validated(SUPPLIER, "bench.csv", batch)
        return first, time.perf_counter() - started
    finally:
        ledger.dispose()


def run(backend: str, count: int, repeat: int) -> None:
    """Print the median of ``repeat`` recordings of ``count`` verdicts on ``backend``."""
    batch = verdicts(count)
    firsts: list[float] = []
    agains: list[float] = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as folder, database(backend, Path(folder)) as url:
            first, again = timed_recordings(url, batch)
        firsts.append(first)
        agains.append(again)
    for label, times in (("new", firsts), ("unchanged", agains)):
        seconds = statistics.median(times)
        print(
            f"  {backend:<9} {count} {label:<10} median {seconds:6.2f} s "
            f"({min(times):.2f}–{max(times):.2f}), "
            f"{count / seconds:8.0f} invoices/s, load average {os.getloadavg()[0]:.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    options = parser.parse_args()
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start")
    for backend in ("sqlite", "postgres") if options.backend == "both" else (options.backend,):
        try:
            run(backend, options.invoices, options.repeat)
        except OperationalError as error:  # no local PostgreSQL: say so, measure the rest
            reason = str(error.orig).strip().splitlines()[0]
            print(f"== {backend}: skipped, database not reachable ({reason}) ==")


if __name__ == "__main__":
    main()
