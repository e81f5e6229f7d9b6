"""Acceptance (issue #21, item 3): with the sandbox's realistic profile, over real sockets, the real
submission DAG and the real sync DAG (``dag.test()``) and real SMTP on loopback:

- a flux of an export of ordinary invoices, which Chorus Pro integrates only after several minutes of its own
  time, is followed to its end: every invoice ``submitted`` once, no alert;
- a flux whose CII lacks BT-81 (payment means), which ``deposer/flux`` accepts and Chorus Pro
  rejects when it processes it (OCA l10n-france #414, #612), is followed to its end: the invoice is
  ``failed`` with the platform's reason, alerted exactly once with that reason;
- nothing is deposited twice (the sandbox's deposit counts and ``deposer/flux`` calls).

The platform's clock is advanced by hand between sync runs (``POST /sandbox/clock``): minutes pass
for Chorus Pro, not for the test. The follower's own hours-long backoff is covered by
tests/platforms/chorus_pro/test_flux_hours.py on a controllable clock.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from chorusflow.facturx import build_cii
from chorusflow.ledger import InvoiceState, utc_now
from chorusflow.platforms.chorus_pro import ChorusProClient, ChorusProConfig
from chorusflow.platforms.chorus_pro.flux import FACTURX_SYNTAX
from chorusflow_dev.testing.exports import sample_invoice, write_export
from tests.alerts.servers import Mailbox
from tests.documents.builders import invoice as full_invoice
from tests.fixtures.airflow import PipelineEnv, load_dag
from tests.fixtures.sandbox import SUPPLIER_SIRET
from tests.platforms.chorus_pro.channels.support import OWNER, record_rows

pytestmark = pytest.mark.timeout(600)
DEPOSER_FLUX = "/cpro/factures/v1/deposer/flux"
NS = {"ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"}
BT81_MISSING = (
    "L'element FichierXml.SupplyChainTradeTransaction.ApplicableHeaderTradeSettlement."
    "SpecifiedTradeSettlementPaymentMeans.TypeCode.value est obligatoire."
)
NO_BT81 = "SANS-BT81-1"
STEP_SECONDS = 600  # ten minutes of the platform's time between two sync runs


@pytest.fixture(autouse=True)
def facturx_channel(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHORUSFLOW_SUPPLIER_DEPOSIT_CHANNEL", "facturx")
    monkeypatch.setenv("CHORUSFLOW_FLUX_POLL_BASE_SECONDS", "0")  # each sync run polls every open flux
    monkeypatch.setenv("CHORUSFLOW_SUBMIT_RETRY_DELAY", "0.2")
    monkeypatch.setenv("CHORUSFLOW_SYNC_PAGE_RETRY_DELAY", "0")


def _cii_without_bt81(number: str) -> bytes:
    """Our builder's CII for a valid invoice, its payment means (BT-81) removed."""
    built = full_invoice(invoice_number=number, payment_means="VIREMENT", service_code=None)
    root = etree.fromstring(build_cii(built, built.supplier))
    for node in root.xpath("//ram:SpecifiedTradeSettlementPaymentMeans", namespaces=NS):
        node.getparent().remove(node)
    assert not root.xpath("//ram:SpecifiedTradeSettlementPaymentMeans", namespaces=NS)
    result: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return result


def _deposit_without_bt81(env: PipelineEnv, tmp_path: Path) -> str:
    """Record one valid invoice, claim it and deposit its BT-81-less CII as a flux, as the
    submitter records a flux deposit (the builder itself always writes BT-81)."""
    [number] = record_rows(env.ledger, tmp_path / "crafted", [sample_invoice(NO_BT81, 31_000)])
    claims = env.ledger.claim_for_submission(SUPPLIER_SIRET, [number], OWNER)
    with ChorusProClient(ChorusProConfig.from_connection(env.sandbox.connection())) as client:
        answer = client.deposit_flux(f"{NO_BT81}.xml", _cii_without_bt81(NO_BT81), FACTURX_SYNTAX)
    env.ledger.mark_in_flux(
        SUPPLIER_SIRET,
        [claim.invoice_id for claim in claims],
        answer.numero_flux_depot,
        file_name=f"{NO_BT81}.xml",
        syntaxe_flux=FACTURX_SYNTAX,
        first_poll_at=utc_now(),
        owner=OWNER,
    )
    return answer.numero_flux_depot


def test_realistic_profile_flux_integrated_after_minutes_and_flux_rejected_for_bt81(
    pipeline_env: PipelineEnv, alert_mailbox: Mailbox, tmp_path: Path
) -> None:
    env = pipeline_env
    env.admin.use_profile("realistic", seed=21)  # Chorus Pro's own pace: 3 to 30 minutes per flux
    export = write_export(
        tmp_path / "export" / "export.csv", [sample_invoice(f"RL-{n}", 12_000 + n) for n in range(3)]
    )
    env.drop_export(export)
    assert load_dag("chorus_submit_invoices").test().state == "success"
    numbers = [row.invoice_number for row in env.ledger.list_invoices(InvoiceState.IN_FLUX, SUPPLIER_SIRET)]
    assert numbers
    rejected_flux = _deposit_without_bt81(env, tmp_path)
    assert env.admin.calls(DEPOSER_FLUX) == 2
    delays = {flux["number"]: flux["processing_delay"] for flux in env.admin.flux()}
    assert all(delay >= 180 for delay in delays.values())  # several minutes, each
    before = len(alert_mailbox.messages)

    runs = 0
    while env.ledger.open_flux(SUPPLIER_SIRET):
        assert load_dag("chorus_sync_statuses").test().state == "success"
        runs += 1
        if runs == 1:  # no time passed for Chorus Pro: both flux still waiting, nothing alerted
            assert {flux["state"] for flux in env.admin.flux()} == {
                "IN_DEPOT_PORTAIL_EN_ATTENTE_TRAITEMENT_SE_CPP"
            }
            assert len(env.ledger.open_flux(SUPPLIER_SIRET)) == 2
            assert len(alert_mailbox.messages) == before and env.admin.invoices() == []
        assert runs <= 2 + max(delays.values()) // STEP_SECONDS, "a flux was never settled"
        env.admin.advance_clock(STEP_SECONDS)
    assert runs >= 2

    states = {flux["number"]: flux["state"] for flux in env.admin.flux()}
    assert states.pop(rejected_flux) == "IN_REJETE" and set(states.values()) == {"IN_INTEGRE"}
    ids = {invoice["number"]: invoice["id"] for invoice in env.admin.invoices()}
    assert sorted(ids) == sorted(numbers)  # the rejected invoice is not on Chorus Pro
    for number in numbers:
        row = env.ledger.get_invoice(number, SUPPLIER_SIRET)
        assert row is not None and row.state is InvoiceState.SUBMITTED
        assert row.identifiant_facture_cpp == ids[number]
    refused = env.ledger.get_invoice(NO_BT81, SUPPLIER_SIRET)
    assert refused is not None and refused.state is InvoiceState.FAILED
    assert BT81_MISSING in (refused.last_error or "") and "IN_REJETE" in (refused.last_error or "")

    [mail] = alert_mailbox.mentioning(NO_BT81)  # exactly one alert, carrying the platform's reason
    assert "SpecifiedTradeSettlementPaymentMeans.TypeCode" in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert len(alert_mailbox.messages) == before + 1  # and none for the integrated invoices

    # Later runs change nothing: no second alert, no second deposit.
    env.admin.advance_clock(3600)
    assert load_dag("chorus_sync_statuses").test().state == "success"
    assert len(alert_mailbox.messages) == before + 1
    assert env.admin.calls(DEPOSER_FLUX) == 2
    counts = env.admin.submission_counts()
    assert set(counts.values()) == {1} and NO_BT81 not in counts
