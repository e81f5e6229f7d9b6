"""ChorusProClient against the real sandbox over loopback sockets (nothing mocked)."""

from __future__ import annotations

import logging
import socket
import threading
import time
from typing import Any

import pytest

from chorusflow.platforms.chorus_pro import (
    AuthenticationError,
    BadRequestError,
    ChorusProClient,
    ChorusProConfig,
    ChorusProTimeoutError,
    ConnectionLostError,
    DuplicateInvoiceError,
    ForbiddenError,
    FunctionalError,
    InvalidClientError,
    Operation,
    RateLimitedError,
    ServerError,
    TechnicalAccountError,
)
from chorusflow.platforms.chorus_pro.models import InvoiceRecipient, MainAttachment, SupplierInvoiceSearch
from chorusflow.settings import settings
from chorusflow_dev.testing import SUPPLIER_ID
from chorusflow_dev.testing.deposits import TINY_PDF, deposit, submit_request
from tests.fixtures.sandbox import SandboxAdmin
from tests.platforms.chorus_pro.conftest import IFPEN_SIRET

TOKEN_PATH = "/api/oauth/token"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# ------------------------------------------------------------------------------------------ tokens


def test_token_is_fetched_once_for_many_calls(client: ChorusProClient, admin: SandboxAdmin) -> None:
    for _ in range(4):
        assert client.find_structure(IFPEN_SIRET) is not None
    client.list_supplier_structures()
    assert admin.calls(TOKEN_PATH) == 1
    assert admin.calls(Operation.STRUCTURE_SEARCH) == 4


def test_token_is_refreshed_before_expiry(config: ChorusProConfig, admin: SandboxAdmin) -> None:
    admin.set_faults(token_lifetime_seconds=1)
    with ChorusProClient(config) as client:
        client.list_supplier_structures()
        time.sleep(1.1)
        assert client.list_supplier_structures()
    assert admin.calls(TOKEN_PATH) == 2
    assert admin.stats()["by_status"].get("401", 0) == 0  # refreshed before the server refused it


def test_a_refused_token_is_replaced_once_and_the_call_retried(
    client: ChorusProClient, admin: SandboxAdmin
) -> None:
    client.list_supplier_structures()
    admin.reset()  # the sandbox forgets every token it issued
    assert client.list_supplier_structures()
    assert admin.calls(TOKEN_PATH) == 1
    assert admin.stats()["statuses"][Operation.SUPPLIER_STRUCTURES] == {"401": 1, "200": 1}


def test_new_tokens_are_reported_to_the_callback(config: ChorusProConfig, admin: SandboxAdmin) -> None:
    seen: list[str] = []
    with ChorusProClient(config, on_new_token=seen.append) as client:
        client.list_supplier_structures()
        client.list_supplier_structures()
    assert len(seen) == 1 and len(seen[0]) > 20


def test_threads_share_one_token(client: ChorusProClient, admin: SandboxAdmin) -> None:
    errors: list[BaseException] = []

    def work() -> None:
        try:
            client.list_supplier_structures()
        except BaseException as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert errors == []
    assert admin.calls(TOKEN_PATH) == 1
    assert admin.calls(Operation.SUPPLIER_STRUCTURES) == 6


# ------------------------------------------------------------------------------------------ auth errors


def test_bad_client_secret_is_an_invalid_client_error(connection: dict[str, Any]) -> None:
    connection["extra"] = {**connection["extra"], "client_secret": "wrong-secret-value-123"}
    with ChorusProClient(ChorusProConfig.from_connection(connection)) as client:
        with pytest.raises(InvalidClientError) as caught:
            client.list_supplier_structures()
    error = caught.value
    assert error.http_status == 400 and not error.retryable and not error.outcome_unknown
    assert "wrong-secret-value-123" not in str(error)


def test_bad_technical_password_is_a_technical_account_error(
    connection: dict[str, Any], admin: SandboxAdmin
) -> None:
    connection["password"] = "wrong-technical-password"
    with ChorusProClient(ChorusProConfig.from_connection(connection)) as client:
        with pytest.raises(TechnicalAccountError) as caught:
            client.list_supplier_structures()
    assert caught.value.http_status == 401 and not caught.value.retryable
    assert isinstance(caught.value, AuthenticationError)
    assert "wrong-technical-password" not in str(caught.value)
    assert admin.calls(TOKEN_PATH) == 2  # one refresh was tried before concluding


def test_http_403_is_a_forbidden_error(client: ChorusProClient, admin: SandboxAdmin) -> None:
    admin.set_faults(error_rate={Operation.STRUCTURE_SEARCH: 1.0}, error_status=403)
    with pytest.raises(ForbiddenError) as caught:
        client.find_structure(IFPEN_SIRET)
    assert caught.value.http_status == 403 and not caught.value.retryable


# ------------------------------------------------------------------------------------------ functional errors


def test_functional_error_carries_code_and_libelle(client: ChorusProClient) -> None:
    with pytest.raises(FunctionalError) as caught:
        client.get_structure(999)
    error = caught.value
    assert error.code_retour == 20001
    assert error.libelle == "GDP_MSG_12.001"  # a bare message key, as the platform writes it
    assert error.operation == Operation.STRUCTURE_LOOKUP
    assert not error.retryable and not error.outcome_unknown


def test_second_submission_of_a_number_is_a_duplicate(client: ChorusProClient, admin: SandboxAdmin) -> None:
    first = deposit(client, "DUP-1")
    assert first.status == "DEPOSEE" and first.identifiant_facture_cpp > 0
    with pytest.raises(DuplicateInvoiceError) as caught:
        deposit(client, "DUP-1")
    assert caught.value.code_retour == 20013 and not caught.value.retryable
    assert len(admin.invoices()) == 1


def test_buyer_requirement_refusal_is_functional_not_duplicate(client: ChorusProClient) -> None:
    with pytest.raises(FunctionalError) as caught:
        deposit(client, "NOSERVICE-1", buyer_siret=IFPEN_SIRET)
    assert not isinstance(caught.value, DuplicateInvoiceError)
    assert caught.value.code_retour == 20014


# ------------------------------------------------------------------------------------------ transport errors


def test_http_500_is_a_retryable_server_error(client: ChorusProClient, admin: SandboxAdmin) -> None:
    admin.set_faults(error_rate={Operation.SUBMIT_INVOICE: 1.0}, error_status=500)
    with pytest.raises(ServerError) as caught:
        deposit(client, "E500-1")
    assert caught.value.retryable and caught.value.outcome_unknown
    assert caught.value.http_status == 500


def test_a_read_that_meets_a_server_error_is_sent_again_then_gives_up(
    client: ChorusProClient, admin: SandboxAdmin
) -> None:
    admin.set_faults(error_rate={Operation.SUPPLIER_STRUCTURES: 1.0}, error_status=500)
    with pytest.raises(ServerError) as caught:
        client.list_supplier_structures()
    assert caught.value.retryable and caught.value.operation == Operation.SUPPLIER_STRUCTURES
    assert admin.calls(Operation.SUPPLIER_STRUCTURES) == 1 + settings().api_read_retries == 3


def test_a_read_succeeds_when_a_resend_gets_through(client: ChorusProClient, admin: SandboxAdmin) -> None:
    admin.set_faults(error_rate={Operation.SUPPLIER_STRUCTURES: 0.5}, error_status=503, seed=3)
    for _ in range(6):
        assert client.list_supplier_structures()
    statuses = admin.stats()["statuses"][Operation.SUPPLIER_STRUCTURES]
    assert statuses.get("503", 0) > 0 and statuses["200"] == 6


def test_a_deposit_that_meets_a_server_error_is_never_sent_again(
    client: ChorusProClient, admin: SandboxAdmin
) -> None:
    admin.set_faults(error_rate={Operation.SUBMIT_INVOICE: 1.0}, error_status=503)
    with pytest.raises(ServerError):
        deposit(client, "E503-1")
    assert admin.calls(Operation.SUBMIT_INVOICE) == 1


def test_http_429_is_rate_limited_with_retry_after(
    connection: dict[str, Any], admin: SandboxAdmin, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHORUSFLOW_API_429_RETRIES", "0")  # raise at the first 429
    client = ChorusProClient(ChorusProConfig.from_connection(connection))
    client.list_supplier_structures()  # token first, so the quota only sees API calls
    admin.set_faults(quota_per_second=2)
    with pytest.raises(RateLimitedError) as caught:
        for _ in range(10):
            client.list_supplier_structures()
    assert caught.value.retryable and not caught.value.outcome_unknown
    assert caught.value.retry_after == 1.0


def test_http_429_is_sent_again_by_default(client: ChorusProClient, admin: SandboxAdmin) -> None:
    client.list_supplier_structures()
    admin.set_faults(quota_per_second=2)
    for _ in range(6):
        client.list_supplier_structures()  # no RateLimitedError: each 429 waits and is sent again
    assert admin.stats()["by_status"].get("429", 0) > 0, "the quota must have answered 429"


def test_read_timeout_leaves_the_outcome_unknown_and_reconciliation_finds_it(
    connection: dict[str, Any], admin: SandboxAdmin
) -> None:
    connection["extra"] = {**connection["extra"], "timeout": 0.4}
    with ChorusProClient(ChorusProConfig.from_connection(connection)) as client:
        client.list_supplier_structures()
        admin.set_faults(latency_ms={Operation.SUBMIT_INVOICE: 900})
        with pytest.raises(ChorusProTimeoutError) as caught:
            deposit(client, "SLOW-1")
        assert caught.value.retryable and caught.value.outcome_unknown
        time.sleep(0.7)  # the sandbox finishes the deposit after our timeout
        found = client.find_invoice_by_number("SLOW-1")
    assert found is not None and found.status == "DEPOSEE"


def test_commit_then_drop_is_an_unknown_outcome_then_found(
    client: ChorusProClient, admin: SandboxAdmin
) -> None:
    admin.set_faults(commit_then_drop_rate={Operation.SUBMIT_INVOICE: 1.0})
    with pytest.raises(ConnectionLostError) as caught:
        deposit(client, "DROP-1")
    assert caught.value.retryable and caught.value.outcome_unknown
    admin.set_faults(commit_then_drop_rate={})
    found = client.find_invoice_by_number("DROP-1")
    assert found is not None and found.numero_facture == "DROP-1"
    assert client.find_invoice_by_number("NEVER-SENT") is None


def test_connection_refused_before_sending_has_a_known_outcome(
    connection: dict[str, Any], admin: SandboxAdmin
) -> None:
    connection["host"] = f"http://127.0.0.1:{_free_port()}"  # the token URL still reaches the sandbox
    with ChorusProClient(ChorusProConfig.from_connection(connection)) as client:
        with pytest.raises(ConnectionLostError) as caught:
            deposit(client, "REFUSED-1")
    assert caught.value.retryable and not caught.value.outcome_unknown
    assert admin.calls(TOKEN_PATH) == 1


def test_unknown_operation_is_a_bad_request(client: ChorusProClient) -> None:
    with pytest.raises(BadRequestError) as caught:
        client._request("/cpro/factures/v1/inexistante", {})
    assert caught.value.http_status == 404 and not caught.value.retryable


def test_body_refused_by_the_swagger_is_a_bad_request(client: ChorusProClient) -> None:
    with pytest.raises(BadRequestError) as caught:
        client._request(Operation.STRUCTURE_LOOKUP, {"idStructureCPP": "pas un nombre", "cle": 1})
    assert caught.value.http_status == 400 and caught.value.code_retour == 400


# ------------------------------------------------------------------------------------------ pagination


def test_invoice_search_follows_every_page(client: ChorusProClient, admin: SandboxAdmin) -> None:
    for index in range(25):
        deposit(client, f"PAGE-{index:02d}")
    pages = list(client.iter_supplier_invoice_pages(page_size=10))
    assert [page.page for page in pages] == [1, 2, 3]
    assert {page.pages for page in pages} == {3} and pages[0].total == 25
    numbers = {row.numero_facture for page in pages for row in page.rows}
    assert numbers == {f"PAGE-{index:02d}" for index in range(25)}
    assert len(client.search_supplier_invoices(page_size=10)) == 25
    assert len(client.search_supplier_invoices()) == 25


def test_invoice_search_filters_by_status(client: ChorusProClient, admin: SandboxAdmin) -> None:
    rejected = deposit(client, "FILTER-1")
    deposit(client, "FILTER-2")
    admin.set_status(rejected.identifiant_facture_cpp, "REJETEE", "Montant erroné")
    rows = client.search_supplier_invoices(SupplierInvoiceSearch(statuts=["REJETEE"]))
    assert [row.numero_facture for row in rows] == ["FILTER-1"]
    assert rows[0].commentaire_etat_courant == "Montant erroné"


def test_services_are_read_page_by_page(client: ChorusProClient, admin: SandboxAdmin) -> None:
    buyer = client.find_structure(IFPEN_SIRET)
    assert buyer is not None
    services = client.list_services(buyer.id_structure_cpp, page_size=1)
    assert [service.code_service for service in services] == ["Facture_commande", "Facture_sans_commande"]
    assert admin.calls(Operation.SERVICE_SEARCH) == 2


# ------------------------------------------------------------------------------------------ operations


def test_buyer_requirements(client: ChorusProClient) -> None:
    buyer = client.find_structure(IFPEN_SIRET)
    assert buyer is not None and buyer.is_active
    details = client.get_structure(buyer.id_structure_cpp)
    assert details.service_code_required and not details.engagement_required
    with_order = next(
        s for s in client.list_services(buyer.id_structure_cpp) if s.code_service == "Facture_commande"
    )
    assert client.get_service(buyer.id_structure_cpp, with_order.id_service).engagement_required
    assert client.find_structure("00000000000000") is None


def test_supplier_structure_and_password_expiry(client: ChorusProClient) -> None:
    (supplier,) = client.list_supplier_structures()
    assert supplier.id_structure_cpp == SUPPLIER_ID
    details = client.get_structure(supplier.id_structure_cpp)
    assert details.technical_password_expires_on is not None


def test_pdf_invoice_with_uploaded_attachment(client: ChorusProClient, admin: SandboxAdmin) -> None:
    attachment_id = client.upload_attachment("F-PDF-1.pdf", b"%PDF-1.4 sandbox\n%%EOF\n")
    request = submit_request(
        "PDF-1",
        mode_depot="DEPOT_PDF_API",
        ligne_poste=None,
        ligne_tva=None,
        piece_jointe_principale=MainAttachment(id=attachment_id, designation="F-PDF-1.pdf"),
    )
    answer = client.submit_invoice(request)
    details = client.get_invoice(answer.identifiant_facture_cpp)
    assert details.numero_facture == "PDF-1" and details.status == "DEPOSEE"
    assert details.montant_total.montant_ttc_total == 120


def test_history_gives_status_and_reason_newest_first(client: ChorusProClient, admin: SandboxAdmin) -> None:
    invoice_id = deposit(client, "HIST-1").identifiant_facture_cpp
    admin.set_status(invoice_id, "MISE_A_DISPOSITION")
    admin.set_status(invoice_id, "REJETEE", "Bon de commande absent")
    history = client.get_invoice_history(invoice_id)
    assert history.status == "REJETEE"
    assert [entry.status for entry in history.entries] == ["REJETEE", "MISE_A_DISPOSITION", "DEPOSEE"]
    assert history.latest_comment == "Bon de commande absent"
    assert history.entries[0].changed_at is not None and history.entries[0].changed_at.tzinfo is not None


def test_complete_a_suspended_invoice(client: ChorusProClient, admin: SandboxAdmin) -> None:
    invoice_id = deposit(client, "SUSP-1").identifiant_facture_cpp
    with pytest.raises(FunctionalError) as caught:
        client.complete_invoice(invoice_id, "trop tôt")
    assert caught.value.code_retour == 20002
    admin.set_status(invoice_id, "SUSPENDUE", "Merci de joindre le bon de livraison")
    attachment_id = client.upload_attachment("livraison.pdf", b"%PDF-1.4\n")
    answer = client.complete_invoice(invoice_id, "Bon de livraison joint", [attachment_id])
    assert answer.identifiant_facture_cpp == invoice_id
    assert client.get_invoice_history(invoice_id).status == "COMPLETEE"


def test_recycle_an_invoice_sent_back(client: ChorusProClient, admin: SandboxAdmin) -> None:
    invoice_id = deposit(client, "RECY-1").identifiant_facture_cpp
    admin.set_status(invoice_id, "A_RECYCLER", "Mauvais destinataire")
    answer = client.recycle_invoice(invoice_id, IFPEN_SIRET, "Facture_commande", "EJ-2026-001", "Corrigé")
    assert answer.identifiant_facture_cpp == invoice_id
    (stored,) = admin.invoices()
    assert stored["buyer_siret"] == IFPEN_SIRET and stored["engagement"] == "EJ-2026-001"


def test_flux_deposit_and_report(client: ChorusProClient, admin: SandboxAdmin) -> None:
    with pytest.raises(ValueError):
        client.deposit_flux("f.xml", b"<x/>", "IN_DP_E2_UBL_INVOICE")  # not a Chorus Pro syntax
    deposit = client.deposit_flux("facture.xml", b"<Invoice/>", "IN_DP_E1_UBL_INVOICE")
    assert len(deposit.numero_flux_depot) == 25 and deposit.date_depot is not None
    report = client.get_flux_report(deposit.numero_flux_depot)
    assert report.etat_courant_depot_flux and report.etat_courant_depot_flux.startswith("IN_")


# ------------------------------------------------------------------------------------------ pacing, logging


def test_client_side_rate_limit_spaces_calls(config: ChorusProConfig, admin: SandboxAdmin) -> None:
    paced = config.model_copy(update={"rate_limit_per_second": 5.0})
    with ChorusProClient(paced) as client:
        client.list_supplier_structures()  # token + first call outside the measure
        started = time.monotonic()
        for _ in range(10):
            client.list_supplier_structures()
        elapsed = time.monotonic() - started
    assert elapsed >= 1.8


def test_one_log_line_per_call_and_no_secret(
    client: ChorusProClient, config: ChorusProConfig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="chorusflow.platforms.chorus_pro")
    attachment = client.upload_attachment("facture.pdf", TINY_PDF)
    client.submit_invoice(submit_request("LOG-1", attachment_id=attachment))
    with pytest.raises(FunctionalError):
        client.submit_invoice(
            submit_request(
                "LOG-1",
                attachment_id=attachment,
                destinataire=InvoiceRecipient(code_destinataire=IFPEN_SIRET),
            )
        )
    lines = [
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("chorusflow.platforms.chorus_pro")
    ]
    assert len(lines) == 4  # token, ajouter/fichier, soumettre, soumettre
    assert Operation.ATTACHMENT_UPLOAD in lines[1]
    assert "HTTP 200, codeRetour 0" in lines[2] and Operation.SUBMIT_INVOICE in lines[2]
    assert "codeRetour 20013" in lines[3]
    secrets = [*config.secret_values(), client._token or "no-token"]
    for line in lines:
        assert not any(secret in line for secret in secrets)
