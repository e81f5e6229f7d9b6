"""§6 Infrastructure faults: the ledger's PostgreSQL restarted in the middle of a submission run.

The test owns its PostgreSQL (``chorusflow_dev.infra.servers.OwnedPostgres``: ``initdb`` in a
temporary folder, a port of its own), so a restart touches nothing else on the machine. A worker
process running the real submission path (``tests.reliability.worker``) is frozen (SIGSTOP) at a
named crash point (``CHORUSFLOW_CRASHPOINT=<point>:<nth>:stop``) with its connection open; the
harness restarts PostgreSQL (or stops it, resumes the worker against a dead server, then starts it),
then resumes the worker. The points put the fault on a ledger write right before the deposit call
(the attempt's start, its transaction open) and right after it (``mark_submitted``, its transaction
open; and the write that follows the answer, from a pooled connection the restart cut).

For each fault: the run ends with exit 0, or fails with a message naming the database fault; the
next runs finish the work with nobody's help; every invoice is deposited exactly once (the
sandbox's admin endpoints), is in the ledger as ``submitted`` with the sandbox's id, and nothing is
left in ``submitting``. The time to recover is measured from the fault to the end of the run that
finishes the work.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from chorusflow.crashpoints import _parse
from chorusflow.ledger import InvoiceState, Ledger
from chorusflow_dev.infra.servers import OwnedPostgres
from chorusflow_dev.sandbox import SandboxServer
from chorusflow_dev.testing.exports import invoice_numbers, write_sample_export
from tests.fixtures.ledger import record_export_file
from tests.fixtures.sandbox import SUPPLIER_SIRET, SandboxAdmin
from tests.reliability.support import check_exactly_once, subprocess_env, summary_line
from tests.reliability.test_crash_consistency import WORKER_TIMEOUT, start_worker

#: What the database fault looks like to the worker when it surfaces (psycopg2's own words are not
#: relied on for a decision, only to check the failure names the fault for a person).
DATABASE_FAULT_NAMES = ("OperationalError", "InterfaceError")
RERUNS = 6


@dataclass(frozen=True)
class DatabaseFault:
    """One round: freeze the worker at ``point``'s ``nth`` passage, break PostgreSQL, resume it."""

    point: str
    nth: int
    down_while_resumed: bool = False  # stop, resume the worker against no server, start later
    where: str = ""

    @property
    def label(self) -> str:
        """A readable id."""
        how = "stop-resume-start" if self.down_while_resumed else "restart"
        return f"{how}@{self.point}:{self.nth}"


def database_faults(invoices: int) -> list[DatabaseFault]:
    """Faults around the deposit calls of the first, middle and last invoice.

    Ledger writes of a batch: the claim (1), then per invoice ``i`` (from 1) its attempt's start
    (``2i``, right before the call) and ``mark_submitted`` (``2i + 1``, right after the answer).
    """
    middle = max(1, invoices // 2)
    return [
        DatabaseFault("ledger.before_commit", 2, where="attempt start of the first invoice, before its call"),
        DatabaseFault("ledger.before_commit", 3, where="mark_submitted of the first invoice, after its call"),
        DatabaseFault("submission.after_answer", middle, where="after the middle invoice's answer"),
        DatabaseFault("ledger.before_commit", 2 * middle, where="attempt start of the middle invoice"),
        DatabaseFault("ledger.before_commit", 2 * middle + 1, where="mark_submitted of the middle invoice"),
        DatabaseFault("ledger.before_commit", 2 * invoices + 1, where="mark_submitted of the last invoice"),
        DatabaseFault(
            "ledger.before_commit", 3, down_while_resumed=True, where="mark_submitted, server down"
        ),
        DatabaseFault(
            "submission.after_answer", middle, down_while_resumed=True, where="after an answer, server down"
        ),
    ]


def fast_faults(invoices: int) -> list[DatabaseFault]:
    """The ``make test`` subset: before a call, after a call, and the server down when resumed."""
    chosen = {0, 4, 6}
    return [fault for index, fault in enumerate(database_faults(invoices)) if index in chosen]


def test_crashpoint_spec_arms_a_kill_or_a_stop() -> None:
    armed = _parse("submission.after_answer:3, ledger.before_commit:2:stop,bad,zero:0,other:1:zap")
    assert armed == {
        "submission.after_answer": (3, signal.SIGKILL),
        "ledger.before_commit": (2, signal.SIGSTOP),
    }


@pytest.fixture(scope="module")
def owned_postgres() -> Iterator[OwnedPostgres]:
    """A PostgreSQL of this module's own (never the machine's on 5432)."""
    if not (shutil.which("initdb") and shutil.which("pg_ctl")):
        pytest.skip("PostgreSQL's server programs (initdb, pg_ctl) are not on PATH")
    with OwnedPostgres() as server:
        yield server


@pytest.fixture
def owned_ledger(owned_postgres: OwnedPostgres, request: pytest.FixtureRequest) -> Iterator[Ledger]:
    """A migrated ledger in a database of its own on the owned PostgreSQL."""
    owned_postgres.start()  # a failed round may have left it stopped
    store = Ledger(owned_postgres.create_database(request.node.name.lower()))
    store.migrate()
    yield store
    store.dispose()


def wait_until_stopped(worker: subprocess.Popen[str]) -> None:
    """Wait until the worker froze itself (state ``T`` in /proc) at its crash point."""
    deadline = time.monotonic() + WORKER_TIMEOUT
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise AssertionError(
                f"the worker ended before its crash point: {worker.communicate()[0][-3000:]}"
            )
        state = Path(f"/proc/{worker.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        if state in {"T", "t"}:
            return
        time.sleep(0.02)
    raise AssertionError("the worker never reached its crash point")


def check_ending(fault: DatabaseFault, worker: subprocess.Popen[str], output: str) -> str:
    """The faulted run ends with 0 or 3 (work left to retry), or fails naming the database fault:
    "" or the error's name."""
    if worker.returncode in (0, 3):
        return ""
    named = [name for name in DATABASE_FAULT_NAMES if name in output]
    assert named, (
        f"{fault.label}: exit {worker.returncode} without naming the database fault\n{output[-3000:]}"
    )
    return named[0]


def run_round(
    fault: DatabaseFault,
    prefix: str,
    count: int,
    ledger: Ledger,
    server: OwnedPostgres,
    sandbox: SandboxServer,
    tmp_path: Path,
) -> tuple[list[str], str, float]:
    """Seed, fault, rerun until done; the numbers, the faulted run's error ("" if none), seconds to
    recover."""
    numbers = record_export_file(
        ledger, write_sample_export(tmp_path / f"{prefix}.csv", invoice_numbers(prefix, count))
    )
    env = subprocess_env(AIRFLOW_CONN_CHORUS_PRO=sandbox.connection_json())
    run_id = f"{prefix}-run1"  # reruns are the task's retries: they reclaim at once
    worker = start_worker(
        ledger.url, run_id, {**env, "CHORUSFLOW_CRASHPOINT": f"{fault.point}:{fault.nth}:stop"}
    )
    wait_until_stopped(worker)
    fault_at = time.monotonic()
    if fault.down_while_resumed:
        server.stop()
        os.kill(worker.pid, signal.SIGCONT)
        output = worker.communicate(timeout=WORKER_TIMEOUT)[0]
        server.start()
    else:
        server.restart()
        os.kill(worker.pid, signal.SIGCONT)
        output = worker.communicate(timeout=WORKER_TIMEOUT)[0]
    error = check_ending(fault, worker, output)
    for _ in range(RERUNS):
        waiting = ledger.count_by_state(SUPPLIER_SIRET)
        if not waiting.get(InvoiceState.PENDING) and not waiting.get(InvoiceState.SUBMITTING):
            break
        worker = start_worker(ledger.url, run_id, env)
        output = worker.communicate(timeout=WORKER_TIMEOUT)[0]
        assert "Traceback" not in output, f"{fault.label}: a rerun failed\n{output[-3000:]}"
    return numbers, error, time.monotonic() - fault_at


def database_fault_rounds(
    faults: list[DatabaseFault],
    prefix: str,
    count: int,
    ledger: Ledger,
    server: OwnedPostgres,
    sandbox: SandboxServer,
    tmp_path: Path,
) -> None:
    """Every fault as one round, the invariants checked after each, one summary line."""
    admin = SandboxAdmin(sandbox)
    errors: list[str] = []
    duplicates = lost = 0
    recover: list[float] = []
    for index, fault in enumerate(faults, start=1):
        numbers, error, seconds = run_round(
            fault, f"{prefix}{index:02d}", count, ledger, server, sandbox, tmp_path
        )
        errors += [error] if error else []
        recover.append(seconds)
        found = check_exactly_once(admin, ledger, numbers)
        duplicates += len(found.duplicates)
        lost += len(found.lost)
        assert found.ok, f"round {fault.label} ({fault.where}): {found.describe()}"
    summary_line(
        f"infrastructure faults, PostgreSQL restarted ({count} invoices per run)",
        faults=len(faults),
        faulted_runs_failed=f"{len(errors)} ({', '.join(sorted(set(errors))) or '-'})",
        duplicates=duplicates,
        lost=lost,
        longest_recovery_seconds=f"{max(recover):.1f}",
    )


@pytest.mark.timeout(600)
def test_postgres_restart_around_deposits_fast(
    owned_ledger: Ledger, owned_postgres: OwnedPostgres, sandbox: SandboxServer, tmp_path: Path
) -> None:
    count = 10
    database_fault_rounds(fast_faults(count), "PF", count, owned_ledger, owned_postgres, sandbox, tmp_path)


@pytest.mark.reliability_long
@pytest.mark.timeout(3600)
def test_postgres_restart_around_deposits(
    owned_ledger: Ledger, owned_postgres: OwnedPostgres, sandbox: SandboxServer, tmp_path: Path
) -> None:
    count = 100
    database_fault_rounds(
        database_faults(count), "PL", count, owned_ledger, owned_postgres, sandbox, tmp_path
    )
