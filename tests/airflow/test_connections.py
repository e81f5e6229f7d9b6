"""The Airflow adapter's connections read through Airflow's hooks, as the command line reads them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chorusflow.airflow.connections import ledger_url
from chorusflow.ledger import LEDGER_CONN_ENV as ENV
from chorusflow.ledger import resolve_ledger_url


@pytest.mark.parametrize(
    "connection",
    [
        {
            "conn_type": "postgres",
            "host": "db.example",
            "schema": "chorus",
            "login": "ledger",
            "password": "p@ss:/w?rd",
            "port": 5432,
            "extra": {"sslmode": "verify-full", "application_name": "chorusflow", "keepalives": 1},
        },
        {"conn_type": "sqlite", "host": "/data/a b/l.db"},
        {"conn_type": "sqlite", "schema": "/data/a b/l.db"},
    ],
    ids=["postgres", "sqlite-host", "sqlite-schema"],
)
def test_the_airflow_adapter_reads_the_connection_as_the_command_line_does(
    connection: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The adapter reads it through Airflow's hook (its URI form); the command line reads the variable.
    monkeypatch.setenv(ENV, json.dumps(connection))
    assert ledger_url() == resolve_ledger_url()


def test_the_airflow_adapter_without_a_connection_uses_the_default_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV, raising=False)
    monkeypatch.setenv("CHORUSFLOW_HOME", str(tmp_path))
    assert ledger_url() == f"sqlite:///{tmp_path.resolve()}/ledger.sqlite"
