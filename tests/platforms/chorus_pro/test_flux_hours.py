"""A flux Chorus Pro takes hours to integrate, on a controllable clock: the sandbox's own time is
advanced by hand and the follower is given the same ``now``. The follower polls with its backoff
(a handful of calls, not one per pass), never deposits again, alerts nothing while it waits, and the
desk says the invoice is being integrated; then the flux is settled once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from chorusflow.alerts import flux_refused_events, submission_failed_events
from chorusflow.desk.pages import state_label
from chorusflow.ledger import InvoiceState, Ledger, utc_now
from chorusflow.platforms.chorus_pro import ChorusProClient
from chorusflow.platforms.chorus_pro.flux_follow import follow_flux
from chorusflow.submission.submitter import DepositResult
from chorusflow.suppliers import load_supplier
from chorusflow_dev.sandbox import SandboxServer
from chorusflow_dev.testing.exports import sample_invoice
from tests.fixtures.sandbox import SandboxAdmin, sandbox_client
from tests.platforms.chorus_pro.channels.support import OWNER, RETRY_OWNER, record_rows, submit_numbers

DEPOSER_FLUX = "/cpro/factures/v1/deposer/flux"
CR = "/cpro/transverses/v1/consulterCRDetaille"
HOURS = 3
STEP = timedelta(minutes=5)


@pytest.fixture(autouse=True)
def facturx(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHORUSFLOW_SUPPLIER_DEPOSIT_CHANNEL", "facturx")
    # The shipped backoff: 2 minutes, doubling, at most 6 hours (docs/configuration.md).
    monkeypatch.delenv("CHORUSFLOW_FLUX_POLL_BASE_SECONDS", raising=False)
    monkeypatch.delenv("CHORUSFLOW_FLUX_POLL_MAX_SECONDS", raising=False)


@pytest.fixture
def slow_client(realistic_sandbox: SandboxServer) -> Iterator[ChorusProClient]:
    with sandbox_client(realistic_sandbox) as chorus:
        yield chorus


def test_a_flux_integrated_after_hours_is_followed_without_storm_nor_second_deposit(
    realistic_sandbox: SandboxServer, slow_client: ChorusProClient, ledger: Ledger, tmp_path: Path
) -> None:
    admin = SandboxAdmin(realistic_sandbox)
    delay = HOURS * 3600.0
    admin.set_faults(flux_delay_seconds=[delay, delay])  # the platform takes exactly three hours
    numbers = record_rows(ledger, tmp_path, [sample_invoice(f"FH-{n}", 20_000 + n) for n in (1, 2)])
    siret = load_supplier().siret
    assert submit_numbers(ledger, slow_client, numbers, OWNER).count(DepositResult.SUBMITTED) == len(numbers)

    now, start = utc_now(), utc_now()
    integrated_at = None
    while now - start < timedelta(hours=HOURS + 4):
        now += STEP
        admin.advance_clock(STEP.total_seconds())
        result = follow_flux(ledger, slow_client, siret, now=now)
        if result.integrated:
            integrated_at = now
            assert sorted(result.integrated) == numbers
            break
        for number in numbers:  # still waiting: shown as such, nothing to alert
            row = ledger.get_invoice(number)
            assert row is not None and row.state is InvoiceState.IN_FLUX
            assert "en cours d'intégration" in state_label(row.state, "fr")
        assert flux_refused_events(ledger, siret) == [] and submission_failed_events(ledger, siret) == []
        if now - start == timedelta(hours=1):  # a submission pass meanwhile deposits nothing again
            submit_numbers(ledger, slow_client, numbers, RETRY_OWNER)

    assert integrated_at is not None, "never integrated"
    # Integrated three hours after the deposit; seen at the first poll after that (backoff).
    assert timedelta(hours=HOURS) <= integrated_at - start <= timedelta(hours=HOURS * 2 + 1)
    polls = admin.calls(CR)
    assert 4 <= polls <= 10, polls  # 2, 4, 8, 16... minutes apart: not one poll per 5-minute pass
    assert admin.calls(DEPOSER_FLUX) == 1
    assert admin.submission_counts() == {number: 1 for number in numbers}
    for number in numbers:
        row = ledger.get_invoice(number)
        assert row is not None and row.state is InvoiceState.SUBMITTED
    assert ledger.open_flux(siret) == []
    assert follow_flux(ledger, slow_client, siret, now=now + timedelta(days=1)).polled == 0
