"""Where the ledger database is: connection env var (URI or JSON), else $CHORUSFLOW_HOME/ledger.sqlite."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chorusflow.ledger import (
    Ledger,
    LedgerConfigError,
    display_url,
    ledger_url_from_connection,
    resolve_ledger_url,
)

ENV = "AIRFLOW_CONN_CHORUSFLOW_LEDGER"


def test_default_is_sqlite_file_in_chorusflow_home(tmp_path: Path) -> None:
    home = tmp_path / "not-yet" / "home"
    url = resolve_ledger_url({"CHORUSFLOW_HOME": str(home)})
    assert url == f"sqlite:///{home.resolve()}/ledger.sqlite"
    assert home.is_dir()


def test_default_follows_process_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHORUSFLOW_HOME", str(tmp_path))
    monkeypatch.delenv(ENV, raising=False)
    assert resolve_ledger_url() == f"sqlite:///{tmp_path.resolve()}/ledger.sqlite"


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        (
            "postgresql://ledger:s%40cret@db.example:5433/chorus",
            "postgresql+psycopg2://ledger:s%40cret@db.example:5433/chorus",
        ),
        ("postgres://ledger@db.example/chorus", "postgresql+psycopg2://ledger@db.example/chorus"),
        (
            "postgres://ledger:pw@db:5432/chorus?sslmode=require&cursor=true",
            "postgresql+psycopg2://ledger:pw@db:5432/chorus?sslmode=require",
        ),
        ("sqlite:////var/lib/chorusflow/ledger.db", "sqlite:////var/lib/chorusflow/ledger.db"),
    ],
)
def test_uri_form(uri: str, expected: str) -> None:
    assert resolve_ledger_url({ENV: uri, "CHORUSFLOW_HOME": "/nonexistent"}) == expected


def test_json_form_postgres() -> None:
    value = json.dumps(
        {
            "conn_type": "postgres",
            "host": "db.example",
            "schema": "chorus",
            "login": "ledger",
            "password": "p@ss",
            "port": 5432,
            "extra": {"sslmode": "verify-full", "application_name": "chorusflow"},
        }
    )
    assert resolve_ledger_url({ENV: value}) == (
        "postgresql+psycopg2://ledger:p%40ss@db.example:5432/chorus?application_name=chorusflow&sslmode=verify-full"
    )


def test_json_form_sqlite_host_or_schema() -> None:
    assert (
        resolve_ledger_url({ENV: json.dumps({"conn_type": "sqlite", "host": "/data/l.db"})})
        == "sqlite:////data/l.db"
    )
    assert resolve_ledger_url({ENV: json.dumps({"conn_type": "sqlite", "schema": "/data/l.db"})}) == (
        "sqlite:////data/l.db"
    )


def test_connection_fields_map_to_the_same_url() -> None:
    # Extra as the JSON text Airflow stores.
    url = ledger_url_from_connection("postgres", "h", "db", "u", "pw", 5432, '{"sslmode": "disable"}')
    assert url == "postgresql+psycopg2://u:pw@h:5432/db?sslmode=disable"


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("{not json", "not valid JSON"),
        ('["postgres"]', "must be an object"),
        ("mysql://u@h/db", "unsupported"),
        (json.dumps({"conn_type": "postgres", "schema": "db"}), "without a host"),
        (json.dumps({"conn_type": "sqlite"}), "without a file path"),
        ("postgres://u@h:notaport/db", "invalid port"),
        ("just-a-word", "neither a URI nor JSON"),
    ],
)
def test_bad_connection_is_a_clear_error(value: str, fragment: str) -> None:
    with pytest.raises(LedgerConfigError, match=fragment):
        resolve_ledger_url({ENV: value})


def test_display_url_hides_password() -> None:
    shown = display_url("postgresql+psycopg2://ledger:topsecret@db/chorus")
    assert "topsecret" not in shown and "***" in shown


@pytest.mark.parametrize(
    "url",
    ["postgresql://u:sekret@h:xx/db", "nonsense-sekret", "mysql://u:sekret@h/db", "oracle://u:sekret@h/db"],
)
def test_bad_url_is_a_config_error_without_the_password(url: str) -> None:
    with pytest.raises(LedgerConfigError) as raised:
        Ledger(url)
    assert "sekret" not in str(raised.value)
