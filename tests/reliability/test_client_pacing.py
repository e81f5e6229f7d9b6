"""The client's side of the load promise: HTTP 429 is sent again, and pacing holds across processes.

A 429 was never processed, so the client waits (``Retry-After``) and sends the same call again, at
most ``CHORUSFLOW_API_429_RETRIES`` times, then raises the typed ``RateLimitedError``. The
machine-wide pacing (``CHORUSFLOW_API_RATE_LIMIT``) is one lock file shared by every process.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from chorusflow.chorus import ChorusProClient, ChorusProConfig
from chorusflow.chorus.errors import RateLimitedError
from chorusflow.chorus.ratelimit import SharedRateLimiter
from chorusflow_dev.sandbox import SandboxServer
from tests.fixtures.sandbox import SandboxAdmin
from tests.reliability.support import subprocess_env


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


def test_machine_wide_pacing_is_shared_by_processes(tmp_path: Path) -> None:
    slot_file = tmp_path / "ratelimit.slot"
    program = (
        "import sys\nfrom pathlib import Path\n"
        "from chorusflow.chorus.ratelimit import SharedRateLimiter\n"
        "limiter = SharedRateLimiter(20, Path(sys.argv[1]))\n"
        "[limiter.acquire() for _ in range(10)]"
    )
    started = time.monotonic()
    workers = [
        subprocess.Popen([sys.executable, "-c", program, str(slot_file)], env=subprocess_env())
        for _ in range(3)
    ]
    assert [worker.wait(timeout=60) for worker in workers] == [0, 0, 0]
    elapsed = time.monotonic() - started
    # 30 slots at 20 per second need at least 29 intervals of 50 ms, whatever the processes.
    assert elapsed >= 29 / 20


def test_shared_limiter_spaces_calls_in_one_process(tmp_path: Path) -> None:
    limiter = SharedRateLimiter(50, tmp_path / "slot")
    started = time.monotonic()
    for _ in range(11):
        limiter.acquire()
    assert time.monotonic() - started >= 10 / 50 - 0.01
