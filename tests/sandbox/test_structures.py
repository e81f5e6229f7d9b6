"""Structures and Transverses directory operations against the default directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from chorusflow_dev.sandbox import SandboxServer, load_directory
from tests.fixtures.sandbox import (
    DISSOLVED,
    IFPEN,
    MINISTRY,
    SUPPLIER_ID,
    SUPPLIER_SIRET,
    UNIVERSITY,
    RawChorusApi,
)

S = "/cpro/structures/v1"


def _find(api: RawChorusApi, siret: str) -> dict[str, object]:
    answer = api.call(
        f"{S}/rechercher", {"structure": {"identifiantStructure": siret, "typeIdentifiantStructure": "SIRET"}}
    )
    assert answer["codeRetour"] == 0 and answer["libelle"] == "TRA_MSG_00.000"
    assert len(answer["listeStructures"]) == 1
    row: dict[str, object] = answer["listeStructures"][0]
    return row


def test_rechercher_then_consulter_ifpen(api: RawChorusApi) -> None:
    row = _find(api, IFPEN)
    assert row["statut"] == "ACTIVE" and isinstance(row["idStructureCPP"], int)
    answer = api.call(f"{S}/consulter", {"idStructureCPP": row["idStructureCPP"], "codeLangue": "fr"})
    assert answer["codeRetour"] == 0
    assert answer["informationGenerales"]["identifiantStructure"] == IFPEN
    assert answer["parametres"]["codeServiceDoitEtreRenseigne"] is True
    assert answer["parametres"]["numeroEJDoitEtreRenseigne"] is False
    assert answer["parametres"]["gestionNumeroEJOuCodeService"] is False
    assert "dateExpirationMotPasseCompteTech" not in answer["informationGenerales"]


def test_consulter_accepts_id_structure_alias(api: RawChorusApi) -> None:
    row = _find(api, MINISTRY)
    answer = api.call(f"{S}/consulter", {"idStructure": row["idStructureCPP"]})
    assert answer["parametres"]["gestionNumeroEJOuCodeService"] is True


def test_ids_are_stable_across_servers(sandbox: SandboxServer, api: RawChorusApi) -> None:
    with SandboxServer(port=0) as other:
        assert _find(RawChorusApi(other), IFPEN)["idStructureCPP"] == _find(api, IFPEN)["idStructureCPP"]


def test_inactive_structure_and_supplier(api: RawChorusApi) -> None:
    assert _find(api, DISSOLVED)["statut"] == "INACTIVE"
    supplier = _find(api, SUPPLIER_SIRET)
    answer = api.call(f"{S}/consulter", {"idStructureCPP": supplier["idStructureCPP"]})
    assert answer["informationGenerales"]["structurePriveePublique"] == "PRIVEE"
    assert answer["informationGenerales"]["dateExpirationMotPasseCompteTech"] == "2027-09-30"


def test_unknown_structure(api: RawChorusApi) -> None:
    answer = api.call(f"{S}/rechercher", {"structure": {"identifiantStructure": "99999999999999"}})
    assert answer["codeRetour"] == 0 and "listeStructures" not in answer  # empty: left out
    assert answer["parametresRetour"]["total"] == 0
    refused = api.call(f"{S}/consulter", {"idStructureCPP": 1})
    assert refused["codeRetour"] == 20001 and refused["libelle"].startswith("GDP_MSG_12.001")


def test_services_with_active_flags(api: RawChorusApi) -> None:
    ministry = _find(api, MINISTRY)["idStructureCPP"]
    answer = api.call(f"{S}/rechercher/services", {"idStructure": ministry})
    flags = {s["codeService"]: s["estActif"] for s in answer["listeServices"]}
    assert flags["SERV_FIN"] is True and flags["ANCIEN_SERVICE"] is False
    assert all(isinstance(s["idService"], int) for s in answer["listeServices"])


def test_consulter_service_engagement_flag(api: RawChorusApi) -> None:
    ifpen = _find(api, IFPEN)["idStructureCPP"]
    services = api.call(f"{S}/rechercher/services", {"idStructure": ifpen})["listeServices"]
    by_code = {s["codeService"]: s["idService"] for s in services}
    assert set(by_code) == {"Facture_commande", "Facture_sans_commande"}
    with_order = api.call(
        f"{S}/consulter/service", {"idStructure": ifpen, "idService": by_code["Facture_commande"]}
    )
    assert with_order["parametres"]["numeroEngagement"] is True
    assert with_order["informationsGenerales"]["codeService"] == "Facture_commande"
    without = api.call(
        f"{S}/consulter/service", {"idStructure": ifpen, "idService": by_code["Facture_sans_commande"]}
    )
    assert without["parametres"]["numeroEngagement"] is False
    wrong = api.call(f"{S}/consulter/service", {"idStructure": ifpen, "idService": 1})
    assert wrong["codeRetour"] == 20002


def test_services_pagination(api: RawChorusApi) -> None:
    university = _find(api, UNIVERSITY)["idStructureCPP"]
    first = api.call(f"{S}/rechercher/services", {"idStructure": university})
    assert len(first["listeServices"]) == 10
    assert first["parametresRetour"] == {"pageCourante": 1, "pages": 2, "nbResultatsParPage": 10, "total": 12}
    second = api.call(
        f"{S}/rechercher/services",
        {"idStructure": university, "parametresRechercherServicesStructure": {"pageResultatDemandee": 2}},
    )
    assert len(second["listeServices"]) == 2
    codes = {s["codeService"] for s in first["listeServices"] + second["listeServices"]}
    assert len(codes) == 12
    big_page = api.call(
        f"{S}/rechercher/services",
        {"idStructure": university, "parametresRechercherServicesStructure": {"nbResultatsParPage": 100}},
    )
    assert len(big_page["listeServices"]) == 12 and big_page["parametresRetour"]["pages"] == 1


def test_university_does_not_report_payment(api: RawChorusApi) -> None:
    university = _find(api, UNIVERSITY)["idStructureCPP"]
    answer = api.call(f"{S}/consulter", {"idStructureCPP": university})
    assert answer["parametres"]["statutMiseEnPaiementNestPasRemonte"] is True


def test_structures_actives_fournisseur(api: RawChorusApi) -> None:
    answer = api.call("/cpro/transverses/v1/recuperer/structures/actives/fournisseur", {})
    assert answer["codeRetour"] == 0
    assert answer["listeStructures"] == [
        {
            "idStructureCPP": SUPPLIER_ID,
            "identifiant": SUPPLIER_SIRET,
            "designationStructure": "ACME Energie SAS",
        }
    ]


def test_search_by_name_and_private_restriction(api: RawChorusApi) -> None:
    answer = api.call(f"{S}/rechercher", {"structure": {"raisonSocialeStructure": "démoville"}})
    assert answer["parametresRetour"]["total"] == 3
    private = api.call(f"{S}/rechercher", {"structure": {"typeStructure": "PRIVEE"}})
    assert [s["identifiantStructure"] for s in private["listeStructures"]] == [SUPPLIER_SIRET]


def test_default_directory_content() -> None:
    directory = load_directory()
    assert directory.supplier.siret == SUPPLIER_SIRET and directory.supplier.kind == "PRIVEE"
    assert {b.siret for b in directory.buyers} >= {IFPEN, MINISTRY, DISSOLVED, UNIVERSITY}


def test_custom_directory_file(tmp_path: Path) -> None:
    path = tmp_path / "directory.json"
    path.write_text(
        '{"supplier": {"id": 1, "siret": "45218801400016", "name": "ACME", "kind": "PRIVEE"},'
        ' "buyers": [{"id": 2, "siret": "21990001600011", "name": "Ville", "services":'
        ' [{"id": 3, "code": "S1", "name": "Service 1"}]}]}',
        encoding="utf-8",
    )
    with SandboxServer(port=0, directory=path) as server:
        api = RawChorusApi(server)
        assert _find(api, "21990001600011")["idStructureCPP"] == 2
        assert (
            api.call(f"{S}/rechercher/services", {"idStructure": 2})["listeServices"][0]["codeService"]
            == "S1"
        )


def test_bad_directory_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "directory.yaml"
    path.write_text(
        "supplier: {id: 1, siret: '1', name: A}\nbuyers: [{id: 1, siret: '2', name: B}]\n", "utf-8"
    )
    with pytest.raises(ValueError, match="unique"):
        load_directory(path)
