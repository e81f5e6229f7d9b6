"""The invoice desk in a real browser, inside the session's ``airflow standalone``.

The buyer suspends F2026-0101 on the sandbox and a real ``chorus_sync_statuses`` run records it; then
Debian's headless Chromium logs in, opens the desk from the UI's navigation, filters on
``SUSPENDUE``, opens F2026-0101 (the buyer's comment, the attempt history and its link to the task
instance) and downloads the CSV of the filter. Screenshots go under the test's ``tmp_path``.

This file sorts after the other users of the shared Airflow on purpose: it suspends an invoice that
they expect deposited and untouched.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from urllib.parse import quote

import pytest
import requests

from chorusflow.ledger import InvoiceState, Ledger, resolve_ledger_url
from tests.e2e.test_browser import browser_page, chromium, log_in  # noqa: F401 - chromium is a fixture
from tests.fixtures.local_airflow import SubmittedRun, sandbox_admin_of, trigger, wait_for_run

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

SYNC_DAG = "chorus_sync_statuses"
NUMBER = "F2026-0101"
COMMENT = "Merci de joindre le bon de commande signé"
ERROR_WORDS = ("Internal Server Error", "Traceback", "Le registre des factures ne répond pas")


def suspend_and_sync(run: SubmittedRun) -> None:
    """The buyer suspends the invoice on the sandbox; a real sync run records it in the ledger."""
    ledger = Ledger(resolve_ledger_url(run.local.env))
    try:
        detail = ledger.get_invoice(NUMBER)
        assert detail is not None and detail.identifiant_facture_cpp is not None, detail
        sandbox_admin_of(run.local).set_status(detail.identifiant_facture_cpp, "SUSPENDUE", COMMENT)
        assert wait_for_run(run.local, trigger(run.local, {}, dag_id=SYNC_DAG), dag_id=SYNC_DAG) == "success"
        synced = ledger.get_invoice(NUMBER)
        assert synced is not None and synced.state is InvoiceState.BLOCKED, synced
    finally:
        ledger.dispose()


def test_the_desk_from_the_navigation_filter_detail_and_csv(
    chromium: Path,  # noqa: F811 - the fixture imported above
    submitted_run: SubmittedRun,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    run = submitted_run
    assert run.state == "success"
    suspend_and_sync(run)
    # No page and no JSON answer of the desk without a login.
    for path in ("/chorusflow/invoices", "/chorusflow/api/invoices", "/chorusflow/api/to-handle"):
        anonymous = requests.get(f"{run.local.url}{path}", timeout=30, allow_redirects=False)
        assert anonymous.status_code == 401 and NUMBER not in anonymous.text, path

    with browser_page(chromium, tmp_path / "chromium-profile") as page:
        log_in(page, run.local)
        page.get_by_role("link", name="Bureau des factures").click()
        page.wait_for_url("**/plugin/invoice-desk")
        desk = page.frame_locator("iframe")
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
        assert [row[0] for row in rows[1:]] == [NUMBER] and rows[1][8] == "SUSPENDUE", rows

        desk.get_by_role("link", name=NUMBER).click()
        expect(desk.get_by_role("heading", name=f"Facture {NUMBER}")).to_be_visible()
        expect(desk.locator("#history")).to_contain_text(COMMENT)
        expect(desk.locator("#what-to-do")).to_contain_text("Compléter la facture sur Chorus Pro")
        attempts = desk.locator("#attempts")
        expect(attempts).to_contain_text(run.run_id)
        expect(attempts).to_contain_text("succeeded")
        task_link = attempts.get_by_role("link", name="ouvrir dans Airflow").last
        href = task_link.get_attribute("href") or ""
        run_path = quote(run.run_id, safe="")
        assert href.startswith(f"/dags/chorus_submit_invoices/runs/{run_path}/tasks/submit/mapped/"), href
        page.screenshot(path=str(tmp_path / "desk-detail.png"), full_page=True)

        desk.get_by_role("link", name="À traiter").click()
        expect(desk.locator("#queue-blocked")).to_contain_text(NUMBER)
        page.screenshot(path=str(tmp_path / "desk-to-handle.png"), full_page=True)
        for frame in page.frames:
            content = frame.content()
            assert not any(word in content for word in ERROR_WORDS), frame.url
    for name in ("desk-filtered", "desk-detail", "desk-to-handle"):
        assert (tmp_path / f"{name}.png").stat().st_size > 10_000, name
