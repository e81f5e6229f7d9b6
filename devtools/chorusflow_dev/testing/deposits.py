"""Sample deposits: a valid ``SubmitInvoiceRequest``, the validator's verdict for it, ledger seeding."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from chorusflow.ledger import ClaimOwner, InvoiceRecordInput, Ledger
from chorusflow.platforms.chorus_pro import ChorusProClient
from chorusflow.platforms.chorus_pro.models import (
    InvoiceRecipient,
    InvoiceReferences,
    InvoiceSupplier,
    MainAttachment,
    SubmitInvoiceRequest,
    SubmitInvoiceResponse,
    SubmitLine,
    SubmitTotals,
    VatLine,
)
from chorusflow_dev.testing import COMMUNE, COMMUNE_NAME, ISSUE_DATE, SUPPLIER_ID, SUPPLIER_SIRET

# The smallest plain PDF: what a test deposits as the main attachment of a DEPOT_PDF_API invoice.
TINY_PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def submit_request(
    number: str,
    *,
    buyer_siret: str = COMMUNE,
    service: str | None = None,
    attachment_id: int | None = None,
    **changes: Any,
) -> SubmitInvoiceRequest:
    """A valid invoice of 2 hours at 50 € HT + 20 % VAT = 120 € TTC; ``changes`` replace fields.

    With ``attachment_id`` (an uploaded PDF) it is a ``DEPOT_PDF_API`` deposit that keeps ``number``;
    without, a ``SAISIE_API`` one, where Chorus Pro ignores ``number`` and issues its own.
    """
    fields: dict[str, Any] = {
        "mode_depot": "SAISIE_API" if attachment_id is None else "DEPOT_PDF_API",
        "numero_facture_saisi": number,
        "date_facture": ISSUE_DATE,
        "piece_jointe_principale": (
            None if attachment_id is None else [MainAttachment(id=attachment_id, designation=f"{number}.pdf")]
        ),
        "destinataire": InvoiceRecipient(code_destinataire=buyer_siret, code_service_executant=service),
        "fournisseur": InvoiceSupplier(id_fournisseur=SUPPLIER_ID),
        "references": InvoiceReferences(),
        "ligne_poste": [
            SubmitLine(
                numero=1,
                denomination="Prestation de conseil",
                quantite=Decimal("2"),
                unite="HEURE",
                montant_unitaire_ht=Decimal("50"),
                taux_tva_manuel=Decimal("20"),
            )
        ],
        "ligne_tva": [
            VatLine(taux_manuel=Decimal("20"), montant_base_ht=Decimal("100"), montant_tva=Decimal("20"))
        ],
        "montant_total": SubmitTotals(
            montant_ht_total=Decimal("100"),
            montant_tva=Decimal("20"),
            montant_ttc_total=Decimal("120"),
            montant_a_payer=Decimal("120"),
        ),
    }
    fields.update(changes)
    return SubmitInvoiceRequest(**fields)


def deposit(client: ChorusProClient, number: str, **changes: Any) -> SubmitInvoiceResponse:
    """Deposit ``submit_request(number, **changes)`` under our own number: upload a PDF, then
    ``soumettre`` in ``DEPOT_PDF_API`` (the sandbox, like Chorus Pro, ignores numbers in SAISIE_API)."""
    attachment_id = client.upload_attachment("facture.pdf", TINY_PDF)
    return client.submit_invoice(submit_request(number, attachment_id=attachment_id, **changes))


def valid_verdict(
    number: str, buyer_siret: str = COMMUNE, buyer_name: str = COMMUNE_NAME
) -> InvoiceRecordInput:
    """The validator's verdict for a valid invoice of 120 € TTC (the one ``submit_request`` sends)."""
    return InvoiceRecordInput(
        invoice_number=number,
        valid=True,
        normalized={"number": number, "total_ttc": "120.00"},
        buyer_siret=buyer_siret,
        buyer_name=buyer_name,
        invoice_type="FACTURE",
        issue_date=ISSUE_DATE,
        currency="EUR",
        total_ht=Decimal("100.00"),
        total_vat=Decimal("20.00"),
        total_ttc=Decimal("120.00"),
    )


def record_deposits(
    ledger: Ledger,
    numbers: Sequence[str],
    owner: ClaimOwner,
    deposit: Callable[[str], int],
    *,
    buyer_siret: str = COMMUNE,
    status_at: datetime | None = None,
    attempts: bool = True,
) -> dict[str, int]:
    """Record ``numbers`` as valid, claim them, mark each submitted as ``deposit(number)``; number -> id.

    As the submit task does: ``deposit`` (returning the Chorus Pro id) runs once the claim is held,
    inside a recorded attempt unless ``attempts`` is false.
    """
    ledger.record_validated(SUPPLIER_SIRET, "seed.csv", [valid_verdict(n, buyer_siret) for n in numbers])
    ids: dict[str, int] = {}
    # An hour of lease: a benchmark seeds thousands of invoices under one claim.
    for claim in ledger.claim_for_submission(SUPPLIER_SIRET, list(numbers), owner, lease_seconds=3600):
        attempt = ledger.start_attempt(claim, owner) if attempts else None
        ids[claim.invoice_number] = deposit(claim.invoice_number)
        if attempt is not None:
            ledger.finish_attempt(attempt, "succeeded")
        ledger.mark_submitted(claim.invoice_id, ids[claim.invoice_number], status_at=status_at, owner=owner)
    return ids
