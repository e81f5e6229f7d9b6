"""§4 Secrets and §5 Load, through a real scheduler (``airflow standalone`` via ``LocalAirflow``).

§4: the whole pipeline (submission with server errors, dropped answers, expiring tokens and task
retries, then the status sync) runs on a real scheduler, so Airflow's secret masker is active as in
production, for three suppliers at once (French default, EU, non-EU; docs/suppliers.md), each with
its own technical account. Then every task log, the standalone log, every report, the ledger
database (file and WAL) and every XCom (REST API) are searched for the PISTE client secret, every
account's technical password and ``base64(login:password)`` (its ``cpro-account`` value), and every
bearer token the sandbox issued (``GET /sandbox/tokens``). None may appear.

§5: one run deposits many invoices with the pool ``chorus_pro_api`` while the sandbox answers HTTP
429 above its quota. The client paces the deployment below the quota (``CHORUSFLOW_API_RATE_LIMIT``,
one row of the ledger's database shared by every task process) and sends a 429 again after ``Retry-After``
(``CHORUSFLOW_API_429_RETRIES``): no 429 may reach a task failure (every submit task succeeds at
its first try), every invoice is deposited exactly once, and every deposit call reserved its own slot
of the shared pacer, spaced by the pacer's interval (the ``api_quota`` row, by the database's clock).
No wall-clock threshold: the deposits per second are printed, and measured against the quota with the
machine's load average by ``bench/scale.py`` (docs/performance.md).
``make test``: 200 invoices, quota 20/s, pool 4. ``make reliability``: 5,000 invoices, quota 10/s, pool 8.
"""

from __future__ import annotations

import base64
import csv
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests

from chorusflow_dev.airflow.local import LocalAirflow
from chorusflow_dev.sandbox import SandboxCredentials
from chorusflow_dev.sandbox.directory import load_directory
from chorusflow_dev.testing.exports import invoice_numbers, write_export, write_sample_export
from tests.conftest import REPO_ROOT
from tests.fixtures.local_airflow import (
    check,
    running_local_airflow,
    sandbox_admin_of,
    tail,
    task_instances,
    trigger,
)
from tests.fixtures.sandbox import SandboxAdmin
from tests.reliability.support import check_exactly_once, summary_line
from tests.rules.builders import COMMUNE, row
from tests.suppliers.builders import (
    COMMUNE_VAT,
    EU_ID,
    EU_IDENTIFIER,
    NON_EU_ID,
    NON_EU_IDENTIFIER,
    three_suppliers,
)

SUBMIT_DAG = "chorus_submit_invoices"
SYNC_DAG = "chorus_sync_statuses"
SOUMETTRE = "/cpro/factures/v1/soumettre"
SAMPLE_EXPORT = REPO_ROOT / "examples" / "sample-export.csv"
# DEPOT_PDF_API makes two quota-counted calls per invoice: the PDF upload, then soumettre.
CALLS_PER_DEPOSIT = 2
RATE_SHARE_OF_QUOTA = 0.95  # the shared pacing, a little under the quota: timers are not exact


SUPPLIER_CONNECTIONS = {f"chorus_pro__{EU_ID}": EU_IDENTIFIER, f"chorus_pro__{NON_EU_ID}": NON_EU_IDENTIFIER}


@pytest.fixture(scope="module")
def airflow_fast() -> Iterator[LocalAirflow]:
    """One ``airflow standalone`` (pool 4) shared by the §4 and the scaled-down §5 tests, with three
    suppliers (the default one, whose exports name none, takes the §5 load)."""
    # The planner's default: one batch per slot, one wave on the 4 slots (Airflow's task start-up
    # between two waves costs seconds on 2 cores, too much of a 10-second run to measure pacing).
    with private_folder() as home:
        config = three_suppliers(home / "config")
        extra_env = {"CHORUSFLOW_CONFIG_DIR": str(config)}
        with started_airflow(
            home, pool_size=4, quota=20, extra_env=extra_env, supplier_connections=SUPPLIER_CONNECTIONS
        ) as local:
            yield local


@contextmanager
def private_folder() -> Iterator[Path]:
    """A folder of our own, not under pytest's basetemp: concurrent pytest sessions on this machine
    prune each other's old basetemp folders, which would delete a running Airflow's home."""
    folder = Path(tempfile.mkdtemp(prefix="chorusflow-reliability-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def started_airflow(
    home: Path,
    *,
    pool_size: int,
    quota: float,
    extra_env: dict[str, str] | None = None,
    supplier_connections: dict[str, str] | None = None,
) -> Any:
    """A :class:`LocalAirflow` on free ports paced for ``quota`` requests per second."""

    return running_local_airflow(
        home,
        {
            "AIRFLOW__CORE__PARALLELISM": str(pool_size + 2),
            "CHORUSFLOW_SYNC_PAGE_RETRY_DELAY": "0",
            "CHORUSFLOW_API_RATE_LIMIT": f"{quota * RATE_SHARE_OF_QUOTA:g}",
            "CHORUSFLOW_API_429_RETRIES": "5",
            **(extra_env or {}),
        },
        pool_size=pool_size,
        supplier_connections=supplier_connections,
    )


def wait_for(local: LocalAirflow, dag_id: str, run_id: str, timeout: float) -> str:
    """Poll a run until it ends; its final state."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = str(check(local.api("GET", f"/api/v2/dags/{dag_id}/dagRuns/{quote(run_id)}"))["state"])
        if state in ("success", "failed"):
            return state
        time.sleep(1)
    raise AssertionError(f"{dag_id} run {run_id} not finished within {timeout:.0f} s")


# -- §4 secrets ------------------------------------------------------------------------------------


def secrets_of(admin: SandboxAdmin) -> dict[str, str]:
    """Every secret that must never be written anywhere: the credentials of every supplier's
    technical account and each token issued."""
    credentials = SandboxCredentials()
    found = {
        "client secret": credentials.client_secret,
        "technical password": credentials.password,
        "cpro-account": credentials.cpro_account(),
    }
    for structure in load_directory().suppliers:
        account = structure.technical_account
        if account is not None and structure.siret in SUPPLIER_CONNECTIONS.values():
            login, password = account.login, account.password
            found[f"technical password of {structure.siret}"] = password
            found[f"cpro-account of {structure.siret}"] = base64.b64encode(
                f"{login}:{password}".encode()
            ).decode()
    response = requests.get(f"{admin.url}/sandbox/tokens", timeout=10)
    response.raise_for_status()
    for position, token in enumerate(response.json()["tokens"], start=1):
        found[f"bearer token #{position}"] = token
    return found


def xcom_values(local: LocalAirflow, dag_id: str, run_id: str) -> list[str]:
    """Every XCom value of a run, through the REST API, as text."""
    values: list[str] = []
    for ti in task_instances(local, run_id, dag_id):
        base = f"/api/v2/dags/{dag_id}/dagRuns/{quote(run_id)}/taskInstances/{ti['task_id']}/xcomEntries"
        listing = check(local.api("GET", f"{base}?map_index={ti['map_index']}&limit=100"))
        for entry in listing.get("xcom_entries", []):
            detail = local.api(
                "GET", f"{base}/{quote(entry['key'])}?map_index={ti['map_index']}&stringify=true"
            )
            values.append(detail.text)
    return values


def files_to_search(local: LocalAirflow) -> list[Path]:
    """Task logs, the standalone log, reports, the ledger and Airflow's own database files."""
    airflow_home = local.home / "airflow"
    candidates = [
        *sorted((airflow_home / "logs").rglob("*")),
        *sorted((local.home / "reports").rglob("*")),
        *sorted(local.home.glob("ledger.sqlite*")),
        *sorted(airflow_home.glob("airflow.db*")),  # XCom, run notes, rendered fields
        local.home / "airflow-local.log",
    ]
    return [path for path in candidates if path.is_file()]


def mixed_export(path: Path) -> Path:
    """The sample export (the default supplier's: no supplier named) and three invoices of each
    other supplier, named in the ``supplier_id`` column: one file, so one run deposits for all three."""
    with SAMPLE_EXPORT.open(encoding="utf-8", newline="") as handle:
        rows: list[dict[str, str]] = list(csv.DictReader(handle, delimiter=";"))
    reverse = {"vat_rate": "0", "vat_treatment": "reverse_charge", "buyer_vat_number": COMMUNE_VAT}
    for supplier_id, prefix in ((EU_ID, "DE"), (NON_EU_ID, "CH")):
        rows += [
            row(invoice_number=f"{prefix}-{n:04d}", buyer_siret=COMMUNE, supplier_id=supplier_id, **reverse)
            for n in range(1, 4)
        ]
    return write_export(path, rows)


@pytest.mark.timeout(1200)
def test_no_secret_in_logs_reports_ledger_or_xcom(airflow_fast: LocalAirflow) -> None:
    local = airflow_fast
    admin = sandbox_admin_of(local)
    admin.set_faults(
        error_rate={SOUMETTRE: 0.3},
        commit_then_drop_rate={SOUMETTRE: 0.1},
        token_lifetime_seconds=20,
        seed=5,
    )
    export = mixed_export(local.home / "exports" / "mixed.csv")

    submit_run = trigger(local, {"export_path": str(export)})
    submit_state = wait_for(local, SUBMIT_DAG, submit_run, 600)
    for invoice in admin.invoices()[:3]:
        admin.set_status(invoice["id"], "SUSPENDUE", "Merci de joindre le bon de livraison")
    sync_run = trigger(local, {}, dag_id=SYNC_DAG)
    sync_state = wait_for(local, SYNC_DAG, sync_run, 300)

    retried = [ti for ti in task_instances(local, submit_run) if ti["try_number"] > 1]
    stats = admin.stats()
    assert submit_state == "success", tail(local.home / "airflow-local.log")
    assert retried, "the faults must have made some task retry for the test to mean anything"
    assert stats["by_status"].get("500", 0) > 0 and stats["drops"].get(SOUMETTRE, 0) > 0
    deposited = {invoice["supplier_identifier"] for invoice in admin.invoices()}
    assert {EU_IDENTIFIER, NON_EU_IDENTIFIER} <= deposited, deposited
    secrets = secrets_of(admin)
    assert sum(1 for name in secrets if name.startswith("bearer")) >= 3  # one account each at least
    haystacks: dict[str, bytes] = {str(path): path.read_bytes() for path in files_to_search(local)}
    for dag_id, run_id in ((SUBMIT_DAG, submit_run), (SYNC_DAG, sync_run)):
        for position, value in enumerate(xcom_values(local, dag_id, run_id)):
            haystacks[f"xcom {dag_id} {run_id} #{position}"] = value.encode("utf-8")
    assert any("/logs/" in name for name in haystacks), "no task log found"
    assert any(name.endswith("report.csv") for name in haystacks)
    assert any("ledger.sqlite" in name for name in haystacks)
    assert any("airflow.db" in name for name in haystacks)
    leaks = [
        f"{secret_name} in {where}"
        for where, content in haystacks.items()
        for secret_name, secret in secrets.items()
        if secret.encode("utf-8") in content
        or base64.b64encode(secret.encode()).decode() in content.decode("utf-8", "replace")
    ]
    summary_line(
        "secrets",
        places_searched=len(haystacks),
        secrets_searched=len(secrets),
        tokens_issued=sum(1 for name in secrets if name.startswith("bearer")),
        task_retries=len(retried),
        sync_run=sync_state,
        leaks=len(leaks),
    )
    assert not leaks, leaks[:20]


# -- §5 load ---------------------------------------------------------------------------------------


def deposit_throughput(admin: SandboxAdmin, numbers: list[str]) -> float:
    """Deposits per second between the first and the last deposit, by the sandbox's own clock."""
    wanted = set(numbers)
    moments = sorted(
        datetime.fromisoformat(invoice["status_at"]).timestamp()
        for invoice in admin.invoices()
        if invoice["number"] in wanted and invoice["status"] == "DEPOSEE"
    )
    assert len(moments) == len(wanted), "every invoice must be deposited (and not moved) to be timed"
    return (len(moments) - 1) / max(moments[-1] - moments[0], 1e-6)


def pacer_slots(local: LocalAirflow) -> dict[str, float]:
    """The shared pacer's next free slot (seconds since the epoch) per client id: ``api_quota``."""
    from sqlalchemy import inspect, select

    from chorusflow.ledger.tables import api_quota

    ledger = _ledger_of(local)
    try:
        if not inspect(ledger.engine).has_table(api_quota.name):
            return {}  # no run has made the ledger yet: no slot reserved
        with ledger.engine.connect() as connection:
            rows = connection.execute(select(api_quota.c.quota_key, api_quota.c.next_slot))
            return {key: float(slot) for key, slot in rows}
    finally:
        ledger.dispose()


def reserved_since(before: dict[str, float], after: dict[str, float], start: float) -> float:
    """How far the pacer's slots moved on past ``start`` (or past a slot already reserved beyond it)."""
    return sum(max(0.0, slot - max(before.get(key, 0.0), start)) for key, slot in after.items())


def run_load(local: LocalAirflow, count: int, quota: float, prefix: str) -> None:
    """Deposit ``count`` invoices in one run under a 429 quota; assert pacing and exactly-once."""
    admin = sandbox_admin_of(local)
    # No reset: Chorus Pro never reuses an invoice id, and the ledger may hold earlier runs' ids.
    admin.set_faults(
        error_rate={}, commit_then_drop_rate={}, token_lifetime_seconds=3600, quota_per_second=quota
    )
    limited_before = admin.stats()["rate_limited"]
    slots_before = pacer_slots(local)
    # SQLite's clock (the pacer's) is this machine's: slots reserved by this run start after it.
    started_at = time.time()
    export = write_sample_export(local.home / "exports" / f"{prefix}.csv", invoice_numbers(prefix, count))

    run_id = trigger(local, {"export_path": str(export)})
    state = wait_for(local, SUBMIT_DAG, run_id, 120 + 3 * count / quota)

    submits = [ti for ti in task_instances(local, run_id) if ti["task_id"] == "submit"]
    failed_tries = [ti for ti in submits if ti["try_number"] != 1 or ti["state"] != "success"]
    stats = admin.stats()
    reserved = reserved_since(slots_before, pacer_slots(local), started_at)
    assert state == "success", tail(local.home / "airflow-local.log")
    ledger = _ledger_of(local)
    found = check_exactly_once(admin, ledger, invoice_numbers(prefix, count))
    ledger.dispose()
    throughput = deposit_throughput(admin, invoice_numbers(prefix, count))
    summary_line(
        f"load ({count} invoices, pool {local.pool_size}, quota {quota:g}/s)",
        submit_tasks=len(submits),
        tasks_failed_or_retried=len(failed_tries),
        http_429_answered=stats["rate_limited"] - limited_before,
        deposits_per_second=f"{throughput:.2f}",
        share_of_quota=f"{throughput * CALLS_PER_DEPOSIT / quota:.0%}",
        duplicates=len(found.duplicates),
        lost=len(found.lost),
    )
    assert found.ok, found.describe()
    assert not failed_tries, [(ti["map_index"], ti["try_number"], ti["state"]) for ti in failed_tries]
    # Pacing, not speed: each deposit call took a slot of the shared pacer, at least one interval after
    # the previous one, so the slots moved on by at least calls x interval, whatever the machine's load.
    calls, interval = CALLS_PER_DEPOSIT * count, 1 / (quota * RATE_SHARE_OF_QUOTA)
    assert reserved >= (calls - 1) * interval, (reserved, calls, interval)


def _ledger_of(local: LocalAirflow) -> Any:
    from chorusflow.ledger import Ledger

    return Ledger(f"sqlite:///{local.home / 'ledger.sqlite'}")


@pytest.mark.timeout(600)
def test_load_paced_under_the_quota_fast(airflow_fast: LocalAirflow) -> None:
    run_load(airflow_fast, 200, 20, "LF")


@pytest.mark.reliability_long
@pytest.mark.timeout(3600)
def test_load_5000_invoices_pool_8() -> None:
    with private_folder() as home, started_airflow(home, pool_size=8, quota=10) as local:
        run_load(local, 5000, 10, "LOAD")
