"""A clerk's whole day in one run, in Chromium, inside Airflow's frame (issue #22's acceptance path).

On the session's Airflow, the submission kept each buyer's legal form from the directory: the
hospital, which has no buyer profile, gets 50 days. The buyer suspends one invoice on the sandbox;
one real status sync opens its decision (``chorus_resolve_invoices``). Then, every click inside
``/plugin/invoice-desk``:

- the ``viewer`` reaches the decision from *À traiter* and finds it read-only, told in French who
  may decide;
- the ``clerk``, whose Airflow UI shows Tokyo time, sees the desk's times in that zone; opens the
  suspended invoice from *À traiter*, follows its "awaiting your decision" link to the form, uploads
  a PDF whose name is too long (refused on the form with its code and reason, the decision stays
  open), then the right PDF; the invoice is ``COMPLETEE``; after a real sync the desk shows it
  ``COMPLETEE`` with our comment attributed to us;
- Chromium's console reports no blocked navigation or popup on the way.

This file sorts after test_resolve_hitl.py and test_ui_desk.py on purpose: it completes an invoice
on the shared sandbox, whose completion count the former checks.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
import requests

from chorusflow.ledger import Ledger, resolve_ledger_url
from chorusflow.ledger.buyers import legal_forms
from chorusflow.suppliers import load_supplier
from chorusflow_dev.airflow.local import CLERK, VIEWER, LocalAirflow
from tests.e2e.test_browser import browser_page, chromium, open_desk
from tests.e2e.test_resolve_hitl import (
    OPEN_TIMEOUT,
    PARK_SETTLE_SECONDS,
    RESOLVE_DAG,
    SYNC_DAG,
    newest_run,
    pick,
    token,
    waiting_decisions,
)
from tests.e2e.test_ui_desk import BUYER_ACTIONS, ERROR_WORDS, _blocked_navigations
from tests.fixtures.local_airflow import SubmittedRun, check, sandbox_admin_of, trigger, wait_for_run
from tests.fixtures.sandbox import plain_pdf
from tests.rules.builders import COMMUNE, HOSPITAL

__all__ = ["chromium"]  # the browser test's fixture, shared

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

F = "/cpro/factures/v1"
REASON = "Merci de joindre la pièce justificative signée"
OUR_COMMENT = "Voici la pièce justificative signée"
GOOD_NAME = "Piece-justificative.pdf"
LONG_NAME = "Piece-justificative-signee-par-le-directeur-financier-2026.pdf"  # over 50 characters
UI_ZONE = "Asia/Tokyo"  # what the clerk chose in the Airflow UI; the session's browser is elsewhere


@dataclass
class Suspended:
    """The suspended invoice and its open decision."""

    local: LocalAirflow
    number: str
    run_id: str


@pytest.fixture(scope="module")
def suspended(submitted_run: SubmittedRun) -> Suspended:
    """One invoice no other module touches, suspended by its buyer; one sync opens its decision."""
    local = submitted_run.local
    admin = sandbox_admin_of(local)
    number = _walked(submitted_run)
    admin.set_status((admin.invoice(number) or {})["id"], "SUSPENDUE", REASON)
    check(local.api("PATCH", f"/api/v2/dags/{RESOLVE_DAG}", {"is_paused": False}))
    _close_open_resolution_runs(local)
    before = newest_run(local, RESOLVE_DAG)
    assert wait_for_run(local, trigger(local, {}, SYNC_DAG), SYNC_DAG) == "success"
    deadline = time.monotonic() + OPEN_TIMEOUT
    run_id = None
    while time.monotonic() < deadline:
        run_id = newest_run(local, RESOLVE_DAG)
        if run_id and run_id != before:
            waiting = waiting_decisions(local, run_id)
            if waiting.get(number, {}).get("state") == "awaiting_input":
                break
        time.sleep(2)
    assert run_id and run_id != before, "the sync's asset event started no resolution run"
    assert waiting_decisions(local, run_id)[number]["state"] == "awaiting_input"
    time.sleep(PARK_SETTLE_SECONDS)  # as test_resolve_hitl: let the worker park the task first
    return Suspended(local, number, run_id)


def _close_open_resolution_runs(local: LocalAirflow) -> None:
    """Close the resolution runs earlier modules left waiting (test_ui_desk's sync opens decisions
    nobody answers): one run at a time, so the next sync's run would wait behind them."""
    path = f"/api/v2/dags/{RESOLVE_DAG}/dagRuns"
    for state in ("running", "queued"):
        for run in check(local.api("GET", f"{path}?state={state}&limit=100"))["dag_runs"]:
            check(local.api("PATCH", f"{path}/{quote(run['dag_run_id'], safe='')}", {"state": "failed"}))


def test_a_hospital_without_a_profile_gets_50_days_from_the_directory(submitted_run: SubmittedRun) -> None:
    """The submission kept each buyer's legal form from the sandbox's directory (as production
    answers ``consulter/information/siret``); the desk gives the hospital, which has no profile, 50 days."""
    local = submitted_run.local
    ledger = Ledger(resolve_ledger_url(local.env))
    try:
        forms = legal_forms(ledger)
    finally:
        ledger.dispose()
    assert (forms.get(HOSPITAL), forms.get(COMMUNE)) == ("7364", "7210"), forms
    admin = sandbox_admin_of(local)
    taken = {*pick(admin, submitted_run.valid).values(), *(number for number, *_ in BUYER_ACTIONS)}
    hospital = [
        invoice["number"]
        for invoice in admin.invoices()
        if invoice["buyer_siret"] == HOSPITAL and invoice["number"] in submitted_run.valid
    ]
    untouched = [number for number in hospital if number not in taken and number != _walked(submitted_run)]
    assert untouched, hospital
    answer = requests.get(
        f"{local.url}/chorusflow/api/invoices/by-number/{untouched[0]}",
        headers={"Authorization": f"Bearer {token(local, 'admin')}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["period_days"], body["period_rule"]) == (50, "directory_public_hospital"), body


def _walked(run: SubmittedRun) -> str:
    """The invoice this module suspends: the last valid one no other module touches."""
    admin = sandbox_admin_of(run.local)
    taken = {*pick(admin, run.valid).values(), *(number for number, *_ in BUYER_ACTIONS)}
    return next(number for number in reversed(run.valid) if number not in taken)


def test_a_viewer_finds_the_decision_read_only_and_is_told_who_decides(
    chromium: Path, suspended: Suspended, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    with browser_page(chromium, tmp_path / "viewer-profile") as page:
        blocked = _blocked_navigations(page)
        desk = open_desk(page, suspended.local, VIEWER)
        desk.get_by_role("link", name="À traiter").click()
        line = desk.locator("#queue-blocked tr", has_text=suspended.number)
        line.get_by_role("link", name="décision attendue").click()
        expect(desk.locator("#cannot-decide")).to_contain_text("Seul un décideur peut décider")
        expect(desk.get_by_role("button", name="Compléter")).to_be_disabled()
        expect(desk.locator("input[name=document]")).to_be_disabled()
        page.screenshot(path=str(tmp_path / "viewer-decision.png"), full_page=True)
    assert not blocked, blocked
    assert waiting_decisions(suspended.local, suspended.run_id)[suspended.number]["state"] == "awaiting_input"


def test_a_clerk_decides_uploads_and_sees_the_invoice_completed(
    chromium: Path, suspended: Suspended, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    local, number = suspended.local, suspended.number
    admin = sandbox_admin_of(local)
    completed = admin.calls(f"{F}/completer")
    long_pdf, good_pdf = tmp_path / LONG_NAME, tmp_path / GOOD_NAME
    long_pdf.write_bytes(plain_pdf("Pièce justificative"))
    good_pdf.write_bytes(plain_pdf("Pièce justificative"))
    with browser_page(chromium, tmp_path / "clerk-profile") as page:
        blocked = _blocked_navigations(page)
        desk = open_desk(page, local, CLERK)
        # The zone the clerk chose in the Airflow UI (its user menu), which the UI keeps in the
        # browser; desk.js hands it to the desk (a cookie), which the next page follows.
        page.evaluate("zone => localStorage.setItem('timezone', JSON.stringify(zone))", UI_ZONE)
        page.reload()
        page.wait_for_function("document.cookie.includes('chorusflow_tz=Asia%2FTokyo')")
        desk = page.frame_locator("iframe")
        expect(desk.get_by_role("heading", name="Factures")).to_be_visible()

        desk.get_by_role("link", name="À traiter").click()
        line = desk.locator("#queue-blocked tr", has_text=number)
        expect(line).to_contain_text(REASON)
        expect(line.get_by_role("link", name="décision attendue")).to_be_visible()
        line.get_by_role("link", name=number, exact=True).click()  # the invoice's page
        expect(desk.get_by_role("heading", name=f"Facture {number}")).to_be_visible()
        history = desk.locator("#history")
        expect(history).to_contain_text(REASON)
        expect(history).to_contain_text(re.compile(r"\d\d/\d\d/\d{4} \d\d:\d\d JST"))  # the UI's zone
        expect(history).not_to_contain_text(" UTC")
        page.screenshot(path=str(tmp_path / "clerk-invoice.png"), full_page=True)
        desk.get_by_role("link", name="Décision attendue : ouvrir le formulaire").click()

        # A PDF whose name is too long: refused on the form, with its code and reason; nothing sent.
        expect(desk.get_by_text(REASON).first).to_be_visible()
        desk.locator("input[name=document]").set_input_files(str(long_pdf))
        desk.locator("textarea[name=comment]").fill(OUR_COMMENT)
        desk.get_by_role("button", name="Compléter").click()
        refusal = desk.locator("#refusal")
        expect(refusal).to_contain_text("FIELD_TOO_LONG")
        expect(refusal).to_contain_text("maximum 50")
        page.screenshot(path=str(tmp_path / "clerk-refused.png"), full_page=True)
        assert admin.calls(f"{F}/completer") == completed
        assert waiting_decisions(local, suspended.run_id)[number]["state"] == "awaiting_input"

        # The second answer: the right PDF, the comment still there.
        expect(desk.locator("textarea[name=comment]")).to_have_value(OUR_COMMENT)
        desk.locator("input[name=document]").set_input_files(str(good_pdf))
        desk.get_by_role("button", name="Compléter").click()
        expect(desk.get_by_text("COMPLETEE").first).to_be_visible(timeout=OPEN_TIMEOUT * 1000)
        page.screenshot(path=str(tmp_path / "clerk-completed.png"), full_page=True)

        # A real sync reads the status back; the desk shows it, with our comment as ours.
        assert wait_for_run(local, trigger(local, {}, SYNC_DAG), SYNC_DAG) == "success"
        page.goto(f"{local.url}/plugin/invoice-desk")  # back to the desk from Airflow's navigation
        desk = page.frame_locator("iframe")
        expect(desk.locator("#filter-state")).to_have_value("")  # the unfiltered list has loaded
        desk.locator("#filter-number").fill(number)
        desk.get_by_role("button", name="Filtrer").click()
        row = desk.locator("tr", has_text=number)
        expect(row).to_contain_text("COMPLETEE")
        expect(row).to_contain_text(f"nous : {OUR_COMMENT}")
        row.get_by_role("link", name=number, exact=True).click()
        expect(desk.get_by_role("heading", name=f"Facture {number}")).to_be_visible()
        expect(desk.locator("dt", has_text="Notre commentaire")).to_be_visible()
        expect(desk.locator("dt", has_text="Commentaire de l'acheteur")).to_have_count(0)
        expect(desk.locator("#history tr", has_text=OUR_COMMENT)).to_contain_text("nous")
        page.screenshot(path=str(tmp_path / "clerk-done.png"), full_page=True)
        for frame in page.frames:
            content = frame.content()
            assert not any(word in content for word in ERROR_WORDS), frame.url
    assert not blocked, blocked
    assert (admin.invoice(number) or {})["status"] == "COMPLETEE"
    assert admin.calls(f"{F}/completer") == completed + 1
    ledger = Ledger(resolve_ledger_url(local.env))
    try:
        detail = ledger.get_invoice(number, load_supplier().siret)
        assert detail is not None and detail.chorus_status == "COMPLETEE"
        done = [row for row in detail.resolutions if row.outcome.value == "succeeded"]
        assert [(row.decided_by, row.source) for row in done] == [(CLERK, "hitl")]
        upload = (done[0].sent or {}).get("ajouter_fichier") or {}
        assert upload.get("nom") == GOOD_NAME and upload.get("pieceJointeId")
    finally:
        ledger.dispose()
