"""Answers the sandbox never gives, served by a tiny real HTTP server on loopback.

Each test scripts the reply of one path (status, body, headers); the client talks to it over a
real socket exactly as it talks to Chorus Pro.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from chorusflow.platforms.chorus_pro import (
    BadRequestError,
    ChorusProClient,
    FunctionalError,
    InvalidResponseError,
    Operation,
    RateLimitedError,
)
from chorusflow.platforms.chorus_pro.errors import AuthenticationError
from tests.platforms.chorus_pro.scripted import ScriptedServer, client, scripted

__all__ = ["client", "scripted"]  # fixtures


def _json(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode()


def test_non_json_success_is_an_invalid_response(client: ChorusProClient, scripted: ScriptedServer) -> None:
    scripted.replies[Operation.SUBMIT_INVOICE] = [(200, b"<html>maintenance</html>", {})]
    with pytest.raises(InvalidResponseError) as caught:
        client._request(Operation.SUBMIT_INVOICE, {})
    assert caught.value.retryable and caught.value.outcome_unknown


def test_functional_code_on_http_200_and_on_http_400(
    client: ChorusProClient, scripted: ScriptedServer
) -> None:
    scripted.replies[Operation.INVOICE_HISTORY] = [
        (200, _json({"codeRetour": 20000, "libelle": "GDP_MSG_11.008 La demande n'existe pas"}), {}),
        (400, _json({"codeRetour": "20001", "libelle": "GDP_MSG_11.005 Droits insuffisants"}), {}),
    ]
    with pytest.raises(FunctionalError) as on_200:
        client.get_invoice_history(1)
    with pytest.raises(FunctionalError) as on_400:
        client.get_invoice_history(1)
    assert (on_200.value.code_retour, on_200.value.http_status) == (20000, 200)
    assert (on_400.value.code_retour, on_400.value.http_status) == (20001, 400)


def test_400_without_functional_code_is_a_bad_request(
    client: ChorusProClient, scripted: ScriptedServer
) -> None:
    scripted.replies[Operation.INVOICE_HISTORY] = [(400, b"", {})]
    with pytest.raises(BadRequestError):
        client.get_invoice_history(1)


@pytest.fixture
def one_429_resend(monkeypatch: pytest.MonkeyPatch) -> None:
    """One resend of a 429 per try, read when the client is built: the default five back off for
    about 8 s per read try (25 s in all); tests/platforms/chorus_pro/test_client.py covers the default
    resends."""
    monkeypatch.setenv("CHORUSFLOW_API_429_RETRIES", "1")


@pytest.mark.usefixtures("one_429_resend")  # before ``client``, which reads the setting
def test_429_without_retry_after(client: ChorusProClient, scripted: ScriptedServer) -> None:
    scripted.replies[Operation.INVOICE_HISTORY] = [(429, b"", {})]
    with pytest.raises(RateLimitedError) as caught:
        client.get_invoice_history(1)
    assert caught.value.retry_after is None


def test_401_twice_without_account_challenge(client: ChorusProClient, scripted: ScriptedServer) -> None:
    scripted.replies[Operation.INVOICE_HISTORY] = [
        (401, b"", {"WWW-Authenticate": 'Bearer error="invalid_token"'})
    ]
    with pytest.raises(AuthenticationError) as caught:
        client.get_invoice_history(1)
    assert type(caught.value) is AuthenticationError


def test_no_result_code_is_an_empty_search(client: ChorusProClient, scripted: ScriptedServer) -> None:
    scripted.replies[Operation.SUPPLIER_INVOICE_SEARCH] = [
        (
            200,
            _json(
                {"codeRetour": 20000, "libelle": "TRA_MSG_00.015 La recherche n'a retourné aucun résultat"}
            ),
            {},
        )
    ]
    assert client.search_supplier_invoices() == []


def test_malformed_rows_are_set_aside_and_paging_without_metadata_stops(
    client: ChorusProClient, scripted: ScriptedServer
) -> None:
    rows = [
        {"identifiantFactureCPP": "11", "numeroFacture": "A", "statut": "DEPOSEE"},
        {"identifiantFactureCPP": "pas-un-id", "numeroFacture": "B"},
    ]
    scripted.replies[Operation.SUPPLIER_INVOICE_SEARCH] = [
        (200, _json({"codeRetour": 0, "listeFactures": rows}), {})
    ]
    (page,) = list(client.iter_supplier_invoice_pages(page_size=10))
    assert [row.numero_facture for row in page.rows] == ["A"]
    assert page.malformed_rows == [rows[1]]
    with pytest.raises(InvalidResponseError):
        client.find_invoice_by_number("B")  # never "absent" when its row is unreadable


def test_a_server_repeating_the_same_page_does_not_loop(
    client: ChorusProClient, scripted: ScriptedServer
) -> None:
    rows = [{"idService": index, "codeService": f"S{index}"} for index in range(2)]
    scripted.replies[Operation.SERVICE_SEARCH] = [(200, _json({"codeRetour": 0, "listeServices": rows}), {})]
    services = client.list_services(1, page_size=2)  # no paging metadata, full pages, same rows
    assert len(services) == 4
    assert [path for path, _ in scripted.bodies].count(Operation.SERVICE_SEARCH) == 2
