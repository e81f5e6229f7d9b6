"""The PISTE quota shared through the ledger's database (``api_quota``), on SQLite and PostgreSQL.

Slots are spaced for every process that shares a client id, on the database's clock; a hold (an
HTTP 429's ``Retry-After``) delays everyone; another client id has a quota of its own.
"""

from __future__ import annotations

import subprocess
import sys
import time

from chorusflow.ledger import Ledger
from chorusflow.platforms.chorus_pro.ratelimit import LocalPacer
from tests.reliability.support import subprocess_env


def test_slots_are_spaced_in_one_process(ledger: Ledger) -> None:
    pacer = ledger.api_pacer("client-a", 50)
    pacer.acquire()
    started = time.monotonic()
    for _ in range(10):
        pacer.acquire()
    assert time.monotonic() - started >= 10 / 50 - 0.01


def test_processes_share_one_quota(ledger: Ledger) -> None:
    program = (
        "import sys\nfrom chorusflow.ledger import Ledger\n"
        "pacer = Ledger(sys.argv[1]).api_pacer('shared-client', 20)\n"
        "[pacer.acquire() for _ in range(10)]"
    )
    started = time.monotonic()
    workers = [
        subprocess.Popen([sys.executable, "-c", program, ledger.url], env=subprocess_env()) for _ in range(3)
    ]
    assert [worker.wait(timeout=60) for worker in workers] == [0, 0, 0]
    # 30 slots at 20 per second need at least 29 intervals of 50 ms, whatever the processes.
    assert time.monotonic() - started >= 29 / 20


def test_a_hold_delays_everyone_sharing_the_client_id(ledger: Ledger) -> None:
    first, second = ledger.api_pacer("held", None), ledger.api_pacer("held", None)
    other = ledger.api_pacer("another-application", None)
    first.acquire()
    first.hold_off(0.6)
    assert other.acquire() < 0.1, "another PISTE application keeps its own quota"
    assert second.acquire() >= 0.45, "a 429's Retry-After must hold every caller of that client id"
    assert second.acquire() < 0.1, "the hold is over once waited"


def test_the_local_fallback_paces_threads_and_honours_holds() -> None:
    pacer = LocalPacer(None)
    assert pacer.acquire() == 0
    pacer.hold_off(0.3)
    assert pacer.acquire() >= 0.25
