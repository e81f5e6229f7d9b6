"""Benchmark: the invoice desk on a ledger of 100,000 invoices, on SQLite and on PostgreSQL.

Run ``.venv/bin/python bench/desk.py [--invoices N] [--repeat R] [--backend sqlite|postgres|both]``.
For each database it prints, measured server-side (the work one request does: the query and the HTML
page, without the network), the p50 and p95 of a page of 50 for several filters and sorts, of an
invoice's detail and of the "to handle" queue; then the CSV download of every invoice, streamed in a
child process, with its peak memory (VmHWM). Targets (issue #14): page p95 < 300 ms, CSV < 200 MB.
Results: docs/performance.md ("Invoice desk").

Seeding is kept out of the measure and fast: the ledger is migrated, then its own tables
(``chorusflow.ledger.tables``) are filled with bulk inserts of 5,000 rows: a realistic mix of states
(mostly paid), Chorus Pro statuses and their history (suspensions included), 200 buyers over two
years, and alerts. PostgreSQL is the local server (``CHORUSFLOW_BENCH_PG_URL``, default
``postgresql+psycopg2://postgres@127.0.0.1:5432/postgres``); its database is created and dropped.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from chorusflow.alerts.settings import AlertSettings
from chorusflow.desk import pages
from chorusflow.desk.queries import Clock, InvoiceFilter, invoice_detail, iter_invoices, list_invoices
from chorusflow.desk.queue import to_handle
from chorusflow.ledger import InvoiceState, Ledger
from chorusflow.ledger.tables import alerts_sent, invoices, status_history

SUPPLIER = "45218801400016"
PG_ADMIN_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
BATCH = 5000
PAGE_TARGET_MS = 300.0
CSV_TARGET_MB = 200.0
#: (state, Chorus Pro status, share of the ledger): mostly paid history, a working set on top.
MIX: list[tuple[InvoiceState, str | None, float]] = [
    (InvoiceState.PAID, "MISE_EN_PAIEMENT", 0.70),
    (InvoiceState.CLOSED, "MISE_EN_PAIEMENT", 0.05),
    (InvoiceState.SUBMITTED, "MISE_A_DISPOSITION", 0.06),
    (InvoiceState.SUBMITTED, "SERVICE_FAIT", 0.04),
    (InvoiceState.SUBMITTED, "COMPLETEE", 0.02),
    (InvoiceState.BLOCKED, "SUSPENDUE", 0.02),
    (InvoiceState.BLOCKED, "A_RECYCLER", 0.01),
    (InvoiceState.BLOCKED, "REJETEE", 0.01),
    (InvoiceState.INVALID, None, 0.03),
    (InvoiceState.FAILED, None, 0.01),
    (InvoiceState.NEEDS_REVIEW, None, 0.005),
    (InvoiceState.PENDING, None, 0.045),
]


def _buyers(count: int) -> list[tuple[str, str]]:
    kinds = ("Commune de", "Centre hospitalier de", "Département de", "Université de", "Régie de")
    return [(f"2{index:013d}", f"{kinds[index % len(kinds)]} Ville-{index}") for index in range(count)]


def _rows(count: int, now: datetime, seed: int = 7) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Invoice rows with their status history, ids 1..count."""
    chooser = random.Random(seed)
    buyers = _buyers(200)
    states = [item[:2] for item in MIX]
    weights = [item[2] for item in MIX]
    for index in range(1, count + 1):
        state, status = chooser.choices(states, weights)[0]
        siret, name = chooser.choice(buyers)
        # Paid and closed invoices span two years; the working set is from the last four months.
        settled = state in (InvoiceState.PAID, InvoiceState.CLOSED)
        age = chooser.randrange(725) if settled else chooser.randrange(5, 120)
        issued = now - timedelta(days=age, minutes=chooser.randrange(1440))
        ht = Decimal(chooser.randrange(5_000, 5_000_000)) / 100
        vat = (ht * Decimal("0.2")).quantize(Decimal("0.01"))
        deposited = state not in (InvoiceState.INVALID, InvoiceState.PENDING, InvoiceState.FAILED)
        deposited = deposited and state is not InvoiceState.NEEDS_REVIEW
        submitted = issued + timedelta(hours=2) if deposited else None
        status_at = None if submitted is None else submitted + timedelta(days=chooser.randrange(1, 60))
        if status_at is not None and status_at > now:
            status_at = now - timedelta(hours=1)
        comment = {"SUSPENDUE": "Bon de commande manquant", "REJETEE": "Doublon"}.get(status or "")
        error = {
            InvoiceState.FAILED: "Chorus Pro: SIRET du destinataire inconnu",
            InvoiceState.NEEDS_REVIEW: "Deux factures candidates sur Chorus Pro",
        }.get(state)
        findings = [{"code": "SIRET_CHECKSUM", "severity": "error", "message": "SIRET invalide"}]
        number = f"F{issued.year}-{index:06d}"
        row = {
            "id": index,
            "supplier_siret": SUPPLIER,
            "invoice_number": number,
            "buyer_siret": siret,
            "buyer_name": name,
            "invoice_type": "FACTURE",
            "issue_date": issued.date(),
            "currency": "EUR",
            "total_ht": ht,
            "total_vat": vat,
            "total_ttc": ht + vat,
            "normalized": {"number": number, "lines": [{"label": "Prestation", "net": str(ht)}]},
            "findings": findings if state is InvoiceState.INVALID else [],
            "content_hash": uuid.UUID(int=chooser.getrandbits(128)).hex * 2,
            "state": state.value,
            "chorus_status": status if deposited else None,
            "chorus_status_at": status_at,
            "chorus_status_comment": comment,
            "identifiant_facture_cpp": 10_000_000 + index if deposited else None,
            "numero_flux_depot": None,
            "chorus_invoice_number": None,
            "deposit_channel": "pdf" if deposited else None,
            "source_export": f"export-{issued.date().isoformat()}.csv",
            "claimed_by": None,
            "claim_expires_at": None,
            "last_error": error,
            "created_at": issued,
            "updated_at": status_at or issued,
            "submitted_at": submitted,
            "version": 3,
        }
        history: list[dict[str, Any]] = []
        if submitted is not None and status_at is not None:
            entries = [("DEPOSEE", submitted)]
            if status == "COMPLETEE" or (status == "MISE_EN_PAIEMENT" and index % 20 == 0):
                entries.append(("SUSPENDUE", submitted + (status_at - submitted) / 3))
                entries.append(("COMPLETEE", submitted + (status_at - submitted) / 2))
            if status != "COMPLETEE":
                entries.append((str(status), status_at))
            history = [
                {
                    "invoice_id": index,
                    "status": name_,
                    "changed_at": at,
                    "comment": comment if name_ == status else None,
                    "source": "sync",
                    "recorded_at": at,
                }
                for name_, at in entries
            ]
        yield row, history


def seed(ledger: Ledger, count: int, now: datetime) -> None:
    """Fill the migrated ledger with ``count`` invoices through its own tables, in bulk."""
    engine = create_engine(ledger.url)
    invoice_batch: list[dict[str, Any]] = []
    history_batch: list[dict[str, Any]] = []
    alert_batch: list[dict[str, Any]] = []

    def flush() -> None:
        with engine.begin() as connection:
            if invoice_batch:
                connection.execute(invoices.insert(), invoice_batch)
            if history_batch:
                connection.execute(status_history.insert(), history_batch)
            if alert_batch:
                connection.execute(alerts_sent.insert(), alert_batch)
        invoice_batch.clear()
        history_batch.clear()
        alert_batch.clear()

    for row, history in _rows(count, now):
        invoice_batch.append(row)
        history_batch += history
        if row["state"] == InvoiceState.BLOCKED.value:
            key = f"blocked:{row['id']}:{row['chorus_status']}:{row['chorus_status_at'].isoformat()}"
            alert_batch.append(
                {
                    "event_key": key,
                    "kind": "blocked",
                    "invoice_id": row["id"],
                    "channels": "email,log",
                    "sent_at": row["chorus_status_at"],
                    "payload": {"kind": "blocked"},
                }
            )
        if len(invoice_batch) >= BATCH:
            flush()
    flush()
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            for table in ("invoices", "status_history", "alerts_sent"):
                connection.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {count * 4})")
                )
            connection.execute(text("ANALYZE"))
    else:
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    engine.dispose()


@contextmanager
def database(backend: str, folder: Path) -> Iterator[str]:
    """URL of a fresh, empty database of ``backend``; dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'desk-bench.sqlite'}"
        return
    import os

    admin_url = os.environ.get("CHORUSFLOW_BENCH_PG_URL", PG_ADMIN_URL)
    name = f"chorusflow_bench_desk_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _timed(action: Callable[[], object], repeat: int) -> list[float]:
    action()  # warm: the first call pays for compiled statements and the page cache
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20, method="inclusive")[-1] if len(times) > 1 else times[0]


def page_scenarios(today: date) -> list[tuple[str, InvoiceFilter, pages.SortKey, bool, int]]:
    """(label, filter, sort, descending, page): what a clerk asks for."""
    month = today.replace(day=1) - timedelta(days=200)
    return [
        ("all, by number", InvoiceFilter(), "number", False, 1),
        ("all, by status date, page 400", InvoiceFilter(), "status_at", True, 400),
        ("state blocked, oldest first", InvoiceFilter(state=InvoiceState.BLOCKED), "age", True, 1),
        ("status SUSPENDUE, by due date", InvoiceFilter(chorus_status="SUSPENDUE"), "due", False, 1),
        (
            "status MISE_A_DISPOSITION, by amount",
            InvoiceFilter(chorus_status="MISE_A_DISPOSITION"),
            "amount",
            True,
            1,
        ),
        ("buyer name, by issue date", InvoiceFilter(buyer="hospitalier de Ville-17"), "issue_date", True, 1),
        ("buyer SIRET", InvoiceFilter(buyer="20000000000042"), "number", False, 1),
        (
            "one month, 1,000-5,000 €, by amount",
            InvoiceFilter(
                period_from=month,
                period_to=month + timedelta(days=30),
                amount_min=Decimal(1000),
                amount_max=Decimal(5000),
            ),
            "amount",
            True,
            1,
        ),
        ("number search", InvoiceFilter(number="-0123"), "number", False, 1),
        (
            "status MISE_EN_PAIEMENT, by due date, page 20",
            InvoiceFilter(chorus_status="MISE_EN_PAIEMENT"),
            "due",
            False,
            20,
        ),
        ("all, by buyer, page 100", InvoiceFilter(), "buyer", False, 100),
    ]


def _page_request(
    ledger: Ledger, clock: Clock, filters: InvoiceFilter, sort: pages.SortKey, descending: bool, page: int
) -> str:
    """What ``GET /chorusflow/invoices`` does: one page of the ledger, then its HTML."""
    found = list_invoices(ledger, filters, clock, page=page, sort=sort, descending=descending)
    return pages.invoices_page(found, filters, sort, descending, "fr", "/chorusflow", [])


def bench_pages(ledger: Ledger, clock: Clock, repeat: int) -> list[float]:
    """Each page scenario ``repeat`` times; prints p50/p95 and returns every time."""
    everything: list[float] = []
    for label, filters, sort, descending, page in page_scenarios(clock.now.date()):
        times = _timed(partial(_page_request, ledger, clock, filters, sort, descending, page), repeat)
        everything += times
        found = list_invoices(ledger, filters, clock, page=page, sort=sort, descending=descending)
        print(
            f"  page  {label:<40} {found.total:>7} rows  p50 {statistics.median(times):6.1f} ms"
            f"  p95 {_p95(times):6.1f} ms"
        )
    return everything


def bench_others(ledger: Ledger, clock: Clock, repeat: int) -> None:
    """The detail page of a suspended invoice and the to-handle queue."""
    suspended = list_invoices(ledger, InvoiceFilter(chorus_status="SUSPENDUE"), clock).rows[0].id
    times = _timed(lambda: invoice_detail(ledger, suspended, clock), repeat)
    print(f"  detail page                                              p95 {_p95(times):6.1f} ms")
    queue_times = _timed(
        lambda: pages.queue_page(to_handle(ledger, clock), "fr", "/chorusflow"), max(3, repeat // 4)
    )
    queue = to_handle(ledger, clock)
    print(
        f"  to handle: {sum(entry.count for entry in queue.summary)} items, {len(queue.items)} listed"
        f"                   p95 {_p95(queue_times):6.1f} ms"
    )


def _memory_mb(field: str) -> float:
    """``VmRSS`` (now) or ``VmHWM`` (peak) of this process, in MB."""
    status = Path("/proc/self/status").read_text().splitlines()
    return next(int(line.split()[1]) for line in status if line.startswith(field)) / 1024


def csv_child(url: str) -> None:
    """In a child process: stream the CSV of every invoice to nowhere.

    Prints rows, bytes, seconds, the resident memory before streaming (imports, engine) and the peak.
    """
    ledger = Ledger(url)
    clock = Clock(now=datetime.now(UTC), alert_settings=AlertSettings())
    before = _memory_mb("VmRSS")
    started = time.perf_counter()
    rows = size = 0
    for line in pages.csv_lines(iter_invoices(ledger, InvoiceFilter(), clock), "fr"):
        size += len(line.encode("utf-8"))
        rows += 1
    elapsed = time.perf_counter() - started
    print(f"{rows - 1} {size} {elapsed:.2f} {before:.1f} {_memory_mb('VmHWM'):.1f}")


def bench_csv(url: str) -> float:
    """Run :func:`csv_child` in a fresh interpreter; print and return its peak memory in MB."""
    answer = subprocess.run(
        [sys.executable, __file__, "--csv-child", url], capture_output=True, text=True, check=True
    ).stdout.split()
    rows, size, seconds = int(answer[0]), int(answer[1]), float(answer[2])
    before, peak = float(answer[3]), float(answer[4])
    print(
        f"  CSV   {rows} rows, {size / 1e6:.1f} MB streamed in {seconds:.1f} s, "
        f"peak RSS {peak:.0f} MB (of which {before:.0f} MB before the first row)"
    )
    return peak


def run(backend: str, count: int, repeat: int) -> bool:
    """Seed and measure one database; True when both targets are met."""
    with tempfile.TemporaryDirectory() as folder, database(backend, Path(folder)) as url:
        ledger = Ledger(url)
        ledger.migrate()
        now = datetime.now(UTC)
        started = time.perf_counter()
        seed(ledger, count, now)
        print(f"== {backend}: {count} invoices seeded in {time.perf_counter() - started:.1f} s ==")
        clock = Clock(now=now, alert_settings=AlertSettings())
        times = bench_pages(ledger, clock, repeat)
        bench_others(ledger, clock, repeat)
        peak = bench_csv(url)
        ledger.dispose()
    page_p95 = _p95(times)
    met = page_p95 < PAGE_TARGET_MS and peak < CSV_TARGET_MB
    print(
        f"  {backend}: page p95 over every filter {page_p95:.1f} ms (target < {PAGE_TARGET_MS:.0f}), "
        f"CSV peak {peak:.0f} MB (target < {CSV_TARGET_MB:.0f}): {'met' if met else 'NOT MET'}"
    )
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--csv-child", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.csv_child:
        csv_child(options.csv_child)
        return
    backends = ("sqlite", "postgres") if options.backend == "both" else (options.backend,)
    for backend in backends:
        try:
            run(backend, options.invoices, options.repeat)
        except OperationalError as error:  # no local PostgreSQL: say so, measure the rest
            reason = str(error.orig).strip().splitlines()[0]
            print(f"== {backend}: skipped, database not reachable ({reason}) ==")


if __name__ == "__main__":
    main()
