"""State file persistence across restarts and the ``chorusflow sandbox`` command."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import requests

from chorusflow_dev.sandbox import SandboxServer
from tests.fixtures.sandbox import RawChorusApi, plain_pdf, sandbox_admin, soumettre_body


def test_state_survives_restart(tmp_path: Path) -> None:
    state = tmp_path / "state" / "sandbox.json"
    with SandboxServer(port=0, state_file=state) as server:
        api = RawChorusApi(server)
        first = api.deposit_pdf("KEEP-1")
        generated = api.call("/cpro/factures/v1/soumettre", soumettre_body())["numeroFacture"]
        attachment = api.upload_pdf(plain_pdf("Facture KEEP-2"), name="k.pdf")
        flux = api.call(
            "/cpro/factures/v1/deposer/flux",
            {
                "fichierFlux": base64.b64encode(b"[]").decode(),
                "nomFichier": "vide.json",
                "syntaxeFlux": "IN_DP_E1_CII_16B",
            },
        )["numeroFluxDepot"]
        sandbox_admin(server).set_status(first["identifiantFactureCPP"], "SUSPENDUE", "Pièce manquante")
    saved = json.loads(state.read_text(encoding="utf-8"))
    assert len(saved["invoices"]) == 2 and str(first["identifiantFactureCPP"]) in saved["invoices"]
    # Attachment contents live next to the state file, one file per id; no temp file left behind.
    assert sorted(p.name for p in state.parent.iterdir()) == ["sandbox.json", "sandbox.json.attachments"]
    contents = state.parent / "sandbox.json.attachments"
    assert sorted(p.name for p in contents.iterdir()) == sorted(saved["attachments"])
    assert str(attachment) in saved["attachments"] and "JVBER" not in state.read_text(encoding="utf-8")
    with SandboxServer(port=0, state_file=state) as server:
        api = RawChorusApi(server)
        admin = sandbox_admin(server)
        invoice = admin.invoice("KEEP-1")
        assert invoice is not None and invoice["status"] == "SUSPENDUE"
        assert api.deposit_pdf("KEEP-1")["codeRetour"] == 20013
        assert admin.submission_counts()["KEEP-1"] == 2
        assert admin.attachment(attachment).content == plain_pdf("Facture KEEP-2")
        pdf_body = soumettre_body("KEEP-2", mode="DEPOT_PDF_API", attachment_id=attachment)
        second = api.call("/cpro/factures/v1/soumettre", pdf_body)
        assert second["codeRetour"] == 0
        assert second["identifiantFactureCPP"] > first["identifiantFactureCPP"]
        next_generated = api.call("/cpro/factures/v1/soumettre", soumettre_body())["numeroFacture"]
        assert int(next_generated) == int(generated) + 1  # the SAISIE_API sequence is kept too
        assert (
            api.call("/cpro/transverses/v1/consulterCRDetaille", {"numeroFluxDepot": flux})["codeRetour"] == 0
        )
        assert (
            api.call(
                "/cpro/factures/v1/completer", {"identifiantFactureCPP": first["identifiantFactureCPP"]}
            )["codeRetour"]
            == 0
        )
        admin.reset()
    assert json.loads(state.read_text(encoding="utf-8"))["invoices"] == {}
    assert list(contents.iterdir()) == []


def test_version_1_state_counts_are_filed_by_year(tmp_path: Path) -> None:
    state = tmp_path / "sandbox.json"
    with SandboxServer(port=0, state_file=state) as server:
        assert RawChorusApi(server).deposit_pdf("OLD-1", invoice_date="2025-06-01")["codeRetour"] == 0
    saved = json.loads(state.read_text(encoding="utf-8"))
    saved.update(version=1, submission_counts={"OLD-1": 3})  # the layout before counts per year
    state.write_text(json.dumps(saved), encoding="utf-8")
    with SandboxServer(port=0, state_file=state) as server:
        admin = sandbox_admin(server)
        assert admin.submission_counts_by_year() == {"2025": {"OLD-1": 3}}
        assert admin.invoice("OLD-1")["submission_count"] == 3  # type: ignore[index]
        assert RawChorusApi(server).deposit_pdf("OLD-1", invoice_date="2026-06-01")["codeRetour"] == 0


def _start_cli(*args: str) -> subprocess.Popen[str]:
    # The sandbox's own entry point runs exactly the handler `chorusflow sandbox` runs, without
    # importing the other command groups (their state must not make these tests fail).
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "chorusflow_dev.cli.sandbox", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_cli_prints_connection_first_and_stops_on_sigterm(tmp_path: Path) -> None:
    process = _start_cli("--port", "0", "--state", str(tmp_path / "state.json"))
    try:
        assert process.stdout is not None
        connection = json.loads(process.stdout.readline())
        assert set(connection) == {"conn_type", "host", "login", "password", "extra"}
        assert connection["conn_type"] == "http" and connection["host"].startswith("http://127.0.0.1:")
        assert not connection["host"].endswith(":0")
        assert connection["extra"]["token_url"] == connection["host"] + "/api/oauth/token"
        token = requests.post(
            connection["extra"]["token_url"],
            data={
                "grant_type": "client_credentials",
                "client_id": connection["extra"]["client_id"],
                "client_secret": connection["extra"]["client_secret"],
                "scope": "openid",
            },
            timeout=5,
        ).json()["access_token"]
        assert requests.get(f"{connection['host']}/sandbox/stats", timeout=5).json()["calls"] == {
            "/api/oauth/token": 1
        }
    finally:
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=10)
    assert process.returncode == 0
    assert "POST /api/oauth/token -> 200" in stderr
    for secret in (token, connection["password"], connection["extra"]["client_secret"]):
        assert secret not in stderr and secret not in stdout
    assert "Traceback" not in stderr


def test_cli_refuses_a_broken_directory(tmp_path: Path) -> None:
    broken = tmp_path / "directory.yaml"
    broken.write_text("supplier: {}\n", encoding="utf-8")
    process = _start_cli("--port", "0", "--directory", str(broken))
    stdout, stderr = process.communicate(timeout=20)
    assert process.returncode == 1 and stdout == ""
    assert "cannot start" in stderr and "Traceback" not in stderr


def test_chorusflow_cli_registers_the_sandbox_command() -> None:
    from chorusflow.cli import build_parser
    from chorusflow_dev.cli.sandbox import run_sandbox

    args = build_parser().parse_args(["sandbox", "--port", "0", "--host", "127.0.0.1"])
    assert args.handler is run_sandbox and args.port == 0 and args.state is None and args.directory is None
