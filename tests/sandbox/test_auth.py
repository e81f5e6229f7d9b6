"""Token flow and the two authentication layers (PISTE bearer, cpro-account)."""

from __future__ import annotations

import base64
import time

import requests

from chorusflow_dev.sandbox import SandboxCredentials, SandboxServer
from tests.fixtures.sandbox import RawChorusApi, SandboxAdmin

HEALTH = "/cpro/transverses/v1/health-check"
RECHERCHER = "/cpro/structures/v1/rechercher"


def _token(server: SandboxServer, **overrides: str) -> requests.Response:
    extra = server.connection()["extra"]
    form = {
        "grant_type": "client_credentials",
        "client_id": extra["client_id"],
        "client_secret": extra["client_secret"],
        "scope": "openid",
        **overrides,
    }
    return requests.post(extra["token_url"], data=form, timeout=5)


def test_default_credentials_are_documented_and_long_enough() -> None:
    credentials = SandboxCredentials()
    assert credentials.login == "TECH_1_45218801400016@cpro.fr"
    assert len(credentials.client_secret) >= 12 and len(credentials.password) >= 12


def test_connection_shape(sandbox: SandboxServer) -> None:
    connection = sandbox.connection()
    assert connection["conn_type"] == "http"
    assert connection["host"] == sandbox.url
    assert sandbox.url.startswith("http://127.0.0.1:") and not sandbox.url.endswith(":0")
    assert connection["extra"]["token_url"] == f"{sandbox.url}/api/oauth/token"
    assert set(connection["extra"]) == {"token_url", "client_id", "client_secret"}


def test_token_flow(sandbox: SandboxServer) -> None:
    first, second = _token(sandbox), _token(sandbox)
    assert first.status_code == 200
    body = first.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600 and body["scope"] == "openid"
    assert len(body["access_token"]) >= 32
    assert body["access_token"] != second.json()["access_token"]


def test_bad_client_gets_400_invalid_client(sandbox: SandboxServer) -> None:
    for override in ({"client_secret": "wrong-secret-value"}, {"client_id": "someone-else"}):
        response = _token(sandbox, **override)
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_client"
        assert response.json()["error_description"]


def test_wrong_grant_type(sandbox: SandboxServer) -> None:
    response = _token(sandbox, grant_type="password")
    assert response.status_code == 400 and response.json()["error"] == "unsupported_grant_type"
    assert _token(sandbox, grant_type="").json()["error"] == "invalid_request"


def test_client_credentials_in_basic_auth(sandbox: SandboxServer) -> None:
    extra = sandbox.connection()["extra"]
    form = {"grant_type": "client_credentials", "scope": "openid"}
    good = requests.post(
        extra["token_url"], data=form, auth=(extra["client_id"], extra["client_secret"]), timeout=5
    )
    assert good.status_code == 200 and good.json()["token_type"] == "Bearer"
    bad = requests.post(extra["token_url"], data=form, auth=(extra["client_id"], "wrong-secret-x"), timeout=5)
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_client"


def test_missing_or_unknown_bearer_gets_401(sandbox: SandboxServer, api: RawChorusApi) -> None:
    headers = api.headers()
    no_token = {k: v for k, v in headers.items() if k != "Authorization"}
    assert requests.get(f"{sandbox.url}{HEALTH}", headers=no_token, timeout=5).status_code == 401
    unknown = {**headers, "Authorization": "Bearer not-a-real-token"}
    response = requests.post(f"{sandbox.url}{RECHERCHER}", json={}, headers=unknown, timeout=5)
    assert response.status_code == 401
    assert "codeRetour" in response.json() and "libelle" in response.json()


def test_bad_cpro_account_gets_401_with_www_authenticate(sandbox: SandboxServer, api: RawChorusApi) -> None:
    bad_password = base64.b64encode(b"TECH_1_45218801400016@cpro.fr:wrong-password").decode()
    for account in (bad_password, "%%%not-base64", None):
        headers = api.headers()
        if account is None:
            del headers["cpro-account"]
        else:
            headers["cpro-account"] = account
        response = requests.post(f"{sandbox.url}{RECHERCHER}", json={}, headers=headers, timeout=5)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == (
            'Bearer realm="PISTE",error="Unauthorized",error_description="login or password incorrects"'
        )
        assert response.json()["codeRetour"] == 401


def test_health_check(sandbox: SandboxServer, api: RawChorusApi) -> None:
    response = requests.get(f"{sandbox.url}{HEALTH}", headers=api.headers(), timeout=5)
    assert response.status_code == 200
    body = response.json()
    assert body["statusCode"] == "OK" and body["codeRetour"] == 0 and body["libelle"] == "TRA_MSG_00.000"


def test_unknown_operation_is_404(api: RawChorusApi) -> None:
    response = api.post("/cpro/factures/v1/nexistepas", {})
    assert response.status_code == 404 and response.json()["codeRetour"] == 404


def test_token_lifetime_fault_expires_tokens(api: RawChorusApi, admin: SandboxAdmin) -> None:
    admin.set_faults(token_lifetime_seconds=1)
    assert api.token(refresh=True)
    assert api.post(RECHERCHER, {}).status_code == 200
    time.sleep(1.2)
    assert api.post(RECHERCHER, {}).status_code == 401
    api.token(refresh=True)
    assert api.post(RECHERCHER, {}).status_code == 200


def test_custom_credentials(tmp_path: object) -> None:
    credentials = SandboxCredentials(
        client_id="other-client",
        client_secret="other-secret-123",
        login="TECH_2@cpro.fr",
        password="pw-123456789012",
    )
    with SandboxServer(port=0, credentials=credentials) as server:
        assert server.connection()["login"] == "TECH_2@cpro.fr"
        assert _token(server).status_code == 200
        api = RawChorusApi(server)
        assert api.post(RECHERCHER, {}).status_code == 200


def test_sandbox_conn_env_fixture(sandbox_conn_env: SandboxServer) -> None:
    import json
    import os

    assert json.loads(os.environ["AIRFLOW_CONN_CHORUS_PRO"]) == sandbox_conn_env.connection()
