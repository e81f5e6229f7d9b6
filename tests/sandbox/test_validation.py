"""Request bodies are validated against the official Swagger (closed objects, strict types)."""

from __future__ import annotations

import pytest

from chorusflow_dev.sandbox import validate_request_body
from chorusflow_dev.sandbox.validation import operation_schemas
from tests.fixtures.sandbox import RawChorusApi, soumettre_body

SOUMETTRE = "/cpro/factures/v1/soumettre"


def test_every_swagger_operation_has_a_schema() -> None:
    schemas = operation_schemas()
    assert len([p for p in schemas if p.startswith("/cpro/factures/")]) == 22
    assert len([p for p in schemas if p.startswith("/cpro/structures/")]) == 6
    assert "/cpro/transverses/v1/ajouter/fichier" in schemas


def test_valid_body_passes() -> None:
    assert validate_request_body(SOUMETTRE, soumettre_body("F-1")) == []


def test_number_and_date_may_be_null_or_absent() -> None:
    # The AIFE "Submit invoice" example for SAISIE_API sends "numeroFactureSaisi": null.
    body = soumettre_body("F-1")
    body.update(numeroFactureSaisi=None, dateFacture=None)
    assert validate_request_body(SOUMETTRE, body) == []
    assert validate_request_body(SOUMETTRE, soumettre_body(invoice_date=None)) == []
    body["montantTotal"]["montantAPayer"] = None  # only those two are nullable
    assert validate_request_body(SOUMETTRE, body)


def test_coordbanc_schema_is_closed() -> None:
    path = "/cpro/transverses/v1/recuperer/coordbanc/valides"
    body = {"idStructure": 1, "pageResultatDemandee": 1, "nbResultatsParPage": 10, "idUtilisateurCourant": 0}
    assert validate_request_body(path, body) == []
    assert validate_request_body(path, {"idStructureCPP": 1}) == [
        "$.idStructureCPP: clé inconnue (unknown key)"
    ]
    assert validate_request_body(path, {"idStructure": "1"})


def test_piece_jointe_principale_object_or_single_array() -> None:
    body = soumettre_body("F-1", mode="DEPOT_PDF_API", attachment_id=5)
    assert validate_request_body(SOUMETTRE, body) == []
    body["pieceJointePrincipale"] = body["pieceJointePrincipale"][0]
    assert validate_request_body(SOUMETTRE, body) == []
    body["pieceJointePrincipale"] = [body["pieceJointePrincipale"]] * 2
    assert validate_request_body(SOUMETTRE, body)


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda b: b.update(numeroFactureSaisi=12), "$.numeroFactureSaisi: type invalide"),
        (
            lambda b: b["fournisseur"].update(idFournisseur="26311001"),
            "$.fournisseur.idFournisseur: type invalide",
        ),
        (lambda b: b.update(extra=1), "$.extra: clé inconnue"),
        (lambda b: b["references"].update(numeroEJ="1"), "$.references.numeroEJ: clé inconnue"),
        (lambda b: b["lignePoste"][0].update(taux=1), "$.lignePoste[0].taux: clé inconnue"),
        (
            lambda b: b["references"].update(typeFacture="FACT"),
            "$.references.typeFacture: valeur non autorisée",
        ),
        (lambda b: b.update(dateFacture="02/11/2026"), "$.dateFacture: format de date invalide"),
        (
            lambda b: b["montantTotal"].update(montantAPayer="120"),
            "$.montantTotal.montantAPayer: type invalide",
        ),
        (lambda b: b["fournisseur"].update(idFournisseur=True), "$.fournisseur.idFournisseur: type invalide"),
    ],
)
def test_wrong_bodies_name_the_path(mutate: object, expected: str) -> None:
    body = soumettre_body("F-1")
    mutate(body)  # type: ignore[operator]
    errors = validate_request_body(SOUMETTRE, body)
    assert any(error.startswith(expected) for error in errors), errors


def test_dates_accept_plain_date_and_iso_datetime() -> None:
    path = "/cpro/factures/v1/rechercher/fournisseur"
    assert validate_request_body(path, {"periodeDateHeureEtatCourantDu": "2026-01-01"}) == []
    assert validate_request_body(path, {"periodeDateHeureEtatCourantDu": "2022-01-07T10:11:47.823Z"}) == []
    assert validate_request_body(path, {"periodeDateHeureEtatCourantAu": "2026-01-01T23:59:59"}) == []
    assert validate_request_body(path, {"periodeDateDepotDu": "hier"})


def test_structures_consulter_is_strict() -> None:
    path = "/cpro/structures/v1/consulter"
    assert validate_request_body(path, {"idStructureCPP": 1, "codeLangue": "fr"}) == []
    # idStructure too: docs/sources.md#request-shapes-the-swagger-gets-wrong
    assert validate_request_body(path, {"idStructure": 1}) == []
    assert validate_request_body(path, {"idStructureCPP": "1"})
    assert validate_request_body(path, {"siret": "1"})


def test_transverses_schemas_are_closed() -> None:
    path = "/cpro/transverses/v1/consulterCRDetaille"
    assert validate_request_body(path, {"numeroFluxDepot": "CPP"}) == []
    assert validate_request_body(path, {"numeroFlux": "CPP"}) == ["$.numeroFlux: clé inconnue (unknown key)"]


def test_malformed_bodies_get_http_400(api: RawChorusApi) -> None:
    body = soumettre_body("F-400")
    body["references"]["numeroEJ"] = "x"
    response = api.post(SOUMETTRE, body)
    assert response.status_code == 400
    answer = response.json()
    assert answer["codeRetour"] == 400 and "$.references.numeroEJ" in answer["libelle"]
    wrong_type = api.post("/cpro/structures/v1/rechercher/services", {"idStructure": "26311101"})
    assert wrong_type.status_code == 400 and "$.idStructure" in wrong_type.json()["libelle"]
    unknown = api.post("/cpro/transverses/v1/recuperer/structures/actives/fournisseur", {"espaceFo": 0})
    assert unknown.status_code == 400


def test_non_json_and_non_object_bodies(api: RawChorusApi) -> None:
    headers = api.headers()
    url = f"{api.base}/cpro/structures/v1/rechercher"
    assert api.session.post(url, data=b"{not json", headers=headers, timeout=5).status_code == 400
    assert api.session.post(url, data=b"[]", headers=headers, timeout=5).status_code == 400
    assert api.session.post(url, data=b"", headers=headers, timeout=5).status_code == 400
    form_headers = {**headers, "Content-Type": "application/x-www-form-urlencoded"}
    assert api.session.post(url, data=b"a=1", headers=form_headers, timeout=5).status_code == 415
