"""The Airflow UI in a real browser: log in, open a finished submission run, see the invoice numbers;
trigger ``chorus_submit_invoices`` from its form, empty and with a retry list.

Headless Chromium from Debian (``/usr/bin/chromium``, never downloaded) driven by Playwright, against
the session's ``airflow standalone``. The login goes through the simple auth manager's form. A
screenshot of the run's mapped ``submit`` instances is saved under ``artifacts/`` for a human look;
the trigger form's screenshots go under the test's ``tmp_path``.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from chorusflow_dev.airflow.local import LocalAirflow
from tests.conftest import REPO_ROOT
from tests.fixtures.local_airflow import (
    SUBMIT_DAG,
    SubmittedRun,
    check,
    sandbox_admin_of,
    wait_for_run,
)

if TYPE_CHECKING:
    from playwright.sync_api import FrameLocator, Page

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO_ROOT / "artifacts"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
UI_TIMEOUT_MS = 60_000
#: The form checks its fields as they render: a few seconds are plenty for *Trigger* to turn enabled.
FORM_TIMEOUT_MS = 15_000
NEW_RUN_TIMEOUT = 60.0


@pytest.fixture(scope="module")
def chromium() -> Path:
    """Debian's Chromium, or a skip saying how to install it."""
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        pytest.skip("Chromium is not installed: as root, `make chromium` (apt-get install chromium)")
    return CHROMIUM if CHROMIUM.exists() else Path(str(shutil.which("chromium")))


@contextmanager
def browser_page(chromium: Path, profile: Path) -> Iterator[Page]:
    """A page of a headless Chromium with a new, empty profile, closed afterwards."""
    from playwright.sync_api import expect, sync_playwright

    # expect() waits 5 s by default, whatever the page's timeout: too short on a loaded two-core box.
    expect.set_options(timeout=UI_TIMEOUT_MS)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            user_data_dir=str(profile),
            executable_path=str(chromium),
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1600, "height": 1000},
        )
        try:
            page = context.new_page()
            page.set_default_timeout(UI_TIMEOUT_MS)
            yield page
        finally:
            context.close()


def log_in(page: Page, local: LocalAirflow, user: str = "admin") -> None:
    """Log in as ``user`` (admin, the clerk who decides, the read-only viewer) through the simple auth
    manager's form."""
    page.goto(f"{local.url}/")
    # Not logged in: the UI sends the browser to the simple auth manager's form.
    page.wait_for_url("**/auth/login**")
    page.locator("input[name=username]").fill(user)
    page.locator("input[name=password]").fill(local.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/auth/login" not in url)


def open_desk(page: Page, local: LocalAirflow, user: str = "admin") -> FrameLocator:
    """Log in as ``user``, open the desk from the UI's navigation: the desk inside Airflow's frame."""
    log_in(page, local, user)
    page.get_by_role("link", name="Bureau des factures").click()
    page.wait_for_url("**/plugin/invoice-desk")
    return page.frame_locator("iframe")


def test_ui_login_and_mapped_submissions_show_invoice_numbers(
    chromium: Path, submitted_run: SubmittedRun, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    run = submitted_run
    assert run.state == "success"
    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "airflow-ui-submit-mapped.png"
    screenshot.unlink(missing_ok=True)
    with browser_page(chromium, tmp_path / "chromium-profile") as page:
        log_in(page, run.local)
        page.goto(f"{run.local.url}/dags/{SUBMIT_DAG}/runs/{run.run_id}/tasks/submit/mapped")
        for number in run.valid[:3]:
            expect(page.get_by_text(number, exact=True).first).to_be_visible()
        # The grid beside it shows the run's tasks.
        expect(page.get_by_text("report", exact=True).first).to_be_visible()
        page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 10_000


def manual_runs(local: LocalAirflow) -> dict[str, dict[str, Any]]:
    """The submission DAG's manual runs by run id."""
    body = check(local.api("GET", f"/api/v2/dags/{SUBMIT_DAG}/dagRuns?limit=1000&run_type=manual"))
    return {run["dag_run_id"]: run for run in body["dag_runs"] if run["run_type"] == "manual"}


def wait_for_new_ui_run(local: LocalAirflow, known: set[str]) -> dict[str, Any]:
    """The one run the trigger form created since ``known`` was taken."""
    deadline = time.monotonic() + NEW_RUN_TIMEOUT
    while time.monotonic() < deadline:
        new = [run for run_id, run in manual_runs(local).items() if run_id not in known]
        if new:
            assert len(new) == 1, new
            return new[0]
        time.sleep(1)
    raise AssertionError(f"the trigger form created no run of {SUBMIT_DAG} within {NEW_RUN_TIMEOUT:.0f} s")


def trigger_from_form(page: Page, local: LocalAirflow, screenshot: Path, retry: list[str]) -> dict[str, Any]:
    """Open the trigger form, fill only the retry list (if any), click *Trigger*; the run it created."""
    from playwright.sync_api import expect

    page.goto(f"{local.url}/dags/{SUBMIT_DAG}")
    page.get_by_role("button", name="Trigger Dag").click()
    dialog = page.get_by_role("dialog")
    export_field = dialog.locator("#element_export_path")
    numbers_field = dialog.locator("#element_invoice_numbers")
    expect(numbers_field).to_be_visible()
    expect(export_field).to_have_value("")
    expect(numbers_field).to_have_value("")
    if retry:
        numbers_field.fill("\n".join(retry))
        numbers_field.blur()
    trigger = dialog.get_by_role("button", name="Trigger", exact=True)
    known = set(manual_runs(local))
    try:
        expect(trigger).to_be_enabled(timeout=FORM_TIMEOUT_MS)
    finally:
        page.screenshot(path=str(screenshot), full_page=True)
    trigger.click()
    run = wait_for_new_ui_run(local, known)
    # The UI goes to the new run's page.
    expect(page.get_by_text(run["dag_run_id"], exact=True).first).to_be_visible()
    page.screenshot(path=str(screenshot.with_name(screenshot.stem + "-run.png")), full_page=True)
    return run


def test_trigger_form_runs_empty_and_with_only_numbers_to_retry(
    chromium: Path, submitted_run: SubmittedRun, tmp_path: Path
) -> None:
    """*Trigger* is enabled on the empty form, and a retry needs nothing but the numbers.

    The number retried was deposited by ``submitted_run``: the retry run finds it on Chorus Pro
    already and deposits nothing, like the empty run (the inbox is empty).
    """
    local = submitted_run.local
    number = submitted_run.valid[-1]
    admin = sandbox_admin_of(local)
    counts_before = admin.submission_counts()
    with browser_page(chromium, tmp_path / "chromium-profile") as page:
        log_in(page, local)
        empty = trigger_from_form(page, local, tmp_path / "trigger-form-empty.png", retry=[])
        retry = trigger_from_form(page, local, tmp_path / "trigger-form-retry.png", retry=[number])

    for run in (empty, retry):
        assert run["triggered_by"] == "ui" and run["triggering_user_name"] == "admin", run
    assert not empty["conf"].get("export_path") and not empty["conf"].get("invoice_numbers"), empty
    assert not empty["conf"].get("dry_run"), empty
    assert retry["conf"]["invoice_numbers"] == [number], retry
    assert not retry["conf"].get("export_path") and not retry["conf"].get("dry_run"), retry
    # Both runs go through (one at a time: max_active_runs=1), and neither deposits anything again.
    for run in (empty, retry):
        assert wait_for_run(local, run["dag_run_id"]) == "success", run["dag_run_id"]
    assert admin.submission_counts() == counts_before
    for name in ("trigger-form-empty", "trigger-form-retry"):
        for shot in (tmp_path / f"{name}.png", tmp_path / f"{name}-run.png"):
            assert shot.stat().st_size > 10_000, shot
