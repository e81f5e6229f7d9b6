"""recuperer/coordbanc/valides, the directory's bank_accounts and the soumettre check on them."""

from __future__ import annotations

from pathlib import Path

import pydantic
import pytest

from chorusflow_dev.sandbox import SandboxServer, load_directory
from tests.fixtures.sandbox import (
    IFPEN,
    MAIN_BANK_ACCOUNT,
    SECOND_BANK_ACCOUNT,
    RawChorusApi,
    SandboxAdmin,
    soumettre_body,
)

COORDBANC = "/cpro/transverses/v1/recuperer/coordbanc/valides"
SOUMETTRE = "/cpro/factures/v1/soumettre"
SUPPLIER_IBAN = "FR7630006000011234567890189"  # include/config/supplier.yaml


def test_coordbanc_lists_the_supplier_accounts(api: RawChorusApi) -> None:
    answer = api.call(COORDBANC, {"idStructure": 26311001})
    assert answer["codeRetour"] == 0 and answer["libelle"] == "TRA_MSG_00.000"
    assert answer["listeCoordonneeBancaire"] == [
        {
            "idCoordonneeBancaire": MAIN_BANK_ACCOUNT,
            "nomCoordonneeBancaire": f"{SUPPLIER_IBAN} - Compte principal",
        },
        {
            "idCoordonneeBancaire": SECOND_BANK_ACCOUNT,
            "nomCoordonneeBancaire": "FR7630004000010009876543240 - Compte secondaire",
        },
    ]
    assert answer["parametresRetour"] == {"pageCourante": 1, "pages": 1, "nbResultatsParPage": 10, "total": 2}
    second_page = api.call(
        COORDBANC, {"idStructure": 26311001, "pageResultatDemandee": 2, "nbResultatsParPage": 1}
    )
    assert [a["idCoordonneeBancaire"] for a in second_page["listeCoordonneeBancaire"]] == [
        SECOND_BANK_ACCOUNT
    ]
    assert second_page["parametresRetour"]["pages"] == 2


def test_coordbanc_refusals(api: RawChorusApi) -> None:
    unknown = api.call(COORDBANC, {"idStructure": 1})
    assert unknown["codeRetour"] == 20001 and unknown["libelle"] == "GDP_MSG_12.001"
    assert api.call(COORDBANC, {})["codeRetour"] == 20001
    buyer = api.call(COORDBANC, {"idStructure": 26311101})  # a buyer: no account registered
    assert buyer["codeRetour"] == 0 and "listeCoordonneeBancaire" not in buyer  # empty: left out
    closed = api.post(COORDBANC, {"idStructure": 26311001, "iban": SUPPLIER_IBAN})
    assert closed.status_code == 400 and "$.iban: clé inconnue" in closed.json()["libelle"]
    wrong_type = api.post(COORDBANC, {"idStructure": "26311001"})
    assert wrong_type.status_code == 400


@pytest.mark.parametrize("account", [MAIN_BANK_ACCOUNT, SECOND_BANK_ACCOUNT])
def test_soumettre_accepts_a_registered_account(api: RawChorusApi, account: int) -> None:
    answer = api.deposit_pdf(f"BANK-{account}", bank_account=account)
    assert answer["codeRetour"] == 0, answer


@pytest.mark.parametrize("mode", ["SAISIE_API", "DEPOT_PDF_API"])
def test_soumettre_refuses_an_unknown_account(api: RawChorusApi, admin: SandboxAdmin, mode: str) -> None:
    attachment = api.upload_pdf() if mode != "SAISIE_API" else None
    body = soumettre_body("BANK-X", siret=IFPEN, mode=mode, attachment_id=attachment, bank_account=999)
    answer = api.call(SOUMETTRE, body)
    assert answer["codeRetour"] == 20027, answer
    assert answer["libelle"] == "GDP_MSG_11.070"
    assert admin.invoices() == []


def _directory_file(tmp_path: Path, supplier_extra: str) -> Path:
    path = tmp_path / "directory.yaml"
    path.write_text(
        "supplier:\n"
        "  id: 1\n"
        '  siret: "45218801400016"\n'
        '  name: "Fournisseur"\n'
        "  kind: PRIVEE\n"
        f"{supplier_extra}"
        "buyers:\n"
        '  - {id: 2, siret: "21990001600011", name: "Commune"}\n',
        encoding="utf-8",
    )
    return path


def test_directory_bank_accounts_are_optional_and_checked(tmp_path: Path) -> None:
    assert load_directory(_directory_file(tmp_path, "")).supplier.bank_accounts == ()
    loaded = load_directory(
        _directory_file(tmp_path, f'  bank_accounts: [{{id: 7, name: "Compte", iban: "{SUPPLIER_IBAN}"}}]\n')
    )
    assert loaded.supplier.bank_account(7) is not None and loaded.supplier.bank_account(8) is None
    with pytest.raises(pydantic.ValidationError, match="not a valid IBAN"):
        load_directory(
            _directory_file(
                tmp_path, '  bank_accounts: [{id: 7, name: "C", iban: "FR7630006000011234567890188"}]\n'
            )
        )
    duplicate = f'{{id: 7, name: "C", iban: "{SUPPLIER_IBAN}"}}'
    with pytest.raises(pydantic.ValidationError, match="bank account ids must be unique"):
        load_directory(_directory_file(tmp_path, f"  bank_accounts: [{duplicate}, {duplicate}]\n"))
    with pytest.raises(pydantic.ValidationError):
        load_directory(_directory_file(tmp_path, f'  bank_accounts: [{{id: 7, iban: "{SUPPLIER_IBAN}"}}]\n'))


def test_a_directory_without_accounts_refuses_any_account(tmp_path: Path) -> None:
    with SandboxServer(port=0, directory=_directory_file(tmp_path, "")) as server:
        api = RawChorusApi(server)
        assert "listeCoordonneeBancaire" not in api.call(COORDBANC, {"idStructure": 1})
        body = soumettre_body(siret="21990001600011", supplier_id=1, bank_account=MAIN_BANK_ACCOUNT)
        assert api.call(SOUMETTRE, body)["codeRetour"] == 20027
        del body["fournisseur"]["codeCoordonneesBancairesFournisseur"]
        assert api.call(SOUMETTRE, body)["codeRetour"] == 0  # the account stays optional
