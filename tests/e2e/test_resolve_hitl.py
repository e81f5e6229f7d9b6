"""Decisions about blocked invoices under a real ``airflow standalone``: REST API and the browser.

On the session's Airflow (its submission run already deposited the sample export on the sandbox), the
sandbox's recipient side suspends two invoices, asks to recycle another and rejects one more; one
status sync then opens one human-in-the-loop task per invoice (``chorus_resolve_invoices``, mapped,
labelled with the numbers).

- A ``viewer`` reaches a decision from the desk, inside Airflow's frame, sees it read-only and is told
  in French who can decide; their answer is refused.
- Three are answered through ``PATCH .../hitlDetails`` as a user's script would; the recycle first with
  an engagement the buyer's profile refuses: the task asks again in the same try (no try used up),
  the decision page shows the rule code, and the corrected answer goes through.
- The ``clerk`` (a decider, not an admin) opens the other suspended invoice from *À traiter* inside
  Airflow's frame, whose decision someone closed in Airflow: its page reopens it, the clerk uploads a
  file that is not a PDF (refused on the form, the decision stays open), then a PDF, and sees the
  invoice COMPLETEE.

The sandbox then shows COMPLETEE, the new routing and ``rejetTraite``; a replayed answer is refused by
Airflow and each action reached the sandbox once.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from chorusflow.ledger import Ledger, resolve_ledger_url
from chorusflow.suppliers import load_supplier
from chorusflow_dev.airflow.local import CLERK, VIEWER, LocalAirflow
from tests.e2e.test_browser import browser_page, chromium, open_desk
from tests.fixtures.local_airflow import (
    SubmittedRun,
    check,
    sandbox_admin_of,
    task_instances,
    trigger,
    wait_for_run,
)
from tests.fixtures.sandbox import IFPEN, SandboxAdmin, plain_pdf

__all__ = ["chromium"]  # the browser test's fixture, shared

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

SYNC_DAG = "chorus_sync_statuses"
RESOLVE_DAG = "chorus_resolve_invoices"
F = "/cpro/factures/v1"
OPEN_TIMEOUT = 240.0
NEW_ENGAGEMENT = "4500099999"
PARK_SETTLE_SECONDS = 8.0


@dataclass
class OpenDecisions:
    """The resolution run waiting for four answers."""

    local: LocalAirflow
    run_id: str
    numbers: dict[str, str]  # role (suspended, recycle, rejected, browser) -> invoice number
    map_indexes: dict[str, int]  # invoice number -> map index of its decide task


def hitl_path(decisions: OpenDecisions, number: str) -> str:
    index = decisions.map_indexes[number]
    return f"/api/v2/dags/{RESOLVE_DAG}/dagRuns/{decisions.run_id}/taskInstances/decide/{index}/hitlDetails"


def waiting_decisions(local: LocalAirflow, run_id: str) -> dict[str, dict[str, Any]]:
    return {
        ti["rendered_map_index"]: ti
        for ti in task_instances(local, run_id, RESOLVE_DAG)
        if ti["task_id"] == "decide" and ti["map_index"] >= 0
    }


def newest_run(local: LocalAirflow, dag_id: str) -> str | None:
    body = check(local.api("GET", f"/api/v2/dags/{dag_id}/dagRuns?order_by=-run_after&limit=1"))
    return body["dag_runs"][0]["dag_run_id"] if body["dag_runs"] else None


def pick(admin: SandboxAdmin, valid: list[str]) -> dict[str, str]:
    buyers = {invoice["number"]: invoice["buyer_siret"] for invoice in admin.invoices()}
    ifpen = [number for number in valid if buyers.get(number) == IFPEN]
    others = [number for number in valid if buyers.get(number) != IFPEN]
    assert len(ifpen) >= 2 and len(others) >= 2, buyers
    return {"suspended": ifpen[0], "recycle": ifpen[1], "rejected": others[0], "browser": others[1]}


def token(local: LocalAirflow, user: str) -> str:
    answer = requests.post(
        f"{local.url}/auth/token", json={"username": user, "password": local.password}, timeout=10
    )
    answer.raise_for_status()
    return str(answer.json()["access_token"])


def decision_page(local: LocalAirflow, number: str, user: str = "admin") -> requests.Response:
    return requests.get(
        f"{local.url}/chorusflow-decisions/{number}",
        headers={"Authorization": f"Bearer {token(local, user)}"},
        timeout=30,
    )


def wait_until(condition: Any, timeout: float = OPEN_TIMEOUT) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(2)
    return condition()


@pytest.fixture(scope="module")
def open_decisions(submitted_run: SubmittedRun) -> Iterator[OpenDecisions]:
    """Four invoices blocked on the sandbox, one sync, and the resolution run waiting for answers."""
    local = submitted_run.local
    admin = sandbox_admin_of(local)
    numbers = pick(admin, submitted_run.valid)
    ids = {number: (admin.invoice(number) or {})["id"] for number in numbers.values()}
    admin.set_status(ids[numbers["suspended"]], "SUSPENDUE", "Bon de livraison manquant")
    admin.set_status(ids[numbers["recycle"]], "A_RECYCLER", "Mauvais numéro de commande")
    admin.set_status(ids[numbers["rejected"]], "REJETEE", "Montant erroné")
    admin.set_status(ids[numbers["browser"]], "SUSPENDUE", "Attestation manquante")
    check(local.api("PATCH", f"/api/v2/dags/{RESOLVE_DAG}", {"is_paused": False}))
    before = newest_run(local, RESOLVE_DAG)
    assert wait_for_run(local, trigger(local, {}, SYNC_DAG), SYNC_DAG) == "success"

    deadline = time.monotonic() + OPEN_TIMEOUT
    run_id, waiting = None, {}
    while time.monotonic() < deadline:
        run_id = newest_run(local, RESOLVE_DAG)
        if run_id and run_id != before:
            waiting = waiting_decisions(local, run_id)
            if len([ti for ti in waiting.values() if ti["state"] == "awaiting_input"]) >= 4:
                break
        time.sleep(2)
    assert run_id and run_id != before, "the sync's asset event started no resolution run"
    assert {ti["state"] for ti in waiting.values()} == {"awaiting_input"}, waiting
    # The API shows awaiting_input as the worker parks the task; an answer within that same instant
    # races the worker's last report (the try fails and asks again). People take longer than this.
    time.sleep(PARK_SETTLE_SECONDS)
    yield OpenDecisions(local, run_id, numbers, {n: ti["map_index"] for n, ti in waiting.items()})


def test_each_blocked_invoice_gets_its_own_labelled_decision(open_decisions: OpenDecisions) -> None:
    decisions = open_decisions
    assert set(decisions.numbers.values()) <= set(decisions.map_indexes)
    suspended = decisions.numbers["suspended"]
    detail = check(decisions.local.api("GET", hitl_path(decisions, suspended)))
    assert detail["options"] == ["Compléter"]
    assert "Bon de livraison manquant" in detail["body"] and suspended in detail["subject"]
    assert set(detail["params"]) == {"attachment", "comment"}
    # The alert's stable link shows this very decision as a form (required fields marked).
    page = decision_page(decisions.local, suspended)
    assert page.status_code == 200, page.text
    assert "Bon de livraison manquant" in page.text and 'name="document"' in page.text
    assert "(obligatoire)" in page.text and str(decisions.local.inbox) not in page.text
    assert 'id="cannot-decide"' not in page.text


def test_a_viewer_sees_the_decision_read_only_and_is_told_who_decides(
    chromium: Path, open_decisions: OpenDecisions, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    decisions = open_decisions
    number = decisions.numbers["rejected"]
    with browser_page(chromium, tmp_path / "viewer-profile") as page:
        desk = open_desk(page, decisions.local, VIEWER)
        desk.get_by_role("link", name="À traiter").click()
        desk.locator("tr", has_text=number).get_by_role("link", name="décision attendue").click()
        expect(desk.locator("#cannot-decide")).to_contain_text("Seul un décideur peut décider")
        expect(desk.get_by_role("button", name="Prendre acte du rejet")).to_be_disabled()
        page.screenshot(path=str(tmp_path / "viewer-decision.png"), full_page=True)
    # Even a hand-made answer is refused, with the same sentence; the decision stays open.
    refused = requests.post(
        f"{decisions.local.url}/chorusflow-decisions/{number}",
        headers={"Authorization": f"Bearer {token(decisions.local, VIEWER)}"},
        data={"option": "Prendre acte du rejet"},
        timeout=30,
    )
    assert refused.status_code == 422 and "Seul un décideur peut décider" in refused.text
    assert waiting_decisions(decisions.local, decisions.run_id)[number]["state"] == "awaiting_input"


def test_answers_through_the_rest_api_reach_chorus_pro_once(open_decisions: OpenDecisions) -> None:
    decisions = open_decisions
    local, numbers = decisions.local, decisions.numbers
    admin = sandbox_admin_of(local)
    attachments = Path(local.env["CHORUSFLOW_INBOX"]) / "attachments"
    attachments.mkdir(parents=True, exist_ok=True)
    (attachments / "BL-2026-11.pdf").write_bytes(plain_pdf("Bon de livraison"))
    answers = {
        numbers["suspended"]: {
            "chosen_options": ["Compléter"],
            "params_input": {"attachment": "BL-2026-11.pdf", "comment": "Voici le bon de livraison"},
        },
        numbers["recycle"]: {
            "chosen_options": ["Recycler"],
            "params_input": {"service_code": None, "engagement": NEW_ENGAGEMENT, "comment": "Bon EJ"},
        },
        numbers["rejected"]: {
            "chosen_options": ["Prendre acte du rejet"],
            "params_input": {"new_number": None, "comment": None},
        },
    }
    # A refused answer (IFPEN wants a 10-digit engagement) is asked again in the same try.
    recycle = numbers["recycle"]
    before = waiting_decisions(local, decisions.run_id)[recycle]
    wrong = {"chosen_options": ["Recycler"], "params_input": {**answers[recycle]["params_input"]}}
    wrong["params_input"]["engagement"] = "12345"
    check(local.api("PATCH", hitl_path(decisions, recycle), wrong))

    def asked_again() -> bool:
        detail = check(local.api("GET", hitl_path(decisions, recycle)))
        state = waiting_decisions(local, decisions.run_id)[recycle]["state"]
        return state == "awaiting_input" and not detail["response_received"]

    assert wait_until(asked_again), check(local.api("GET", hitl_path(decisions, recycle)))
    again = waiting_decisions(local, decisions.run_id)[recycle]
    assert again["try_number"] == before["try_number"]  # the refusal used up no try
    page = decision_page(local, recycle)
    assert page.status_code == 200 and "ENGAGEMENT_FORMAT" in page.text and 'id="refusal"' in page.text
    assert admin.calls(f"{F}/recycler") == 0
    time.sleep(PARK_SETTLE_SECONDS)
    for number, answer in answers.items():
        check(local.api("PATCH", hitl_path(decisions, number), answer))

    deadline = time.monotonic() + OPEN_TIMEOUT
    while time.monotonic() < deadline:
        states = {
            n: ti["state"] for n, ti in waiting_decisions(local, decisions.run_id).items() if n in answers
        }
        if set(states.values()) <= {"success", "failed"}:
            break
        time.sleep(2)
    assert set(states.values()) == {"success"}, states

    suspended, recycled, rejected = (admin.invoice(n) or {} for n in answers)
    assert suspended["status"] == "COMPLETEE"
    assert (recycled["status"], recycled["engagement"]) == ("MISE_A_DISPOSITION", NEW_ENGAGEMENT)
    assert rejected["rejet_traite"] is True
    # A replayed answer changes nothing: Airflow refuses it, and nothing more reached Chorus Pro.
    replay = local.api("PATCH", hitl_path(decisions, numbers["suspended"]), answers[numbers["suspended"]])
    assert replay.status_code == 409
    assert (
        admin.calls(f"{F}/completer"),
        admin.calls(f"{F}/recycler"),
        admin.calls(f"{F}/traiterRejet"),
    ) == (
        1,
        1,
        1,
    )
    ledger = Ledger(resolve_ledger_url(local.env))
    try:
        detail = ledger.get_invoice(numbers["suspended"], load_supplier().siret)
        assert detail is not None
        [decision] = detail.resolutions
        assert (decision.decided_by, decision.source, decision.outcome.value) == (
            "admin",
            "hitl",
            "succeeded",
        )
    finally:
        ledger.dispose()


def test_a_clerk_uploads_a_pdf_and_completes_an_invoice_in_the_desk(
    chromium: Path, open_decisions: OpenDecisions, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    decisions = open_decisions
    number = decisions.numbers["browser"]
    admin = sandbox_admin_of(decisions.local)
    completed = admin.calls(f"{F}/completer")
    not_pdf = tmp_path / "attestation.txt"
    not_pdf.write_text("pas un PDF", encoding="utf-8")
    pdf = tmp_path / "Attestation-2026.pdf"
    pdf.write_bytes(plain_pdf("Attestation"))
    # Someone closed this decision in Airflow (its task marked failed): the clerk reopens it.
    index = decisions.map_indexes[number]
    path = f"/api/v2/dags/{RESOLVE_DAG}/dagRuns/{decisions.run_id}/taskInstances/decide/{index}"
    check(decisions.local.api("PATCH", path, {"new_state": "failed"}))
    assert wait_for_run(decisions.local, decisions.run_id, RESOLVE_DAG) == "failed"
    with browser_page(chromium, tmp_path / "clerk-profile") as page:
        desk = open_desk(page, decisions.local, CLERK)
        desk.get_by_role("link", name="À traiter").click()
        line = desk.locator("#queue-blocked tr", has_text=number)
        expect(line).to_contain_text("Répondre au formulaire de décision")  # the form, not the portal
        line.get_by_role("link", name=number).click()  # the invoice's page ...
        desk.get_by_role("link", name="Décider : ouvrir la page de la décision").click()  # ... its decision
        # Closed: no dead end, the decision is reopened from there and its new form opens.
        expect(desk.get_by_text("Aucune décision n'est ouverte")).to_be_visible()
        desk.get_by_role("button", name="Rouvrir la décision").click()
        expect(desk.get_by_text("Attestation manquante").first).to_be_visible(timeout=OPEN_TIMEOUT * 1000)
        # A file that is not a PDF: refused on the form, with its code and reason; nothing sent.
        desk.locator("input[name=document]").set_input_files(str(not_pdf))
        desk.locator("textarea[name=comment]").fill("Voici l'attestation")
        desk.get_by_role("button", name="Compléter").click()
        expect(desk.locator("#refusal")).to_contain_text("ATTACHMENT_NOT_PDF")
        expect(desk.locator("#refusal")).to_contain_text("rien n'a été envoyé")
        page.screenshot(path=str(tmp_path / "refused-answer.png"), full_page=True)
        reopened = newest_run(decisions.local, RESOLVE_DAG)
        assert reopened and reopened != decisions.run_id
        assert waiting_decisions(decisions.local, reopened)[number]["state"] == "awaiting_input"
        # The second try: the PDF (the comment typed before is still there).
        expect(desk.locator("textarea[name=comment]")).to_have_value("Voici l'attestation")
        desk.locator("input[name=document]").set_input_files(str(pdf))
        desk.get_by_role("button", name="Compléter").click()
        expect(desk.get_by_text("COMPLETEE").first).to_be_visible(timeout=OPEN_TIMEOUT * 1000)
        page.screenshot(path=str(tmp_path / "completed.png"), full_page=True)
    invoice = admin.invoice(number) or {}
    assert invoice["status"] == "COMPLETEE"
    assert admin.calls(f"{F}/completer") == completed + 1
    ledger = Ledger(resolve_ledger_url(decisions.local.env))
    try:
        detail = ledger.get_invoice(number, load_supplier().siret)
        assert detail is not None
        done = [row for row in detail.resolutions if row.outcome.value == "succeeded"]
        assert [(row.decided_by, row.source) for row in done] == [(CLERK, "hitl")]
        upload = (done[0].sent or {}).get("ajouter_fichier") or {}
        assert upload.get("nom") == "Attestation-2026.pdf" and upload.get("pieceJointeId")
    finally:
        ledger.dispose()
