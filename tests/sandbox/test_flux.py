"""deposer/flux and its lifecycle through consulterCRDetaille."""

from __future__ import annotations

import base64
import io
import json
import re
import time
import zipfile
from datetime import timedelta
from typing import Any

from chorusflow_dev.sandbox.operations import now_local
from tests.fixtures.sandbox import HOSPITAL, IFPEN, RawChorusApi, SandboxAdmin, soumettre_body

DEPOSER = "/cpro/factures/v1/deposer/flux"
CR = "/cpro/transverses/v1/consulterCRDetaille"
PENDING = "IN_DEPOT_PORTAIL_EN_ATTENTE_TRAITEMENT_SE_CPP"


def _flux_invoice(number: str | None, **kwargs: Any) -> dict[str, Any]:
    body = soumettre_body(number, **kwargs)
    del body["modeDepot"]
    return body


def _deposit(
    api: RawChorusApi, content: bytes, name: str = "lot.json", syntax: str = "IN_DP_E1_UBL_INVOICE"
) -> str:
    answer = api.call(
        DEPOSER,
        {
            "fichierFlux": base64.b64encode(content).decode(),
            "nomFichier": name,
            "syntaxeFlux": syntax,
            "avecSignature": False,
        },
    )
    assert answer["codeRetour"] == 0 and answer["libelle"] == "GCU_MSG_01_000", answer
    assert answer["syntaxeFlux"] == syntax and re.fullmatch(r"\d{4}-\d{2}-\d{2}", answer["dateDepot"])
    number: str = answer["numeroFluxDepot"]
    return number


def test_flux_lifecycle_to_integre(api: RawChorusApi, admin: SandboxAdmin) -> None:
    content = json.dumps(
        {"factures": [_flux_invoice("FLX-1"), _flux_invoice("FLX-2", siret=HOSPITAL, engagement="EJ")]}
    )
    number = _deposit(api, content.encode())
    assert re.fullmatch(r"CPP0011100\d{15}", number) and len(number) == 25
    first = api.call(CR, {"numeroFluxDepot": number})
    assert first["codeRetour"] == 0 and first["libelle"] == "TRA_MSG_00.000"
    assert first["etatCourantDepotFlux"] == PENDING and "numeroFluxDepot" not in first
    assert admin.invoices() == []
    second = api.call(CR, {"numeroFluxDepot": number, "syntaxeFlux": "IN_DP_E1_UBL_INVOICE"})
    assert second["etatCourantDepotFlux"] == "IN_INTEGRE"
    assert second["codeInterfaceDepotFlux"] == "FSO1100A"
    assert second["nomFichier"] == f"FSO1100A_CPP001_{number}"
    assert "listeErreurDP" not in second and "listeErreurTechnique" not in second  # empty: left out
    assert "." in second["dateDepotFlux"] and second["dateDepotFlux"][-6:] in ("+01:00", "+02:00")
    rows = api.call("/cpro/factures/v1/rechercher/fournisseur", {"numeroFluxDepot": number})["listeFactures"]
    assert {r["numeroFacture"] for r in rows} == {"FLX-1", "FLX-2"}
    assert all(r["statut"] == "DEPOSEE" and r["numeroFluxDepot"] == number for r in rows)
    assert {inv["flux_number"] for inv in admin.invoices()} == {number}


def test_flux_partial_and_rejected(api: RawChorusApi, admin: SandboxAdmin) -> None:
    assert api.deposit_pdf("ALREADY-1")["codeRetour"] == 0
    admin.set_faults(flux_polls_before_integration=0)
    documents = [_flux_invoice("PART-1"), _flux_invoice("ALREADY-1"), _flux_invoice("PART-3", siret=IFPEN)]
    number = _deposit(api, json.dumps(documents).encode())
    answer = api.call(CR, {"numeroFluxDepot": number})
    assert answer["etatCourantDepotFlux"] == "IN_INTEGRE_PARTIEL"
    errors = {e["numeroDP"]: e["libelleErreurDP"] for e in answer["listeErreurDP"]}
    assert set(errors) == {"ALREADY-1", "PART-3"}
    assert errors["ALREADY-1"] == "GDP_MSG_11.076"  # the duplicate: a bare key, no sentence
    assert errors["PART-3"].startswith("Le code service est obligatoire")  # a sentence, no key
    assert admin.submission_counts()["ALREADY-1"] == 2
    rejected = _deposit(api, json.dumps([_flux_invoice("PART-1")]).encode())
    assert api.call(CR, {"numeroFluxDepot": rejected})["etatCourantDepotFlux"] == "IN_REJETE"


def test_flux_number_unique_per_year_and_kept(api: RawChorusApi, admin: SandboxAdmin) -> None:
    assert api.deposit_pdf("FY-1", invoice_date="2026-03-01")["codeRetour"] == 0
    admin.set_faults(flux_polls_before_integration=0)
    tomorrow = (now_local().date() + timedelta(days=1)).isoformat()
    no_number = _flux_invoice(None)
    documents = [
        _flux_invoice("FY-1", invoice_date="2025-12-30"),  # same number, another year: accepted
        _flux_invoice("FY-1", invoice_date="2026-11-02"),  # same number and year: duplicate
        _flux_invoice("FY-2", invoice_date=tomorrow),  # dated after the deposit
        no_number,  # a flux keeps the supplier's number: it is required
    ]
    number = _deposit(api, json.dumps(documents).encode())
    answer = api.call(CR, {"numeroFluxDepot": number})
    assert answer["etatCourantDepotFlux"] == "IN_INTEGRE_PARTIEL"
    errors = [(e["numeroDP"], e["libelleErreurDP"]) for e in answer["listeErreurDP"]]
    assert [n for n, _ in errors] == ["FY-1", "FY-2", ""]
    assert errors[0][1] == "GDP_MSG_11.076" and "la date de facture doit être antérieure" in errors[1][1]
    assert errors[2][1].startswith("Le champ numeroFactureSaisi est obligatoire")
    assert admin.submission_counts_by_year() == {"2025": {"FY-1": 1}, "2026": {"FY-1": 2}}
    created = [inv for inv in admin.invoices() if inv["flux_number"] == number]
    assert [(inv["number"], inv["invoice_date"], inv["mode"]) for inv in created] == [
        ("FY-1", "2025-12-30", "EDI")
    ]


def test_flux_zip_and_unreadable_content(api: RawChorusApi, admin: SandboxAdmin) -> None:
    admin.set_faults(flux_polls_before_integration=0)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.json", json.dumps(_flux_invoice("ZIP-1")))
        archive.writestr("b.json", json.dumps(_flux_invoice("ZIP-2")))
    number = _deposit(api, buffer.getvalue(), name="lot.zip", syntax="IN_DP_E2_CII_FACTURX")
    assert number.startswith("CPP0011117")
    assert api.call(CR, {"numeroFluxDepot": number})["etatCourantDepotFlux"] == "IN_INTEGRE"
    assert {inv["number"] for inv in admin.invoices()} == {"ZIP-1", "ZIP-2"}
    xml = _deposit(api, b"<Invoice/>", name="f.xml")
    answer = api.call(CR, {"numeroFluxDepot": xml})
    assert answer["etatCourantDepotFlux"] == "IN_REJETE" and answer["listeErreurTechnique"]
    bad_doc = _deposit(api, json.dumps({"numeroFactureSaisi": 1}).encode())
    assert (
        "$.numeroFactureSaisi"
        in api.call(CR, {"numeroFluxDepot": bad_doc})["listeErreurDP"][0]["libelleErreurDP"]
    )


def test_flux_time_based_integration(api: RawChorusApi, admin: SandboxAdmin) -> None:
    admin.set_faults(flux_polls_before_integration=100, flux_seconds_before_integration=0.3)
    number = _deposit(api, json.dumps(_flux_invoice("TIME-1")).encode())
    assert api.call(CR, {"numeroFluxDepot": number})["etatCourantDepotFlux"] == PENDING
    time.sleep(0.4)
    assert (
        api.call("/cpro/factures/v1/rechercher/fournisseur", {"numeroFluxDepot": number})["parametresRetour"][
            "total"
        ]
        == 1
    )
    assert api.call(CR, {"numeroFluxDepot": number})["etatCourantDepotFlux"] == "IN_INTEGRE"


def test_flux_refusals(api: RawChorusApi) -> None:
    assert api.call(CR, {"numeroFluxDepot": "CPP0011100000000000999999"})["codeRetour"] == 20001
    bad_syntax = api.post(
        DEPOSER, {"fichierFlux": "e30=", "nomFichier": "a.xml", "syntaxeFlux": "IN_DP_E2_UBL_INVOICE"}
    )
    assert bad_syntax.status_code == 400 and "$.syntaxeFlux" in bad_syntax.json()["libelle"]
    not_b64 = api.call(DEPOSER, {"fichierFlux": "###", "nomFichier": "a.xml", "syntaxeFlux": "IN_DP_E1_CII"})
    assert not_b64["codeRetour"] == 20002
    assert api.call(DEPOSER, {"nomFichier": "a.xml", "syntaxeFlux": "IN_DP_E1_CII"})["codeRetour"] == 20004
    too_big = base64.b64encode(b"0" * (10 * 1024 * 1024 + 1)).decode()
    answer = api.call(DEPOSER, {"fichierFlux": too_big, "nomFichier": "a.xml", "syntaxeFlux": "IN_DP_E1_CII"})
    assert answer["codeRetour"] == 20001 and answer["libelle"].startswith("GDP_MSG_11.022")
