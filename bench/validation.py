"""Benchmark: read and validate a 100,000-line export (about 20,000 invoices) for a handful of buyers.

Run ``.venv/bin/python bench/validation.py [--lines N] [--repeat R]``. Prints the time of
``validate_export`` (offline rules + buyer profiles + an in-memory directory), the time of a bare
``pandas.read_csv`` of the same file (medians of R alternated runs, since the machine is shared and
noisy), their ratio, the peak resident memory of the process, and, apart, the time of one JSON dump
of the whole report (what a caller storing every verdict pays on top). Results: docs/performance.md.
"""

from __future__ import annotations

import argparse
import csv
import gc
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from chorusflow.config import SupplierIdentity
from chorusflow.rules import BuyerRecord, ServiceRecord, StaticDirectory, validate_export

BUYERS = [
    ("77572915500017", "Facture_sans_commande", ""),
    ("21990001600011", "", ""),
    ("26990001500018", "", "EJ-2026-001"),
    ("11000001500013", "SERV_FIN", ""),
]
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


def generate(path: Path, lines: int, seed: int = 7) -> int:
    """Write a realistic export of ``lines`` lines (1 to 9 lines per invoice); return the invoice count."""
    rng = random.Random(seed)
    start = date(2026, 1, 5)
    written = invoices = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        while written < lines:
            invoices += 1
            siret, service, engagement = BUYERS[invoices % len(BUYERS)]
            issue = start + timedelta(days=invoices % 300)
            count = min(rng.randint(1, 9), lines - written)
            items = []
            for position in range(count):
                quantity = rng.choice(["1", "2", "3,5", "10", "125"])
                price = f"{rng.randint(1, 500000) / 100:.2f}".replace(".", ",")
                rate = rng.choice(["20", "10", "5,5"])
                items.append((f"Prestation {position} pour la commande {invoices}", quantity, price, rate))
            ht = vat = 0.0  # totals are left to chorusflow except the TTC the ERP prints
            for _, quantity, price, rate in items:
                net = float(quantity.replace(",", ".")) * float(price.replace(",", "."))
                ht += net
                vat += net * float(rate.replace(",", ".")) / 100
            for description, quantity, price, rate in items:
                writer.writerow(
                    [
                        f"F{invoices:07d}",
                        "FACTURE",
                        issue.isoformat(),
                        (issue + timedelta(days=30)).strftime("%d/%m/%Y"),
                        issue.isoformat(),
                        siret,
                        "Acheteur public",
                        service,
                        engagement,
                        description,
                        quantity,
                        "u",
                        price,
                        rate,
                        "",
                        "",
                        "",
                        "",
                    ]
                )
            written += count
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
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; medians are printed")
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
