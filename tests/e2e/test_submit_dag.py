"""`chorus_submit_invoices` end to end with `dag.test()`: sandbox, ledger (SQLite and PostgreSQL), inbox.

The acceptance of the submission issue: every valid invoice reaches Chorus Pro exactly once and the
ledger agrees with it invoice by invoice, under the commit-then-drop fault, after a worker died
between the call and the ledger write, with two runs at once, and for invoices named by Param.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from chorusflow.invoice import Invoice
from chorusflow.ledger import Claim, ClaimOwner, InvoiceState
from chorusflow.platforms.chorus_pro import ChorusProClient, ChorusProConfig
from chorusflow.platforms.chorus_pro.accounts import SupplierAccounts
from chorusflow.platforms.chorus_pro.channels.pdf import PdfChannel
from chorusflow.reporting.run_report import safe_folder_name
from chorusflow.suppliers import load_supplier
from tests.fixtures.airflow import SAMPLE_EXPORT, PipelineEnv, load_dag
from tests.fixtures.sandbox import SUPPLIER_SIRET

pytestmark = pytest.mark.timeout(300)
CHORUSFLOW = str(Path(sys.executable).parent / "chorusflow")


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries as in production, but without waiting minutes between tries."""
    monkeypatch.setenv("CHORUSFLOW_SUBMIT_RETRY_DELAY", "0.2")
    monkeypatch.setenv("CHORUSFLOW_SUBMIT_RETRIES", "6")


def run_dag(conf: dict[str, Any] | None = None) -> Any:
    dag = load_dag("chorus_submit_invoices")
    return dag.test(run_conf=conf or {})


def run_note(run_id: str) -> str | None:
    """The note the UI shows for a run (set by the chorusflow_run_notes plugin)."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        run = session.scalar(select(DagRun).where(DagRun.run_id == run_id))
        return None if run is None else run.note


def sample_verdicts() -> tuple[set[str], set[str]]:
    """Valid and invalid invoice numbers of the bundled sample, as `chorusflow validate` sees them."""
    result = subprocess.run(
        [CHORUSFLOW, "validate", str(SAMPLE_EXPORT), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    document = json.loads(result.stdout)
    valid = {i["invoice_number"] for i in document["invoices"] if i["valid"]}
    invalid = {i["invoice_number"] for i in document["invoices"] if not i["valid"]}
    return valid, invalid


def assert_sandbox_matches_ledger(env: PipelineEnv) -> dict[str, dict[str, Any]]:
    """Each invoice the sandbox holds appears once, was deposited once, and the ledger has its id."""
    received = env.admin.invoices()
    numbers = Counter(invoice["number"] for invoice in received)
    assert all(count == 1 for count in numbers.values()), numbers
    counts = env.admin.submission_counts()
    by_number = {invoice["number"]: invoice for invoice in received}
    for row in env.ledger.list_invoices(supplier_siret=SUPPLIER_SIRET):
        if row.invoice_number in by_number:
            assert row.state is InvoiceState.SUBMITTED, row
            assert row.identifiant_facture_cpp == by_number[row.invoice_number]["id"]
        else:
            assert row.state is not InvoiceState.SUBMITTED, row
    for number in by_number:
        # Refused duplicates count too: at most once means never asked twice when the outcome is known.
        assert counts.get(number, 1) >= 1
    return by_number


def test_sample_export_is_deposited_once_and_recorded(pipeline_env: PipelineEnv) -> None:
    valid, invalid = sample_verdicts()
    assert len(valid) >= 20 and len(invalid) >= 3
    pipeline_env.drop_export()

    dag_run = run_dag()

    assert dag_run.state == "success"
    deposited = assert_sandbox_matches_ledger(pipeline_env)
    assert set(deposited) == valid
    rows = {row.invoice_number: row for row in pipeline_env.ledger.list_invoices()}
    assert invalid <= {n for n, row in rows.items() if row.state is InvoiceState.INVALID}
    assert all(rows[n].findings for n in invalid)
    assert not list(pipeline_env.inbox.glob("*.csv")), "the export should be archived"
    assert list((pipeline_env.inbox / "archive").rglob("sample-export.csv"))
    reports = list((pipeline_env.home / "reports").rglob("report.html"))
    assert len(reports) == 1 and "F2026" in reports[0].read_text(encoding="utf-8")
    note = run_note(dag_run.run_id)
    assert note is not None and f"{len(valid)} déposées" in note and "F2026-0126 [BUYER_UNKNOWN]" in note

    second = run_dag()

    assert second.state == "success"
    assert sum(pipeline_env.admin.submission_counts().values()) == len(deposited)


def test_same_content_dropped_again_is_not_processed_twice(pipeline_env: PipelineEnv) -> None:
    pipeline_env.drop_export()
    run_dag()
    before = pipeline_env.admin.submission_counts()
    pipeline_env.drop_export(name="sample-again.csv")

    run_dag()

    assert pipeline_env.admin.submission_counts() == before
    assert list(pipeline_env.inbox.glob("*.csv")) == [pipeline_env.inbox / "sample-again.csv"]


def test_commit_then_drop_never_duplicates(pipeline_env: PipelineEnv) -> None:
    pipeline_env.admin.set_faults(commit_then_drop_rate={"/cpro/factures/v1/soumettre": 0.4}, seed=7)
    pipeline_env.drop_export()

    dag_run = run_dag()

    assert dag_run.state == "success"
    drops = pipeline_env.admin.stats()["drops"].get("/cpro/factures/v1/soumettre", 0)
    assert drops > 0, "the fault must have fired for the test to mean anything"
    deposited = assert_sandbox_matches_ledger(pipeline_env)
    valid, _ = sample_verdicts()
    assert set(deposited) == valid
    assert all(count == 1 for count in pipeline_env.admin.submission_counts().values())


def test_worker_killed_between_call_and_ledger_write_is_adopted_not_redeposited(
    pipeline_env: PipelineEnv,
) -> None:
    pipeline_env.drop_export()
    run_dag({"dry_run": True})  # validates only: nothing recorded, nothing deposited
    assert pipeline_env.admin.invoices() == []
    # The state a SIGKILL leaves behind: the ledger holds the claim and an in-flight attempt, Chorus
    # Pro holds the invoice, the answer never reached the ledger.
    from chorusflow.rules import validate_export
    from chorusflow.submission.intake import records_from_report

    report = validate_export(SAMPLE_EXPORT)
    pipeline_env.ledger.record_validated(
        SUPPLIER_SIRET, "sample.csv", records_from_report(report, "sample.csv")
    )
    dead = ClaimOwner(dag_id="chorus_submit_invoices", run_id="dead-run", task_id="submit", hostname="gone")
    number = next(v.invoice_number for v in report.invoices if v.valid)
    [claim] = pipeline_env.ledger.claim_for_submission(SUPPLIER_SIRET, [number], dead, lease_seconds=0)
    assert isinstance(claim, Claim)
    pipeline_env.ledger.start_attempt(claim, dead)
    # The dead worker's call, made the way it makes it.
    client = ChorusProClient(ChorusProConfig.from_connection(pipeline_env.sandbox.connection()))
    answer = PdfChannel(SupplierAccounts(client, load_supplier())).deposit(
        Invoice.model_validate(claim.normalized)
    )

    dag_run = run_dag()

    assert dag_run.state == "success"
    assert pipeline_env.admin.submission_counts()[number] == 1
    detail = pipeline_env.ledger.get_invoice(number)
    assert detail is not None and detail.state is InvoiceState.SUBMITTED
    assert detail.identifiant_facture_cpp == answer.platform_id
    assert [a.outcome.value for a in detail.attempts] == ["outcome_unknown", "adopted"]
    assert_sandbox_matches_ledger(pipeline_env)


def test_invoice_numbers_param_retries_failed_invoices(pipeline_env: PipelineEnv) -> None:
    # Chorus Pro refuses every deposit (HTTP 400): the invoices fail for good, at once, no retry.
    pipeline_env.admin.set_faults(error_rate={"/cpro/factures/v1/soumettre": 1.0}, error_status=400)
    pipeline_env.drop_export()
    first = run_dag()
    assert first.state == "failed"
    assert pipeline_env.admin.invoices() == []
    assert "25 échecs définitifs" in (run_note(first.run_id) or "")
    failed = sorted(row.invoice_number for row in pipeline_env.ledger.list_invoices(InvoiceState.FAILED))
    assert len(failed) == len(sample_verdicts()[0])
    assert all(row.last_error for row in pipeline_env.ledger.list_invoices(InvoiceState.FAILED))
    pipeline_env.admin.set_faults(error_rate={"/cpro/factures/v1/soumettre": 0.0})

    second = run_dag({"invoice_numbers": failed[:2]})

    assert second.state == "success"  # this run's own work; the others were reported by the first
    assert sorted(i["number"] for i in pipeline_env.admin.invoices()) == failed[:2]
    assert_sandbox_matches_ledger(pipeline_env)
    still_failed = {row.invoice_number for row in pipeline_env.ledger.list_invoices(InvoiceState.FAILED)}
    assert still_failed == set(failed[2:])


def submit_labels(run_id: str) -> list[str]:
    """The labels of a run's mapped `submit` task instances (what the UI lists)."""
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        labels = session.scalars(
            select(TaskInstance.rendered_map_index).where(
                TaskInstance.run_id == run_id, TaskInstance.task_id == "submit"
            )
        ).all()
    return sorted(str(label) for label in labels)


def test_invoice_numbers_param_names_unknown_refused_and_held_numbers(pipeline_env: PipelineEnv) -> None:
    admin, ledger = pipeline_env.admin, pipeline_env.ledger
    admin.set_faults(error_rate={"/cpro/factures/v1/soumettre": 1.0}, error_status=400)
    pipeline_env.drop_export()
    assert run_dag().state == "failed"
    failed = sorted(row.invoice_number for row in ledger.list_invoices(InvoiceState.FAILED))
    rejected, deposited, retried, held = failed[:4]
    admin.set_faults(error_rate={"/cpro/factures/v1/soumettre": 0.0})
    assert run_dag({"invoice_numbers": [rejected, deposited]}).state == "success"
    # The buyer rejects one of them, and the status sync records it.
    ids = {invoice["number"]: invoice["id"] for invoice in admin.invoices()}
    admin.set_status(ids[rejected], "REJETEE", "Numéro d'engagement inconnu")
    assert load_dag("chorus_sync_statuses").test().state == "success"
    # Another run's live attempt holds one invoice.
    other = ClaimOwner(dag_id="chorus_submit_invoices", run_id="other-run", task_id="submit", hostname="w2")
    [claim] = ledger.claim_for_submission(
        SUPPLIER_SIRET, [held], other, lease_seconds=900, include_failed=True
    )
    asked = [rejected, deposited, retried, held, "F2099-0001", "F2026-0126"]

    third = run_dag({"invoice_numbers": asked})

    assert third.state == "failed"  # the held invoice is still pending: the run says so
    assert admin.submission_counts() == {rejected: 1, deposited: 1, retried: 1}
    assert submit_labels(third.run_id) == sorted([retried, held])  # no task for what cannot be deposited
    note = run_note(third.run_id) or ""
    head = note.splitlines()[0]
    assert "1 déposées" in head and "1 inconnu(s), 3 non redéposable(s), 1 non repris" in head
    assert "- F2099-0001 : numéro inconnu du registre (jamais lu dans un export)" in note
    assert (
        f"- {rejected} : bloquée sur Chorus Pro (REJETEE), pas redéposée. La facture est refusée "
        "définitivement : émettre un avoir si elle est comptabilisée, puis une nouvelle facture avec un "
        "nouveau numéro."
    ) in note
    assert f"- {deposited} : déjà sur Chorus Pro (submitted, DEPOSEE), jamais déposée deux fois" in note
    assert "- F2026-0126 : refusée à la validation" in note
    until = claim.claim_expires_at.astimezone(ZoneInfo("Europe/Paris")).strftime("%d/%m/%Y à %H:%M")
    assert f"- {held} : non reprise : tenue par une autre tentative jusqu'au {until}" in note
    page = pipeline_env.home / "reports" / "chorus_submit_invoices" / safe_folder_name(third.run_id)
    html = (page / "report.html").read_text(encoding="utf-8")
    assert "Numéros demandés à nouveau (invoice_numbers)" in html and "F2099-0001" in html
    assert "par une tentative de l&#x27;exécution other-run" in html


def _run_dag_in_subprocess(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "chorusflow_dev.airflow.run_dag", "chorus_submit_invoices"],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def test_two_concurrent_runs_deposit_each_invoice_once(pipeline_env: PipelineEnv) -> None:
    pipeline_env.admin.set_faults(latency_ms={"/cpro/factures/v1/soumettre": 50})
    run_dag({"dry_run": True})  # registers the DAGs once, so the two runs only race on invoices
    pipeline_env.drop_export()
    pipeline_env.drop_export(name="copy-of-sample.csv")  # same content under another name
    env = dict(os.environ)
    # Two processes write Airflow's SQLite metadata at once: wait for its lock (5 s by default) rather
    # than fail a run on a busy machine; the race under test is on the chorusflow ledger.
    env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = (
        f"sqlite:///{os.environ['AIRFLOW_HOME']}/airflow.db?timeout=60"
    )
    first = _run_dag_in_subprocess(env)
    second = _run_dag_in_subprocess(env)
    outputs = [proc.communicate(timeout=240)[0] for proc in (first, second)]

    assert all("DAG_RUN_STATE" in out for out in outputs), outputs[0][-3000:] + outputs[1][-3000:]
    counts = pipeline_env.admin.submission_counts()
    assert counts and all(count == 1 for count in counts.values()), counts
    assert_sandbox_matches_ledger(pipeline_env)


def test_inbox_given_as_an_object_storage_url(
    pipeline_env: PipelineEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The inbox setting takes an Airflow ObjectStoragePath URL (``file://``: no other store runs here)."""
    monkeypatch.setenv("CHORUSFLOW_INBOX", f"file://{pipeline_env.inbox}")
    pipeline_env.drop_export()

    dag_run = run_dag()

    assert dag_run.state == "success"
    assert set(assert_sandbox_matches_ledger(pipeline_env)) == sample_verdicts()[0]
    assert not list(pipeline_env.inbox.glob("*.csv"))
    assert [p.name for p in (pipeline_env.inbox / "archive").rglob("*.csv")] == ["sample-export.csv"]
