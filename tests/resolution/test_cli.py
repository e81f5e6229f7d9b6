"""``chorusflow resolve``: the same decisions from a shell, against the sandbox (SQLite ledger)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from chorusflow import cli
from chorusflow.ledger import LEDGER_CONN_ENV, Ledger
from chorusflow.platforms.chorus_pro import ChorusProClient
from chorusflow_dev.sandbox import SandboxServer
from chorusflow_dev.testing import SUPPLIER_SIRET
from tests.fixtures.ledger import airflow_conn_uri
from tests.fixtures.sandbox import sandbox_admin, sandbox_client
from tests.resolution.helpers import attachments_folder, blocked


@pytest.fixture
def client(sandbox_conn_env: SandboxServer) -> Iterator[ChorusProClient]:
    with sandbox_client(sandbox_conn_env) as project_client:
        yield project_client


def test_resolve_from_the_command_line(
    ledger: Ledger,
    client: ChorusProClient,
    sandbox_conn_env: SandboxServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if ledger.dialect_name != "sqlite":
        pytest.skip("the resolver's ledger paths run on both databases in test_resolver.py")
    admin = sandbox_admin(sandbox_conn_env)
    blocked(
        ledger,
        client,
        admin,
        {"CL-1": ("SUSPENDUE", "Pièce manquante"), "CL-2": ("A_RECYCLER", "EJ"), "CL-3": ("REJETEE", "Non")},
    )
    monkeypatch.setenv(LEDGER_CONN_ENV, airflow_conn_uri(ledger.url))
    monkeypatch.setenv("CHORUSFLOW_RESOLUTION_ATTACHMENTS", str(attachments_folder(tmp_path)))

    completed = cli.main(["resolve", "CL-1", "--complete", "BL-1.pdf", "--comment", "Voici", "--by", "alice"])
    refused = cli.main(["resolve", "CL-2", "--recycle", "--engagement", "123456789", "--json"])
    refused_output = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    recycled = cli.main(["resolve", "CL-2", "--recycle", "--engagement", "1234567890"])
    acknowledged = cli.main(["resolve", "CL-3", "--acknowledge-rejection"])
    replayed = cli.main(["resolve", "CL-3", "--acknowledge-rejection"])
    assert "already_done" in capsys.readouterr().out.splitlines()[-1]
    # Run twice after the invoice moved on (COMPLETEE): the first run's decision, nothing sent again.
    completed_again = cli.main(["resolve", "CL-1", "--complete", "BL-1.pdf", "--comment", "Voici"])

    assert (completed, refused, recycled, acknowledged, replayed, completed_again) == (0, 1, 0, 0, 0, 0)
    assert refused_output["codes"] == ["ENGAGEMENT_FORMAT"]
    assert "already_done" in capsys.readouterr().out.splitlines()[-1]
    assert admin.calls("/cpro/factures/v1/completer") == 1
    statuses = {number: (admin.invoice(number) or {}).get("status") for number in ("CL-1", "CL-2")}
    assert statuses == {"CL-1": "COMPLETEE", "CL-2": "MISE_A_DISPOSITION"}
    assert (admin.invoice("CL-3") or {})["rejet_traite"] is True
    assert admin.calls("/cpro/factures/v1/traiterRejet") == 1
    detail = ledger.get_invoice("CL-1", SUPPLIER_SIRET)
    assert detail is not None and detail.resolutions[0].decided_by == "alice"
    assert detail.resolutions[0].source == "cli"
    capsys.readouterr()
    assert cli.main(["ledger", "show", "CL-1"]) == 0
    assert "complete succeeded (alice, cli)" in capsys.readouterr().out
