"""A flux of more than 200 invoices: ``rechercher/fournisseur`` by flux number stops at 200 results
(as on Chorus Pro), and the follower finds the rest by number instead of sending them to review."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chorusflow.ledger import InvoiceState, Ledger, utc_now
from chorusflow.platforms.chorus_pro import ChorusProClient
from chorusflow.platforms.chorus_pro.flux import FACTURX_SYNTAX
from chorusflow.platforms.chorus_pro.flux_follow import follow_flux
from chorusflow.platforms.chorus_pro.models import SupplierInvoiceSearch
from chorusflow.suppliers import load_supplier
from chorusflow_dev.testing.exports import ISSUE_DATE, sample_invoice
from tests.fixtures.sandbox import COMMUNE, SandboxAdmin, soumettre_body
from tests.platforms.chorus_pro.channels.support import OWNER, record_rows

COUNT = 203


@pytest.fixture(autouse=True)
def facturx(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHORUSFLOW_SUPPLIER_DEPOSIT_CHANNEL", "facturx")
    monkeypatch.setenv("CHORUSFLOW_FLUX_POLL_BASE_SECONDS", "0")


def test_an_integrated_flux_larger_than_the_search_cap_is_settled_whole(
    sandbox: object, client: ChorusProClient, ledger: Ledger, tmp_path: Path
) -> None:
    siret = load_supplier().siret
    numbers = record_rows(ledger, tmp_path, [sample_invoice(f"CAP-{n:03d}") for n in range(COUNT)])
    claims = ledger.claim_for_submission(siret, numbers, OWNER)
    documents = []
    for number in numbers:  # the sandbox's JSON stand-in of a flux: one soumettre-like body each
        body = soumettre_body(number, siret=COMMUNE, invoice_date=ISSUE_DATE.isoformat())
        del body["modeDepot"]
        documents.append(body)
    answer = client.deposit_flux("lot.json", json.dumps(documents).encode(), FACTURX_SYNTAX)
    ledger.mark_in_flux(
        siret,
        [claim.invoice_id for claim in claims],
        answer.numero_flux_depot,
        file_name="lot.json",
        syntaxe_flux=FACTURX_SYNTAX,
        first_poll_at=utc_now(),
        owner=OWNER,
    )
    follow_flux(ledger, client, siret)  # pending

    result = follow_flux(ledger, client, siret)

    found = client.search_supplier_invoices(SupplierInvoiceSearch(numero_flux_depot=answer.numero_flux_depot))
    assert len(found) == 200  # the platform's cap: three invoices are not in the search
    assert sorted(result.integrated) == sorted(numbers) and result.needs_review == []
    assert {row.state for row in ledger.list_invoices(supplier_siret=siret)} == {InvoiceState.SUBMITTED}
    assert len(SandboxAdmin(sandbox).invoices()) == COUNT  # type: ignore[arg-type]
