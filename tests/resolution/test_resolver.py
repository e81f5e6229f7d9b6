"""Decisions about blocked invoices against the sandbox over sockets, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from chorusflow.ledger import InvoiceState, Ledger, ResolutionOutcome
from chorusflow.platforms.chorus_pro import ChorusProClient
from chorusflow.resolution import Action, Decision, DecisionResult
from chorusflow_dev.sandbox import SandboxServer
from chorusflow_dev.testing import SUPPLIER_SIRET
from chorusflow_dev.testing.deposits import valid_verdict
from tests.fixtures.sandbox import SandboxAdmin, sandbox_admin, sandbox_api
from tests.resolution.helpers import DECIDER, OWNER, attachments_folder, blocked, resolver

F = "/cpro/factures/v1"
UPLOAD = "/cpro/transverses/v1/ajouter/fichier"


@pytest.fixture
def admin(sandbox: SandboxServer) -> SandboxAdmin:
    return sandbox_admin(sandbox)


def decide(number: str, action: Action, **fields: object) -> Decision:
    return Decision(invoice_number=number, action=action, decided_by=DECIDER, **fields)


def test_complete_a_suspended_invoice_once(
    ledger: Ledger, client: ChorusProClient, admin: SandboxAdmin, tmp_path: Path
) -> None:
    blocked(ledger, client, admin, {"RS-1": ("SUSPENDUE", "Bon de livraison manquant")})
    folder = attachments_folder(tmp_path)
    decision = decide("RS-1", Action.COMPLETE, attachment="BL-1.pdf", comment="Voici le bon de livraison")

    done = resolver(ledger, client, folder).apply(decision)

    assert done.result is DecisionResult.DONE, done.message
    invoice = admin.invoice("RS-1")
    assert invoice is not None and invoice["status"] == "COMPLETEE"
    assert invoice["history"][-1]["comment"] == "Voici le bon de livraison"
    detail = ledger.get_invoice("RS-1", SUPPLIER_SIRET)
    assert detail is not None
    assert (detail.state, detail.chorus_status) == (InvoiceState.SUBMITTED, "COMPLETEE")
    [record] = detail.resolutions
    assert (record.decided_by, record.action, record.outcome) == (
        DECIDER,
        "complete",
        ResolutionOutcome.SUCCEEDED,
    )
    assert record.sent is not None and record.sent["ajouter_fichier"]["nom"] == "BL-1.pdf"
    attachment_id = record.sent["ajouter_fichier"]["pieceJointeId"]
    assert record.sent["completer"]["pieces"] == [attachment_id]
    assert admin.attachment(attachment_id).content == (folder / "BL-1.pdf").read_bytes()
    assert record.answer is not None and record.answer["numeroFacture"] == "RS-1"

    # The same answer again (a replayed form, a rerun): nothing is sent.
    again = resolver(ledger, client, folder).apply(
        decision.model_copy(update={"event_key": record.event_key})
    )
    assert again.result is DecisionResult.ALREADY_DONE
    assert admin.calls(f"{F}/completer") == 1 and admin.calls(UPLOAD) == 2  # the deposit's PDF + BL-1


def test_recycle_is_checked_against_the_buyers_profile_and_directory(
    ledger: Ledger, client: ChorusProClient, admin: SandboxAdmin, tmp_path: Path
) -> None:
    blocked(ledger, client, admin, {"RR-1": ("A_RECYCLER", "Il faut le numéro de commande")})
    resolve = resolver(ledger, client, attachments_folder(tmp_path))

    nine_digits = resolve.apply(decide("RR-1", Action.RECYCLE, engagement="123456789"))
    unknown_service = resolve.apply(decide("RR-1", Action.RECYCLE, service_code="NOPE"))
    nothing = resolve.apply(decide("RR-1", Action.RECYCLE))

    assert [item.code for item in nine_digits.findings] == ["ENGAGEMENT_FORMAT"]
    assert "10" in nine_digits.message  # the buyer's rule, in the accountant's words
    assert [item.code for item in unknown_service.findings] == ["SERVICE_CODE_UNKNOWN"]
    assert [item.code for item in nothing.findings] == ["RESOLUTION_ROUTING_MISSING"]
    assert admin.calls(f"{F}/recycler") == 0  # nothing was sent for a refused answer

    done = resolve.apply(decide("RR-1", Action.RECYCLE, engagement="1234567890", comment="EJ ajouté"))

    assert done.result is DecisionResult.DONE, done.message
    invoice = admin.invoice("RR-1")
    assert invoice is not None
    # The profile turns an engagement into the service "Facture_commande" (IFPEN's instructions).
    assert (invoice["status"], invoice["service_code"], invoice["engagement"]) == (
        "MISE_A_DISPOSITION",
        "Facture_commande",
        "1234567890",
    )
    detail = ledger.get_invoice("RR-1", SUPPLIER_SIRET)
    assert detail is not None and detail.chorus_status == "MISE_A_DISPOSITION"
    outcomes = [(row.rule_code, row.outcome) for row in detail.resolutions]
    assert outcomes == [(None, ResolutionOutcome.SUCCEEDED)]  # one row per decision, the latest answer kept


def test_rejection_acknowledged_then_replaced_under_a_new_number(
    ledger: Ledger, client: ChorusProClient, admin: SandboxAdmin, tmp_path: Path
) -> None:
    blocked(ledger, client, admin, {"RJ-1": ("REJETEE", "Montant erroné")})
    resolve = resolver(ledger, client, attachments_folder(tmp_path))

    same = resolve.apply(decide("RJ-1", Action.REISSUE, new_number="RJ-1"))
    assert [item.code for item in same.findings] == ["RESOLUTION_SAME_NUMBER"]
    assert admin.calls(f"{F}/traiterRejet") == 0

    done = resolve.apply(decide("RJ-1", Action.CREDIT_NOTE, new_number="AV-1", comment="Avoir total"))

    assert done.result is DecisionResult.DONE, done.message
    invoice = admin.invoice("RJ-1")
    assert invoice is not None and invoice["rejet_traite"] is True
    assert ledger.replaced_by("AV-1", SUPPLIER_SIRET) == "RJ-1"
    detail = ledger.get_invoice("RJ-1", SUPPLIER_SIRET)
    assert detail is not None and detail.state is InvoiceState.CLOSED
    # The credit note arrives in a later export: the ledger shows what it replaces.
    ledger.record_validated(SUPPLIER_SIRET, "later.csv", [valid_verdict("AV-1")])
    later = ledger.get_invoice("AV-1", SUPPLIER_SIRET)
    assert later is not None and later.replaces == "RJ-1"
    # The rejected number comes back in an export: never deposited again.
    summary = ledger.record_validated(SUPPLIER_SIRET, "again.csv", [valid_verdict("RJ-1")])
    assert summary.already_done == ["RJ-1"]
    assert admin.calls(f"{F}/traiterRejet") == 1


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("../outside.pdf", None, "RESOLUTION_ATTACHMENT_OUTSIDE_FOLDER"),
        ("/etc/hostname", None, "RESOLUTION_ATTACHMENT_OUTSIDE_FOLDER"),
        ("missing.pdf", None, "RESOLUTION_ATTACHMENT_NOT_FOUND"),
        ("big.pdf", b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024), "ATTACHMENT_TOO_LARGE"),
        ("notes.pdf", b"just text", "ATTACHMENT_NOT_PDF"),
        ("b" * 51 + ".pdf", b"%PDF-1.4\n%%EOF\n", "FIELD_TOO_LONG"),
    ],
)
def test_bad_attachments_are_refused_and_nothing_is_sent(
    ledger: Ledger,
    client: ChorusProClient,
    admin: SandboxAdmin,
    tmp_path: Path,
    name: str,
    content: bytes | None,
    code: str,
) -> None:
    if ledger.dialect_name != "sqlite":
        pytest.skip("the checks come before any ledger write that differs between databases")
    blocked(ledger, client, admin, {"RA-1": ("SUSPENDUE", "Pièce manquante")})
    folder = attachments_folder(tmp_path)
    (tmp_path / "outside.pdf").write_bytes(b"%PDF-1.4\n")
    if content is not None:
        (folder / name).write_bytes(content)
    uploads = admin.calls(UPLOAD)

    refused = resolver(ledger, client, folder).apply(
        decide("RA-1", Action.COMPLETE, attachment=name, comment="Voici")
    )

    assert refused.result is DecisionResult.REFUSED
    assert [item.code for item in refused.findings] == [code]
    assert admin.calls(UPLOAD) == uploads and admin.calls(f"{F}/completer") == 0
    detail = ledger.get_invoice("RA-1", SUPPLIER_SIRET)
    assert detail is not None and detail.resolutions[0].rule_code == code


def test_a_decision_the_status_does_not_ask_for_is_refused(
    ledger: Ledger, client: ChorusProClient, admin: SandboxAdmin, tmp_path: Path
) -> None:
    blocked(ledger, client, admin, {"RN-1": ("SUSPENDUE", "Pièce manquante")})
    resolve = resolver(ledger, client, attachments_folder(tmp_path))

    wrong = resolve.apply(decide("RN-1", Action.RECYCLE, service_code="Facture_commande"))
    unknown = resolve.apply(decide("NOPE-1", Action.ACKNOWLEDGE))

    assert [item.code for item in wrong.findings] == ["RESOLUTION_NOT_EXPECTED"]
    assert "SUSPENDUE" in wrong.message
    assert [item.code for item in unknown.findings] == ["RESOLUTION_INVOICE_UNKNOWN"]


def test_chorus_pro_refusing_the_action_is_recorded_with_its_code(
    ledger: Ledger, client: ChorusProClient, admin: SandboxAdmin, tmp_path: Path
) -> None:
    ids = blocked(ledger, client, admin, {"RC-1": ("SUSPENDUE", "Pièce manquante")})
    admin.set_status(ids["RC-1"], "MISE_A_DISPOSITION")  # the buyer moved on; the ledger does not know yet

    answer = resolver(ledger, client, attachments_folder(tmp_path)).apply(
        decide("RC-1", Action.COMPLETE, comment="Voici")
    )

    assert answer.result is DecisionResult.REJECTED
    assert [item.code for item in answer.findings] == ["RESOLUTION_REFUSED_BY_CHORUS_PRO"]
    assert "GDP_MSG_11.033" in answer.message  # the platform's own code for "not SUSPENDUE"
    detail = ledger.get_invoice("RC-1", SUPPLIER_SIRET)
    assert detail is not None and detail.resolutions[0].outcome is ResolutionOutcome.REJECTED


def test_needs_review_adopted_under_the_id_a_person_found_or_released(
    ledger: Ledger, client: ChorusProClient, admin: SandboxAdmin, sandbox: SandboxServer, tmp_path: Path
) -> None:
    ledger.record_validated(SUPPLIER_SIRET, "e.csv", [valid_verdict("RV-1"), valid_verdict("RV-2")])
    for claim in ledger.claim_for_submission(SUPPLIER_SIRET, ["RV-1", "RV-2"], OWNER):
        ledger.mark_needs_review(claim.invoice_id, "two candidates on Chorus Pro", owner=OWNER)
    there = sandbox_api(sandbox).deposit_pdf("RV-1")
    other = sandbox_api(sandbox).deposit_pdf("OTHER-1")
    resolve = resolver(ledger, client, attachments_folder(tmp_path))

    mismatch = resolve.apply(decide("RV-1", Action.ADOPT, chorus_id=other["identifiantFactureCPP"]))
    adopted = resolve.apply(decide("RV-1", Action.ADOPT, chorus_id=there["identifiantFactureCPP"]))
    released = resolve.apply(decide("RV-2", Action.RELEASE))

    assert [item.code for item in mismatch.findings] == ["RESOLUTION_ADOPT_MISMATCH"]
    assert adopted.result is DecisionResult.DONE and released.result is DecisionResult.DONE
    first = ledger.get_invoice("RV-1", SUPPLIER_SIRET)
    second = ledger.get_invoice("RV-2", SUPPLIER_SIRET)
    assert first is not None and second is not None
    assert (first.state, first.identifiant_facture_cpp) == (
        InvoiceState.SUBMITTED,
        there["identifiantFactureCPP"],
    )
    assert second.state is InvoiceState.PENDING
    assert second.resolutions[0].decided_by == DECIDER
