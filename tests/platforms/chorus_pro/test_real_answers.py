"""Every published Chorus Pro answer of tests/data/chorus_answers/, through the client's request path.

Each answer is served over a real loopback socket by the scripted server, exactly as published
(status, headers, body), and read by the public method that calls that operation. It must become
our model, or one typed error with the right retry decision. An answer that does not parse is a
defect of the client, never of the corpus (tests/data/chorus_answers/README.md gives the sources).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from chorusflow.platforms.chorus_pro import ChorusProClient, Operation
from chorusflow.platforms.chorus_pro.errors import (
    ChorusProError,
    DuplicateInvoiceError,
    ForbiddenError,
    FunctionalError,
    TechnicalAccountError,
    is_no_result,
)
from chorusflow.platforms.chorus_pro.models import AttachmentUploadAnswer, EmptyRequest, SubmitInvoiceResponse
from tests.conftest import REPO_ROOT
from tests.platforms.chorus_pro.scripted import ScriptedServer, client, scripted, scripted_config

__all__ = ["client", "scripted"]  # fixtures

CORPUS = REPO_ROOT / "tests" / "data" / "chorus_answers"
HISTORY = "pastell_consulter_historique.json"
Check = Callable[[ChorusProClient], None]


def _answer(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((CORPUS / name).read_text(encoding="utf-8"))
    return document


def _serve(scripted: ScriptedServer, name: str) -> dict[str, Any]:
    """Script the published answer ``name`` on its operation's path; return the corpus document."""
    document = _answer(name)
    body = document["body"]
    raw = body.encode() if isinstance(body, str) else json.dumps(body, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json;charset=utf-8", **document["headers"]}
    path = "/token" if document["operation"] == "token" else document["operation"]
    scripted.replies[path] = [(document["http_status"], raw, headers)]
    return document


def _envelope(client: ChorusProClient, operation: str) -> dict[str, Any]:
    """Operations chorusflow never calls: the one request path still reads their envelope."""
    return client._request(operation, {})


def _flux_report_partial(client: ChorusProClient) -> None:
    report = client.get_flux_report("CPP0011110000000000001557")
    assert report.etat_courant_depot_flux == "IN_INTEGRE_PARTIEL"
    (error,) = report.liste_erreur_dp  # published as one object, not a list
    assert error.numero_dp == "F1110_NBO050740100"
    assert report.date_depot_flux is not None and report.date_depot_flux.utcoffset() is not None


def _flux_report_integrated(client: ChorusProClient) -> None:
    report = client.get_flux_report("CPP0011113000000000044750")
    assert report.etat_courant_depot_flux == "IN_INTEGRE" and report.liste_erreur_dp == []
    assert report.nom_fichier == "FSO1113A_CPP001_CPP0011113000000000044750"


def _group_download(client: ChorusProClient) -> None:
    answer = _envelope(client, "/cpro/factures/v1/telecharger/groupe")  # libellé "CODE PAR DEFAUT"
    assert answer["fichierResultat"]


def _services(expected: set[int]) -> Check:
    def check(client: ChorusProClient) -> None:
        services = client.list_services(25783752, page_size=10)
        assert {service.id_service for service in services} == expected
        assert all(service.est_actif for service in services)

    return check


def _submitted(client: ChorusProClient) -> None:
    answer = client._call(Operation.SUBMIT_INVOICE, EmptyRequest(), SubmitInvoiceResponse)
    assert (answer.identifiant_facture_cpp, answer.status) == (3123988, "DEPOSEE")
    assert answer.date_depot == date(2019, 3, 27) and answer.numero_facture == "FAC20190327"


def _pdf_deposited(client: ChorusProClient) -> None:
    answer = client._call("/cpro/factures/v1/deposer/pdf", EmptyRequest(), AttachmentUploadAnswer)
    assert answer.piece_jointe_id == 6921279  # every OCR field null


def _service(client: ChorusProClient) -> None:
    service = client.get_service(25783752, 10136557)
    assert service.informations_generales.code_service == "FACTURES_PUBLIQUES"
    assert service.engagement_required is False


def _structure(client: ChorusProClient) -> None:
    found = client.find_structure("00000000012887")  # its libellé is the source's placeholder
    assert found is not None and found.id_structure_cpp == 25783752 and found.is_active


def _history(client: ChorusProClient) -> None:
    history = client.get_invoice_history(2194673)
    assert history.status == "MISE_A_DISPOSITION"
    assert [entry.status for entry in history.entries] == ["MISE_A_DISPOSITION", "DEPOSEE"]


def _token(scripted: ScriptedServer) -> Check:
    def check(client: ChorusProClient) -> None:
        _serve(scripted, HISTORY)
        client.get_invoice_history(2194673)
        assert scripted.authorizations == ["Bearer xxxxxxxxxxxxxxxxx"]  # masked by the source

    return check


def _recipient_rows(client: ChorusProClient) -> None:
    answer = _envelope(client, "/cpro/factures/v1/rechercher/recipiendaire")  # no envelope at all
    assert answer["listeFactures"][0]["idFacture"] == "3346947"


def _works_invoices(client: ChorusProClient) -> None:
    assert _envelope(client, "/cpro/facturesTravaux/v1/rechercher")["listeFacturesTravaux"]


def _vat_rates(client: ChorusProClient) -> None:
    assert _envelope(client, "/cpro/transverses/v1/recuperer/tauxtva")["listeTauxTva"][0]["codeTauxTva"]


def _raises(
    call: Callable[[ChorusProClient], object],
    error_class: type[ChorusProError],
    *,
    fatal: bool = False,
    code: int | None = None,
    search: bool = False,
) -> Check:
    """The answer is one typed error: its class, retry decision and search-before-failing."""

    def check(client: ChorusProClient) -> None:
        with pytest.raises(ChorusProError) as caught:
            call(client)
        error = caught.value
        assert type(error) is error_class
        assert (error.retryable, error.outcome_unknown, error.fatal) == (False, False, fatal)
        if isinstance(error, FunctionalError):
            assert error.code_retour == code and error.message_key == error.libelle  # a bare key
            assert error.search_before_failing is search

    return check


def _no_result(client: ChorusProClient) -> None:
    with pytest.raises(FunctionalError) as caught:
        _envelope(client, "/cpro/factures/v1/rechercher/recipiendaire")
    assert is_no_result(caught.value.code_retour, caught.value.libelle)


def _expectations(scripted: ScriptedServer) -> dict[str, Check]:
    """What each published answer must become. A new corpus file needs its line here."""
    return {
        "aife_consulter_cr_detaille_integre_partiel.json": _flux_report_partial,
        "aife_telecharger_groupe_code_par_defaut.json": _group_download,
        "oca_token.json": _token(scripted),
        "oca_rechercher_services.json": _services({27946199, 27946194}),
        "oca_issue_410_forbidden_empty.json": _raises(
            lambda c: c.find_structure("00000000012887"), ForbiddenError, fatal=True
        ),
        "oca_pr_425_technical_account_refused.json": _raises(
            lambda c: c.get_invoice_history(1), TechnicalAccountError, fatal=True
        ),
        "pastell_soumettre_deposee.json": _submitted,
        "pastell_deposer_pdf_ocr_nulls.json": _pdf_deposited,
        "pastell_consulter_cr_detaille_integre.json": _flux_report_integrated,
        "pastell_recuperer_tauxtva.json": _vat_rates,
        "pastell_rechercher_services.json": _services({10136558, 10136557}),
        "pastell_consulter_service.json": _service,
        "pastell_structures_rechercher.json": _structure,
        HISTORY: _history,
        "pastell_rechercher_recipiendaire_rows.json": _recipient_rows,
        "pastell_no_result_20000.json": _no_result,
        "pastell_factures_travaux_rechercher.json": _works_invoices,
        "omnibill_deposer_flux_too_big.json": _raises(
            lambda c: c.deposit_flux("lot.zip", b"PK", "IN_DP_E2_CII_FACTURX"),
            FunctionalError,
            code=20001,
            search=True,
        ),
        **{
            f"annex_completer_{code}.json": _raises(
                lambda c: c.complete_invoice(1, "pièces jointes"), FunctionalError, code=code
            )
            for code in (20000, 20001, 20002)
        },
    }


def _corpus() -> list[str]:
    return sorted(path.name for path in CORPUS.glob("*.json"))


def test_every_corpus_answer_has_an_expectation_and_a_source() -> None:
    names = set(_corpus())
    assert names == set(_expectations(ScriptedServer.__new__(ScriptedServer)))
    readme = (CORPUS / "README.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in readme for name in names), "each answer needs its source in the README"


@pytest.mark.parametrize("name", _corpus())
def test_published_answer_parses(name: str, scripted: ScriptedServer, client: ChorusProClient) -> None:
    _serve(scripted, name)
    _expectations(scripted)[name](client)


def test_no_corpus_answer_is_read_as_a_duplicate() -> None:
    """The duplicate hint comes from soumettre's code: none of the published refusals is one."""
    for name in _corpus():
        body = _answer(name)["body"]
        if isinstance(body, dict) and body.get("codeRetour"):
            assert body["codeRetour"] not in (20013, 20303)


@pytest.mark.parametrize(
    "libelle",
    [
        "GDP_MSG_11.076",  # a bare key, as every real refusal
        "",  # empty
        None,  # absent
        "GDP_MSG_11.0",  # the key cut by the platform
        ("Vous avez déjà déposé une demande de paiement avec ce numéro de facture " * 20)[:255],  # cut
    ],
)
@pytest.mark.parametrize("code", [20013, 20999, "20013"])
def test_soumettre_refusals_are_typed_from_the_code_alone(
    code: int | str, libelle: str | None, scripted: ScriptedServer
) -> None:
    body: dict[str, Any] = {"codeRetour": code}
    if libelle is not None:
        body["libelle"] = libelle
    scripted.replies[Operation.SUBMIT_INVOICE] = [(200, json.dumps(body).encode(), {})]
    with ChorusProClient(scripted_config(scripted)) as chorus, pytest.raises(FunctionalError) as caught:
        chorus._call(Operation.SUBMIT_INVOICE, EmptyRequest(), SubmitInvoiceResponse)
    error = caught.value
    assert isinstance(error, DuplicateInvoiceError) is (int(code) == 20013)
    assert error.search_before_failing and not error.retryable and not error.outcome_unknown
    assert error.code_retour == int(code) and error.libelle == libelle
