"""The invoice desk in a real browser, inside the session's ``airflow standalone``.

After the session's submission run, the buyer suspends F2026-0101, rejects F2026-0102 and pays
F2026-0103 on the sandbox, and one real ``chorus_sync_statuses`` run records the three statuses. Then:

- no desk page, download or JSON endpoint answers without a login, nor with a forged token: a page
  sends to Airflow's login page (a logged-out browser lands on its form), the JSON answers 401;
- Debian's headless Chromium logs in as admin, opens the desk from the UI's navigation, filters on
  ``SUSPENDUE``, opens F2026-0101 (the buyer's comment, the attempt history), downloads the CSV of
  the filter and the deposited PDF, and follows "ouvrir dans Airflow" to the task instance: all of
  it INSIDE Airflow's frame (``/plugin/invoice-desk``), whose sandbox allows neither top navigation
  nor popups; the browser's console reports no blocked navigation;
- a new browser session, as the ``clerk`` user, finds the suspended and rejected invoices
  in "To handle" with the buyer's reasons, opens the blocked list from its summary card, the paid
  invoice as paid, and the Runs page: date, state, counts, the run in Airflow, and its report opened
  in the frame with a way back and invoice numbers leading to the desk (issues #14 and #22).

Screenshots go under the test's ``tmp_path``. This file sorts after the other users of the shared
Airflow on purpose: it changes the status of invoices they expect deposited and untouched.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests

from chorusflow.ledger import InvoiceState, Ledger, resolve_ledger_url
from chorusflow_dev.airflow.local import CLERK
from tests.e2e.test_browser import browser_page, chromium, open_desk  # noqa: F401 - chromium is a fixture
from tests.fixtures.local_airflow import SubmittedRun, sandbox_admin_of, trigger, wait_for_run

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

SYNC_DAG = "chorus_sync_statuses"
NUMBER = "F2026-0101"
COMMENT = "Merci de joindre le bon de commande signé"
REJECTED = "F2026-0102"
REJECTION = "Facture en double : déjà reçue sous le numéro F2026-0099"
PAID = "F2026-0103"
#: What the buyer does on the sandbox: (invoice, status, comment, local state after the sync).
BUYER_ACTIONS = (
    (NUMBER, "SUSPENDUE", COMMENT, InvoiceState.BLOCKED),
    (REJECTED, "REJETEE", REJECTION, InvoiceState.BLOCKED),
    (PAID, "MISE_EN_PAIEMENT", None, InvoiceState.PAID),
)
#: What Chromium's console names when a sandboxed frame's navigation or popup is refused.
BLOCKED_FLAGS = (
    "allow-top-navigation",
    "allow-popups",
    "Blocked opening",
    "Unsafe attempt to initiate navigation",
)
ERROR_WORDS = ("Internal Server Error", "Traceback", "Le registre des factures ne répond pas")


@pytest.fixture(scope="module")
def buyer_acted(submitted_run: SubmittedRun) -> dict[str, int]:
    """The buyer suspends, rejects and pays one invoice each; one real sync records it; number -> id."""
    run = submitted_run
    assert run.state == "success"
    ledger = Ledger(resolve_ledger_url(run.local.env))
    try:
        ids: dict[str, int] = {}
        for number, status, comment, _ in BUYER_ACTIONS:
            detail = ledger.get_invoice(number)
            assert detail is not None and detail.identifiant_facture_cpp is not None, detail
            sandbox_admin_of(run.local).set_status(detail.identifiant_facture_cpp, status, comment)
            ids[number] = detail.id
        assert wait_for_run(run.local, trigger(run.local, {}, dag_id=SYNC_DAG), dag_id=SYNC_DAG) == "success"
        for number, status, _, state in BUYER_ACTIONS:
            synced = ledger.get_invoice(number)
            assert synced is not None and (synced.state, synced.chorus_status) == (state, status), synced
        return ids
    finally:
        ledger.dispose()


def test_no_desk_page_or_json_answers_without_a_login(
    submitted_run: SubmittedRun, buyer_acted: dict[str, int]
) -> None:
    invoice_id = buyer_acted[NUMBER]
    paths = [
        "/chorusflow/",
        "/chorusflow/invoices",
        "/chorusflow/invoices?chorus_status=SUSPENDUE",
        "/chorusflow/invoices.csv",
        f"/chorusflow/invoices/{invoice_id}",
        f"/chorusflow/invoices/{invoice_id}/pdf",
        "/chorusflow/to-handle",
        "/chorusflow/runs",
        "/chorusflow-files/reports/chorus_submit_invoices/any/report.html",
        "/chorusflow/api/invoices",
        f"/chorusflow/api/invoices/{invoice_id}",
        f"/chorusflow/api/invoices/by-number/{NUMBER}",
        "/chorusflow/api/to-handle",
    ]
    for path in paths:
        for headers in ({}, {"Authorization": "Bearer forged.token.value"}):
            answer = requests.get(
                f"{submitted_run.local.url}{path}", headers=headers, timeout=30, allow_redirects=False
            )
            if path.startswith("/chorusflow/") and "/api/" not in path and not headers:
                assert answer.status_code == 303, (path, headers, answer.status_code)
                assert "/auth/login" in answer.headers["location"], (path, answer.headers)
            else:
                assert answer.status_code in (401, 403), (path, headers, answer.status_code)
            assert not any(number in answer.text for number, *_ in BUYER_ACTIONS), path
            assert COMMENT not in answer.text and REJECTION not in answer.text, path


def test_the_desk_from_the_navigation_filter_detail_and_csv(
    chromium: Path,  # noqa: F811 - the fixture imported above
    submitted_run: SubmittedRun,
    buyer_acted: dict[str, int],
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    run = submitted_run
    with browser_page(chromium, tmp_path / "chromium-profile") as page:
        page.goto(f"{run.local.url}/chorusflow/invoices")  # logged out: Airflow's login form
        page.wait_for_url("**/auth/login**")
        expect(page.locator("input[name=username]")).to_be_visible()
        blocked = _blocked_navigations(page)
        desk = open_desk(page, run.local)
        expect(desk.get_by_role("heading", name="Factures")).to_be_visible()
        desk.locator("#filter-chorus_status").select_option("SUSPENDUE")
        desk.get_by_role("button", name="Filtrer").click()
        expect(desk.get_by_text("1 facture(s), page 1 sur 1")).to_be_visible()
        expect(desk.get_by_role("link", name=NUMBER)).to_be_visible()
        expect(desk.get_by_text(COMMENT)).to_be_visible()
        page.screenshot(path=str(tmp_path / "desk-filtered.png"), full_page=True)

        with page.expect_download() as download_info:
            desk.get_by_role("link", name="Télécharger en CSV").click()
        download = download_info.value
        saved = tmp_path / download.suggested_filename
        download.save_as(saved)
        rows = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8-sig")), delimiter=";"))
        assert [row[0] for row in rows[1:]] == [NUMBER] and rows[1][8] == "suspendue (SUSPENDUE)", rows
        assert rows[1][12] == f"l'acheteur : {COMMENT}", rows

        desk.get_by_role("link", name=NUMBER).click()
        expect(desk.get_by_role("heading", name=f"Facture {NUMBER}")).to_be_visible()
        expect(desk.locator("#history")).to_contain_text(COMMENT)
        expect(desk.locator("#history")).to_contain_text("l'acheteur")
        expect(desk.locator("#what-to-do")).to_contain_text("Répondre au formulaire de décision")
        attempts = desk.locator("#attempts")
        expect(attempts).to_contain_text("réussi")
        expect(attempts).not_to_contain_text("succeeded")
        page.screenshot(path=str(tmp_path / "desk-detail.png"), full_page=True)

        with page.expect_download() as pdf_info:  # the frame allows downloads, not popups
            desk.locator("#pdf a").click()
        pdf = tmp_path / pdf_info.value.suggested_filename
        pdf_info.value.save_as(pdf)
        assert pdf.name == f"{NUMBER}.pdf" and pdf.read_bytes().startswith(b"%PDF"), pdf.name
        expect(desk.locator("#pdf-origin")).to_be_visible()

        for frame in page.frames:
            content = frame.content()
            assert not any(word in content for word in ERROR_WORDS), frame.url
        task_link = attempts.get_by_role("link", name="ouvrir dans Airflow").last
        href = task_link.get_attribute("href") or ""
        run_path = quote(run.run_id, safe="")
        task_path = f"/dags/chorus_submit_invoices/runs/{run_path}/tasks/submit/mapped/"
        assert href.startswith(task_path), href
        task_link.click()  # Airflow's own window leaves the desk for the task instance
        page.wait_for_url(f"**{task_path}*")
        expect(page.get_by_text(NUMBER, exact=True).first).to_be_visible()
        assert "/plugin/" not in page.url, page.url
        page.screenshot(path=str(tmp_path / "desk-airflow-task.png"), full_page=True)
    assert not blocked, blocked
    for name in ("desk-filtered", "desk-detail", "desk-airflow-task"):
        assert (tmp_path / f"{name}.png").stat().st_size > 10_000, name


def test_a_new_clerk_sees_what_to_handle_with_reasons_and_the_paid_invoice(
    chromium: Path,  # noqa: F811 - the fixture imported above
    submitted_run: SubmittedRun,
    buyer_acted: dict[str, int],
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    from chorusflow.storage import safe_name

    with browser_page(chromium, tmp_path / "clerk-profile") as page:
        desk = open_desk(page, submitted_run.local, CLERK)
        desk.get_by_role("link", name="À traiter").click()
        refused = _blocked_navigations(page)
        blocked = desk.locator("#queue-blocked")
        for number, reason in ((NUMBER, COMMENT), (REJECTED, REJECTION)):
            line = blocked.locator("tr", has_text=number)
            expect(line).to_contain_text(reason)
        expect(blocked.locator("tr", has_text=NUMBER)).to_contain_text("SUSPENDUE")
        expect(blocked.locator("tr", has_text=REJECTED)).to_contain_text("REJETEE")
        # Earlier modules on the shared Airflow (decisions, #15) may have left blocked invoices too.
        blocked_now = _blocked_in_ledger(submitted_run)
        assert blocked_now >= 2, blocked_now
        expect(desk.locator("#summary-blocked strong")).to_have_text(str(blocked_now))
        expect(desk.get_by_text(PAID)).to_have_count(0)  # paid: nothing to handle
        page.screenshot(path=str(tmp_path / "clerk-to-handle.png"), full_page=True)
        desk.locator("#summary-blocked a").click()  # the card opens the blocked invoices
        expect(desk.locator("#filter-state")).to_have_value("blocked")
        expect(desk.get_by_role("link", name=NUMBER)).to_be_visible()
        expect(desk.get_by_role("link", name=REJECTED)).to_be_visible()

        desk.get_by_role("link", name="Factures", exact=True).click()
        expect(desk.locator("#filter-state")).to_have_value("")  # the unfiltered list has loaded
        desk.locator("#filter-state").select_option("paid")
        desk.get_by_role("button", name="Filtrer").click()
        expect(desk.get_by_text("1 facture(s), page 1 sur 1")).to_be_visible()
        paid_line = desk.locator("tr", has_text=PAID)
        expect(paid_line).to_contain_text("payée")
        expect(paid_line).to_contain_text("MISE_EN_PAIEMENT")
        page.screenshot(path=str(tmp_path / "clerk-paid.png"), full_page=True)

        desk.get_by_role("link", name="Exécutions").click()
        # The submission run this module's invoices came with (later tests may have run others).
        folder = safe_name(submitted_run.run_id)
        run_path = quote(submitted_run.run_id, safe="")
        line = desk.locator("#runs tr", has=desk.locator(f'a[href$="/runs/{run_path}"]'))
        expect(line).to_contain_text("réussie")
        expect(line).to_contain_text("déposées")
        expect(desk.locator("#runs")).not_to_contain_text("manual__")
        expect(desk.locator("body")).not_to_contain_text("CHORUSFLOW_REPORTS")
        page.screenshot(path=str(tmp_path / "clerk-runs.png"), full_page=True)
        line.get_by_role("link", name="rapport", exact=True).click()  # opened in the frame
        expect(desk.locator("body")).to_contain_text("Rapport de dépôt Chorus Pro")
        expect(desk.locator("body")).to_contain_text(submitted_run.run_id)
        page.wait_for_url(f"**/plugin/invoice-desk/chorusflow/runs/{folder}/report*")  # follows the frame
        for frame in page.frames:
            content = frame.content()
            assert not any(word in content for word in ERROR_WORDS), frame.url
        desk.locator("#back-to-runs").click()  # the way back
        expect(desk.get_by_role("heading", name="Exécutions")).to_be_visible()
        line.get_by_role("link", name="rapport", exact=True).click()
        desk.locator("td.number a", has_text=NUMBER).click()  # a number leads to the desk
        expect(desk.get_by_role("heading", name=f"Facture {NUMBER}")).to_be_visible()
    assert not refused, refused
    for name in ("clerk-to-handle", "clerk-paid", "clerk-runs"):
        assert (tmp_path / f"{name}.png").stat().st_size > 10_000, name


def _blocked_navigations(page: Any) -> list[str]:
    """What the browser's console says it blocked (a sandboxed frame's top navigation or popup),
    collected from now on."""
    seen: list[str] = []

    def listen(message: Any) -> None:
        text = str(message.text)
        # Chromium's words for a refused top navigation or popup (not its general note that a frame
        # with allow-scripts and allow-same-origin "can escape its sandboxing").
        if any(flag in text for flag in BLOCKED_FLAGS):
            seen.append(text)

    page.on("console", listen)
    return seen


def _blocked_in_ledger(run: SubmittedRun) -> int:
    """How many blocking events the ledger holds now: what the desk's "blocked" summary must count."""
    from chorusflow.alerts.events import blocked_events
    from chorusflow_dev.testing import SUPPLIER_SIRET

    ledger = Ledger(resolve_ledger_url(run.local.env))
    try:
        return len(blocked_events(ledger, SUPPLIER_SIRET))
    finally:
        ledger.dispose()
