"""The Airflow UI in a real browser: log in, open a finished submission run, see the invoice numbers.

Headless Chromium from Debian (``/usr/bin/chromium``, never downloaded) driven by Playwright, against
the session's ``airflow standalone``. The login goes through the simple auth manager's form. A
screenshot of the run's mapped ``submit`` instances is saved under ``artifacts/`` for a human look.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.fixtures.local_airflow import SUBMIT_DAG, SubmittedRun

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


@pytest.fixture(scope="module")
def chromium() -> Path:
    """Debian's Chromium, or a skip saying how to install it."""
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        pytest.skip("Chromium is not installed: as root, `make chromium` (apt-get install chromium)")
    return CHROMIUM if CHROMIUM.exists() else Path(str(shutil.which("chromium")))


def test_ui_login_and_mapped_submissions_show_invoice_numbers(
    chromium: Path, submitted_run: SubmittedRun, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    run = submitted_run
    assert run.state == "success"
    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "airflow-ui-submit-mapped.png"
    screenshot.unlink(missing_ok=True)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            user_data_dir=str(tmp_path / "chromium-profile"),  # a new, empty profile
            executable_path=str(chromium),
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1600, "height": 1000},
        )
        try:
            page = context.new_page()
            page.set_default_timeout(UI_TIMEOUT_MS)
            page.goto(f"{run.local.url}/")
            # Not logged in: the UI sends the browser to the simple auth manager's form.
            page.wait_for_url("**/auth/login**")
            page.locator("input[name=username]").fill("admin")
            page.locator("input[name=password]").fill(run.local.password)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(lambda url: "/auth/login" not in url)

            page.goto(f"{run.local.url}/dags/{SUBMIT_DAG}/runs/{run.run_id}/tasks/submit/mapped")
            for number in run.valid[:3]:
                expect(page.get_by_text(number, exact=True).first).to_be_visible()
            # The grid beside it shows the run's tasks.
            expect(page.get_by_text("report", exact=True).first).to_be_visible()
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            context.close()
    assert screenshot.stat().st_size > 10_000
