"""Benchmark: read and validate a 100,000-line export (about 20,000 invoices) for a handful of buyers.

Run ``.venv/bin/python bench/validation.py [--lines N] [--repeat R]``. Prints the time of
``validate_export`` (offline rules + buyer profiles + an in-memory directory), the time of a bare
``pandas.read_csv`` of the same file (medians of R alternated runs, since the machine is shared and
noisy), their ratio, the peak resident memory of the process, and, apart, the time of one JSON dump
of the whole report (what a caller storing every verdict pays on top). Results: docs/performance.md.
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from chorusflow.rules import BuyerRecord, ServiceRecord, StaticDirectory, validate_export
from chorusflow.suppliers import SupplierIdentity
from chorusflow_dev.testing.exports import EXPORT_COLUMNS, write_export

BUYERS = [
    ("77572915500017", "Facture_sans_commande", ""),
    ("21990001600011", "", ""),
    ("26990001500018", "", "EJ-2026-001"),
    ("11000001500013", "SERV_FIN", ""),
]
# The columns this benchmark's export has always had: the sample export's but two references.
COLUMNS = [name for name in EXPORT_COLUMNS if name not in ("market_number", "original_invoice_number")]


def generate(path: Path, lines: int, seed: int = 7) -> int:
    """Write a realistic export of ``lines`` lines (1 to 9 lines per invoice); return the invoice count."""
    rng = random.Random(seed)
    start = date(2026, 1, 5)
    invoices = 0

    def rows() -> Iterator[dict[str, str]]:
        nonlocal invoices
        written = 0
        while written < lines:
            invoices += 1
            siret, service, engagement = BUYERS[invoices % len(BUYERS)]
            issue = start + timedelta(days=invoices % 300)
            header = {
                "invoice_number": f"F{invoices:07d}",
                "invoice_type": "FACTURE",
                "issue_date": issue.isoformat(),
                "due_date": (issue + timedelta(days=30)).strftime("%d/%m/%Y"),
                "delivery_date": issue.isoformat(),
                "buyer_siret": siret,
                "buyer_name": "Acheteur public",
                "operation_nature": "services",
                "service_code": service,
                "engagement_number": engagement,
            }
            count = min(rng.randint(1, 9), lines - written)
            for position in range(count):  # the totals are left to chorusflow
                yield {
                    **header,
                    "line_description": f"Prestation {position} pour la commande {invoices}",
                    "quantity": rng.choice(["1", "2", "3,5", "10", "125"]),
                    "line_unit": "u",
                    "unit_price": f"{rng.randint(1, 500000) / 100:.2f}".replace(".", ","),
                    "vat_rate": rng.choice(["20", "10", "5,5"]),
                }
            written += count

    write_export(path, rows(), COLUMNS)  # streamed: the peak RSS printed stays the validation's
    return invoices


def directory() -> StaticDirectory:
    """The buyers of the generated export."""
    return StaticDirectory(
        [
            BuyerRecord(
                siret="77572915500017",
                name="IFPEN",
                service_code_required=True,
                services={"Facture_sans_commande": ServiceRecord(code="Facture_sans_commande")},
            ),
            BuyerRecord(siret="21990001600011", name="Commune"),
            BuyerRecord(siret="26990001500018", name="Hôpital", engagement_required=True),
            BuyerRecord(
                siret="11000001500013",
                name="Ministère",
                service_or_engagement_required=True,
                services={"SERV_FIN": ServiceRecord(code="SERV_FIN")},
            ),
        ]
    )


def peak_rss_mb() -> float:
    """Peak resident memory of this process, in MB (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    """Generate, time and print the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5, help="runs of each; medians are printed")
    args = parser.parse_args(argv)
    supplier = SupplierIdentity(
        siret="45218801400016", name="ACME Energie SAS", iban="FR7630006000011234567890189"
    )
    with tempfile.TemporaryDirectory(prefix="chorusflow-bench-") as folder:
        path = Path(folder) / "export.csv"
        invoices = generate(path, args.lines)
        size_mb = path.stat().st_size / 1e6
        rss_before = peak_rss_mb()
        bare_times, validation_times = [], []
        for _ in range(max(args.repeat, 1)):
            started = time.perf_counter()
            pd.read_csv(path, sep=";")
            bare_times.append(time.perf_counter() - started)
            gc.collect()  # the previous run's garbage is not this run's cost
            started = time.perf_counter()
            report = validate_export(path, directory=directory(), supplier=supplier, profiles={}, lang="fr")
            validation_times.append(time.perf_counter() - started)
            assert not report.file_errors and report.summary.lines == args.lines
            if len(validation_times) < args.repeat:
                del report
                gc.collect()
        bare, validation = statistics.median(bare_times), statistics.median(validation_times)
        peak = peak_rss_mb()
        # Not part of the ratio: what a caller that stores every verdict (the DAG's ledger) pays on top.
        started = time.perf_counter()
        report.model_dump(mode="json")
        dump = time.perf_counter() - started
    print(f"export: {args.lines} lines, {invoices} invoices, {size_mb:.1f} MB")
    print(f"runs:                 {len(bare_times)} of each, medians below")
    print(f"bare pandas.read_csv: {bare:.3f} s")
    print(
        f"validate_export:      {validation:.3f} s "
        f"({report.summary.valid} valid, {report.summary.invalid} invalid)"
    )
    print(f"ratio:                {validation / bare:.1f} x")
    print(f"report.model_dump(mode='json'), once, not in the ratio: {dump:.3f} s")
    print(f"peak RSS:             {peak:.0f} MB (before validation {rss_before:.0f} MB)")
    print(f"peak RSS after the dump: {peak_rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
