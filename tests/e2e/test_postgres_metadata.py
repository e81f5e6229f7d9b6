"""Airflow's own metadata database on PostgreSQL, with the LocalExecutor, and the ledger there too.

The production shape on one machine: ``airflow standalone`` (scheduler, DAG processor, API server,
triggerer) started by the ``make airflow`` launcher, its metadata in a fresh PostgreSQL database and
the ledger in another, both created for the test and dropped after it. A small export goes through
the REST API; each valid invoice reaches the sandbox once and the ledger on PostgreSQL agrees.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from chorusflow.ledger import InvoiceState, Ledger
from tests.fixtures.airflow import SAMPLE_EXPORT
from tests.fixtures.ledger import airflow_conn_uri, fresh_postgres_database
from tests.fixtures.local_airflow import (
    running_local_airflow,
    sandbox_admin_of,
    task_instances,
    trigger,
    valid_numbers,
    wait_for_run,
)

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.timeout(600)]

SMALL_EXPORT_INVOICES = ("F2026-0101", "F2026-0102", "F2026-0103", "F2026-0128")


def small_export(folder: Path) -> Path:
    """The sample export cut to a few invoices (one of them invalid), to keep the run short."""
    header, *rows = SAMPLE_EXPORT.read_text(encoding="utf-8").splitlines()
    kept = [row for row in rows if row.split(";", 1)[0] in SMALL_EXPORT_INVOICES]
    folder.mkdir(parents=True, exist_ok=True)
    export = folder / "small-export.csv"
    export.write_text("\n".join([header, *kept]) + "\n", encoding="utf-8")
    return export


def test_standalone_with_postgres_metadata_and_local_executor(tmp_path: Path) -> None:
    with fresh_postgres_database() as metadata_url, fresh_postgres_database() as ledger_url:
        extra_env = {
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_url,
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW_CONN_CHORUSFLOW_LEDGER": airflow_conn_uri(ledger_url),
        }
        with running_local_airflow(tmp_path / "home", extra_env) as local:
            export = small_export(tmp_path / "exports")
            valid = valid_numbers(local, export)
            assert sorted(valid) == ["F2026-0101", "F2026-0102", "F2026-0103"]

            run_id = trigger(local, {"export_path": str(export)})
            state = wait_for_run(local, run_id)

            assert state == "success", sorted(
                (ti["task_id"], ti["state"]) for ti in task_instances(local, run_id)
            )
            admin = sandbox_admin_of(local)
            assert Counter(invoice["number"] for invoice in admin.invoices()) == Counter(valid)
            assert set(admin.submission_counts().values()) == {1}

        # Airflow kept its state in PostgreSQL: the run, and tasks run by the LocalExecutor.
        metadata = create_engine(metadata_url)
        try:
            with metadata.connect() as connection:
                run_state = connection.execute(
                    text("SELECT state FROM dag_run WHERE run_id = :run_id"), {"run_id": run_id}
                ).scalar_one()
                task_states = connection.execute(
                    text("SELECT task_id, state FROM task_instance WHERE run_id = :run_id"),
                    {"run_id": run_id},
                ).all()
        finally:
            metadata.dispose()
        assert run_state == "success"
        # prepare, at least one mapped submit and report, every one of them finished by the executor
        assert {task_id for task_id, _ in task_states} == {"prepare", "submit", "report"}, task_states
        assert {state for _, state in task_states} == {"success"}, task_states
        log = (tmp_path / "home" / "airflow-local.log").read_text(encoding="utf-8")
        assert "Loaded executor: :LocalExecutor:" in log

        ledger = Ledger(ledger_url)
        try:
            states = {row.invoice_number: row.state for row in ledger.list_invoices()}
        finally:
            ledger.dispose()
        assert states == {
            "F2026-0101": InvoiceState.SUBMITTED,
            "F2026-0102": InvoiceState.SUBMITTED,
            "F2026-0103": InvoiceState.SUBMITTED,
            "F2026-0128": InvoiceState.INVALID,
        }
