"""A refused deposit is settled by what Chorus Pro holds under the number, never by the refusal's words.

Real refusals carry a code and a bare message key (tests/data/chorus_answers/README.md): the
libellé may be a key, empty, absent or cut, and the code may be one nobody documented. Whatever it
says, the submitter searches by number: what Chorus Pro holds for this buyer and amount is adopted,
a doubtful match goes to a person, and only an invoice it does not hold ends ``failed`` with the code.
The sandbox answers a duplicate the platform's way (20013, bare key); the scripted server plays
every other refusal over a real socket.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from chorusflow.ledger import InvoiceState, Ledger
from chorusflow.platforms.chorus_pro import ChorusProClient, Operation
from chorusflow.submission.submitter import DepositResult
from chorusflow_dev.sandbox import SandboxServer
from chorusflow_dev.testing import COMMUNE, ISSUE_DATE
from chorusflow_dev.testing.exports import sample_invoice
from tests.fixtures.sandbox import SandboxAdmin, sandbox_api
from tests.platforms.chorus_pro.channels.support import OWNER, RETRY_OWNER, record_rows, submit_numbers
from tests.platforms.chorus_pro.scripted import ScriptedServer, scripted, scripted_config

__all__ = ["scripted"]  # fixture

SUPPLIER_SIRET = "45218801400016"
SUPPLIER_IBAN = "FR7630006000011234567890189"


def test_a_duplicate_refused_with_a_bare_key_is_adopted(
    sandbox: SandboxServer, client: ChorusProClient, ledger: Ledger, tmp_path: Path
) -> None:
    """The invoice is on Chorus Pro already (its answer was lost with an older ledger): the new
    deposit is refused with ``20013 GDP_MSG_11.076`` and no sentence, and the invoice is adopted."""
    admin = SandboxAdmin(sandbox)
    earlier = sandbox_api(sandbox).deposit_pdf("F2026-DUP1", invoice_date=ISSUE_DATE.isoformat())
    assert earlier["codeRetour"] == 0
    numbers = record_rows(ledger, tmp_path, [sample_invoice("F2026-DUP1")])

    result = submit_numbers(ledger, client, numbers, OWNER)

    assert result.count(DepositResult.ADOPTED) == 1, result.to_xcom()
    detail = ledger.get_invoice("F2026-DUP1")
    assert detail is not None and detail.state is InvoiceState.SUBMITTED
    assert detail.identifiant_facture_cpp == earlier["identifiantFactureCPP"]
    assert admin.submission_counts()["F2026-DUP1"] == 2  # the refused one was not an invoice
    assert len(admin.invoices()) == 1


def test_a_number_held_for_another_amount_goes_to_a_person_and_is_never_sent_again(
    sandbox: SandboxServer, client: ChorusProClient, ledger: Ledger, tmp_path: Path
) -> None:
    admin = SandboxAdmin(sandbox)
    other = sandbox_api(sandbox).deposit_pdf("F2026-DUP2", invoice_date=ISSUE_DATE.isoformat(), ht=150.0)
    assert other["codeRetour"] == 0
    numbers = record_rows(ledger, tmp_path, [sample_invoice("F2026-DUP2")])  # 120.00 TTC, not 170.00

    result = submit_numbers(ledger, client, numbers, OWNER)

    (outcome,) = result.outcomes
    assert outcome.result is DepositResult.NEEDS_REVIEW, result.to_xcom()
    assert outcome.message and "170" in outcome.message and "codeRetour 20013" in outcome.message
    detail = ledger.get_invoice("F2026-DUP2")
    assert detail is not None and detail.state is InvoiceState.NEEDS_REVIEW
    assert detail.identifiant_facture_cpp is None
    again = submit_numbers(ledger, client, numbers, RETRY_OWNER)
    assert again.count(DepositResult.SKIPPED) == 1
    assert admin.submission_counts()["F2026-DUP2"] == 2


# -- every other refusal, scripted over a real socket ------------------------------------------------

CUT_SENTENCE = ("Vous avez déjà déposé une demande de paiement avec ce numéro de facture " * 10)[:255]
LIBELLES = {
    "bare key": "GDP_MSG_11.076",
    "empty": "",
    "absent": None,
    "key cut": "GDP_MSG_11.0",
    "text cut at 255": CUT_SENTENCE,
}


def _json(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode()


def _row(number: str, identifiant: int, ttc: str = "120.00") -> dict[str, Any]:
    return {
        "identifiantFactureCPP": identifiant,
        "numeroFacture": number,
        "statut": "DEPOSEE",
        "typeFacture": "FACTURE",
        "codeDestinataire": COMMUNE,
        "montantTTC": ttc,
    }


def _script(scripted: ScriptedServer, refusal: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    """A supplier, its bank account, an upload, the refusal, and what the search by number finds."""
    ok = {"codeRetour": 0, "libelle": "TRA_MSG_00.000"}
    structures = [{"idStructureCPP": 26262962, "identifiant": SUPPLIER_SIRET, "designationStructure": "S"}]
    accounts = [{"idCoordonneeBancaire": 144050, "nomCoordonneeBancaire": SUPPLIER_IBAN}]
    paging = {"pageCourante": 1, "pages": 1 if rows else 0, "nbResultatsParPage": 100, "total": len(rows)}
    scripted.replies.update(
        {
            Operation.SUPPLIER_STRUCTURES: [(200, _json({**ok, "listeStructures": structures}), {})],
            Operation.BANK_ACCOUNTS: [(200, _json({**ok, "listeCoordonneeBancaire": accounts}), {})],
            Operation.ATTACHMENT_UPLOAD: [
                (200, _json({"codeRetour": 0, "libelle": "GCU_MSG_01_000", "pieceJointeId": 6921279}), {})
            ],
            Operation.SUBMIT_INVOICE: [(200, _json(refusal), {})],
            Operation.SUPPLIER_INVOICE_SEARCH: [
                (200, _json({**ok, "listeFactures": rows, "parametresRetour": paging}), {})
            ],
        }
    )


def _refusal(code: int, libelle: str | None) -> dict[str, Any]:
    return {"codeRetour": code} if libelle is None else {"codeRetour": code, "libelle": libelle}


def _submit_scripted(scripted: ScriptedServer, ledger: Ledger, tmp_path: Path, number: str) -> Any:
    numbers = record_rows(ledger, tmp_path, [sample_invoice(number)])
    with ChorusProClient(scripted_config(scripted)) as chorus:
        (outcome,) = submit_numbers(ledger, chorus, numbers, OWNER).outcomes
    searched = [body for path, body in scripted.bodies if path == Operation.SUPPLIER_INVOICE_SEARCH]
    assert searched and all(body["numeroFacture"] == number for body in searched)
    return outcome


@pytest.mark.parametrize("libelle", list(LIBELLES.values()), ids=list(LIBELLES))
@pytest.mark.parametrize("code", [20013, 20999])
def test_a_refusal_chorus_pro_holds_nothing_for_fails_with_its_code(
    code: int, libelle: str | None, scripted: ScriptedServer, ledger: Ledger, tmp_path: Path
) -> None:
    _script(scripted, _refusal(code, libelle), rows=[])

    outcome = _submit_scripted(scripted, ledger, tmp_path, "F2026-R1")

    assert outcome.result is DepositResult.FAILED
    assert f"codeRetour {code}" in (outcome.message or "") and "holds no invoice" in (outcome.message or "")
    detail = ledger.get_invoice("F2026-R1")
    assert detail is not None and detail.state is InvoiceState.FAILED


@pytest.mark.parametrize("libelle", ["", "GDP_MSG_11.0", CUT_SENTENCE], ids=["empty", "key cut", "cut"])
def test_an_unknown_refusal_of_an_invoice_chorus_pro_holds_adopts_it(
    libelle: str, scripted: ScriptedServer, ledger: Ledger, tmp_path: Path
) -> None:
    _script(scripted, _refusal(20999, libelle), rows=[_row("F2026-R2", 4321098)])

    outcome = _submit_scripted(scripted, ledger, tmp_path, "F2026-R2")

    assert (outcome.result, outcome.identifiant_facture_cpp) == (DepositResult.ADOPTED, 4321098)
    detail = ledger.get_invoice("F2026-R2")
    assert detail is not None and detail.state is InvoiceState.SUBMITTED
    assert detail.identifiant_facture_cpp == 4321098


@pytest.mark.parametrize(
    "rows",
    [
        [_row("F2026-R3", 11), _row("F2026-R3", 12)],  # two invoices under the number
        [{**_row("F2026-R3", 11), "codeDestinataire": "11000201100044"}],  # another buyer
        [{**_row("F2026-R3", 11), "typeFacture": "AVOIR"}],  # a credit note
    ],
    ids=["two matches", "other buyer", "other type"],
)
def test_an_ambiguous_search_after_a_refusal_goes_to_a_person(
    rows: list[dict[str, Any]], scripted: ScriptedServer, ledger: Ledger, tmp_path: Path
) -> None:
    _script(scripted, _refusal(20013, "GDP_MSG_11.076"), rows=rows)

    outcome = _submit_scripted(scripted, ledger, tmp_path, "F2026-R3")

    assert outcome.result is DepositResult.NEEDS_REVIEW and outcome.identifiant_facture_cpp is None
    detail = ledger.get_invoice("F2026-R3")
    assert detail is not None and detail.state is InvoiceState.NEEDS_REVIEW


def test_a_search_that_fails_after_a_refusal_keeps_the_claim_for_the_next_try(
    scripted: ScriptedServer, ledger: Ledger, tmp_path: Path
) -> None:
    """Neither adopted nor failed when Chorus Pro cannot be asked: the next attempt asks first."""
    _script(scripted, _refusal(20013, "GDP_MSG_11.076"), rows=[])
    scripted.replies[Operation.SUPPLIER_INVOICE_SEARCH] = [(503, b"", {})]

    numbers = record_rows(ledger, tmp_path, [sample_invoice("F2026-R4")])
    with ChorusProClient(scripted_config(scripted)) as chorus:
        (outcome,) = submit_numbers(ledger, chorus, numbers, OWNER).outcomes

    assert outcome.result is DepositResult.RETRY
    detail = ledger.get_invoice("F2026-R4")
    assert detail is not None and detail.state is not InvoiceState.FAILED
    assert detail.identifiant_facture_cpp is None
