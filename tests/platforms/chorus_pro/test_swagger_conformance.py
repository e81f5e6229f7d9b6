"""Every body the client sends conforms to the official Swagger (the sandbox's own validator).

The sandbox also rejects non-conforming bodies at runtime with HTTP 400; these tests check the
bodies directly, so a lenient server could not hide a mistake.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import requests

from chorusflow.platforms.chorus_pro import ChorusProClient, ChorusProConfig, Operation
from chorusflow.platforms.chorus_pro.models import (
    AttachmentUploadRequest,
    BankAccountsRequest,
    CompleteInvoiceRequest,
    CompletionAttachment,
    DepositFluxRequest,
    EmptyRequest,
    FluxReportRequest,
    HandleRejectionRequest,
    InvoiceHistoryRequest,
    InvoiceLookupRequest,
    InvoiceRecipient,
    MainAttachment,
    RecycleInvoiceRequest,
    RecycleReferences,
    RejectedPaymentRequest,
    RequestModel,
    ServiceLookupRequest,
    ServicePaging,
    ServiceSearchRequest,
    SiretInformationRequest,
    StructureCriteria,
    StructureLookupRequest,
    StructurePaging,
    StructureSearchRequest,
    SupplierInvoicePaging,
    SupplierInvoiceSearchRequest,
)
from chorusflow_dev.sandbox import validate_request_body
from chorusflow_dev.sandbox.validation import has_schema
from chorusflow_dev.testing.deposits import submit_request
from tests.fixtures.sandbox import SandboxAdmin
from tests.platforms.chorus_pro.conftest import IFPEN_SIRET


class RecordingSession(requests.Session):
    """A real session that also keeps a copy of every JSON body it sends."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, Any]] = []

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        data = kwargs.get("data")
        if isinstance(data, bytes):
            self.sent.append((urlsplit(str(url)).path, json.loads(data)))
        return super().request(method, url, *args, **kwargs)


def _every_request_model() -> dict[str, RequestModel]:
    """One fully populated instance of each request model, by operation path."""
    return {
        Operation.SUBMIT_INVOICE: submit_request(
            "SWAG-1",
            mode_depot="DEPOT_PDF_API",
            destinataire=InvoiceRecipient(
                code_destinataire=IFPEN_SIRET, code_service_executant="Facture_commande"
            ),
            piece_jointe_principale=MainAttachment(id=1, designation="f.pdf"),
            commentaire="Commentaire",
        ),
        Operation.DEPOSIT_FLUX: DepositFluxRequest(
            fichier_flux="PEludm9pY2UvPg==", nom_fichier="f.xml", syntaxe_flux="IN_DP_E1_UBL_INVOICE"
        ),
        Operation.SUPPLIER_INVOICE_SEARCH: SupplierInvoiceSearchRequest(
            numero_facture="F-1",
            numero_flux_depot="CPP0011100000000000000001",
            statuts=["DEPOSEE"],
            type_facture="FACTURE",
            id_fournisseur=1,
            status_changed_from="2026-11-01T00:00:00+01:00",
            status_changed_to="2026-11-30T23:59:59.999+01:00",
            deposited_from="2026-11-01",
            deposited_to="2026-11-30",
            invoice_date_from="2026-01-01",
            invoice_date_to="2026-12-31",
            numero_bon_commande="EJ1",
            mode_depot="SAISIE_API",
            ttc_min="120.00",
            ttc_max="120.00",
            paging=SupplierInvoicePaging(page=1, page_size=10),
        ),
        Operation.INVOICE_LOOKUP: InvoiceLookupRequest(identifiant_facture_cpp=1),
        Operation.INVOICE_HISTORY: InvoiceHistoryRequest(id_facture=1),
        Operation.COMPLETE_INVOICE: CompleteInvoiceRequest(
            identifiant_facture_cpp=1,
            commentaire="ok",
            piece_jointe_complementaire=[CompletionAttachment(designation="BL", id=3)],
        ),
        Operation.RECYCLE_INVOICE: RecycleInvoiceRequest(
            identifiant_facture_cpp=1,
            destinataire=InvoiceRecipient(code_destinataire=IFPEN_SIRET, code_service_executant="X"),
            reference=RecycleReferences(numero_bon_commande="EJ1", numero_marche="M1"),
            commentaire="corrigé",
        ),
        Operation.HANDLE_REJECTION: HandleRejectionRequest(
            liste_demande_paiement=[RejectedPaymentRequest(id_demande_paiement=1)]
        ),
        Operation.STRUCTURE_SEARCH: StructureSearchRequest(
            structure=StructureCriteria(
                identifiant_structure=IFPEN_SIRET, type_identifiant_structure="SIRET"
            ),
            parametres=StructurePaging(page=1, page_size=10),
            restreindre_structures_privees=False,
        ),
        Operation.STRUCTURE_LOOKUP: StructureLookupRequest(id_structure_cpp=1, code_langue="fr"),
        Operation.SERVICE_SEARCH: ServiceSearchRequest(
            id_structure=1, paging=ServicePaging(page=1, page_size=10)
        ),
        Operation.SERVICE_LOOKUP: ServiceLookupRequest(id_structure=1, id_service=2, code_langue="fr"),
        Operation.SUPPLIER_STRUCTURES: EmptyRequest(),
        Operation.BANK_ACCOUNTS: BankAccountsRequest(id_structure=1),
        Operation.ATTACHMENT_UPLOAD: AttachmentUploadRequest(
            piece_jointe_fichier="JVBERi0=",
            piece_jointe_nom="f.pdf",
            piece_jointe_type_mime="application/pdf",
            piece_jointe_extension="pdf",
        ),
        Operation.FLUX_REPORT: FluxReportRequest(numero_flux_depot="CPP0011100000000000000001"),
        Operation.SIRET_INFORMATION: SiretInformationRequest(siret_structure=IFPEN_SIRET),
    }


def test_every_request_model_conforms_to_the_swagger() -> None:
    models = _every_request_model()
    operations = {value for name, value in vars(Operation).items() if name.isupper()}
    assert set(models) == operations  # a new operation must be added here
    for path, model in models.items():
        assert has_schema(path), path
        assert validate_request_body(path, model.to_body()) == [], path


def test_the_validator_does_catch_a_wrong_body() -> None:
    body = _every_request_model()[Operation.SUBMIT_INVOICE].to_body()
    body["references"]["typeFactures"] = "FACTURE"
    assert validate_request_body(Operation.SUBMIT_INVOICE, body)


def test_every_body_sent_during_a_full_session_conforms(config: ChorusProConfig, admin: SandboxAdmin) -> None:
    session = RecordingSession()
    with ChorusProClient(config, session=session) as client:
        buyer = client.find_structure(IFPEN_SIRET)
        assert buyer is not None
        client.get_structure(buyer.id_structure_cpp)
        services = client.list_services(buyer.id_structure_cpp, page_size=1)
        client.get_service(buyer.id_structure_cpp, services[0].id_service)
        client.list_supplier_structures()
        pdf = client.upload_attachment("f.pdf", b"%PDF-1.4\n")
        submitted = client.submit_invoice(
            submit_request(
                "SESSION-1",
                mode_depot="DEPOT_PDF_API",
                piece_jointe_principale=MainAttachment(id=pdf),
            )
        )
        invoice_id = submitted.identifiant_facture_cpp
        client.get_invoice(invoice_id)
        client.get_invoice_history(invoice_id)
        client.find_invoice_by_number("SESSION-1")
        admin.set_status(invoice_id, "SUSPENDUE", "pièce manquante")
        client.complete_invoice(invoice_id, "voici", [pdf])
        admin.set_status(invoice_id, "A_RECYCLER", "mauvais service")
        client.recycle_invoice(invoice_id, IFPEN_SIRET, "Facture_sans_commande", None)
        flux = client.deposit_flux("f.xml", b"<Invoice/>", "IN_DP_E1_UBL_INVOICE")
        client.get_flux_report(flux.numero_flux_depot)
    sent_paths = {path for path, _ in session.sent}
    assert len(sent_paths) == 14
    for path, body in session.sent:
        assert validate_request_body(path, body) == [], (path, body)
    assert admin.stats()["by_status"].get("400", 0) == 0
