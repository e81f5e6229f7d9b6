"""OAuth2 client credentials and Bearer checks of the PA sandbox."""

from __future__ import annotations

import base64

import requests

from chorusflow_dev.pa_sandbox import PaSandboxServer
from tests.pa_sandbox.conftest import PaApi


def _token(pa: PaSandboxServer, **form: str) -> requests.Response:
    return requests.post(f"{pa.url}/oauth/token", data=form, timeout=10)


def test_client_credentials_give_a_bearer_token(pa: PaSandboxServer) -> None:
    connection = pa.connection()
    answer = _token(
        pa,
        grant_type="client_credentials",
        client_id=connection["login"],
        client_secret=connection["password"],
    )
    assert answer.status_code == 200
    assert answer.json()["token_type"] == "Bearer"
    assert answer.headers["Cache-Control"] == "no-store"


def test_http_basic_client_authentication(pa: PaSandboxServer) -> None:
    connection = pa.connection()
    basic = base64.b64encode(f"{connection['login']}:{connection['password']}".encode()).decode()
    answer = requests.post(
        f"{pa.url}/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
        timeout=10,
    )
    assert answer.status_code == 200


def test_wrong_secret_and_grant_are_refused(pa: PaSandboxServer) -> None:
    connection = pa.connection()
    wrong = _token(
        pa, grant_type="client_credentials", client_id=connection["login"], client_secret="nope-nope-nope"
    )
    assert (wrong.status_code, wrong.json()["error"]) == (401, "invalid_client")
    grant = _token(
        pa, grant_type="password", client_id=connection["login"], client_secret=connection["password"]
    )
    assert (grant.status_code, grant.json()["error"]) == (400, "unsupported_grant_type")


def test_annex_calls_need_a_valid_bearer(pa: PaSandboxServer, api: PaApi) -> None:
    url = f"{pa.url}/flow-service/v1/flows/search"
    missing = requests.post(url, json={"where": {"ackStatus": "Ok"}}, timeout=10)
    assert (missing.status_code, missing.json()["errorCode"]) == (401, "MISSING_TOKEN")
    assert "Bearer" in missing.headers["WWW-Authenticate"]
    unknown = requests.post(
        url, json={"where": {"ackStatus": "Ok"}}, headers={"Authorization": "Bearer forged"}, timeout=10
    )
    assert (unknown.status_code, unknown.json()["errorCode"]) == (401, "INVALID_TOKEN")
    directory = requests.get(f"{pa.url}/directory-service/v1/siren/code-insee:732829320", timeout=10)
    assert directory.status_code == 401
    assert api.search({"ackStatus": "Ok"}).status_code == 200


def test_an_expired_token_is_refused(pa: PaSandboxServer, api: PaApi) -> None:
    api.admin("POST", "faults", {"token_lifetime_seconds": 1})
    api.token = api.new_token()
    tokens = api.admin("GET", "tokens").json()["tokens"]
    assert api.token in tokens
    import time

    time.sleep(1.2)  # lets the one-second token expire; nothing about its duration is asserted
    answer = api.search({"ackStatus": "Ok"})
    assert (answer.status_code, answer.json()["errorCode"]) == (401, "INVALID_TOKEN")
