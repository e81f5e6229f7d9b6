"""The ``facturx`` channel through the real DAGs (``dag.test()``), the sandbox over sockets, the
ledger on SQLite and PostgreSQL: an export deposited as Factur-X flux and followed by
``chorus_sync_statuses`` until every invoice is integrated exactly once; a flux partly integrated
and one rejected end with each invoice in the right ledger state and one alert per refused invoice.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from chorusflow.ledger import InvoiceState
from tests.alerts.servers import Mailbox
from tests.fixtures.airflow import SAMPLE_EXPORT, PipelineEnv, load_dag
from tests.fixtures.sandbox import SUPPLIER_SIRET

pytestmark = pytest.mark.timeout(300)
DEPOSER_FLUX = "/cpro/factures/v1/deposer/flux"


def _sample_refusals() -> dict[str, list[str]]:
    """What the platform (the sandbox's flux content checks) refuses in our Factur-X of each valid
    invoice of the sample export, by number."""
    from lxml import etree

    from chorusflow.facturx import build_cii
    from chorusflow.rules.validate import validate_export
    from chorusflow_dev.sandbox.flux_files import content_errors

    refusals = {}
    for verdict in validate_export(SAMPLE_EXPORT, lang="en").invoices:
        if verdict.valid and verdict.invoice is not None:
            built = verdict.invoice
            errors = content_errors(etree.fromstring(build_cii(built, built.supplier)))
            if errors:
                refusals[built.invoice_number] = errors
    return refusals


# Our CII has no BT-81 on credit notes (AV2026-0125 of the sample export), which Chorus Pro refuses
# (OCA l10n-france #414, #612; docs/sandbox.md). Until the builder writes it (issue #21 item 5,
# branch facturx-fixes) these tests fail for that reason and are expected to; once it does, the
# condition is false and they run as usual: no marker to remove by hand.
SAMPLE_REFUSED = _sample_refusals()
until_bt81_everywhere = pytest.mark.xfail(
    bool(SAMPLE_REFUSED),
    strict=True,
    reason=f"the platform refuses our Factur-X of {sorted(SAMPLE_REFUSED)} (BT-81 missing)",
)


@pytest.fixture(autouse=True)
def facturx_channel(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHORUSFLOW_SUPPLIER_DEPOSIT_CHANNEL", "facturx")
    monkeypatch.setenv("CHORUSFLOW_FLUX_POLL_BASE_SECONDS", "0")  # each sync run polls every open flux
    monkeypatch.setenv("CHORUSFLOW_SUBMIT_RETRY_DELAY", "0.2")
    monkeypatch.setenv("CHORUSFLOW_SYNC_PAGE_RETRY_DELAY", "0")


def deposited(env: PipelineEnv) -> list[str]:
    """Run the submission DAG on the sample export; the numbers now waiting in a flux."""
    env.drop_export()
    assert load_dag("chorus_submit_invoices").test().state == "success"
    return [row.invoice_number for row in env.ledger.list_invoices(InvoiceState.IN_FLUX, SUPPLIER_SIRET)]


@until_bt81_everywhere
def test_an_export_through_the_facturx_channel_is_integrated_exactly_once(
    pipeline_env: PipelineEnv, alert_mailbox: Mailbox
) -> None:
    numbers = deposited(pipeline_env)
    assert numbers and pipeline_env.admin.calls(DEPOSER_FLUX) == 1  # the whole export in one flux
    assert pipeline_env.admin.invoices() == []

    assert load_dag("chorus_sync_statuses").test().state == "success"  # the flux is still pending
    assert load_dag("chorus_sync_statuses").test().state == "success"

    received = Counter(invoice["number"] for invoice in pipeline_env.admin.invoices())
    assert received == Counter(numbers) and set(received.values()) == {1}
    ids = {invoice["number"]: invoice["id"] for invoice in pipeline_env.admin.invoices()}
    for number in numbers:
        row = pipeline_env.ledger.get_invoice(number, SUPPLIER_SIRET)
        assert row is not None and row.state is InvoiceState.SUBMITTED
        assert row.identifiant_facture_cpp == ids[number]
    assert pipeline_env.ledger.open_flux(SUPPLIER_SIRET) == []
    assert pipeline_env.admin.calls(DEPOSER_FLUX) == 1


@until_bt81_everywhere
def test_partly_integrated_and_rejected_flux_end_in_the_right_states_with_one_alert_each(
    pipeline_env: PipelineEnv, alert_mailbox: Mailbox, tmp_path: Path
) -> None:
    reason = "Le service exécutant a été fermé par la structure destinataire"
    sample = sorted(deposited(pipeline_env))
    refused = sample[:2]  # refused by the platform when it integrates the flux: a partial flux
    pipeline_env.admin.set_faults(flux_refusals={number: reason for number in refused})
    before = len(alert_mailbox.messages)

    first, second = (load_dag("chorus_sync_statuses").test() for _ in range(2))

    assert first.state == second.state == "success"
    rows = {
        row.invoice_number: row for row in pipeline_env.ledger.list_invoices(supplier_siret=SUPPLIER_SIRET)
    }
    for number in sample:
        expected = InvoiceState.FAILED if number in refused else InvoiceState.SUBMITTED
        assert rows[number].state is expected, (number, rows[number].state, rows[number].last_error)
    for number in refused:
        assert reason in (rows[number].last_error or "")
        mails = alert_mailbox.mentioning(number)
        assert len(mails) == 1
        assert reason in mails[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert len(alert_mailbox.messages) == before + len(refused)
    [flux] = pipeline_env.admin.flux()
    assert flux["state"] == "IN_INTEGRE_PARTIEL"

    # Every invoice of a second export refused: the flux is rejected, each invoice alerted once.
    second_numbers = [f"X{number}" for number in sample]
    pipeline_env.admin.set_faults(flux_refusals={number: reason for number in second_numbers})
    second_export = tmp_path / "second.csv"
    second_export.write_text(
        SAMPLE_EXPORT.read_text(encoding="utf-8").replace("\n", "\nX").rstrip("X"), encoding="utf-8"
    )
    pipeline_env.drop_export(second_export)
    assert load_dag("chorus_submit_invoices").test().state == "success"
    before_second = len(alert_mailbox.messages)  # (the submission alerted its invalid invoices)
    for _ in range(2):
        assert load_dag("chorus_sync_statuses").test().state == "success"
    rejected = [flux for flux in pipeline_env.admin.flux() if flux["state"] == "IN_REJETE"]
    assert len(rejected) == 1
    for number in second_numbers:
        row = pipeline_env.ledger.get_invoice(number, SUPPLIER_SIRET)
        assert row is not None and row.state is InvoiceState.FAILED and "IN_REJETE" in (row.last_error or "")
        assert len(alert_mailbox.mentioning(number)) == 1
    assert load_dag("chorus_sync_statuses").test().state == "success"  # nothing new to alert
    assert len(alert_mailbox.messages) == before_second + len(sample)


@until_bt81_everywhere
def test_a_lost_deposer_flux_answer_is_reconciled_by_the_retry_and_integrated_once(
    pipeline_env: PipelineEnv, alert_mailbox: Mailbox
) -> None:
    # Chorus Pro commits the flux and the connection drops before its answer; it integrates the flux
    # on its own (the sandbox as soon as it is searched), so the task's retry finds every invoice.
    pipeline_env.admin.set_faults(
        commit_then_drop_rate={DEPOSER_FLUX: 1.0}, flux_seconds_before_integration=0
    )
    pipeline_env.drop_export()

    run = load_dag("chorus_submit_invoices").test()

    assert run.state == "success"
    assert pipeline_env.admin.calls(DEPOSER_FLUX) == 1  # never deposited again
    received = Counter(invoice["number"] for invoice in pipeline_env.admin.invoices())
    assert received and set(received.values()) == {1}
    assert set(pipeline_env.admin.submission_counts().values()) == {1}
    for number in received:
        row = pipeline_env.ledger.get_invoice(number, SUPPLIER_SIRET)
        assert row is not None and row.state is InvoiceState.SUBMITTED and row.numero_flux_depot
    waiting = pipeline_env.ledger.count_by_state(SUPPLIER_SIRET)
    assert not waiting.get(InvoiceState.SUBMITTING) and not waiting.get(InvoiceState.IN_FLUX)
