"""Builders for the status-sync and alert tests: real deposits on the sandbox, recorded in the ledger."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Any

from chorusflow.chorus import ChorusProClient, ChorusProConfig
from chorusflow.chorus.models import (
    InvoiceLine,
    InvoiceRecipient,
    InvoiceReferences,
    InvoiceSupplier,
    InvoiceTotals,
    SubmitInvoiceRequest,
    VatLine,
)
from chorusflow.ledger import ClaimOwner, InvoiceRecordInput, Ledger
from chorusflow.sandbox import SandboxServer
from tests.fixtures.sandbox import COMMUNE, SUPPLIER_ID, SUPPLIER_SIRET

SEARCH_PATH = "/cpro/factures/v1/rechercher/fournisseur"
HISTORY_PATH = "/cpro/factures/v1/consulter/historique"
OWNER = ClaimOwner(dag_id="tests", run_id="manual__tests", task_id="submit", hostname="test", pid=os.getpid())


@contextmanager
def sandbox_client(server: SandboxServer) -> Iterator[ChorusProClient]:
    """A project client talking to the sandbox over real sockets."""
    with ChorusProClient(ChorusProConfig.from_connection(server.connection())) as client:
        yield client


def submit_request(
    number: str, buyer_siret: str = COMMUNE, service: str | None = None
) -> SubmitInvoiceRequest:
    """A valid SAISIE_API invoice of 100 € HT + 20 % VAT = 120 € TTC."""
    return SubmitInvoiceRequest(
        mode_depot="SAISIE_API",
        numero_facture_saisi=number,
        date_facture=date(2026, 11, 2),
        destinataire=InvoiceRecipient(code_destinataire=buyer_siret, code_service_executant=service),
        fournisseur=InvoiceSupplier(id_fournisseur=SUPPLIER_ID),
        references=InvoiceReferences(),
        ligne_poste=[
            InvoiceLine(
                numero=1,
                denomination="Prestation de conseil",
                quantite=Decimal("2"),
                unite="HEURE",
                montant_unitaire_ht=Decimal("50"),
                taux_tva_manuel=Decimal("20"),
            )
        ],
        ligne_tva=[
            VatLine(taux_manuel=Decimal("20"), montant_base_ht=Decimal("100"), montant_tva=Decimal("20"))
        ],
        montant_total=InvoiceTotals(
            montant_ht_total=Decimal("100"),
            montant_tva=Decimal("20"),
            montant_ttc_total=Decimal("120"),
            montant_a_payer=Decimal("120"),
        ),
    )


def verdict(
    number: str, buyer_siret: str = COMMUNE, buyer_name: str = "Commune de Démoville"
) -> InvoiceRecordInput:
    """The validator's verdict for a valid invoice of 120 € TTC."""
    return InvoiceRecordInput(
        invoice_number=number,
        valid=True,
        normalized={"number": number, "total_ttc": "120.00"},
        buyer_siret=buyer_siret,
        buyer_name=buyer_name,
        invoice_type="FACTURE",
        issue_date=date(2026, 11, 2),
        currency="EUR",
        total_ht=Decimal("100.00"),
        total_vat=Decimal("20.00"),
        total_ttc=Decimal("120.00"),
    )


def deposit(
    ledger: Ledger,
    client: ChorusProClient,
    numbers: list[str],
    buyer_siret: str = COMMUNE,
    service: str | None = None,
) -> dict[str, int]:
    """Record, claim and really submit each invoice like the submission step; number -> Chorus Pro id."""
    ledger.record_validated(SUPPLIER_SIRET, "tests.csv", [verdict(n, buyer_siret) for n in numbers])
    ids: dict[str, int] = {}
    for claim in ledger.claim_for_submission(SUPPLIER_SIRET, numbers, OWNER):
        attempt = ledger.start_attempt(claim, OWNER)
        answer = client.submit_invoice(submit_request(claim.invoice_number, buyer_siret, service))
        assert answer.identifiant_facture_cpp is not None
        ledger.finish_attempt(attempt, "succeeded")
        ledger.mark_submitted(claim.invoice_id, answer.identifiant_facture_cpp, owner=OWNER)
        ids[claim.invoice_number] = answer.identifiant_facture_cpp
    return ids


def history(ledger: Ledger, number: str) -> list[tuple[str, Any]]:
    """(status, comment) of an invoice's ledger history, oldest first."""
    detail = ledger.get_invoice(number, SUPPLIER_SIRET)
    assert detail is not None
    return [(entry.status, entry.comment) for entry in detail.history]
