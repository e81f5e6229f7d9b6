"""§6 Infrastructure faults on the CeleryExecutor stack (``make scale``), on servers the test owns.

The deployment of ``make scale`` (:class:`chorusflow_dev.airflow.scale.ScaleAirflow`: API server,
scheduler, DAG processor, two Celery workers) runs on its own PostgreSQL (Airflow's metadata, the
Celery result backend and the ledger) and its own Redis (the broker), both from
``chorusflow_dev.infra.servers``. One ``chorus_submit_invoices`` run deposits the invoices slowly;
in its middle, with tasks queued and running, the Redis is restarted empty (every queued message
lost). The run must end ``success`` or ``failed``; if it failed, the next run finishes the work
without a person. Then every invoice is at the sandbox exactly once and the ledger agrees with it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import psutil
import pytest

from chorusflow.ledger import Ledger
from chorusflow.platforms.chorus_pro.models import platform_today
from chorusflow_dev.airflow.scale import ScaleAirflow
from chorusflow_dev.infra.servers import OwnedPostgres, OwnedRedis
from chorusflow_dev.testing.exports import invoice_numbers, write_sample_export
from tests.fixtures.local_airflow import (
    FAST_RETRIES,
    LOG_NAME,
    sandbox_admin_of,
    tail,
    trigger,
    wait_for_run,
)
from tests.reliability.support import check_exactly_once, summary_line

pytestmark = [pytest.mark.slow, pytest.mark.reliability_long, pytest.mark.timeout(1200)]

INVOICES = 60
FAULT_AFTER_DEPOSITS = 15
DEPOSIT_LATENCY_MS = 300  # spreads the run over time so that the fault lands in its middle
NO_SCHEDULED_RUN = "0 0 29 2 *"
#: Tasks whose Celery message was lost go back to the scheduler after this long in ``queued``.
QUEUED_TIMEOUT_SECONDS = "30"
FROZEN_AFTER_DEPOSIT = "submission.after_answer:1:stop"


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[OwnedPostgres, OwnedRedis]]:
    """The module's own PostgreSQL and Redis."""
    with OwnedPostgres() as postgres, OwnedRedis() as redis:
        yield postgres, redis


@pytest.fixture(scope="module")
def scale(
    servers: tuple[OwnedPostgres, OwnedRedis], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ScaleAirflow]:
    """The CeleryExecutor deployment on the owned servers."""
    postgres, redis = servers
    home = tmp_path_factory.mktemp("infra-scale")
    with (home / LOG_NAME).open("a", encoding="utf-8") as log:
        deployment = ScaleAirflow(
            home,
            workers=2,
            worker_concurrency=2,
            pool_size=4,
            sandbox_state=False,
            postgres_admin_url=postgres.admin_url,
            redis_url=redis.url,
            extra_env={
                **FAST_RETRIES,
                "CHORUSFLOW_SUBMIT_SCHEDULE": NO_SCHEDULED_RUN,
                "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT": QUEUED_TIMEOUT_SECONDS,
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


def wait_for_deposits(scale: ScaleAirflow, numbers: set[str], count: int, timeout: float = 300) -> None:
    """Wait until ``count`` of ``numbers`` reached the sandbox."""
    admin = sandbox_admin_of(scale)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sum(1 for invoice in admin.invoices() if invoice["number"] in numbers) >= count:
            return
        time.sleep(0.3)
    raise AssertionError(f"fewer than {count} deposits after {timeout:.0f} s:\n{tail(scale.home / LOG_NAME)}")


def start_slow_run(scale: ScaleAirflow, prefix: str) -> tuple[str, list[str]]:
    """A new export of ``INVOICES`` invoices, deposits slowed down, one run triggered: its id and
    the numbers."""
    numbers = invoice_numbers(prefix, INVOICES)
    write_sample_export(scale.inbox / f"{prefix}.csv", numbers, issue=platform_today() - timedelta(days=2))
    sandbox_admin_of(scale).set_faults(latency_ms={"/cpro/factures/v1/soumettre": DEPOSIT_LATENCY_MS})
    return trigger(scale, {}), numbers


def finish_and_check(
    scale: ScaleAirflow, run_id: str, numbers: list[str], fault_at: float, fault: str
) -> None:
    """The run ends (if it failed, the next run must finish the work with nobody's help), then every
    invoice is at the sandbox exactly once and the ledger agrees; one summary line."""
    states = [wait_for_run(scale, run_id, timeout=900)]
    if states[-1] != "success":
        states.append(wait_for_run(scale, trigger(scale, {}), timeout=900))
    recovered = time.monotonic() - fault_at
    assert states[-1] == "success", f"runs: {states}\n{tail(scale.home / LOG_NAME)}"
    ledger = Ledger(scale.database_url("ledger"))
    try:
        found = check_exactly_once(sandbox_admin_of(scale), ledger, numbers)
    finally:
        ledger.dispose()
    assert found.ok, found.describe()
    summary_line(
        f"infrastructure faults, {fault} on the Celery stack ({INVOICES} invoices)",
        runs=" then ".join(states),
        duplicates=len(found.duplicates),
        lost=len(found.lost),
        recovery_seconds=f"{recovered:.1f}",
    )


def test_redis_restarted_with_tasks_queued_and_running(
    scale: ScaleAirflow, servers: tuple[OwnedPostgres, OwnedRedis]
) -> None:
    _, redis = servers
    run_id, numbers = start_slow_run(scale, "REDIS")
    wait_for_deposits(scale, set(numbers), FAULT_AFTER_DEPOSITS)
    redis.restart()
    finish_and_check(scale, run_id, numbers, time.monotonic(), "Redis restarted")


def test_scheduler_killed_and_restarted_during_a_run(scale: ScaleAirflow) -> None:
    """The scheduler's whole process group SIGKILLed with submit tasks running and queued, started
    again 10 s later (before its heartbeat goes stale)."""
    run_id, numbers = start_slow_run(scale, "SCHED")
    wait_for_deposits(scale, set(numbers), FAULT_AFTER_DEPOSITS)
    # ScaleAirflow has no handle on its scheduler by name: find its process among those it started.
    [scheduler] = [
        process for process in scale._processes if process.args == [scale.airflow_command(), "scheduler"]
    ]
    os.killpg(scheduler.pid, signal.SIGKILL)
    scheduler.wait(timeout=30)
    scale._processes.remove(scheduler)
    fault_at = time.monotonic()
    time.sleep(10)
    scale._spawn([scale.airflow_command(), "scheduler"])
    finish_and_check(scale, run_id, numbers, fault_at, "scheduler killed and restarted")


def stopped_tasks(scale: ScaleAirflow) -> list[psutil.Process]:
    """Task processes frozen at their crash point (SIGSTOP), under every worker."""
    frozen = []
    for worker in scale.workers.values():
        with contextlib.suppress(psutil.NoSuchProcess):
            for child in psutil.Process(worker.pid).children(recursive=True):
                with contextlib.suppress(psutil.NoSuchProcess):
                    if child.status() == psutil.STATUS_STOPPED:
                        frozen.append(child)
    return frozen


def resume_frozen_tasks(scale: ScaleAirflow, done: threading.Event) -> None:
    """Resume every task that froze at its crash point, until ``done``."""
    while not done.is_set():
        for process in stopped_tasks(scale):
            with contextlib.suppress(psutil.NoSuchProcess):
                process.send_signal(signal.SIGCONT)
        time.sleep(0.2)


def test_postgres_restarted_on_the_write_after_a_deposit(
    scale: ScaleAirflow, servers: tuple[OwnedPostgres, OwnedRedis]
) -> None:
    """Airflow's metadata and the ledger on the restarted PostgreSQL; each submit task freezes
    right after its first deposit's answer, before ``mark_submitted``; the first one to freeze gets
    PostgreSQL restarted under it, so its ledger write meets a server that cut every connection."""
    postgres, _ = servers
    # The workers start again with the crash point armed (only submit tasks reach this one).
    scale.env["CHORUSFLOW_CRASHPOINT"] = FROZEN_AFTER_DEPOSIT
    for worker in list(scale.workers):
        scale.kill_worker(worker)
        scale.start_worker(worker)
    run_id, numbers = start_slow_run(scale, "PGRST")
    deadline = time.monotonic() + 300
    while not stopped_tasks(scale):
        assert time.monotonic() < deadline, f"no task froze:\n{tail(scale.home / LOG_NAME)}"
        time.sleep(0.1)
    postgres.restart()
    fault_at = time.monotonic()
    done = threading.Event()
    resumer = threading.Thread(target=resume_frozen_tasks, args=(scale, done), daemon=True)
    resumer.start()
    try:
        finish_and_check(scale, run_id, numbers, fault_at, "PostgreSQL restarted")
    finally:
        done.set()
        resumer.join()
