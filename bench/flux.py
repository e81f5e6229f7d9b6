"""Benchmark: the size of a Factur-X flux, measured (the default of ``CHORUSFLOW_FLUX_MAX_INVOICES``).

Run ``.venv/bin/python bench/flux.py [--invoices N] [--latency-ms L] [--sizes 25,50,...]``. It builds
and checks the Factur-X of N valid invoices once (as the ``facturx`` channel does: the PDF rendered,
the CII embedded, ``check_facturx``), then, for each flux size, packs the files
(:func:`chorusflow.platforms.chorus_pro.flux.pack` under the 9 MB default) and deposits every flux on a
sandbox over real
sockets, with L ms of latency added to each ``deposer/flux`` call. Printed per size: the flux and
calls for N invoices, against the PDF channel's 2 calls per invoice; the archive's size; the time to
pack and deposit (the upload of a larger file included); and the time one submit task spends on a
flux (build, check, pack, deposit). The chosen size is the smallest whose deposits take at most
``KNEE`` times the best measured time: past it, fewer calls no longer buy time, while a larger flux
holds its claims (and an Airflow slot) longer, and a flux rejected as a whole (one file failing the
XSD) takes every invoice in it along. Results: docs/performance.md ("Flux channel").
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import requests

from chorusflow.facturx import build_facturx, check_facturx_many
from chorusflow.invoice import Invoice
from chorusflow.platforms.chorus_pro import ChorusProClient, ChorusProConfig
from chorusflow.platforms.chorus_pro.flux import FACTURX_SYNTAX, FluxFile, flux_file, pack
from chorusflow.rules.validate import validate_export
from chorusflow.suppliers import load_supplier
from chorusflow_dev.sandbox import SandboxServer
from chorusflow_dev.testing.exports import invoice_numbers, write_sample_export

KNEE = 1.25  # a size within 25 % of the fastest deposits is as good as the fastest
MAX_BYTES = 9_000_000
PDF_CALLS_PER_INVOICE = 2  # DEPOT_PDF_API: ajouter/fichier, then soumettre


def invoices(count: int, folder: Path) -> list[Invoice]:
    """``count`` valid invoices, validated offline as the DAG gets them."""
    export = write_sample_export(
        folder / "flux-bench.csv", invoice_numbers("FLUX", count), issue=date.today() - timedelta(days=2)
    )
    report = validate_export(export, directory=None)
    return [verdict.invoice for verdict in report.invoices if verdict.valid and verdict.invoice is not None]


def build_all(batch: list[Invoice]) -> tuple[list[FluxFile], float, float]:
    """Every invoice's Factur-X; the seconds spent building them, then checking them all in a batch
    (``check_facturx_many``, one validator process per core)."""
    supplier = load_supplier()
    started = time.perf_counter()
    contents = [build_facturx(invoice, supplier) for invoice in batch]
    middle = time.perf_counter()
    checked = check_facturx_many(contents)
    ended = time.perf_counter()
    for invoice, found in zip(batch, checked, strict=True):
        errors = [item for item in found if item.severity == "error"]
        if errors:
            raise RuntimeError(f"{invoice.invoice_number}: {errors[:3]}")
    files = [
        FluxFile(invoice.invoice_number, content) for invoice, content in zip(batch, contents, strict=True)
    ]
    return files, middle - started, ended - middle


def deposit_all(client: ChorusProClient, batches: list[list[FluxFile]]) -> tuple[float, float, int]:
    """Pack and deposit each flux; seconds packing, seconds depositing, largest file in bytes."""
    packing = depositing = 0.0
    largest = 0
    for batch in batches:
        started = time.perf_counter()
        name, content = flux_file(batch)
        packed = time.perf_counter()
        client.deposit_flux(name, content, FACTURX_SYNTAX)
        packing += packed - started
        depositing += time.perf_counter() - packed
        largest = max(largest, len(content))
    return packing, depositing, largest


def main(argv: list[str] | None = None) -> int:
    """Build once, deposit at each size, print the table and the chosen size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=1000)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--sizes", default="10,50,100,200,500,1000")
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="chorusflow-bench-flux-") as folder:
        batch = invoices(args.invoices, Path(folder))
    print(f"building and checking {len(batch)} Factur-X …", flush=True)
    files, built, checked = build_all(batch)
    per_file = (built + checked) / len(files)
    sizes_kb = [len(item.content) / 1024 for item in files]
    print(
        f"{'files':<15}{len(files)} Factur-X, {statistics.median(sizes_kb):.1f} KB median; "
        f"build {len(files) / built:.1f}/s on one core, check {len(files) / checked:.1f}/s batched, "
        f"both one after the other {1 / per_file:.1f}/s"
    )
    server = SandboxServer(port=0).start()
    measured: dict[int, tuple[int, float]] = {}  # size -> (flux, seconds depositing)
    try:
        requests.post(
            f"{server.url}/sandbox/faults",
            json={"latency_ms": {"/cpro/factures/v1/deposer/flux": args.latency_ms}},
            timeout=10,
        ).raise_for_status()
        pdf_calls = PDF_CALLS_PER_INVOICE * len(files)
        header = ("size", 6), ("flux", 5), ("calls/PDF", 10), ("largest", 9), ("pack s", 7), ("deposit s", 10)
        print(" ".join(f"{name:>{width}}" for name, width in header), f"{'task s':>7}")
        with ChorusProClient(ChorusProConfig.from_connection(server.connection())) as client:
            for size in sizes:
                batches = pack(files, max_invoices=size, max_bytes=MAX_BYTES)
                packing, depositing, largest = deposit_all(client, batches)
                task = per_file * min(size, len(files)) + (packing + depositing) / len(batches)
                print(
                    f"{size:>6} {len(batches):>5} {len(batches) / pdf_calls:>10.4f} {largest / 1e6:>7.2f}MB "
                    f"{packing:>7.2f} {depositing:>10.2f} {task:>7.1f}"
                )
                measured[size] = (len(batches), packing + depositing)
    finally:
        server.stop()
    best = min(seconds for _, seconds in measured.values())
    chosen = min(size for size, (_, seconds) in measured.items() if seconds <= KNEE * best)
    print(
        f"{'chosen size':<15}{chosen} invoices per flux (deposits within {KNEE:.2f} x the fastest): "
        f"{measured[chosen][0]} deposer/flux calls for {len(files)} invoices against {pdf_calls} "
        f"for the PDF channel ({measured[chosen][0] / pdf_calls:.4f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
