"""The Airflow adapter's connections read through Airflow's hooks: the ledger as the command line reads
it, the alert webhook in the shapes docs/alerts.md documents."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chorusflow.airflow.connections import WEBHOOK_CONN_ID, ledger_url, webhook_channel
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


WEBHOOK_ENV = f"AIRFLOW_CONN_{WEBHOOK_CONN_ID.upper()}"
SLACK = "https://hooks.slack.com/services/T0000/B0000/tokentokentoken"


def _masker_hides(value: str) -> bool:
    from airflow.sdk._shared.secrets_masker import redact

    return value not in str(redact(f"before {value} after"))


@pytest.mark.parametrize(
    ("connection", "url"),
    [
        # docs/alerts.md: the full URL in host (JSON form, recommended) …
        (json.dumps({"conn_type": "http", "host": SLACK}), SLACK),
        # … the URI form, whose path Airflow puts in ``schema``: https all the same …
        (
            "http://hooks.slack.com/services/T0000/B0000/uritokenuritoken",
            "https://hooks.slack.com/services/T0000/B0000/uritokenuritoken",
        ),
        # … or host, port and schema plus the extra endpoint; https when no scheme is named.
        (
            json.dumps(
                {
                    "conn_type": "http",
                    "host": "chat.example.org",
                    "schema": "https",
                    "port": 8443,
                    "extra": {"endpoint": "/hooks/abcdefgh"},
                }
            ),
            "https://chat.example.org:8443/hooks/abcdefgh",
        ),
        (
            json.dumps(
                {"conn_type": "http", "host": "chat.example.org", "extra": {"endpoint": "hooks/ijklmnop"}}
            ),
            "https://chat.example.org/hooks/ijklmnop",
        ),
        (
            json.dumps({"conn_type": "http", "host": "127.0.0.1", "schema": "http", "port": 8080}),
            "http://127.0.0.1:8080",
        ),
    ],
    ids=["json-url", "uri", "json-parts", "json-no-scheme", "json-http"],
)
def test_the_webhook_url_comes_from_the_connection_airflow_reads_and_is_masked(
    connection: str, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(WEBHOOK_ENV, connection)
    assert not _masker_hides(url)  # the check can fail: nothing has registered it yet
    channel = webhook_channel()
    assert channel is not None and channel._url == url  # the URL is private to the channel: never logged
    assert _masker_hides(url)


def test_the_webhook_extras_headers_and_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    extra = {"headers": {"X-Team": "compta"}, "timeout": "5"}
    host = "https://chat.example.org/hooks/headers"
    monkeypatch.setenv(WEBHOOK_ENV, json.dumps({"conn_type": "http", "host": host, "extra": extra}))
    channel = webhook_channel()
    assert channel is not None and channel.headers == {"X-Team": "compta"} and channel.timeout == 5.0


def test_no_webhook_without_its_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(WEBHOOK_ENV, raising=False)
    assert webhook_channel() is None
