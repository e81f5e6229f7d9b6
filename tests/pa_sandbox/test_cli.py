"""``python -m chorusflow_dev.pa_sandbox.cli``: serve until SIGTERM; fetch and check the annexes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from chorusflow_dev.pa_sandbox.annexes import ANNEXES, FETCH_INSTRUCTION, annex_folder, annexes_installed
from chorusflow_dev.pa_sandbox.cli import main


@dataclass
class _Run:
    """The connection the command printed; what it wrote on stderr once stopped."""

    connection: dict[str, Any] = field(default_factory=dict)
    stderr: str = ""


@contextmanager
def _command(env: dict[str, str] | None = None) -> Iterator[_Run]:
    """The command on a free port with the fast profile, stopped by SIGTERM (which must end it well)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "chorusflow_dev.pa_sandbox.cli", "--port", "0", "--profile", "fast"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    run = _Run()
    try:
        assert process.stdout is not None
        run.connection = json.loads(process.stdout.readline())
        yield run
    finally:
        process.send_signal(signal.SIGTERM)
        _, run.stderr = process.communicate(timeout=20)
    assert process.returncode == 0
    assert "PA sandbox stopped" in run.stderr


def test_the_command_prints_a_connection_and_stops_on_sigterm() -> None:
    with _command() as run:
        connection = run.connection
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
    source = "the official annex" if annexes_installed() else "the digest"
    assert f"checks flow requests against {source}" in run.stderr
    assert connection["password"] not in run.stderr


def test_fetch_annexes_copies_and_checks_them(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if not all((annex_folder() / annex.file_name).is_file() for annex in ANNEXES):
        pytest.skip("the AFNOR annexes are not installed: " + FETCH_INSTRUCTION)
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


def test_without_the_annexes_the_command_checks_against_the_digest_and_says_so(tmp_path: Path) -> None:
    with _command({**os.environ, "CHORUSFLOW_AFNOR_ANNEXES": str(tmp_path)}) as run:
        connection = run.connection
        base = connection["host"].removesuffix("/flow-service")
        stats = requests.get(f"{base}/sandbox/stats", timeout=10).json()
        assert stats["interfaces"] == {"flow": "digest", "directory": "digest"}
        token = requests.post(
            connection["extra"]["token_url"],
            data={"grant_type": "client_credentials"},
            auth=(connection["login"], connection["password"]),
            timeout=10,
        ).json()["access_token"]
        refused = requests.post(
            f"{connection['host']}/v1/flows/search",
            headers={"Authorization": f"Bearer {token}"},
            json={"where": {"ackStatus": "ok"}},
            timeout=10,
        )
        assert refused.status_code == 400
    assert "checks flow requests against the digest" in run.stderr
