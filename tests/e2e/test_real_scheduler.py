"""`chorus_submit_invoices` under a real scheduler: ``airflow standalone`` driven through the REST API.

The launcher is the one ``make airflow`` runs (:class:`chorusflow_dev.airflow.local.LocalAirflow`): the
sandbox and ``airflow standalone`` in process groups of their own, on free ports, with the matching
execution API URL. The run goes through the scheduler, the LocalExecutor, the pool and the retry
policy; the sandbox drops the connection after committing some deposits, so retries must reconcile.
Then one mapped ``submit`` instance is cleared, as an operator would, and must deposit nothing again.
"""

from __future__ import annotations

import base64
import json
import time
from collections import Counter
from typing import Any

import pytest

from chorusflow.ledger import AttemptOutcome, InvoiceState, Ledger, resolve_ledger_url
from chorusflow.suppliers import load_supplier
from tests.fixtures.local_airflow import (
    DEPOSIT_PATH,
    LOG_NAME,
    SUBMIT_DAG,
    SubmittedRun,
    check,
    sandbox_admin_of,
    task_instances,
    wait_for_run,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def open_ledger(run: SubmittedRun) -> Ledger:
    """The ledger the local Airflow's tasks write to (its default SQLite file)."""
    return Ledger(resolve_ledger_url(run.local.env))


def mapped_submit_instances(run: SubmittedRun) -> dict[str, dict[str, Any]]:
    """The run's ``submit`` task instances by their label (the invoice number)."""
    return {
        ti["rendered_map_index"]: ti
        for ti in task_instances(run.local, run.run_id)
        if ti["task_id"] == "submit" and ti["map_index"] >= 0
    }


def test_run_submits_every_valid_invoice_exactly_once(submitted_run: SubmittedRun) -> None:
    run = submitted_run
    admin = sandbox_admin_of(run.local)

    assert run.state == "success", sorted(
        (ti["task_id"], ti["state"]) for ti in task_instances(run.local, run.run_id)
    )
    received = Counter(invoice["number"] for invoice in admin.invoices())
    assert set(received) == set(run.valid) and len(run.valid) >= 20
    assert set(received.values()) == {1}
    assert set(admin.submission_counts().values()) == {1}, admin.submission_counts()
    assert admin.stats()["drops"].get(DEPOSIT_PATH, 0) > 0, (
        "the fault must have fired for the test to mean anything"
    )
    # Each valid invoice got its own mapped task, labelled with its number in the UI and the API.
    instances = mapped_submit_instances(run)
    assert set(instances) == set(run.valid)
    assert {ti["state"] for ti in instances.values()} == {"success"}
    ledger = open_ledger(run)
    try:
        rows = {row.invoice_number: row for row in ledger.list_invoices()}
        assert {n for n, row in rows.items() if row.state is InvoiceState.SUBMITTED} == set(run.valid)
        invalid = {n for n, row in rows.items() if row.state is InvoiceState.INVALID}
        assert invalid == set(rows) - set(run.valid) and len(invalid) >= 3
        assert all(rows[n].findings for n in invalid), "a rejected invoice must say why"
    finally:
        ledger.dispose()


def test_clearing_one_mapped_instance_reruns_it_without_depositing_again(submitted_run: SubmittedRun) -> None:
    run = submitted_run
    local = run.local
    admin = sandbox_admin_of(local)
    number = run.valid[0]
    before = mapped_submit_instances(run)[number]
    assert before["state"] == "success"
    counts_before = admin.submission_counts()

    preview = check(
        local.api(
            "POST",
            f"/api/v2/dags/{SUBMIT_DAG}/clearTaskInstances",
            {
                "dag_run_id": run.run_id,
                "task_ids": [["submit", before["map_index"]]],
                "only_failed": False,
                "dry_run": True,
            },
        )
    )
    assert [(ti["task_id"], ti["map_index"]) for ti in preview["task_instances"]] == [
        ("submit", before["map_index"])
    ]
    check(
        local.api(
            "POST",
            f"/api/v2/dags/{SUBMIT_DAG}/clearTaskInstances",
            {
                "dag_run_id": run.run_id,
                "task_ids": [["submit", before["map_index"]]],
                "only_failed": False,
                "dry_run": False,
            },
        )
    )

    after = wait_for_rerun(run, before)
    assert after["state"] == "success" and after["try_number"] == before["try_number"] + 1
    assert wait_for_run(local, run.run_id) == "success"
    # The rerun asked the ledger, found the invoice deposited already and skipped it.
    xcom = check(
        local.api(
            "GET",
            f"/api/v2/dags/{SUBMIT_DAG}/dagRuns/{run.run_id}/taskInstances/submit/xcomEntries/return_value"
            f"?map_index={before['map_index']}",
        )
    )["value"]
    assert xcom["counts"]["skipped"] == 1 and xcom["outcomes"][0]["invoice_number"] == number, xcom
    assert admin.submission_counts() == counts_before
    assert admin.submission_counts()[number] == 1
    ledger = open_ledger(run)
    try:
        detail = ledger.get_invoice(number, load_supplier().siret)
        assert detail is not None and detail.state is InvoiceState.SUBMITTED
        # No attempt by the rerun: every attempt belongs to the first try(s), the last one delivered it.
        assert all(
            attempt.try_number is not None and attempt.try_number < after["try_number"]
            for attempt in detail.attempts
        )
        assert detail.attempts[-1].outcome in (AttemptOutcome.SUCCEEDED, AttemptOutcome.ADOPTED)
    finally:
        ledger.dispose()


def wait_for_rerun(run: SubmittedRun, before: dict[str, Any], timeout: float = 120) -> dict[str, Any]:
    """The cleared task instance once its next try has finished."""
    deadline = time.monotonic() + timeout
    path = f"/api/v2/dags/{SUBMIT_DAG}/dagRuns/{run.run_id}/taskInstances/submit/{before['map_index']}"
    current: dict[str, Any] = before
    while time.monotonic() < deadline:
        current = check(run.local.api("GET", path))
        if current["try_number"] > before["try_number"] and current["state"] in ("success", "failed"):
            return current
        time.sleep(2)
    raise AssertionError(f"the cleared instance did not run again within {timeout:.0f} s: {current}")


def test_no_secret_reaches_the_task_logs(submitted_run: SubmittedRun) -> None:
    connection = json.loads(submitted_run.local.env["AIRFLOW_CONN_CHORUS_PRO"])
    account = base64.b64encode(f"{connection['login']}:{connection['password']}".encode()).decode()
    secrets = [connection["password"], connection["extra"]["client_secret"], account]
    logs = [path for path in (submitted_run.local.home / "airflow" / "logs").rglob("*") if path.is_file()]
    task_logs = [path for path in logs if f"run_id={submitted_run.run_id}" in str(path)]
    assert len(task_logs) >= len(submitted_run.valid), "the run's task logs must be there to be checked"
    for path in [*logs, submitted_run.local.home / LOG_NAME]:
        text = path.read_text(encoding="utf-8", errors="replace")
        assert not [secret for secret in secrets if secret in text], f"a secret is written in {path}"
