"""ChorusProHook with a real Airflow connection from the environment, calling the real sandbox."""

from __future__ import annotations

import json

import pytest
import requests

from chorusflow.airflow.hook import ChorusProHook
from chorusflow_dev.sandbox import SandboxServer

IFPEN_SIRET = "77572915500017"


@pytest.fixture
def hook(sandbox_conn_env: SandboxServer) -> ChorusProHook:
    """A hook whose ``chorus_pro`` connection comes from ``AIRFLOW_CONN_CHORUS_PRO`` (the sandbox)."""
    return ChorusProHook()


@pytest.fixture
def server(sandbox_conn_env: SandboxServer) -> SandboxServer:
    """The sandbox the hook's connection points at."""
    return sandbox_conn_env


def _masker_hides(value: str) -> bool:
    from airflow.sdk._shared.secrets_masker import redact

    return value not in str(redact(f"before {value} after"))


def test_hook_identity() -> None:
    assert ChorusProHook.conn_name_attr == "chorus_pro_conn_id"
    assert ChorusProHook.default_conn_name == "chorus_pro"
    assert ChorusProHook.conn_type == "http" and ChorusProHook.hook_name == "Chorus Pro"


def test_client_from_the_environment_connection_calls_the_sandbox(
    hook: ChorusProHook, server: SandboxServer
) -> None:
    client = hook.get_client()
    assert client is hook.get_client()  # cached per hook
    structure = client.find_structure(IFPEN_SIRET)
    assert structure is not None and structure.id_structure_cpp == 26311101
    assert client.config.base_url == server.url
    stats = requests.get(f"{server.url}/sandbox/stats", timeout=5).json()
    assert stats["calls"]["/api/oauth/token"] == 1


def test_session_carries_neither_basic_auth_nor_oauth_extras(hook: ChorusProHook) -> None:
    session = hook.get_conn()
    assert session.auth is None
    assert not {"client_secret", "client_id", "token_url"} & {key.lower() for key in session.headers}


def test_secrets_and_tokens_are_masked(hook: ChorusProHook, server: SandboxServer) -> None:
    assert not _masker_hides("never-registered-value-8d2f")  # the check can fail
    client = hook.get_client()
    client.list_supplier_structures()
    credentials = server.credentials
    assert _masker_hides(credentials.client_secret)
    assert _masker_hides(credentials.password)
    assert _masker_hides(credentials.cpro_account())
    token = client._token
    assert token is not None and _masker_hides(token)


def test_connection_test(hook: ChorusProHook, monkeypatch: pytest.MonkeyPatch, server: SandboxServer) -> None:
    assert hook.test_connection()[0] is True
    broken = json.loads(server.connection_json())
    broken["extra"]["client_secret"] = "not-the-secret-123"
    monkeypatch.setenv("AIRFLOW_CONN_CHORUS_PRO", json.dumps(broken))
    ok, message = ChorusProHook().test_connection()
    assert not ok and "invalid_client" in message and "not-the-secret-123" not in message


def test_every_technical_account_of_several_suppliers_is_masked(
    server: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Several suppliers, each on its own connection: each hook acts for its own structure, and every
    password, ``cpro-account`` value and token of every account is registered with the masker."""
    accounts = {"chorus_pro": "45218801400016"}
    for conn_id, identifier in (
        ("chorus_pro__rheinwerk", "DE291838473"),
        ("chorus_pro__alpenlicht", "CHE109322002"),
    ):
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", server.connection_json(identifier))
        accounts[conn_id] = identifier
    for conn_id, identifier in accounts.items():
        client = ChorusProHook(conn_id).get_client()
        assert [s.identifiant for s in client.list_supplier_structures()] == [identifier]
        config = client.config
        assert config.login.endswith("@cpro.fr")
        assert _masker_hides(config.password.get_secret_value())
        assert _masker_hides(config.cpro_account_header())
        assert client._token is not None and _masker_hides(client._token)
    passwords = {ChorusProHook(conn_id).get_config().password.get_secret_value() for conn_id in accounts}
    assert len(passwords) == 3  # three accounts, three secrets
