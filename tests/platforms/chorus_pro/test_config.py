"""ChorusProConfig from the Airflow connection JSON, URI and environment forms."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from chorusflow.platforms.chorus_pro import ChorusProConfig, ConfigurationError
from chorusflow.platforms.chorus_pro.errors import ChorusProError

SECRET = "client-secret-value-42"
PASSWORD = "tech-password-value-42"


def _connection(**changes: Any) -> dict[str, Any]:
    conn: dict[str, Any] = {
        "conn_type": "http",
        "host": "http://127.0.0.1:8765",
        "login": "TECH_1@cpro.fr",
        "password": PASSWORD,
        "extra": {
            "token_url": "http://127.0.0.1:8765/api/oauth/token",
            "client_id": "cid",
            "client_secret": SECRET,
        },
    }
    conn.update(changes)
    return conn


def test_json_form() -> None:
    config = ChorusProConfig.from_connection(_connection())
    assert config.base_url == "http://127.0.0.1:8765"
    assert config.timeout == 30.0 and config.rate_limit_per_second is None
    assert base64.b64decode(config.cpro_account_header()).decode() == f"TECH_1@cpro.fr:{PASSWORD}"
    assert set(config.secret_values()) == {SECRET, PASSWORD, config.cpro_account_header()}
    assert SECRET not in repr(config) and PASSWORD not in repr(config)


def test_extra_as_json_string_optional_settings_and_host_without_scheme() -> None:
    extra = {"client_id": "cid", "client_secret": SECRET, "timeout": "5", "rate_limit_per_second": 4}
    config = ChorusProConfig.from_connection(
        _connection(host="api.piste.gouv.fr", extra=json.dumps(extra), schema=None)
    )
    assert config.base_url == "https://api.piste.gouv.fr"
    assert config.token_url == "https://oauth.piste.gouv.fr/api/oauth/token"  # known PISTE host
    assert config.timeout == 5.0 and config.rate_limit_per_second == 4.0
    local = ChorusProConfig.from_connection(_connection(host="127.0.0.1", schema="http", port=8765))
    assert local.base_url == "http://127.0.0.1:8765"


def test_uri_form() -> None:
    uri = (
        "http://TECH_1%40cpro.fr:tech%2Fpass@127.0.0.1:8765/http"
        "?token_url=http%3A%2F%2F127.0.0.1%3A8765%2Fapi%2Foauth%2Ftoken&client_id=cid&client_secret=s3cr3t%2Fx&timeout=7"
    )
    config = ChorusProConfig.from_uri(uri)
    assert config.base_url == "http://127.0.0.1:8765"
    assert config.login == "TECH_1@cpro.fr" and config.password.get_secret_value() == "tech/pass"
    assert config.client_secret.get_secret_value() == "s3cr3t/x" and config.timeout == 7.0


def test_from_env_accepts_json_and_uri(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_CHORUS_PRO", json.dumps(_connection()))
    assert ChorusProConfig.from_env().client_id == "cid"
    monkeypatch.setenv("MY_CONN", "https://u:p@api.piste.gouv.fr?client_id=c&client_secret=s")
    assert ChorusProConfig.from_env("MY_CONN").base_url == "https://api.piste.gouv.fr"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "AIRFLOW_CONN_CHORUS_PRO is not set"),
        ('{"host": ', "invalid JSON"),
        ("[1, 2]", "not a valid connection URI"),
        (
            json.dumps(_connection(extra={"client_id": "cid", "client_secret": SECRET})),
            "extra.token_url: missing",
        ),
        (json.dumps(_connection(password=None)), "password: missing"),
        (json.dumps(_connection(host="")), "'host' field"),
        (json.dumps(_connection(extra="{not json")), "'extra' is not valid JSON"),
    ],
)
def test_from_env_errors_name_the_problem_never_the_secret(
    monkeypatch: pytest.MonkeyPatch, value: str | None, expected: str
) -> None:
    if value is None:
        monkeypatch.delenv("AIRFLOW_CONN_CHORUS_PRO", raising=False)
    else:
        monkeypatch.setenv("AIRFLOW_CONN_CHORUS_PRO", value)
    with pytest.raises(ConfigurationError) as caught:
        ChorusProConfig.from_env()
    message = str(caught.value)
    assert expected in message and "AIRFLOW_CONN_CHORUS_PRO" in message
    assert SECRET not in message and PASSWORD not in message
    assert isinstance(caught.value, ChorusProError) and not caught.value.retryable
