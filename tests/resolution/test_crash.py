"""kill -9 between the ``completer`` call and the ledger write: the rerun does not call it again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from chorusflow.ledger import InvoiceState, Ledger, ResolutionOutcome
from chorusflow.platforms.chorus_pro import ChorusProClient
from chorusflow.resolution import Action, Decision, DecisionResult
from chorusflow_dev.sandbox import SandboxServer
from chorusflow_dev.testing import SUPPLIER_SIRET
from tests.conftest import REPO_ROOT
from tests.fixtures.sandbox import sandbox_admin
from tests.resolution.helpers import DECIDER, attachments_folder, blocked, resolver

COMPLETER = "/cpro/factures/v1/completer"


def run_worker(ledger: Ledger, sandbox: SandboxServer, folder: Path, decision: Decision, crash: str) -> int:
    environment = os.environ | {
        "AIRFLOW_CONN_CHORUS_PRO": sandbox.connection_json(),
        "CHORUSFLOW_CRASHPOINT": crash,
    }
    arguments = [
        sys.executable,
        "-m",
        "tests.resolution.worker",
        ledger.url,
        str(folder),
        decision.model_dump_json(),
    ]
    return subprocess.run(arguments, env=environment, cwd=REPO_ROOT, timeout=60, check=False).returncode


# The 5th ledger write is the answer's (claim, upload, its id, the completer body, then the answer).
@pytest.mark.parametrize("crash", ["resolution.after_answer:1", "ledger.before_commit:5"])
def test_killed_after_completer_the_rerun_reads_the_status_instead(
    ledger: Ledger, client: ChorusProClient, sandbox: SandboxServer, tmp_path: Path, crash: str
) -> None:
    if crash.startswith("ledger.") and ledger.dialect_name != "sqlite":
        pytest.skip("the same moment as resolution.after_answer, seen from the database: once is enough")
    admin = sandbox_admin(sandbox)
    blocked(ledger, client, admin, {"RK-1": ("SUSPENDUE", "Bon de livraison manquant")})
    folder = attachments_folder(tmp_path)
    decision = Decision(
        invoice_number="RK-1",
        action=Action.COMPLETE,
        decided_by=DECIDER,
        attachment="BL-1.pdf",
        comment="Voici le bon",
    )

    assert run_worker(ledger, sandbox, folder, decision, crash) == -signal.SIGKILL
    assert admin.calls(COMPLETER) == 1  # Chorus Pro completed it; the ledger never heard
    detail = ledger.get_invoice("RK-1", SUPPLIER_SIRET)
    assert detail is not None and detail.resolutions[0].outcome is ResolutionOutcome.IN_FLIGHT

    # The task's retry (same owner: the lease is its own) finds the decision in flight with a call sent.
    rerun = resolver(ledger, client, folder).apply(decision)

    assert rerun.result is DecisionResult.DONE, rerun.message
    assert "not sent again" in rerun.message
    assert admin.calls(COMPLETER) == 1
    detail = ledger.get_invoice("RK-1", SUPPLIER_SIRET)
    assert detail is not None
    assert (detail.state, detail.chorus_status) == (InvoiceState.SUBMITTED, "COMPLETEE")
    assert detail.resolutions[0].outcome is ResolutionOutcome.SUCCEEDED
    assert detail.resolutions[0].answer == {"reconciled": True, "statut": "COMPLETEE", "trouve": "COMPLETEE"}
