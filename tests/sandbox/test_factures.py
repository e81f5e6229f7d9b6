"""soumettre, searches, history, recipient actions, completer/recycler/traiterRejet."""

from __future__ import annotations

import base64
import io
import re
import threading
from datetime import datetime, timedelta
from typing import Any

import pytest
import requests
from pypdf import PdfReader

from chorusflow.platforms.chorus_pro.errors import is_duplicate_invoice
from chorusflow_dev.sandbox import SandboxServer
from chorusflow_dev.sandbox.operations import now_local
from tests.fixtures.sandbox import (
    COMMUNE,
    DISSOLVED,
    HOSPITAL,
    IFPEN,
    MINISTRY,
    SUPPLIER_SIRET,
    RawChorusApi,
    SandboxAdmin,
    plain_pdf,
    soumettre_body,
)

F = "/cpro/factures/v1"
SAISIE_NUMBER = re.compile(r"^(\d{4})(\d{16})$")
DUPLICATE_KEY = "GDP_MSG_11.076"  # a bare key, as real refusals carry (docs/sandbox.md)


def _submit(api: RawChorusApi, number: str, **kwargs: Any) -> dict[str, Any]:
    """A deposit that keeps our number: DEPOT_PDF_API with a freshly uploaded plain PDF."""
    return api.deposit_pdf(number, **kwargs)


def _saisie(api: RawChorusApi, number: str | None = None, **kwargs: Any) -> dict[str, Any]:
    """A SAISIE_API deposit; without number and date unless given (Chorus Pro ignores both)."""
    kwargs.setdefault("invoice_date", None)
    return api.call(f"{F}/soumettre", soumettre_body(number, **kwargs))


def _search(api: RawChorusApi, **body: Any) -> dict[str, Any]:
    return api.call(f"{F}/rechercher/fournisseur", body)


def test_soumettre_happy_path(api: RawChorusApi, admin: SandboxAdmin) -> None:
    answer = _submit(api, "FA-2026-001", siret=IFPEN, service="Facture_commande", engagement="4500012345")
    assert answer["codeRetour"] == 0 and answer["libelle"] == "GCU_MSG_01_000"
    assert isinstance(answer["identifiantFactureCPP"], int)
    assert answer["numeroFacture"] == "FA-2026-001"
    assert answer["statutFacture"] == "DEPOSEE"
    assert answer["dateDepot"] == now_local().date().isoformat()
    assert answer["identifiantStructure"] == SUPPLIER_SIRET
    assert len(answer["empreinteCertificatDepot"]) == 44
    invoice = admin.invoice("FA-2026-001")
    assert invoice is not None
    assert invoice["id"] == answer["identifiantFactureCPP"]
    assert invoice["service_code"] == "Facture_commande" and invoice["engagement"] == "4500012345"
    assert invoice["amounts"] == {"ht": 100.0, "tva": 20.0, "ttc": 120.0, "a_payer": 120.0}
    assert invoice["submission_count"] == 1 and invoice["mode"] == "DEPOT_PDF_API"
    assert invoice["invoice_date"] == "2026-11-02" and invoice["deposit_date"] == answer["dateDepot"]
    assert isinstance(invoice["attachment_id"], int)


def test_saisie_api_numbers_and_dates_the_invoice_itself(api: RawChorusApi, admin: SandboxAdmin) -> None:
    today = now_local().date().isoformat()
    first = _saisie(api)  # neither numeroFactureSaisi nor dateFacture
    assert first["codeRetour"] == 0, first
    match = SAISIE_NUMBER.match(first["numeroFacture"])
    assert match and match.group(1) == first["dateDepot"][:4]
    null_body = soumettre_body(invoice_date=None)
    null_body.update(numeroFactureSaisi=None, dateFacture=None)  # the AIFE example sends null
    second = api.call(f"{F}/soumettre", null_body)
    assert second["codeRetour"] == 0, second
    assert int(second["numeroFacture"]) == int(first["numeroFacture"]) + 1  # a sequence
    # Our number and date, even malformed or in the future, are ignored rather than checked.
    tomorrow = (now_local().date() + timedelta(days=1)).isoformat()
    ours = _saisie(api, "FA-IGNORE", invoice_date="2026-01-15")
    odd = _saisie(api, "NUMERO TROP LONG AVEC ESPACES", invoice_date=tomorrow)
    again = _saisie(api, "FA-IGNORE", invoice_date="2026-01-15")  # no duplicate check by number
    for answer in (ours, odd, again):
        assert answer["codeRetour"] == 0 and SAISIE_NUMBER.match(answer["numeroFacture"]), answer
    generated = ours["numeroFacture"]
    assert len({first["numeroFacture"], second["numeroFacture"], generated, again["numeroFacture"]}) == 4
    assert _search(api, numeroFacture="FA-IGNORE")["parametresRetour"]["total"] == 0
    row = _search(api, numeroFacture=generated)["listeFactures"][0]
    assert row["identifiantFactureCPP"] == ours["identifiantFactureCPP"] and row["dateFacture"] == today
    assert row["modeDepot"] == "SAISIE_API"
    facture = api.call(
        f"{F}/consulter/fournisseur", {"identifiantFactureCPP": ours["identifiantFactureCPP"]}
    )["facture"]
    assert facture["numeroFacture"] == generated and facture["references"]["dateFacture"] == today
    history = api.call(f"{F}/consulter/historique", {"idFacture": ours["identifiantFactureCPP"]})
    assert history["numeroFacture"] == generated
    assert admin.invoice("FA-IGNORE") is None
    invoice = admin.invoice(generated)
    assert invoice is not None and invoice["mode"] == "SAISIE_API" and invoice["invoice_date"] == today
    assert invoice["submission_count"] == 1
    assert "FA-IGNORE" not in admin.submission_counts()
    no_lines = soumettre_body(invoice_date=None, lines=False)
    assert api.call(f"{F}/soumettre", no_lines)["codeRetour"] == 20022  # still needs a lignePoste


def test_soumettre_other_buyers_accepted(api: RawChorusApi) -> None:
    assert _saisie(api, siret=COMMUNE)["codeRetour"] == 0
    assert _saisie(api, siret=HOSPITAL, engagement="EJ-77")["codeRetour"] == 0
    assert _saisie(api, siret=MINISTRY, service="SERV_FIN")["codeRetour"] == 0
    assert _saisie(api, siret=MINISTRY, engagement="EJ-1")["codeRetour"] == 0
    assert _submit(api, "OK-5", siret=IFPEN, service="Facture_sans_commande")["codeRetour"] == 0


@pytest.mark.parametrize(
    ("kwargs", "code", "key"),
    [
        ({"siret": "12345678901234"}, 20010, "GDP_MSG_11.040"),
        ({"siret": DISSOLVED}, 20011, "GDP_MSG_11.041"),
        ({"siret": IFPEN}, 20014, "GDP_MSG_11.044"),
        ({"siret": HOSPITAL}, 20015, "GDP_MSG_11.045"),
        ({"siret": IFPEN, "service": "Facture_commande"}, 20015, "GDP_MSG_11.045"),
        ({"siret": MINISTRY}, 20016, "GDP_MSG_11.046"),
        ({"siret": MINISTRY, "service": "INCONNU"}, 20017, "GDP_MSG_11.047"),
        ({"siret": MINISTRY, "service": "ANCIEN_SERVICE"}, 20018, "GDP_MSG_11.048"),
        ({"siret": MINISTRY, "service": "FACTURES_PUBLIQUES"}, 20019, "GDP_MSG_11.049"),
        ({"siret": COMMUNE, "supplier_id": 26311102}, 20012, "GDP_MSG_11.005"),
        ({"siret": COMMUNE, "mode": "DEPOT_PDF_API"}, 20020, "GDP_MSG_11.060"),
        ({"siret": COMMUNE, "mode": "DEPOT_PDF_API", "attachment_id": 1}, 20020, "GDP_MSG_11.060"),
    ],
)
def test_soumettre_functional_refusals(
    api: RawChorusApi, admin: SandboxAdmin, kwargs: dict[str, Any], code: int, key: str
) -> None:
    response = api.post(f"{F}/soumettre", soumettre_body("REFUS-1", **kwargs))
    assert response.status_code == 200
    answer = response.json()
    assert answer["codeRetour"] == code and answer["libelle"] == key, answer  # a bare key, no sentence
    assert admin.invoices() == []


def test_soumettre_missing_fields_and_bad_number(api: RawChorusApi) -> None:
    body = soumettre_body("X-1")
    del body["montantTotal"]["montantAPayer"]
    answer = api.call(f"{F}/soumettre", body)
    assert answer["codeRetour"] == 20021 and answer["libelle"] == "GDP_MSG_11.010"
    assert _submit(api, "NUMERO TROP LONG AVEC ESPACES")["codeRetour"] == 20023
    no_lines = soumettre_body("X-2")
    del no_lines["lignePoste"]
    assert api.call(f"{F}/soumettre", no_lines)["codeRetour"] == 20022


@pytest.mark.parametrize("mode", ["DEPOT_PDF_API", "DEPOT_PDF_SIGNE_API"])
@pytest.mark.parametrize("field", ["numeroFactureSaisi", "dateFacture"])
@pytest.mark.parametrize("absent", ["missing", "null"])
def test_pdf_modes_require_our_number_and_date(
    api: RawChorusApi, admin: SandboxAdmin, mode: str, field: str, absent: str
) -> None:
    body = soumettre_body("PDF-REQ-1", mode=mode, attachment_id=api.upload_pdf())
    if absent == "missing":
        del body[field]
    else:
        body[field] = None
    answer = api.call(f"{F}/soumettre", body)
    assert answer["codeRetour"] == 20021, answer
    assert answer["libelle"] == "GDP_MSG_11.010"  # the field is named in a flux's libelleErreurDP only
    assert admin.invoices() == []


def test_pdf_modes_keep_our_number_and_date(api: RawChorusApi, admin: SandboxAdmin) -> None:
    signed = soumettre_body(
        "FA-SIGNE-1", mode="DEPOT_PDF_SIGNE_API", attachment_id=api.upload_pdf(), invoice_date="2026-10-30"
    )
    answer = api.call(f"{F}/soumettre", signed)
    assert answer["codeRetour"] == 0 and answer["numeroFacture"] == "FA-SIGNE-1"
    row = _search(api, numeroFacture="FA-SIGNE-1")["listeFactures"][0]
    assert row["dateFacture"] == "2026-10-30" and row["modeDepot"] == "DEPOT_PDF_SIGNE_API"


def test_invoice_date_after_the_deposit_date_is_refused(api: RawChorusApi, admin: SandboxAdmin) -> None:
    today = now_local().date()
    tomorrow = (today + timedelta(days=1)).isoformat()
    refused = _submit(api, "FUTUR-1", invoice_date=tomorrow)
    assert refused["codeRetour"] == 20024, refused
    assert refused["libelle"] == "GDP_MSG_11.013" and admin.invoices() == []
    assert _submit(api, "FUTUR-1", invoice_date=f"{tomorrow}T00:00:00")["codeRetour"] == 20024
    accepted = _submit(api, "FUTUR-1", invoice_date=today.isoformat())  # the deposit day itself is fine
    assert accepted["codeRetour"] == 0 and accepted["numeroFacture"] == "FUTUR-1"


def test_duplicate_refused_and_counted(api: RawChorusApi, admin: SandboxAdmin) -> None:
    assert _submit(api, "DUP-1")["codeRetour"] == 0
    for _ in range(2):
        answer = _submit(api, "DUP-1", siret=HOSPITAL, engagement="EJ")
        assert answer["codeRetour"] == 20013
        assert answer["libelle"] == DUPLICATE_KEY  # no sentence to recognise it by
        assert is_duplicate_invoice(answer["codeRetour"], F + "/soumettre")  # the client's hint, by code
    invoices = admin.invoices()
    assert len(invoices) == 1 and invoices[0]["submission_count"] == 3
    assert admin.submission_counts() == {"DUP-1": 3}
    assert admin.submission_counts_by_year() == {"2026": {"DUP-1": 3}}


def test_number_unique_per_year_of_the_invoice_date(api: RawChorusApi, admin: SandboxAdmin) -> None:
    assert _submit(api, "AN-1", invoice_date="2025-12-31")["codeRetour"] == 0
    assert _submit(api, "AN-1", invoice_date="2026-01-05")["codeRetour"] == 0  # another year: accepted
    again = _submit(api, "AN-1", invoice_date="2026-11-02")
    assert (again["codeRetour"], again["libelle"]) == (20013, DUPLICATE_KEY)
    assert _submit(api, "AN-1", invoice_date="2025-06-30")["codeRetour"] == 20013
    assert admin.submission_counts_by_year() == {"2025": {"AN-1": 2}, "2026": {"AN-1": 2}}
    assert admin.submission_counts() == {"AN-1": 4}
    by_date = {inv["invoice_date"]: inv["submission_count"] for inv in admin.invoices()}
    assert by_date == {"2025-12-31": 2, "2026-01-05": 2}
    assert _search(api, numeroFacture="AN-1")["parametresRetour"]["total"] == 2


def test_concurrent_soumettre_same_number_creates_one_invoice(
    sandbox: SandboxServer, api: RawChorusApi, admin: SandboxAdmin
) -> None:
    callers = [RawChorusApi(sandbox) for _ in range(8)]
    for caller in callers:
        caller.token()
    attachment_id = api.upload_pdf()
    results: list[int] = []
    barrier = threading.Barrier(len(callers))

    def submit(caller: RawChorusApi) -> None:
        barrier.wait()
        body = soumettre_body("RACE-1", mode="DEPOT_PDF_API", attachment_id=attachment_id)
        results.append(caller.call(f"{F}/soumettre", body)["codeRetour"])

    threads = [threading.Thread(target=submit, args=(caller,)) for caller in callers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(results) == [0] + [20013] * 7
    assert len(admin.invoices()) == 1


def test_concurrent_saisie_api_numbers_are_distinct(sandbox: SandboxServer, admin: SandboxAdmin) -> None:
    callers = [RawChorusApi(sandbox) for _ in range(8)]
    for caller in callers:
        caller.token()
    numbers: list[str] = []
    barrier = threading.Barrier(len(callers))

    def submit(caller: RawChorusApi) -> None:
        barrier.wait()
        numbers.append(caller.call(f"{F}/soumettre", soumettre_body("SAME-1"))["numeroFacture"])

    threads = [threading.Thread(target=submit, args=(caller,)) for caller in callers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(set(numbers)) == 8 and all(SAISIE_NUMBER.match(n) for n in numbers)
    assert sorted(inv["number"] for inv in admin.invoices()) == sorted(numbers)


def test_depot_pdf_with_ajouter_fichier(api: RawChorusApi, admin: SandboxAdmin) -> None:
    content = plain_pdf("Facture FA-PDF-1 : 120,00 EUR")
    added = api.call(
        "/cpro/transverses/v1/ajouter/fichier",
        {
            "pieceJointeFichier": base64.b64encode(content).decode(),
            "pieceJointeNom": "FA-PDF-1.pdf",
            "pieceJointeTypeMime": "application/pdf",
            "pieceJointeExtension": "pdf",
        },
    )
    assert added["codeRetour"] == 0 and added["libelle"] == "GCU_MSG_01_000"
    assert isinstance(added["pieceJointeId"], int)
    body = soumettre_body("FA-PDF-1", mode="DEPOT_PDF_API", attachment_id=added["pieceJointeId"])
    assert "lignePoste" not in body
    answer = api.call(f"{F}/soumettre", body)
    assert answer["codeRetour"] == 0
    body = soumettre_body("FA-PDF-2", mode="DEPOT_PDF_API", attachment_id=added["pieceJointeId"], lines=True)
    body["pieceJointePrincipale"] = body["pieceJointePrincipale"][0]  # object form (Swagger)
    assert api.call(f"{F}/soumettre", body)["codeRetour"] == 0
    invoice = admin.invoice("FA-PDF-1")
    assert invoice is not None and invoice["mode"] == "DEPOT_PDF_API"
    assert invoice["attachment_id"] == added["pieceJointeId"]
    deposited = admin.attachment(invoice["attachment_id"])  # the bytes that were deposited, as uploaded
    assert deposited.status_code == 200 and deposited.headers["Content-Type"] == "application/pdf"
    assert deposited.content == content
    assert "FA-PDF-1 : 120,00 EUR" in PdfReader(io.BytesIO(deposited.content)).pages[0].extract_text()


def test_admin_attachment_download(sandbox: SandboxServer, api: RawChorusApi, admin: SandboxAdmin) -> None:
    path = "/cpro/transverses/v1/ajouter/fichier"
    xml = api.call(
        path,
        {
            "pieceJointeFichier": base64.b64encode(b"<BL/>").decode(),
            "pieceJointeNom": "bl.xml",
            "pieceJointeTypeMime": "text/xml",
        },
    )["pieceJointeId"]
    no_mime = api.call(
        path, {"pieceJointeFichier": base64.b64encode(b"%PDF-1.7").decode(), "pieceJointeNom": "a.pdf"}
    )["pieceJointeId"]
    answer = admin.attachment(xml)
    assert answer.status_code == 200 and answer.content == b"<BL/>"
    assert answer.headers["Content-Type"] == "text/xml"
    assert admin.attachment(no_mime).headers["Content-Type"] == "application/pdf"
    assert admin.attachment(123).status_code == 404
    assert requests.get(f"{sandbox.url}/sandbox/attachments/abc", timeout=5).status_code == 404
    admin.reset()
    assert admin.attachment(xml).status_code == 404


def test_ajouter_fichier_refusals(api: RawChorusApi) -> None:
    path = "/cpro/transverses/v1/ajouter/fichier"
    big = base64.b64encode(b"0" * (10 * 1024 * 1024 + 1)).decode()
    assert api.call(path, {"pieceJointeFichier": big, "pieceJointeNom": "big.pdf"})["codeRetour"] == 20003
    assert api.call(path, {"pieceJointeFichier": "!!!", "pieceJointeNom": "a.pdf"})["codeRetour"] == 20002
    assert api.call(path, {"pieceJointeNom": "a.pdf"})["codeRetour"] == 20001
    pdf = base64.b64encode(plain_pdf()).decode()
    assert api.call(path, {"pieceJointeFichier": pdf, "pieceJointeNom": "a.exe"})["codeRetour"] == 20004
    assert (
        api.call(path, {"pieceJointeFichier": pdf, "pieceJointeNom": "x" * 60 + ".pdf"})["codeRetour"]
        == 20004
    )


def test_rechercher_fournisseur_pagination(api: RawChorusApi) -> None:
    for index in range(23):
        assert _submit(api, f"PAGE-{index:02d}")["codeRetour"] == 0
    first = _search(api)
    assert len(first["listeFactures"]) == 10
    assert first["parametresRetour"] == {"pageCourante": 1, "pages": 3, "nbResultatsParPage": 10, "total": 23}
    seen: list[str] = []
    for page in (1, 2, 3):
        answer = _search(
            api, rechercheFactureParFournisseur={"pageResultatDemandee": page, "nbResultatsParPage": 10}
        )
        seen += [row["numeroFacture"] for row in answer["listeFactures"]]
    assert sorted(seen) == [f"PAGE-{i:02d}" for i in range(23)]
    assert seen[0] == "PAGE-22"  # default sort: newest deposit first
    beyond = _search(api, rechercheFactureParFournisseur={"pageResultatDemandee": 4})
    assert "listeFactures" not in beyond and beyond["codeRetour"] == 0


def test_rechercher_fournisseur_rows_and_filters(api: RawChorusApi, admin: SandboxAdmin) -> None:
    first = _submit(api, "ROW-1", siret=IFPEN, service="Facture_commande", engagement="4500000001")
    _saisie(api)
    answer = _search(api, numeroFacture="ROW-1")
    assert answer["parametresRetour"]["total"] == 1
    row = answer["listeFactures"][0]
    assert row["identifiantFactureCPP"] == first["identifiantFactureCPP"]
    assert row["statut"] == "DEPOSEE" and row["codeDestinataire"] == IFPEN
    assert row["codeServiceExecutant"] == "Facture_commande" and row["numeroBonCommande"] == "4500000001"
    assert row["montantTTC"] == 120.0 and row["montantHT"] == 100.0 and row["montantAPayer"] == 120.0
    assert row["commentaireEtatCourant"] is None and row["numeroFluxDepot"] is None
    datetime.fromisoformat(row["dateHeureEtatCourant"])  # ISO with ms and offset
    assert "." in row["dateHeureEtatCourant"] and row["dateHeureEtatCourant"][-6] in "+-"
    empty = _search(api, numeroFacture="NOPE")
    assert "listeFactures" not in empty and empty["parametresRetour"]["total"] == 0
    admin.set_status(first["identifiantFactureCPP"], "MISE_A_DISPOSITION")
    assert [
        r["numeroFacture"] for r in _search(api, statutCourant=["MISE_A_DISPOSITION"])["listeFactures"]
    ] == ["ROW-1"]
    assert _search(api, statutCourant=["DEPOSEE", "MISE_A_DISPOSITION"])["parametresRetour"]["total"] == 2
    assert _search(api, typeFacture="AVOIR")["parametresRetour"]["total"] == 0
    assert _search(api, idFournisseur=26311001)["parametresRetour"]["total"] == 2
    assert _search(api, idFournisseur=1)["parametresRetour"]["total"] == 0
    today = now_local().date()
    assert (
        _search(api, periodeDateDepotDu=today.isoformat(), periodeDateDepotAu=today.isoformat())[
            "parametresRetour"
        ]["total"]
        == 2
    )
    assert (
        _search(api, periodeDateDepotAu=(today - timedelta(days=1)).isoformat())["parametresRetour"]["total"]
        == 0
    )


def test_period_filter_on_status_change(api: RawChorusApi, admin: SandboxAdmin) -> None:
    old = _submit(api, "PER-OLD")["identifiantFactureCPP"]
    recent = _submit(api, "PER-NEW")["identifiantFactureCPP"]
    _submit(api, "PER-UNCHANGED")
    now = datetime.now().astimezone()
    admin.set_status(old, "MISE_A_DISPOSITION", date=(now - timedelta(days=10)).isoformat())
    admin.set_status(
        recent, "REJETEE", "Numéro d'engagement inconnu", date=(now - timedelta(hours=2)).isoformat()
    )
    since = (now - timedelta(days=1)).isoformat(timespec="milliseconds")
    rows = _search(api, periodeDateHeureEtatCourantDu=since)["listeFactures"]
    assert {r["numeroFacture"] for r in rows} == {"PER-NEW", "PER-UNCHANGED"}
    window = _search(
        api,
        periodeDateHeureEtatCourantDu=(now - timedelta(days=11)).date().isoformat(),
        periodeDateHeureEtatCourantAu=(now - timedelta(days=9)).date().isoformat(),
    )
    assert [r["numeroFacture"] for r in window["listeFactures"]] == ["PER-OLD"]
    utc = (now - timedelta(hours=3)).astimezone().strftime("%Y-%m-%dT%H:%M:%S.000Z")
    utc_rows = _search(api, periodeDateHeureEtatCourantDu=utc, periodeDateHeureEtatCourantAu=now.isoformat())
    assert {r["numeroFacture"] for r in utc_rows["listeFactures"]} >= {"PER-NEW"}
    rejected = _search(api, numeroFacture="PER-NEW")["listeFactures"][0]
    assert (
        rejected["statut"] == "REJETEE"
        and rejected["commentaireEtatCourant"] == "Numéro d'engagement inconnu"
    )


def test_recipient_actions_and_history_newest_first(api: RawChorusApi, admin: SandboxAdmin) -> None:
    invoice_id = _submit(api, "HIST-1")["identifiantFactureCPP"]
    admin.set_status(invoice_id, "MISE_A_DISPOSITION")
    admin.set_status(invoice_id, "SUSPENDUE", "Bon de livraison manquant")
    answer = api.call(f"{F}/consulter/historique", {"idFacture": invoice_id})
    assert answer["codeRetour"] == 0 and answer["statutCourantCode"] == "SUSPENDUE"
    assert answer["idFacture"] == invoice_id and answer["numeroFacture"] == "HIST-1"
    history = answer["historiquesDesStatuts"]["histoStatut"]
    assert [h["histoStatutCode"] for h in history] == ["SUSPENDUE", "MISE_A_DISPOSITION", "DEPOSEE"]
    assert history[0]["histoStatutCommentaire"] == "Bon de livraison manquant"
    datetime.strptime(history[0]["histoStatutDatePassage"], "%Y-%m-%d %H:%M")
    assert answer["historiquesDesStatuts"]["totalHistoStatut"] == 3


def test_recipient_action_rules(sandbox: SandboxServer, api: RawChorusApi) -> None:
    invoice_id = _submit(api, "RULE-1")["identifiantFactureCPP"]
    url = f"{sandbox.url}/sandbox/invoices/{invoice_id}/status"
    assert requests.post(url, json={"statut": "REJETEE"}, timeout=5).status_code == 400
    assert requests.post(url, json={"statut": "PAS_UN_STATUT"}, timeout=5).status_code == 400
    assert (
        requests.post(
            f"{sandbox.url}/sandbox/invoices/1/status", json={"statut": "MANDATEE"}, timeout=5
        ).status_code
        == 404
    )


def test_consulter_fournisseur(api: RawChorusApi) -> None:
    invoice_id = _submit(api, "CONS-1", siret=IFPEN, service="Facture_sans_commande")["identifiantFactureCPP"]
    answer = api.call(f"{F}/consulter/fournisseur", {"identifiantFactureCPP": invoice_id, "codeLangue": "fr"})
    assert answer["codeRetour"] == 0
    facture = answer["facture"]
    assert facture["statutFacture"] == "DEPOSEE" and facture["numeroFacture"] == "CONS-1"
    assert facture["destinataire"]["codeServiceExecutant"] == "Facture_sans_commande"
    assert facture["montantTotal"]["montantTtcTotal"] == 120.0
    missing = api.call(f"{F}/consulter/fournisseur", {"identifiantFactureCPP": 1})
    assert missing["codeRetour"] == 20000 and missing["libelle"].startswith("GDP_MSG_11.008")
    assert api.call(f"{F}/consulter/historique", {"idFacture": 1})["codeRetour"] == 20000


def test_completer_only_from_suspendue(api: RawChorusApi, admin: SandboxAdmin) -> None:
    invoice_id = _submit(api, "COMP-1")["identifiantFactureCPP"]
    refused = api.call(f"{F}/completer", {"identifiantFactureCPP": invoice_id, "commentaire": "voici"})
    assert refused["codeRetour"] == 20002 and refused["libelle"].startswith("GDP_MSG_11.033")
    admin.set_status(invoice_id, "SUSPENDUE", "Pièce manquante")
    done = api.call(f"{F}/completer", {"identifiantFactureCPP": invoice_id, "commentaire": "Pièce ajoutée"})
    assert done["codeRetour"] == 0 and done["libelle"] == "GCU_MSG_01_000"
    datetime.strptime(done["dateTraitement"], "%Y-%m-%d %H:%M")
    history = api.call(f"{F}/consulter/historique", {"idFacture": invoice_id})
    assert history["statutCourantCode"] == "COMPLETEE"
    assert api.call(f"{F}/completer", {"identifiantFactureCPP": 1})["codeRetour"] == 20000


def test_recycler_only_from_a_recycler(api: RawChorusApi, admin: SandboxAdmin) -> None:
    invoice_id = _submit(api, "RECY-1", siret=MINISTRY, service="SERV_FIN")["identifiantFactureCPP"]
    body: dict[str, Any] = {
        "identifiantFactureCPP": invoice_id,
        "destinataire": {"codeDestinataire": IFPEN, "codeServiceExecutant": "Facture_commande"},
        "reference": {"numeroBonCommande": "4500000099"},
        "commentaire": "Nouveau routage",
    }
    assert api.call(f"{F}/recycler", body)["codeRetour"] == 20004
    admin.set_status(invoice_id, "A_RECYCLER", "Mauvais service")
    bad = {**body, "destinataire": {"codeDestinataire": IFPEN}}
    assert api.call(f"{F}/recycler", bad)["codeRetour"] == 20014  # routing checked like soumettre
    answer = api.call(f"{F}/recycler", body)
    # Made available to the new recipient at once (AIFE "Quand doit-on recycler une facture ?").
    assert answer["codeRetour"] == 0 and answer["statutFacture"] == "MISE_A_DISPOSITION"
    assert answer["numeroFacture"] == "RECY-1" and answer["identifiantFactureCPP"] == invoice_id
    invoice = admin.invoice("RECY-1")
    assert invoice is not None and invoice["status"] == "MISE_A_DISPOSITION"
    assert invoice["buyer_siret"] == IFPEN and invoice["service_code"] == "Facture_commande"
    assert invoice["engagement"] == "4500000099" and invoice["submission_count"] == 1
    history = api.call(f"{F}/consulter/historique", {"idFacture": invoice_id})
    assert history["statutCourantCode"] == "MISE_A_DISPOSITION"
    codes = [h["histoStatutCode"] for h in history["historiquesDesStatuts"]["histoStatut"]]
    assert codes == ["MISE_A_DISPOSITION", "A_RECYCLER", "DEPOSEE"]
    assert _search(api, numeroFacture="RECY-1")["listeFactures"][0]["statut"] == "MISE_A_DISPOSITION"


def test_traiter_rejet(api: RawChorusApi, admin: SandboxAdmin) -> None:
    invoice_id = _submit(api, "REJ-1")["identifiantFactureCPP"]
    body = {"listeDemandePaiement": [{"idDemandePaiement": invoice_id}]}
    assert api.call(f"{F}/traiterRejet", body)["codeRetour"] == 20005
    admin.set_status(invoice_id, "REJETEE", "Doublon")
    assert api.call(f"{F}/traiterRejet", body)["codeRetour"] == 0
    assert _search(api, numeroFacture="REJ-1")["listeFactures"][0]["rejetTraite"] is True
