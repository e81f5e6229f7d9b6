"""PA connection settings from the Airflow connection's JSON, URI and environment forms."""

from __future__ import annotations

import json

import pytest

from chorusflow.platforms.approved_platform.config import ApprovedPlatformConfig, connection_id
from chorusflow.platforms.approved_platform.errors import ConfigurationError

CONNECTION = {
    "conn_type": "http",
    "host": "https://pa.example.fr/flow-service",
    "login": "client-1",
    "password": "s3cr3t-value",
    "extra": {"token_url": "https://pa.example.fr/oauth/token", "timeout": "12"},
}


def test_the_connection_json_form() -> None:
    config = ApprovedPlatformConfig.from_connection(CONNECTION)
    assert (config.flow_url, config.directory_url, config.token_url, config.client_id, config.timeout) == (
        "https://pa.example.fr/flow-service",
        "https://pa.example.fr/directory-service",
        "https://pa.example.fr/oauth/token",
        "client-1",
        12.0,
    )
    assert "s3cr3t-value" not in repr(config) and "s3cr3t-value" not in str(config)
    assert config.secret_values() == ["s3cr3t-value"]
    assert connection_id("acme") == "pa_acme"


def test_an_explicit_directory_url_and_a_host_without_scheme() -> None:
    conn = {
        **CONNECTION,
        "host": "pa.example.fr/afnor/flow",
        "port": 8443,
        "extra": {**CONNECTION["extra"], "directory_url": "https://dir.example.fr/directory-service/"},
    }
    config = ApprovedPlatformConfig.from_connection(conn)
    assert config.flow_url == "https://pa.example.fr:8443/afnor/flow"
    assert config.directory_url == "https://dir.example.fr/directory-service"


def test_the_uri_and_environment_forms_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    uri = (
        "http://client-1:s3cr3t-value@pa.example.fr/https"
        "?token_url=https%3A%2F%2Fpa.example.fr%2Foauth%2Ftoken&timeout=12"
    )
    from_uri = ApprovedPlatformConfig.from_uri(uri)
    assert from_uri.flow_url == "https://pa.example.fr"
    assert from_uri.client_secret.get_secret_value() == "s3cr3t-value"
    monkeypatch.setenv("AIRFLOW_CONN_PA_ACME", json.dumps(CONNECTION))
    assert ApprovedPlatformConfig.from_env("AIRFLOW_CONN_PA_ACME") == ApprovedPlatformConfig.from_connection(
        CONNECTION
    )


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"host": ""}, "'host'"),
        ({"extra": {}}, "extra.token_url: missing"),
        ({"login": None}, "login: missing"),
        ({"extra": "{not json"}, "'extra' is not valid JSON"),
        ({"extra": {"token_url": "ftp://x"}}, "extra.token_url"),
    ],
)
def test_errors_name_the_field_never_the_secret(change: dict[str, object], named: str) -> None:
    with pytest.raises(ConfigurationError) as error:
        ApprovedPlatformConfig.from_connection({**CONNECTION, **change})
    assert named in str(error.value)
    assert "s3cr3t-value" not in str(error.value) and error.value.fatal


def test_an_unset_variable() -> None:
    with pytest.raises(ConfigurationError, match="AIRFLOW_CONN_PA_NOBODY is not set"):
        ApprovedPlatformConfig.from_env("AIRFLOW_CONN_PA_NOBODY")
