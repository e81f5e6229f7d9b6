"""Fault injection, statistics and reset (admin endpoints)."""

from __future__ import annotations

import time

import pytest
import requests

from chorusflow_dev.sandbox import SandboxServer
from tests.fixtures.sandbox import RawChorusApi, SandboxAdmin, soumettre_body

SOUMETTRE = "/cpro/factures/v1/soumettre"
RECHERCHER = "/cpro/structures/v1/rechercher"


def test_error_rate_per_endpoint(api: RawChorusApi, admin: SandboxAdmin) -> None:
    api.token()
    admin.set_faults(error_rate={SOUMETTRE: 1.0}, error_status=503)
    response = api.post(SOUMETTRE, soumettre_body("ERR-1"))
    assert response.status_code == 503 and response.json()["codeRetour"] == 503
    assert api.post(RECHERCHER, {}).status_code == 200
    assert admin.invoices() == []  # an injected error happens before the operation
    admin.set_faults(error_rate={"*": 1.0}, error_status=500)
    assert api.post(RECHERCHER, {}).status_code == 500
    admin.set_faults(error_rate={})
    assert api.post(SOUMETTRE, soumettre_body("ERR-1")).json()["codeRetour"] == 0


def test_seeded_error_rate_is_reproducible(api: RawChorusApi, admin: SandboxAdmin) -> None:
    api.token()

    def pattern() -> list[int]:
        admin.set_faults(error_rate={RECHERCHER: 0.5}, seed=42)
        return [api.post(RECHERCHER, {}).status_code for _ in range(20)]

    first = pattern()
    assert first == pattern()
    assert 200 in first and 500 in first


def test_quota_answers_429(api: RawChorusApi, admin: SandboxAdmin) -> None:
    api.token()
    admin.set_faults(quota_per_second=3)
    time.sleep(1.05)  # the token call counts in the window too
    statuses = [api.post(RECHERCHER, {}).status_code for _ in range(8)]
    assert statuses.count(429) >= 4 and statuses[:3] == [200, 200, 200]
    limited = api.post(RECHERCHER, {})
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "1"
    time.sleep(1.05)
    assert api.post(RECHERCHER, {}).status_code == 200
    stats = admin.stats()
    assert stats["rate_limited"] >= 5 and stats["statuses"][RECHERCHER]["429"] == stats["rate_limited"]


def test_latency_and_read_timeout(api: RawChorusApi, admin: SandboxAdmin) -> None:
    api.token()
    admin.set_faults(latency_ms={RECHERCHER: 300})
    started = time.monotonic()
    assert api.post(RECHERCHER, {}).status_code == 200
    assert time.monotonic() - started >= 0.3  # a lower bound: the delay the sandbox must add
    with pytest.raises(requests.exceptions.ReadTimeout):
        api.session.post(f"{api.base}{RECHERCHER}", json={}, headers=api.headers(), timeout=0.1)
    # Only the named endpoint waits. No clock read: with a delay there far beyond the client's read
    # timeout (10 s), another endpoint delayed by mistake would raise ReadTimeout.
    admin.set_faults(latency_ms={RECHERCHER: 60_000})
    assert api.post("/cpro/transverses/v1/recuperer/structures/actives/fournisseur", {}).status_code == 200


def test_commit_then_drop(api: RawChorusApi, admin: SandboxAdmin) -> None:
    attachment_id = api.upload_pdf()
    body = soumettre_body("DROP-1", mode="DEPOT_PDF_API", attachment_id=attachment_id)
    admin.set_faults(commit_then_drop_rate={SOUMETTRE: 1.0})
    with pytest.raises(requests.exceptions.ConnectionError):
        api.post(SOUMETTRE, body)
    invoice = admin.invoice("DROP-1")
    assert invoice is not None and invoice["status"] == "DEPOSEE" and invoice["submission_count"] == 1
    admin.set_faults(commit_then_drop_rate={})
    again = api.call(SOUMETTRE, body)
    assert again["codeRetour"] == 20013
    stats = admin.stats()
    assert stats["drops"] == {SOUMETTRE: 1} and stats["statuses"][SOUMETTRE] == {"dropped": 1, "200": 1}


def test_stats_count_every_endpoint_and_status(
    sandbox: SandboxServer, api: RawChorusApi, admin: SandboxAdmin
) -> None:
    api.token()
    api.post(RECHERCHER, {})
    api.post(RECHERCHER, {"nope": 1})
    requests.post(f"{sandbox.url}/api/oauth/token", data={"grant_type": "client_credentials"}, timeout=5)
    stats = admin.stats()
    assert stats["calls"]["/api/oauth/token"] == 2
    assert stats["statuses"]["/api/oauth/token"] == {"200": 1, "400": 1}
    assert stats["statuses"][RECHERCHER] == {"200": 1, "400": 1}
    assert stats["by_status"] == {"200": 2, "400": 2} and stats["total"] == 4
    assert admin.calls("/api/oauth/token") == 2


def test_faults_get_set_validate_and_reset(
    sandbox: SandboxServer, api: RawChorusApi, admin: SandboxAdmin
) -> None:
    defaults = admin.faults()
    assert defaults["token_lifetime_seconds"] == 3600 and defaults["error_rate"] == {}
    updated = admin.set_faults(latency_ms={"*": 5}, token_lifetime_seconds=30)
    assert updated["latency_ms"] == {"*": 5.0} and updated["token_lifetime_seconds"] == 30
    assert admin.set_faults(seed=1)["latency_ms"] == {"*": 5.0}  # other keys kept
    assert api.token(refresh=True)
    assert requests.post(f"{sandbox.url}/sandbox/faults", json={"unknown": 1}, timeout=5).status_code == 400
    assert (
        requests.post(f"{sandbox.url}/sandbox/faults", json={"error_status": 200}, timeout=5).status_code
        == 400
    )
    assert api.deposit_pdf("RESET-1")["codeRetour"] == 0
    assert api.call(SOUMETTRE, soumettre_body())["numeroFacture"].endswith("0001")  # SAISIE_API sequence
    admin.reset()
    assert admin.invoices() == [] and admin.stats()["total"] == 0 and admin.faults() == defaults
    assert api.post(RECHERCHER, {}).status_code == 401  # tokens were forgotten too
    assert api.token(refresh=True)
    assert api.deposit_pdf("RESET-1")["codeRetour"] == 0  # number free again
    assert api.call(SOUMETTRE, soumettre_body())["numeroFacture"].endswith("0001")  # sequence restarted


def test_admin_never_echoes_secrets(sandbox: SandboxServer, api: RawChorusApi, admin: SandboxAdmin) -> None:
    token = api.token()
    api.call(SOUMETTRE, soumettre_body("SECRET-1"))
    credentials = sandbox.credentials
    secrets = [credentials.client_secret, credentials.password, api.account, token]
    for path in ("/sandbox/invoices", "/sandbox/faults", "/sandbox/stats", "/sandbox/flux"):
        text = requests.get(f"{sandbox.url}{path}", timeout=5).text
        assert not any(secret in text for secret in secrets), path


def test_logs_never_contain_secrets(api: RawChorusApi, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="chorusflow_dev.sandbox")
    token = api.token()
    api.call(SOUMETTRE, soumettre_body("LOG-1"))
    # The server thread logs once the answer is sent: give it a moment to do so.
    deadline = time.monotonic() + 5
    while "/cpro/factures/v1/soumettre -> 200" not in caplog.text and time.monotonic() < deadline:
        time.sleep(0.01)
    text = caplog.text
    assert "/cpro/factures/v1/soumettre -> 200" in text
    assert token not in text and api.account not in text and "sandbox-client-secret" not in text


def test_forbidden_paths_answer_empty_403(api: RawChorusApi, admin: SandboxAdmin) -> None:
    api.token()
    admin.set_faults(forbidden_paths=[RECHERCHER])
    response = api.post(RECHERCHER, {})
    assert response.status_code == 403 and response.content == b""
    assert api.post(SOUMETTRE, soumettre_body("FORB-1")).status_code == 200
