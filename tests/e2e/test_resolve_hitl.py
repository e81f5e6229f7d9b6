"""Decisions about blocked invoices under a real ``airflow standalone``, driven through the REST API.

On the session's Airflow (its submission run already deposited the sample export on the sandbox), the
sandbox's recipient side suspends one invoice, asks to recycle another and rejects two more; one status
sync then opens one human-in-the-loop task per invoice (``chorus_resolve_invoices``, mapped, labelled
with the numbers). Three are answered through ``PATCH .../hitlDetails`` as a user's script would, the
fourth in a headless Chromium through the UI's form. The sandbox then shows COMPLETEE, the new routing
and ``rejetTraite``; a replayed answer is refused by Airflow and each action reached the sandbox once.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from chorusflow.config import load_supplier
from chorusflow.ledger import Ledger, resolve_ledger_url
from chorusflow_dev.airflow.local import LocalAirflow
from tests.e2e.test_browser import browser_page, chromium, log_in
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
    admin.set_status(ids[numbers["browser"]], "REJETEE", "Doublon")
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
    # The alert's stable link leads to this very form.
    link = requests.get(
        f"{decisions.local.url}/chorusflow-decisions/{suspended}", allow_redirects=False, timeout=10
    )
    assert link.status_code == 307
    assert link.headers["location"].endswith(f"/mapped/{decisions.map_indexes[suspended]}/required_actions")


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


def test_a_person_answers_one_form_in_the_browser(
    chromium: Path, open_decisions: OpenDecisions, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    decisions = open_decisions
    number = decisions.numbers["browser"]
    admin = sandbox_admin_of(decisions.local)
    acknowledged = admin.calls(f"{F}/traiterRejet")
    form = (
        f"{decisions.local.url}/dags/{RESOLVE_DAG}/runs/{decisions.run_id}/tasks/decide/mapped/"
        f"{decisions.map_indexes[number]}/required_actions"
    )
    with browser_page(chromium, tmp_path / "chromium-profile") as page:
        log_in(page, decisions.local)
        page.goto(form)
        expect(page.get_by_text("Doublon").first).to_be_visible()  # the buyer's comment
        page.screenshot(path=str(tmp_path / "decision-form.png"), full_page=True)
        page.get_by_role("button", name="Prendre acte du rejet").click()
        deadline = time.monotonic() + OPEN_TIMEOUT
        while time.monotonic() < deadline and not (admin.invoice(number) or {}).get("rejet_traite"):
            time.sleep(2)
    assert (admin.invoice(number) or {}).get("rejet_traite") is True
    assert admin.calls(f"{F}/traiterRejet") == acknowledged + 1
    assert wait_for_run(decisions.local, decisions.run_id, RESOLVE_DAG) == "success"
