"""chorusflow on CeleryExecutor: two workers that share only PostgreSQL, Redis and storage.

The deployment is the one ``make scale`` starts (:class:`chorusflow_dev.airflow.scale.ScaleAirflow`):
API server, scheduler, DAG processor and two ``airflow celery worker`` processes, each with its own
Celery hostname, ``CHORUSFLOW_HOME``, ``AIRFLOW_HOME`` and temporary directory. One run deposits 500
invoices; one worker is killed with SIGKILL (its whole process group: the worker, its pool and the
tasks it runs) in the middle. Then:

- every invoice reaches the sandbox exactly once and the ledger agrees with the sandbox;
- the run completes through Airflow's own retries (the scheduler finds the killed tries without a
  heartbeat; their retries take their claims back at once, long before the 900 s lease);
- the run's report is read from the API server after both workers are stopped;
- a claim held by a task instance Airflow has finished is taken over at once by a new run (the
  ``owner_alive`` question, through the Execution API), not after its lease.
"""

from __future__ import annotations

import socket
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from chorusflow.ledger import AttemptOutcome, ClaimOwner, InvoiceRecordInput, InvoiceState, Ledger
from chorusflow_dev.airflow.scale import ScaleAirflow
from chorusflow_dev.testing.exports import invoice_numbers, write_sample_export
from tests.fixtures.ledger import postgres_unavailable_reason
from tests.fixtures.local_airflow import (
    FAST_RETRIES,
    LOG_NAME,
    SUBMIT_DAG,
    sandbox_admin_of,
    tail,
    task_instances,
    trigger,
    wait_for_run,
)

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.timeout(900)]

INVOICES = 500
LEASE_SECONDS = 900
# The polling deadlines of the runs, both under the lease: a run that waited for a claim's lease to
# run out would miss its deadline. No test reads the clock for that.
RUN_TIMEOUT = 600
TAKEOVER_RUN_TIMEOUT = 300
KILL_AFTER_DEPOSITS = 120
DEPOSIT_LATENCY_MS = 30  # spreads the run over time so that the kill lands in the middle
NO_SCHEDULED_RUN = "0 0 29 2 *"  # the DAG's own schedule never starts a run during the test


def redis_unavailable_reason() -> str | None:
    """Why the local Redis (the Celery broker) cannot be used, or ``None``."""
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=2) as connection:
            connection.sendall(b"PING\r\n")
            return None if connection.recv(16).startswith(b"+PONG") else "Redis did not answer PING"
    except OSError as error:
        return f"Redis not reachable on 127.0.0.1:6379: {error}"


@pytest.fixture(scope="module")
def scale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScaleAirflow]:
    """The CeleryExecutor deployment of this module, stopped (and its databases dropped) afterwards."""
    reason = postgres_unavailable_reason() or redis_unavailable_reason()
    if reason:
        pytest.skip(reason)
    home = tmp_path_factory.mktemp("scale")
    with (home / LOG_NAME).open("a", encoding="utf-8") as log:
        deployment = ScaleAirflow(
            home,
            workers=2,
            worker_concurrency=2,
            pool_size=4,
            sandbox_state=False,
            extra_env={
                **FAST_RETRIES,
                "CHORUSFLOW_SUBMIT_SCHEDULE": NO_SCHEDULED_RUN,
                "CHORUSFLOW_CLAIM_LEASE_SECONDS": str(LEASE_SECONDS),
                # A killed try is found without a heartbeat after 20 s instead of 5 minutes.
                "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "20",
                "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "5",
            },
            log=log,
        )
        try:
            deployment.start(timeout=300)
        except (RuntimeError, TimeoutError) as error:
            pytest.fail(f"{error}\n{tail(home / LOG_NAME)}")
        try:
            yield deployment
        finally:
            deployment.stop()


def open_ledger(scale: ScaleAirflow) -> Ledger:
    return Ledger(scale.database_url("ledger"))


def wait_for_deposits(scale: ScaleAirflow, count: int, timeout: float = 300) -> None:
    admin = sandbox_admin_of(scale)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(admin.invoices()) >= count:
            return
        time.sleep(0.5)
    raise AssertionError(f"fewer than {count} deposits after {timeout:.0f} s:\n{tail(scale.home / LOG_NAME)}")


@pytest.fixture(scope="module")
def killed_run(scale: ScaleAirflow) -> dict[str, Any]:
    """500 invoices, worker1 killed with SIGKILL once 120 have reached the sandbox."""
    numbers = invoice_numbers("SCALE", INVOICES)
    write_sample_export(scale.inbox / "scale.csv", numbers, issue=date.today() - timedelta(days=2))
    sandbox_admin_of(scale).set_faults(latency_ms={"/cpro/factures/v1/soumettre": DEPOSIT_LATENCY_MS})
    run_id = trigger(scale, {})
    wait_for_deposits(scale, KILL_AFTER_DEPOSITS)
    scale.kill_worker("worker1")
    state = wait_for_run(scale, run_id, timeout=RUN_TIMEOUT)
    return {"run_id": run_id, "state": state, "numbers": numbers}


def test_every_invoice_reaches_the_sandbox_exactly_once_despite_a_killed_worker(
    scale: ScaleAirflow, killed_run: dict[str, Any]
) -> None:
    instances = task_instances(scale, killed_run["run_id"])
    assert killed_run["state"] == "success", sorted(
        (ti["task_id"], ti["map_index"], ti["state"]) for ti in instances
    )
    admin = sandbox_admin_of(scale)
    received = Counter(invoice["number"] for invoice in admin.invoices())
    assert set(received) == set(killed_run["numbers"]) and set(received.values()) == {1}
    assert set(admin.submission_counts().values()) == {1}
    # Both workers ran submit tasks, and the killed one's tries were retried by Airflow.
    submits = [ti for ti in instances if ti["task_id"] == "submit"]
    assert any(ti["try_number"] > 1 for ti in submits), "the kill must have hit a running submit task"
    # Done within RUN_TIMEOUT (the fixture's deadline), under the lease: no retry waited for the
    # killed try's claim to expire.


def test_the_ledger_agrees_with_the_sandbox_and_claims_were_taken_over_before_the_lease(
    scale: ScaleAirflow, killed_run: dict[str, Any]
) -> None:
    admin = sandbox_admin_of(scale)
    on_chorus = {invoice["number"]: invoice for invoice in admin.invoices()}
    ledger = open_ledger(scale)
    try:
        rows = {row.invoice_number: row for row in ledger.list_invoices()}
        assert set(rows) == set(killed_run["numbers"])
        assert {row.state for row in rows.values()} == {InvoiceState.SUBMITTED}
        for number, row in rows.items():
            assert row.identifiant_facture_cpp == on_chorus[number]["id"], number
        # The invoices whose deposit was in flight when the worker died: their attempt says so, and
        # the next attempt (the retry's) came before the lease would have let anyone in (the ledger's
        # own times compared with the lease: which way the retry got in, not how fast).
        interrupted = 0
        for number in rows:
            detail = ledger.get_invoice(number)
            assert detail is not None
            stopped = [a for a in detail.attempts if a.outcome is AttemptOutcome.OUTCOME_UNKNOWN]
            if stopped:
                interrupted += 1
                later = [a for a in detail.attempts if a.started_at > stopped[0].started_at]
                assert later and (later[0].started_at - stopped[0].started_at).total_seconds() < LEASE_SECONDS
        assert interrupted >= 1, "the kill must have interrupted at least one deposit"
    finally:
        ledger.dispose()


def test_the_report_is_read_from_the_api_server_with_every_worker_gone(
    scale: ScaleAirflow, killed_run: dict[str, Any]
) -> None:
    for worker in list(scale.workers):
        if scale.workers[worker].poll() is None:
            scale.kill_worker(worker)
    run_id = killed_run["run_id"]
    page = scale.api("GET", f"/chorusflow-files/reports/{SUBMIT_DAG}/{run_id}/report.html")
    assert page.status_code == 200, page.text[:300]
    assert "SCALE-00001" in page.text and "SCALE-00500" in page.text
    csv = scale.api("GET", f"/chorusflow-files/reports/{SUBMIT_DAG}/{run_id}/report.csv")
    assert csv.status_code == 200 and csv.text.count("SCALE-") == INVOICES
    # Nothing a person needs was left on a worker's own disk.
    for worker in ("worker1", "worker2"):
        own = scale.home / worker / "chorusflow"
        assert not list(own.rglob("report.*")) and not list(own.rglob("*.pdf"))
    # The plugin sits behind Airflow's login.
    report_url = f"{scale.url}/chorusflow-files/reports/{SUBMIT_DAG}/{run_id}/report.html"
    refused = requests.get(report_url, timeout=10)
    assert refused.status_code in (401, 403)


def test_a_claim_of_a_finished_task_instance_is_taken_over_at_once(
    scale: ScaleAirflow, killed_run: dict[str, Any]
) -> None:
    if not any(process.poll() is None for process in scale.workers.values()):
        scale.start_worker("worker2")  # the report test stopped every worker
    ledger = open_ledger(scale)
    try:
        model = ledger.get_invoice(killed_run["numbers"][0])
        assert model is not None and model.normalized is not None
        number = "TAKEOVER-1"
        ledger.record_validated(
            model.supplier_siret,
            "takeover.csv",
            [
                InvoiceRecordInput(
                    invoice_number=number,
                    valid=True,
                    normalized={**model.normalized, "invoice_number": number},
                    buyer_siret=model.buyer_siret,
                    invoice_type=model.invoice_type,
                    issue_date=model.issue_date,
                    currency=model.currency,
                    total_ttc=model.total_ttc,
                )
            ],
        )
        # A claim left by the first run's prepare task (finished long ago), lease still 15 minutes.
        stale_owner = ClaimOwner(
            dag_id=SUBMIT_DAG, run_id=killed_run["run_id"], task_id="prepare", hostname="gone", pid=1
        )
        assert ledger.claim_for_submission(model.supplier_siret, [number], stale_owner, LEASE_SECONDS)
        run_id = trigger(scale, {})
        # Its deadline is under the lease: success means the claim was taken over, not waited out.
        state = wait_for_run(scale, run_id, timeout=TAKEOVER_RUN_TIMEOUT)
        assert state == "success", tail(scale.home / LOG_NAME)
        detail = ledger.get_invoice(number)
        assert detail is not None and detail.state is InvoiceState.SUBMITTED
        assert sandbox_admin_of(scale).submission_counts()[number] == 1
        report = scale.api("GET", f"/chorusflow-files/reports/{SUBMIT_DAG}/{run_id}/report.csv")
        assert report.status_code == 200 and number in report.text
    finally:
        ledger.dispose()


def test_worker_homes_are_separate(scale: ScaleAirflow) -> None:
    homes = {scale.worker_env(worker)["CHORUSFLOW_HOME"] for worker in ("worker1", "worker2")}
    temps = {scale.worker_env(worker)["TMPDIR"] for worker in ("worker1", "worker2")}
    assert len(homes) == 2 and len(temps) == 2
    assert all(Path(home).parent.name in ("worker1", "worker2") for home in homes)
