"""``python -m chorusflow_dev.pa_sandbox.cli``: serve until SIGTERM; fetch and check the annexes."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from chorusflow_dev.pa_sandbox.annexes import ANNEXES, annex_folder
from chorusflow_dev.pa_sandbox.cli import main


def test_the_command_prints_a_connection_and_stops_on_sigterm() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "chorusflow_dev.pa_sandbox.cli", "--port", "0", "--profile", "fast"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        connection = json.loads(process.stdout.readline())
        token = requests.post(
            connection["extra"]["token_url"],
            data={
                "grant_type": "client_credentials",
                "client_id": connection["login"],
                "client_secret": connection["password"],
            },
            timeout=10,
        )
        assert token.status_code == 200
        health = requests.get(
            f"{connection['host']}/v1/healthcheck",
            headers={"Authorization": f"Bearer {token.json()['access_token']}"},
            timeout=10,
        )
        assert health.status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=20)
    assert process.returncode == 0
    assert "PA sandbox stopped" in stderr
    assert connection["password"] not in stderr


def test_fetch_annexes_copies_and_checks_them(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "clone"
    source.mkdir()
    for annex in ANNEXES:
        shutil.copy(annex_folder() / annex.file_name, source / annex.file_name)
    target = tmp_path / "annexes"
    assert main(["fetch-annexes", "--from", str(source), "--to", str(target)]) == 0
    assert sorted(p.name for p in target.iterdir()) == sorted(a.file_name for a in ANNEXES)
    tampered = source / ANNEXES[0].file_name
    tampered.write_bytes(tampered.read_bytes() + b"\n")  # any change, even a trailing newline
    assert main(["fetch-annexes", "--from", str(source), "--to", str(tmp_path / "other")]) == 1
    assert "is not the pinned flow annex" in capsys.readouterr().err


def test_the_sandbox_does_not_start_without_its_annexes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CHORUSFLOW_AFNOR_ANNEXES", str(tmp_path))
    assert main(["--port", "0"]) == 1
    assert "fetch-annexes" in capsys.readouterr().err
