"""§2 Fault storms: submission and status sync through the sandbox's fault injection, no human action.

Submission: the invoices are recorded as validated in the ledger, then one ``chorus_submit_invoices``
run (``dag.test()``, Airflow's own retries with tiny delays) deposits them while the sandbox
answers 20% of the calls with HTTP 500 (token endpoint included), commits then drops 5% of the
deposits, limits requests with a 429 quota, holds some calls past the client's 2 s timeout and
issues tokens that expire every 30 s. The run must succeed, and every invoice must be deposited
exactly once and recorded with its Chorus Pro id.

Status sync: the recipient moves the invoices (in progress, suspended, rejected, paid); scheduled
``chorus_sync_statuses`` runs under the same kind of faults must bring every status into the ledger
and send exactly one e-mail (a real SMTP server on loopback) per blocked invoice.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chorusflow.ledger import InvoiceState
from chorusflow_dev.testing.exports import invoice_numbers, write_sample_export
from tests.alerts.servers import Mailbox
from tests.fixtures.airflow import PipelineEnv, load_dag
from tests.fixtures.ledger import record_export_file
from tests.fixtures.sandbox import SUPPLIER_SIRET
from tests.reliability.support import (
    check_exactly_once,
    summary_line,
)

SOUMETTRE = "/cpro/factures/v1/soumettre"
SEARCH = "/cpro/factures/v1/rechercher/fournisseur"
HISTORY = "/cpro/factures/v1/consulter/historique"
CLIENT_TIMEOUT_SECONDS = 2
MAX_SYNC_RUNS = 8


def submission_storm(seed: int, drop_rate: float = 0.05) -> dict[str, Any]:
    """The issue's fault mix for the submission path (``drop_rate``: lost answers after commit)."""
    return {
        "error_rate": {"*": 0.2},
        "error_status": 500,
        "commit_then_drop_rate": {SOUMETTRE: drop_rate},
        "quota_per_second": 25,
        "latency_ms": {SOUMETTRE: 3000, SEARCH: 3000},
        "latency_rate": {SOUMETTRE: 0.02, SEARCH: 0.02, "*": 0.0},
        "token_lifetime_seconds": 30,
        "seed": seed,
    }


def sync_storm(seed: int) -> dict[str, Any]:
    """The same kind of faults on the calls the status sync makes (directory reads stay healthy)."""
    return {
        "error_rate": {SEARCH: 0.2, HISTORY: 0.2, "*": 0.0},
        "error_status": 500,
        "commit_then_drop_rate": {SEARCH: 0.05, HISTORY: 0.05},
        "quota_per_second": 25,
        "latency_ms": {SEARCH: 3000, HISTORY: 3000},
        "latency_rate": {SEARCH: 0.03, HISTORY: 0.03, "*": 0.0},
        "token_lifetime_seconds": 30,
        "seed": seed,
    }


@pytest.fixture
def storm_env(pipeline_env: PipelineEnv, monkeypatch: pytest.MonkeyPatch) -> Iterator[PipelineEnv]:
    """The pipeline environment with a 2 s client timeout, many fast retries and an SMTP server."""
    connection = pipeline_env.sandbox.connection()
    connection["extra"] = {**connection["extra"], "timeout": CLIENT_TIMEOUT_SECONDS}
    monkeypatch.setenv("AIRFLOW_CONN_CHORUS_PRO", json.dumps(connection))
    monkeypatch.setenv("CHORUSFLOW_SUBMIT_RETRIES", "14")
    monkeypatch.setenv("CHORUSFLOW_SUBMIT_RETRY_DELAY", "0.05")
    monkeypatch.setenv("CHORUSFLOW_SYNC_PAGE_RETRY_DELAY", "0")
    monkeypatch.setenv("CHORUSFLOW_API_429_RETRIES", "2")
    yield pipeline_env


def run_storm(env: PipelineEnv, count: int, tmp_path: Path, mailbox: Mailbox) -> None:
    """Submission storm, then sync storm; assert and print what held."""
    numbers = record_export_file(
        env.ledger, write_sample_export(tmp_path / "storm.csv", invoice_numbers("S", count))
    )
    assert len(numbers) == count
    # The storm must lose some answers. At 5 % on about 90 calls, none is lost about once in 100
    # runs (2026-12-08 on CI): a small storm doubles the rate, so that happens once in 10,000.
    env.admin.set_faults(**submission_storm(seed=11, drop_rate=0.05 if count >= 500 else 0.1))

    dag_run = load_dag("chorus_submit_invoices").test()

    stats = env.admin.stats()
    assert dag_run.state == "success"
    found = check_exactly_once(env.admin, env.ledger, numbers)
    assert found.ok, found.describe()
    soumettre = stats["statuses"].get(SOUMETTRE, {})
    assert stats["by_status"].get("500", 0) > 0 and stats["drops"].get(SOUMETTRE, 0) > 0, stats
    assert stats["calls"].get("/api/oauth/token", 0) > 1, "tokens must have expired during the run"
    summary_line(
        f"fault storm, submission ({count} invoices)",
        server_errors=stats["by_status"].get("500", 0),
        dropped_after_commit=stats["drops"].get(SOUMETTRE, 0),
        rate_limited=stats["rate_limited"],
        tokens_issued=stats["calls"].get("/api/oauth/token", 0),
        deposits_answered=soumettre.get("200", 0),
        duplicates=len(found.duplicates),
        lost=len(found.lost),
        left_submitting=len(found.submitting),
    )
    expected = recipient_moves(env, numbers)
    blocked = {number for number, status in expected.items() if status in ("SUSPENDUE", "REJETEE")}
    mails_before = len(mailbox.messages)
    env.admin.set_faults(**{**submission_storm(0), **sync_storm(seed=23)})

    runs = 0
    while runs < MAX_SYNC_RUNS:
        runs += 1
        load_dag("chorus_sync_statuses").test()
        if not status_mismatches(env, expected) and len(mailbox.messages) - mails_before >= len(blocked):
            break
    load_dag("chorus_sync_statuses").test()  # one more scheduled run: it must add nothing

    mismatches = status_mismatches(env, expected)
    assert not mismatches, f"after {runs} sync runs: {mismatches[:10]}"
    duplicated = [number for number in blocked if len(mailbox.mentioning(number)) != 1]
    assert not duplicated, f"alerts not sent exactly once: {duplicated[:10]}"
    assert len(mailbox.messages) - mails_before == len(blocked)
    sync_stats = env.admin.stats()
    summary_line(
        f"fault storm, status sync ({len(expected)} status changes)",
        sync_runs=runs + 1,
        server_errors=sync_stats["by_status"].get("500", 0) - stats["by_status"].get("500", 0),
        statuses_missing=len(mismatches),
        alerts_expected=len(blocked),
        alerts_sent=len(mailbox.messages) - mails_before,
        duplicated_alerts=len(duplicated),
    )


def recipient_moves(env: PipelineEnv, numbers: list[str]) -> dict[str, str]:
    """Play the recipient on a share of the invoices; number -> the status Chorus Pro now shows."""
    ids = {invoice["number"]: invoice["id"] for invoice in env.admin.invoices()}
    expected: dict[str, str] = {}
    for position, number in enumerate(numbers):
        if position % 10 == 0:
            env.admin.set_status(ids[number], "SUSPENDUE", f"Pièce manquante pour {number}")
            expected[number] = "SUSPENDUE"
        elif position % 10 == 1:
            env.admin.set_status(ids[number], "REJETEE", f"Engagement inconnu pour {number}")
            expected[number] = "REJETEE"
        elif position % 10 in (2, 3):
            for status in ("MISE_A_DISPOSITION", "SERVICE_FAIT", "MANDATEE", "MISE_EN_PAIEMENT"):
                env.admin.set_status(ids[number], status)
            expected[number] = "MISE_EN_PAIEMENT"
        elif position % 10 in (4, 5, 6):
            env.admin.set_status(ids[number], "MISE_A_DISPOSITION")
            expected[number] = "MISE_A_DISPOSITION"
        else:
            expected[number] = "DEPOSEE"
    return expected


def status_mismatches(env: PipelineEnv, expected: dict[str, str]) -> list[str]:
    """Invoices whose ledger status is not the one Chorus Pro shows."""
    rows = {row.invoice_number: row for row in env.ledger.list_invoices(supplier_siret=SUPPLIER_SIRET)}
    wrong = []
    for number, status in expected.items():
        row = rows[number]
        state_ok = {
            "SUSPENDUE": InvoiceState.BLOCKED,
            "REJETEE": InvoiceState.BLOCKED,
            "MISE_EN_PAIEMENT": InvoiceState.PAID,
        }.get(status, InvoiceState.SUBMITTED)
        if row.chorus_status != status or row.state is not state_ok:
            wrong.append(f"{number}: {row.chorus_status}/{row.state.value} != {status}")
    return wrong


@pytest.mark.timeout(900)
def test_fault_storm_fast(storm_env: PipelineEnv, tmp_path: Path, alert_mailbox: Mailbox) -> None:
    if storm_env.ledger.dialect_name != "sqlite":
        pytest.skip("make test storms on SQLite only; make reliability storms on PostgreSQL too")
    run_storm(storm_env, 80, tmp_path, alert_mailbox)


@pytest.mark.reliability_long
@pytest.mark.timeout(3600)
def test_fault_storm_500_invoices(storm_env: PipelineEnv, tmp_path: Path, alert_mailbox: Mailbox) -> None:
    run_storm(storm_env, 500, tmp_path, alert_mailbox)
