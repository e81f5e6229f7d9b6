"""The client's side of the load promise: HTTP 429 is sent again, and pacing holds across processes.

A 429 was never processed, so the client waits (``Retry-After``) and sends the same call again, at
most ``CHORUSFLOW_API_429_RETRIES`` times, then raises the typed ``RateLimitedError``. The pacing
shared by every process of a deployment is tested with the ledger (tests/ledger/test_quota.py).
"""

from __future__ import annotations

import pytest

from chorusflow.platforms.chorus_pro import ChorusProClient, ChorusProConfig
from chorusflow.platforms.chorus_pro.errors import RateLimitedError
from chorusflow_dev.sandbox import SandboxServer
from tests.fixtures.sandbox import SandboxAdmin


def test_429_is_sent_again_and_never_reaches_the_caller(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHORUSFLOW_API_429_RETRIES", "5")
    admin = SandboxAdmin(sandbox)
    with ChorusProClient(ChorusProConfig.from_connection(sandbox.connection())) as client:
        client.list_supplier_structures()
        admin.set_faults(quota_per_second=5)
        for _ in range(8):
            assert client.list_supplier_structures()
    assert admin.stats()["rate_limited"] > 0, "the quota must have answered 429 for the test to mean anything"


def test_429_still_raises_the_typed_error_once_the_resends_are_spent(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHORUSFLOW_API_429_RETRIES", "0")
    admin = SandboxAdmin(sandbox)
    with ChorusProClient(ChorusProConfig.from_connection(sandbox.connection())) as client:
        client.list_supplier_structures()
        admin.set_faults(quota_per_second=1)
        with pytest.raises(RateLimitedError) as caught:
            for _ in range(10):
                client.list_supplier_structures()
    assert caught.value.retryable and not caught.value.outcome_unknown
