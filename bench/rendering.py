"""Benchmark: render invoice PDFs, a typical invoice of 6 lines and a long one of 200 lines.

Run ``.venv/bin/python bench/rendering.py [--repeat R] [--typical N] [--long M]``. Both invoices come
from an export written by ``chorusflow_dev.testing.exports`` and validated offline, as the DAG gets them.
Each run renders the typical invoice N times and the long one M times on one core (this process);
the medians of R runs are printed as invoices per second of wall time and of CPU time (the two
differ when the machine is busy), with each PDF's size and page count. The target is at least 50
typical invoices per second, so that rendering never slows submission down.
Results: docs/invoice-pdf.md ("Speed").
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

from pypdf import PdfReader

from chorusflow.documents.pdf import render_invoice_pdf
from chorusflow.invoice import Invoice
from chorusflow.rules.validate import validate_export
from chorusflow_dev.testing.documents import SUPPLIER
from chorusflow_dev.testing.exports import sample_invoice, write_export

# Descriptions as ERPs print them; one in four is long enough to wrap in the lines table.
DESCRIPTIONS = [
    "Maintenance chaudière gaz - forfait mensuel",
    "Intervention technicien (heures)",
    "Fourniture électricité - consommation kWh",
    "Travaux de rénovation énergétique, lot 3 : isolation des combles perdus par soufflage de laine "
    "minérale, y compris repérage, protection des réseaux et nettoyage du chantier",
]
PRICES = [
    ("1", "forfait", "450,00"),
    ("6,5", "h", "78,00"),
    ("12500", "kWh", "0,1845"),
    ("120", "m2", "32,50"),
]


def export_rows(number: str, lines: int) -> list[dict[str, str]]:
    """The rows of one invoice of ``lines`` lines to the Commune, totals left to chorusflow."""
    header = {
        key: value
        for key, value in sample_invoice(number).items()
        if key not in ("line_net_amount", "total_ht", "total_vat", "total_ttc")
    }
    rows = []
    for index in range(lines):
        quantity, unit, price = PRICES[index % len(PRICES)]
        rows.append(
            {
                **header,
                "line_description": f"{DESCRIPTIONS[index % len(DESCRIPTIONS)]} ({index + 1})",
                "quantity": quantity,
                "line_unit": unit,
                "unit_price": price,
                "vat_rate": ("20", "10", "5,5")[index % 3],
            }
        )
    return rows


def invoices(folder: Path, sizes: dict[str, int]) -> dict[str, Invoice]:
    """One validated invoice per ``number: lines`` of ``sizes``."""
    rows = [row for number, lines in sizes.items() for row in export_rows(number, lines)]
    path = write_export(folder / "export.csv", rows)
    report = validate_export(path, supplier=SUPPLIER, profiles={}, lang="fr")
    found = {verdict.invoice_number: verdict.invoice for verdict in report.invoices}
    missing = [number for number, invoice in found.items() if invoice is None]
    if report.file_errors or missing or len(found) != len(sizes):
        raise SystemExit(f"the generated export is not valid: {report.file_errors} {missing}")
    return {number: invoice for number, invoice in found.items() if invoice is not None}


def rates(invoice: Invoice, count: int, repeat: int) -> tuple[float, float]:
    """Medians over ``repeat`` runs of ``count`` renders: invoices per second of wall time, and of
    this process's CPU time (what one core does when the machine is shared)."""
    wall, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        for _ in range(count):
            render_invoice_pdf(invoice)
        wall.append(count / (time.perf_counter() - started))
        cpu.append(count / max(time.process_time() - started_cpu, 1e-9))
    return statistics.median(wall), statistics.median(cpu)


def main(argv: list[str] | None = None) -> int:
    """Build the two invoices, time their rendering and print the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs of each; medians are printed")
    parser.add_argument("--typical", type=int, default=100, help="renders of the typical invoice a run")
    parser.add_argument("--long", type=int, default=5, help="renders of the 200-line invoice a run")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="chorusflow-bench-") as folder:
        built = invoices(Path(folder), {"F2026-TYPICAL": 6, "F2026-LONG": 200})
    render_invoice_pdf(built["F2026-TYPICAL"])  # warm-up: imports, font metrics, caches
    repeat = max(args.repeat, 1)
    print(f"runs: {repeat} of each, medians below; one core (this process)")
    for number, count in (("F2026-TYPICAL", args.typical), ("F2026-LONG", args.long)):
        invoice = built[number]
        pdf = render_invoice_pdf(invoice)
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        per_second, per_cpu_second = rates(invoice, max(count, 1), repeat)
        print(
            f"{len(invoice.lines):>3} lines ({pages} page(s), {len(pdf) / 1024:.1f} KiB): "
            f"{per_second:6.1f} invoices/s ({1000 / per_second:.1f} ms each), "
            f"{per_cpu_second:6.1f} per CPU second"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
