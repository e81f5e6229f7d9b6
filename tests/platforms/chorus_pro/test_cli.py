"""``chorusflow buyer`` (parser and handler of ``chorusflow.cli.buyer``), against the sandbox.

The parser is built from this command group alone, so another group failing to import cannot
break these tests; ``chorusflow.cli.main`` only dispatches to the same handler.
"""

from __future__ import annotations

import argparse
import json
import socket
from typing import Any

import pytest

from chorusflow.cli.buyer import register
from tests.fixtures.sandbox import SandboxAdmin
from tests.platforms.chorus_pro.conftest import IFPEN_SIRET


def main(argv: list[str]) -> int:
    """Parse ``argv`` with the ``buyer`` command group and run its handler."""
    parser = argparse.ArgumentParser(prog="chorusflow")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return int(args.handler(args))


@pytest.fixture
def configured(monkeypatch: pytest.MonkeyPatch, connection: dict[str, Any]) -> dict[str, Any]:
    monkeypatch.setenv("AIRFLOW_CONN_CHORUS_PRO", json.dumps(connection))
    return connection


def test_buyer_in_french(configured: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["buyer", IFPEN_SIRET]) == 0
    out = capsys.readouterr().out
    assert "IFP Energies nouvelles (IFPEN)" in out
    assert "Code service obligatoire" in out and "Structure active" in out
    assert "Facture_commande : Factures avec commande — actif, engagement obligatoire" in out
    assert "Facture_sans_commande" in out and "engagement facultatif" in out


def test_buyer_in_english_and_json(
    configured: dict[str, Any], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHORUSFLOW_LANG", "en")
    assert main(["buyer", IFPEN_SIRET]) == 0
    assert "Service code required" in capsys.readouterr().out
    assert main(["buyer", IFPEN_SIRET, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["service_code_required"] is True and data["engagement_required"] is False
    assert data["payment_status_not_reported"] is False and data["active"] is True
    assert {s["code"]: s["engagement_required"] for s in data["services"]} == {
        "Facture_commande": True,
        "Facture_sans_commande": False,
    }


def test_unknown_buyer(configured: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["buyer", "00000000000000"]) == 1
    assert "Aucune structure avec le SIRET 00000000000000" in capsys.readouterr().err


def test_missing_configuration_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("AIRFLOW_CONN_CHORUS_PRO", raising=False)
    assert main(["buyer", IFPEN_SIRET]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "AIRFLOW_CONN_CHORUS_PRO" in err and "Traceback" not in err


def test_unreachable_api_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], admin: SandboxAdmin
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    connection = {
        "host": f"http://127.0.0.1:{port}",
        "login": "TECH",
        "password": "secret-password-1",
        "extra": {
            "token_url": f"http://127.0.0.1:{port}/api/oauth/token",
            "client_id": "c",
            "client_secret": "s",
        },
    }
    monkeypatch.setenv("AIRFLOW_CONN_CHORUS_PRO", json.dumps(connection))
    assert main(["buyer", IFPEN_SIRET]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Chorus Pro est injoignable") and err.count("\n") == 1
    assert "secret-password-1" not in err
