"""Tolerant parsing of answers (literal JSON samples) and exact serialisation of requests."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from pydantic import ValidationError

from chorusflow.platforms.chorus_pro.models import (
    PLATFORM_TIMEZONE,
    InvoiceHistory,
    MainAttachment,
    ServiceSearchAnswer,
    StructureDetails,
    StructureSearchAnswer,
    SubmitInvoiceResponse,
    SubmitTotals,
    SupplierInvoicePaging,
    SupplierInvoiceRow,
    SupplierInvoiceSearch,
    SupplierInvoiceSearchRequest,
)
from chorusflow_dev.testing.deposits import submit_request


def test_ids_given_as_strings_become_integers() -> None:
    row = SupplierInvoiceRow.model_validate(
        json.loads('{"identifiantFactureCPP": "3346947", "numeroFacture": "F1", "idDestinataire": "12"}')
    )
    assert row.identifiant_facture_cpp == 3346947 and row.id_destinataire == 12


def test_the_three_date_formats() -> None:
    row = SupplierInvoiceRow.model_validate(
        {
            "identifiantFactureCPP": 1,
            "dateFacture": "2019-03-27",
            "dateDepot": "2019-03-28 11:08",
            "dateHeureEtatCourant": "2019-07-11T15:45:39.674+02:00",
        }
    )
    assert row.date_facture == date(2019, 3, 27)
    assert row.date_depot == date(2019, 3, 28)
    assert row.date_heure_etat_courant == datetime(
        2019, 7, 11, 15, 45, 39, 674000, timezone(timedelta(hours=2))
    )
    history = InvoiceHistory.model_validate(
        {
            "historiquesDesStatuts": {
                "histoStatut": [{"histoStatutCode": "DEPOSEE", "histoStatutDatePassage": "2018-04-19 11:08"}]
            }
        }
    )
    assert history.entries[0].changed_at == datetime(2018, 4, 19, 11, 8, tzinfo=PLATFORM_TIMEZONE)
    zulu = SupplierInvoiceRow.model_validate(
        {"identifiantFactureCPP": 1, "dateHeureEtatCourant": "2022-01-07T10:11:47.823Z"}
    )
    assert zulu.date_heure_etat_courant == datetime(2022, 1, 7, 10, 11, 47, 823000, UTC)


def test_unparseable_date_is_an_error() -> None:
    with pytest.raises(ValidationError):
        SupplierInvoiceRow.model_validate({"identifiantFactureCPP": 1, "dateFacture": "27/03/2019"})


@pytest.mark.parametrize(
    ("model", "payload"),
    [
        (SubmitInvoiceResponse, {"identifiantFactureCPP": 1, "statutFacture": "DEPOSEE"}),
        (SupplierInvoiceRow, {"identifiantFactureCPP": 1, "statut": "DEPOSEE"}),
        (InvoiceHistory, {"idFacture": 1, "statutCourantCode": "DEPOSEE"}),
    ],
)
def test_the_three_status_names(model: type[SubmitInvoiceResponse], payload: dict[str, object]) -> None:
    assert model.model_validate(payload).status == "DEPOSEE"


def test_missing_or_null_lists_are_empty() -> None:
    assert (
        StructureSearchAnswer.model_validate({"codeRetour": 0, "libelle": "TRA_MSG_00.000"}).liste_structures
        == []
    )
    assert ServiceSearchAnswer.model_validate({"codeRetour": 0, "listeServices": None}).liste_services == []
    assert InvoiceHistory.model_validate({"idFacture": 1, "historiquesDesStatuts": None}).entries == []


def test_structure_list_given_as_one_object() -> None:
    answer = StructureSearchAnswer.model_validate(
        {"codeRetour": 0, "listeStructures": {"idStructureCPP": "26311101", "statut": "INACTIVE"}}
    )
    assert [s.id_structure_cpp for s in answer.liste_structures] == [26311101]
    assert not answer.liste_structures[0].is_active


def test_unknown_keys_are_ignored_and_null_flags_are_false() -> None:
    details = StructureDetails.model_validate(
        {
            "codeRetour": 0,
            "libelle": "TRA_MSG_00.000",
            "nouvelleCle": {"x": 1},
            "informationGenerales": {
                "idStructureCPP": 5,
                "dateExpirationMotPasseCompteTech": "2027-09-30T00:00:00.000+02:00",
            },
            "parametres": {"codeServiceDoitEtreRenseigne": True, "numeroEJDoitEtreRenseigne": None},
        }
    )
    assert details.service_code_required and not details.engagement_required
    assert details.technical_password_expires_on == date(2027, 9, 30)


def test_history_is_sorted_newest_first_and_status_defaults_to_latest() -> None:
    history = InvoiceHistory.model_validate(
        {
            "idFacture": "2194673",
            "historiquesDesStatuts": {
                "histoStatut": [
                    {"histoStatutCode": "DEPOSEE", "histoStatutDatePassage": "2018-04-19 11:08"},
                    {
                        "histoStatutCode": "SUSPENDUE",
                        "histoStatutDatePassage": "2018-04-20 09:00",
                        "histoStatutCommentaire": "Pièce manquante",
                    },
                ]
            },
        }
    )
    assert [entry.status for entry in history.entries] == ["SUSPENDUE", "DEPOSEE"]
    assert history.status == "SUSPENDUE" and history.latest_comment == "Pièce manquante"


def test_submit_request_serialises_exact_keys_numbers_and_dates() -> None:
    request = submit_request(
        "F-1",
        montant_total=SubmitTotals(
            montant_ht_total=Decimal("100.005"),
            montant_tva=Decimal("20"),
            montant_ttc_total="120.01",
            montant_a_payer=120.01,
        ),
        piece_jointe_principale=MainAttachment(id=7),
    )
    body = request.to_body()
    assert body["dateFacture"] == "2026-11-02"
    assert body["montantTotal"] == {
        "montantHtTotal": 100.01,
        "montantTVA": 20.0,
        "montantTtcTotal": 120.01,
        "montantAPayer": 120.01,
    }
    assert body["pieceJointePrincipale"] == [{"pieceJointePrincipaleId": 7}]
    assert "commentaire" not in body and "codeServiceExecutant" not in body["destinataire"]
    assert '"montantHtTotal": 100.01' in json.dumps(body)  # a JSON number, not a string
    line = body["lignePoste"][0]
    assert line["lignePosteQuantite"] == 2.0 and line["lignePosteMontantUnitaireHT"] == 50.0


def test_request_models_refuse_unknown_fields_and_bad_values() -> None:
    with pytest.raises(ValidationError):
        submit_request("F-1", numero_inconnu="x")
    with pytest.raises(ValidationError):
        submit_request("NUMERO-BIEN-TROP-LONG-POUR-CHORUS")
    with pytest.raises(ValidationError):
        submit_request("F-1", mode_depot="PAPIER")


def test_search_request_dates() -> None:
    criteria = SupplierInvoiceSearch(
        statuts=["REJETEE", "SUSPENDUE"],
        status_changed_from=datetime(2026, 11, 1, 8, 30, tzinfo=UTC),
        deposited_to=date(2026, 11, 30),
    )
    body = SupplierInvoiceSearchRequest(
        **criteria.model_dump(exclude_none=True), paging=SupplierInvoicePaging(page=2, page_size=10)
    ).to_body()
    assert body == {
        "statutCourant": ["REJETEE", "SUSPENDUE"],
        "periodeDateHeureEtatCourantDu": "2026-11-01T08:30:00.000+00:00",
        "periodeDateDepotAu": "2026-11-30",
        "rechercheFactureParFournisseur": {"pageResultatDemandee": 2, "nbResultatsParPage": 10},
    }
