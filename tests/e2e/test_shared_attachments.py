"""An export's attachment travels through shared storage, not one worker's disk (issue #16).

Worker A validates an export whose invoices name their ERP PDFs beside it in an object-storage inbox
(``file://``, and ``memory://`` through Airflow's ``attach``): the PDFs are read from the inbox and
kept under the reports root. Worker B, with another ``CHORUSFLOW_HOME`` and the inbox gone, runs the
DAG: it deposits the invoices on the sandbox over sockets, and the sandbox receives the exact bytes.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest

from chorusflow.ledger import InvoiceState
from chorusflow_dev.testing.exports import sample_invoice, write_export
from tests.fixtures.airflow import PipelineEnv, load_dag
from tests.fixtures.sandbox import SUPPLIER_SIRET, plain_pdf

pytestmark = pytest.mark.timeout(300)
NUMBERS = ("ATT-00001", "ATT-00002")


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHORUSFLOW_SUBMIT_RETRY_DELAY", "0.2")


def _inbox(scheme: str, tmp_path: Path) -> Any:
    """An empty inbox on object storage: a ``file://`` folder, or ``memory://`` (attached to Airflow
    here: no provider registers it, and ``dag.test()`` runs the tasks in this process)."""
    from airflow.sdk import ObjectStoragePath
    from airflow.sdk.io import attach

    if scheme == "memory":
        from fsspec.implementations.memory import MemoryFileSystem

        attach("memory", fs=MemoryFileSystem())
        return ObjectStoragePath(f"memory://inbox-{uuid.uuid4().hex}")
    return ObjectStoragePath(f"file://{tmp_path / 'objects' / 'inbox'}")


@pytest.mark.parametrize("scheme", ["file", "memory"])
def test_attachment_is_deposited_by_a_worker_without_the_inbox(
    pipeline_env: PipelineEnv, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, scheme: str
) -> None:
    from chorusflow.airflow.tasks import submit as tasks

    pdfs = {number: plain_pdf(f"Facture ERP {number}") for number in NUMBERS}
    rows = [
        {**sample_invoice(number, 10_000 + position), "attachment": f"attachments/{number}.pdf"}
        for position, number in enumerate(NUMBERS)
    ]
    export = write_export(tmp_path / "erp" / "export-with-pdfs.csv", rows)
    inbox = _inbox(scheme, tmp_path)
    (inbox / "attachments").mkdir(parents=True, exist_ok=True)
    (inbox / export.name).write_bytes(export.read_bytes())
    for number, pdf in pdfs.items():
        (inbox / "attachments" / f"{number}.pdf").write_bytes(pdf)
    monkeypatch.setenv("CHORUSFLOW_INBOX", str(inbox))
    monkeypatch.setenv("CHORUSFLOW_REPORTS", f"file://{tmp_path / 'shared' / 'reports'}")

    # Worker A: extract and validate (what the DAG's first tasks do), nothing deposited yet.
    tasks.validate(tasks.extract(), dry_run=False, run_id="manual__worker-a")
    for number in NUMBERS:
        detail = pipeline_env.ledger.get_invoice(number, SUPPLIER_SIRET)
        assert detail is not None and detail.state is InvoiceState.PENDING, detail
        assert detail.normalized is not None
        assert detail.normalized["attachment"] is None  # no worker's path in the ledger
        stored = detail.normalized["attachment_stored"]
        assert stored.startswith(f"attachments/{SUPPLIER_SIRET}/") and stored.endswith(f"/{number}.pdf")

    # Worker B: another home, and the inbox (export and attachments) gone.
    if scheme == "memory":
        inbox.fs.rm(inbox.path, recursive=True)
    else:
        shutil.rmtree(inbox.path)
    assert not inbox.exists()
    home_b = tmp_path / "worker-b"
    monkeypatch.setenv("CHORUSFLOW_HOME", str(home_b))
    monkeypatch.setenv("CHORUSFLOW_INBOX", str(home_b / "inbox"))

    dag_run = load_dag("chorus_submit_invoices").test(run_conf={})

    assert dag_run.state == "success"
    received = {invoice["number"]: invoice for invoice in pipeline_env.admin.invoices()}
    assert set(received) == set(NUMBERS)
    assert pipeline_env.admin.submission_counts() == dict.fromkeys(NUMBERS, 1)
    for number, pdf in pdfs.items():
        uploaded = pipeline_env.admin.attachment(received[number]["attachment_id"])
        assert uploaded.status_code == 200 and uploaded.content == pdf
        detail = pipeline_env.ledger.get_invoice(number, SUPPLIER_SIRET)
        assert detail is not None and detail.state is InvoiceState.SUBMITTED
