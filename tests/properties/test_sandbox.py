"""The sandbox accepts the deposit of every invoice validation accepts, through each channel (pdf,
saisie, facturx), over real sockets, by the real submission code path (ledger, Submitter, flux
follow-up); and ``chorusflow validate`` as a subprocess gives every row a verdict."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import given, settings

from chorusflow.ledger import ClaimOwner, InvoiceState, Ledger, utc_now
from chorusflow.platforms.chorus_pro import ChorusProClient
from chorusflow.platforms.chorus_pro.flux_follow import follow_flux
from chorusflow.platforms.registry import deposit_channels
from chorusflow.rules import validate_export
from chorusflow.rules.profiles import buyer_channels, load_profiles
from chorusflow.submission.intake import records_from_report
from chorusflow.submission.submitter import DepositResult, Submitter
from chorusflow_dev.sandbox import SandboxServer
from tests.fixtures.ledger import fresh_sqlite_url
from tests.fixtures.sandbox import SandboxAdmin, sandbox_client
from tests.properties.conftest import examples, ran
from tests.properties.strategies import (
    TODAY,
    GeneratedInvoice,
    data_row_count,
    default_supplier,
    invoice_rows,
    mixed_exports,
    valid_exports,
    write_export,
)
from tests.properties.support import export_file, mapping_of

OWNER = ClaimOwner(dag_id="properties", run_id="run-1", task_id="submit")
_NUMBERS = itertools.count(1)


@pytest.fixture(scope="module")
def platform(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[SandboxServer, ChorusProClient, Ledger]]:
    """One sandbox, client and SQLite ledger for every example of the module (numbers never repeat)."""
    server = SandboxServer(port=0, profile="fast")  # flux integrated at the next poll
    server.start()
    ledger = Ledger(fresh_sqlite_url(tmp_path_factory.mktemp("ledger")))
    ledger.migrate()
    try:
        with sandbox_client(server) as client:
            yield server, client, ledger
    finally:
        ledger.dispose()
        server.stop()


def _renumbered(invoices: list[GeneratedInvoice]) -> list[GeneratedInvoice]:
    """The invoices under numbers no earlier example used (the sandbox refuses a number twice)."""
    renumbered = []
    for invoice in invoices:
        number = f"P{next(_NUMBERS):06d}"
        rows = tuple({**row, "invoice_number": number} for row in invoice.rows)
        renumbered.append(replace(invoice, rows=rows))
    return renumbered


@pytest.mark.parametrize("channel", ["pdf", "saisie", "facturx"])
@settings(max_examples=examples("sandbox"))
@given(export=valid_exports(supplier_id="default", max_invoices=3))
def test_the_sandbox_accepts_every_accepted_invoice_through_each_channel(
    platform: tuple[SandboxServer, ChorusProClient, Ledger], channel: str, export: tuple
) -> None:
    server, client, ledger = platform
    dialect, invoices = export
    supplier = default_supplier().model_copy(update={"deposit_channel": channel})
    siret = supplier.siret
    assert siret is not None
    with export_file(write_export(invoice_rows(_renumbered(invoices)), dialect), dialect) as path:
        mapping = mapping_of(path) if dialect.headers == "custom" else None
        report = validate_export(path, mapping=mapping, supplier=supplier, today=TODAY)
        ledger.record_validated(siret, path.name, records_from_report(report, path.name))
    accepted = {v.invoice_number: v.invoice for v in report.invoices if v.valid and v.invoice is not None}
    numbers = sorted(accepted)

    ran(f"sandbox {channel} invoices", len(numbers))
    result = Submitter(
        ledger,
        deposit_channels(client, supplier, buyer_channels(load_profiles())),
        supplier,
        OWNER,
        lease_seconds=0,
    ).submit_batch(numbers)

    refused = [
        (o.invoice_number, o.result, o.message)
        for o in result.outcomes
        if o.result is not DepositResult.SUBMITTED
    ]
    assert refused == []
    if channel == "facturx":
        now = utc_now()
        for hours in (1, 2, 3):
            follow_flux(ledger, client, siret, now=now + timedelta(hours=hours))
    admin = SandboxAdmin(server)
    counts = admin.submission_counts()
    for number in numbers:
        detail = ledger.get_invoice(number)
        assert detail is not None and detail.state is InvoiceState.SUBMITTED, (
            number,
            detail and detail.state,
        )
        if channel != "saisie":
            assert counts.get(number) == 1


@settings(max_examples=examples("cli"))
@given(export=mixed_exports(max_invoices=3))
def test_the_validate_command_gives_every_row_a_verdict(export: tuple) -> None:
    ran("cli")
    dialect, rows = export
    with export_file(write_export(rows, dialect), dialect) as path:
        mapping = ["--mapping", str(mapping_of(path))] if dialect.headers == "custom" else []
        done = subprocess.run(
            [sys.executable, "-m", "chorusflow.cli", "validate", str(path), "--offline", "--json", *mapping],
            capture_output=True,
            timeout=120,
            check=False,
        )
    assert b"Traceback" not in done.stderr and done.returncode in (0, 1, 2), done.stderr[-2000:]
    report = json.loads(done.stdout)
    if report["file_errors"]:
        return
    covered = [row for invoice in report["invoices"] for row in invoice["rows"]]
    covered += [row for refusal in report.get("refused", []) for row in refusal["rows"]]
    assert sorted(set(covered)) == sorted(covered) and len(covered) == data_row_count(rows)
