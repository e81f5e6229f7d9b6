"""The two readers of a Chorus Pro connection agree: the command line's (``ChorusProConfig.from_env``,
which parses the variable itself because importing Airflow costs seconds per command) and the DAGs'
(``ChorusProHook.get_config``, Airflow's own parsing), for each shape docs/chorus-client.md documents.

Each connection is given once, in ``AIRFLOW_CONN_<ID>``; both readers must resolve every setting the
same way, secrets included, so that the command line and the DAGs cannot drift apart.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest

from chorusflow.airflow.hook import ChorusProHook
from chorusflow.platforms.chorus_pro.config import ChorusProConfig, connection_variable

CONN_ID = "chorus_pro__agreement"
EXTRA = {
    "token_url": "https://oauth.example.org/api/oauth/token",
    "client_id": "piste-client",
    "client_secret": "s3cr/t?&=",
    "timeout": 12.5,
    "rate_limit_per_second": 4,
}

SHAPES = {
    # the JSON form of docs/chorus-client.md: the full base URL in host, every extra
    "json": json.dumps(
        {
            "conn_type": "http",
            "host": "https://api.example.org",
            "login": "TECH_1_45218801400016@cpro.fr",
            "password": "p@ss:/w?rd",
            "extra": EXTRA,
        }
    ),
    # extras as a JSON string; host without scheme, completed by schema and port
    "json-parts": json.dumps(
        {
            "conn_type": "http",
            "host": "api.example.org",
            "schema": "http",
            "port": 8443,
            "login": "tech",
            "password": "pw",
            "extra": json.dumps(EXTRA),
        }
    ),
    # a public PISTE host: the token URL may be left out
    "json-known-host": json.dumps(
        {
            "conn_type": "http",
            "host": "https://sandbox-api.piste.gouv.fr",
            "login": "tech",
            "password": "pw",
            "extra": {"client_id": "id", "client_secret": "secret"},
        }
    ),
    # the URI form of docs/chorus-client.md: percent-encoded, the path is the schema, extras in the query
    "uri": (
        "http://TECH_1%40cpro.fr:p%40ss%3A%2Fw%3Frd@api.piste.gouv.fr:443/https"
        "?token_url=https%3A%2F%2Foauth.piste.gouv.fr%2Fapi%2Foauth%2Ftoken"
        "&client_id=ID&client_secret=SE%26CRET&timeout=20&rate_limit_per_second=2"
    ),
    # the URI form with the extras as one JSON object in __extra__
    "uri-extra-json": f"http://tech:pw@api.example.org/https?__extra__={quote(json.dumps(EXTRA), safe='')}",
}


def _settings(config: ChorusProConfig) -> dict[str, Any]:
    """Every setting, secrets in clear, so that a difference in any of them shows."""
    values = config.model_dump()
    values["client_secret"] = config.client_secret.get_secret_value()
    values["password"] = config.password.get_secret_value()
    return values


@pytest.mark.parametrize("shape", list(SHAPES))
def test_the_command_line_reads_a_chorus_pro_connection_as_the_airflow_hook_does(
    shape: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    variable = connection_variable(CONN_ID)
    monkeypatch.setenv(variable, SHAPES[shape])
    command_line = _settings(ChorusProConfig.from_env(variable))
    airflow = _settings(ChorusProHook(CONN_ID).get_config())
    assert command_line == airflow
    assert command_line["client_id"] in ("piste-client", "id", "ID")  # the check reads real values
