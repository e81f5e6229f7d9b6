"""§1 Crash consistency: SIGKILL the submission worker at many moments, rerun until done, check.

Each round deposits a fresh set of invoices through a worker process running the real submission
path (``tests.reliability.worker`` → ``Submitter.submit_batch``), killed with SIGKILL at one moment:

- ``submission.after_claim`` / ``submission.before_call``: before the call to Chorus Pro;
- ``sandbox-hold``: the sandbox committed the deposit and holds the answer back; the harness kills
  the worker while it waits (the call reached the sandbox, the answer never reached the worker);
- ``submission.after_answer``: the answer arrived, the ledger write did not happen;
- ``ledger.before_commit``: inside a ledger write transaction, before COMMIT (claim, attempt start,
  ``mark_submitted`` with the attempt's end, depending on ``nth``);
- ``submission.after_record`` and a second kill during the reconciliation of the rerun.

After each kill the round reruns the worker until nothing is left (as the same task identity, which
reclaims at once, or as another run, which waits for the dead worker's lease to expire). Then, for
every invoice of the round: deposited exactly once, submitted in the ledger with the sandbox's id,
nothing left in ``submitting``. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from chorusflow.ledger import InvoiceState, Ledger
from chorusflow_dev.sandbox import SandboxServer
from chorusflow_dev.testing.exports import invoice_numbers, write_sample_export
from tests.fixtures.ledger import record_export_file
from tests.fixtures.sandbox import SUPPLIER_SIRET, SandboxAdmin
from tests.reliability.support import (
    check_exactly_once,
    subprocess_env,
    summary_line,
)

SOUMETTRE = "/cpro/factures/v1/soumettre"
SANDBOX_HOLD = "sandbox-hold"
WORKER_TIMEOUT = 120.0
SHORT_LEASE = "1"


@dataclass(frozen=True)
class KillPlan:
    """One round: where to kill (``point`` at its ``nth`` passage), and how the rerun takes over."""

    point: str
    nth: int
    rerun_as_other_run: bool = False
    second_kill: str | None = None  # a crash point armed in the first rerun too

    @property
    def label(self) -> str:
        """A readable id."""
        second = f"+{self.second_kill}" if self.second_kill else ""
        other = "/other-run" if self.rerun_as_other_run else ""
        return f"{self.point}:{self.nth}{second}{other}"


def kill_plans(invoices: int) -> list[KillPlan]:
    """Kill moments spread over the batch: first, middle and last invoice of every kind of moment."""
    middle, last = max(1, invoices // 2), invoices
    # Writes per invoice: start_attempt, then mark_submitted ending the attempt in the same commit
    # (+ the batch's claim first): invoice i's are writes 2i and 2i + 1.
    writes_last = 1 + 2 * invoices
    return [
        KillPlan("submission.after_claim", 1),
        KillPlan("submission.before_call", 1),
        KillPlan("submission.before_call", middle, rerun_as_other_run=True),
        KillPlan("submission.before_call", last),
        KillPlan(SANDBOX_HOLD, 1),
        KillPlan(SANDBOX_HOLD, min(7, invoices), rerun_as_other_run=True),
        KillPlan(SANDBOX_HOLD, min(13, invoices)),
        KillPlan("submission.after_answer", 1),
        KillPlan("submission.after_answer", middle),
        KillPlan("submission.after_answer", last, rerun_as_other_run=True),
        KillPlan("submission.after_answer", middle, second_kill="submission.before_reconcile:1"),
        KillPlan("submission.after_answer", 3, second_kill="submission.after_answer:1"),
        KillPlan("ledger.before_commit", 1),  # the claim transaction itself
        KillPlan("ledger.before_commit", 2),  # start_attempt of the first invoice
        KillPlan("ledger.before_commit", 3),  # mark_submitted (and the attempt's end) of the first invoice
        KillPlan("ledger.before_commit", 4, rerun_as_other_run=True),  # start_attempt of the second
        KillPlan("ledger.before_commit", 2 * middle),
        KillPlan("ledger.before_commit", 2 * middle + 1),
        KillPlan("ledger.before_commit", writes_last - 1),
        KillPlan("ledger.before_commit", writes_last, second_kill="ledger.before_commit:2"),
        KillPlan("submission.after_record", 1),
        KillPlan("submission.after_record", middle, rerun_as_other_run=True),
        KillPlan("submission.after_answer", middle, second_kill="ledger.before_commit:3"),
    ]


def fast_plans(invoices: int) -> list[KillPlan]:
    """The ``make test`` subset: one of each kind of moment."""
    chosen = {2, 5, 8, 10, 14, 15}
    return [plan for index, plan in enumerate(kill_plans(invoices)) if index in chosen]


def start_worker(ledger_url: str, run_id: str, env: dict[str, str]) -> subprocess.Popen[str]:
    """The worker process (see tests/reliability/worker.py)."""
    return subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.worker", ledger_url, run_id],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def kill_while_sandbox_holds_answer(
    worker: subprocess.Popen[str], admin: SandboxAdmin, numbers: set[str], nth: int
) -> None:
    """SIGKILL the worker once the sandbox committed the ``nth`` deposit and is holding its answer."""
    deadline = time.monotonic() + WORKER_TIMEOUT
    while time.monotonic() < deadline and worker.poll() is None:
        deposited = sum(1 for number in admin.submission_counts() if number in numbers)
        if deposited >= nth:
            worker.send_signal(signal.SIGKILL)
            return
        time.sleep(0.01)
    raise AssertionError(f"the worker never reached deposit {nth}: exit {worker.poll()}")


def run_round(
    plan: KillPlan, prefix: str, count: int, ledger: Ledger, sandbox: SandboxServer, tmp_path: Path
) -> tuple[list[str], int]:
    """Seed ``count`` invoices, run the killed worker, rerun until done; the numbers and the kills."""
    admin = SandboxAdmin(sandbox)
    numbers = record_export_file(
        ledger, write_sample_export(tmp_path / f"{prefix}.csv", invoice_numbers(prefix, count))
    )
    assert len(numbers) == count
    base_env = subprocess_env(AIRFLOW_CONN_CHORUS_PRO=sandbox.connection_json())
    if plan.rerun_as_other_run:
        base_env["CHORUSFLOW_CLAIM_LEASE_SECONDS"] = SHORT_LEASE
    kills = 0
    if plan.point == SANDBOX_HOLD:
        admin.set_faults(answer_delay_ms={SOUMETTRE: 150})
        worker = start_worker(ledger.url, f"{prefix}-run1", base_env)
        kill_while_sandbox_holds_answer(worker, admin, set(numbers), plan.nth)
        admin.set_faults(answer_delay_ms={})
    else:
        worker = start_worker(
            ledger.url, f"{prefix}-run1", {**base_env, "CHORUSFLOW_CRASHPOINT": f"{plan.point}:{plan.nth}"}
        )
    output = worker.communicate(timeout=WORKER_TIMEOUT)[0]
    assert worker.returncode == -signal.SIGKILL, f"{plan.label}: worker was not killed\n{output[-3000:]}"
    kills += 1
    run_number = 1
    for rerun in range(1, 12):
        run_id = f"{prefix}-run{run_number + 1}" if plan.rerun_as_other_run else f"{prefix}-run1"
        if plan.rerun_as_other_run:
            run_number += 1
            time.sleep(float(SHORT_LEASE) + 0.2)  # the dead worker's lease must expire first
        env = dict(base_env)
        if rerun == 1 and plan.second_kill:
            env["CHORUSFLOW_CRASHPOINT"] = plan.second_kill
        worker = start_worker(ledger.url, run_id, env)
        output = worker.communicate(timeout=WORKER_TIMEOUT)[0]
        if worker.returncode == -signal.SIGKILL:
            kills += 1
            continue
        assert "Traceback" not in output, f"{plan.label}: rerun crashed\n{output[-3000:]}"
        waiting = ledger.count_by_state(SUPPLIER_SIRET)
        if not waiting.get(InvoiceState.PENDING) and not waiting.get(InvoiceState.SUBMITTING):
            break
    return numbers, kills


def crash_rounds(
    plans: list[KillPlan], count: int, ledger: Ledger, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """Run every plan as one round and check the invariants after each."""
    admin = SandboxAdmin(sandbox)
    duplicates = lost = mismatched = stuck = kills = 0
    for index, plan in enumerate(plans, start=1):
        numbers, round_kills = run_round(plan, f"K{index:02d}", count, ledger, sandbox, tmp_path)
        kills += round_kills
        found = check_exactly_once(admin, ledger, numbers)
        duplicates += len(found.duplicates)
        lost += len(found.lost)
        mismatched += len(found.mismatched)
        stuck += len(found.submitting)
        assert found.ok, f"round {plan.label}: {found.describe()}"
    summary_line(
        f"crash consistency ({ledger.dialect_name}, {count} invoices per run)",
        crash_points=len(plans),
        kills=kills,
        duplicates=duplicates,
        lost=lost,
        ledger_mismatches=mismatched,
        left_submitting=stuck,
    )


@pytest.mark.timeout(600)
def test_crash_consistency_fast(ledger: Ledger, sandbox: SandboxServer, tmp_path: Path) -> None:
    count = 20
    crash_rounds(fast_plans(count), count, ledger, sandbox, tmp_path)


@pytest.mark.reliability_long
@pytest.mark.timeout(3600)
def test_crash_consistency_200_invoices(ledger: Ledger, sandbox: SandboxServer, tmp_path: Path) -> None:
    count = 200
    plans = kill_plans(count)
    assert len(plans) >= 20
    crash_rounds(plans, count, ledger, sandbox, tmp_path)


# -- the saisie channel ----------------------------------------------------------------------------
# In SAISIE_API Chorus Pro numbers the invoice itself, so a rerun after an unknown outcome can only
# search by buyer, amount and deposit period (each sample invoice has its own amount). The invariant
# is at most once: no invoice deposited twice, every invoice submitted with the id of one of this
# round's deposits or waiting for a person in needs_review, none left pending or submitting.

SAISIE_PLANS = [
    KillPlan("submission.after_claim", 1),
    KillPlan("submission.before_call", 5),
    KillPlan("submission.after_answer", 1),
    KillPlan("submission.after_answer", 5, rerun_as_other_run=True),
    KillPlan("ledger.before_commit", 3),
    KillPlan("submission.after_record", 2),
]


def check_saisie_at_most_once(
    admin: SandboxAdmin, ledger: Ledger, numbers: list[str], before: set[int]
) -> None:
    """This round's deposits: at most one per invoice, each adopted or left to a person."""
    new = [invoice for invoice in admin.invoices() if invoice["id"] not in before]
    assert all(invoice["mode"] == "SAISIE_API" for invoice in new)
    amounts = [invoice["amounts"]["ttc"] for invoice in new]
    assert len(amounts) == len(set(amounts)) <= len(numbers), f"deposited twice: {sorted(amounts)}"
    rows = [ledger.get_invoice(number) for number in numbers]
    assert all(row is not None for row in rows)
    states = {row.invoice_number: row.state for row in rows if row is not None}
    assert set(states.values()) <= {InvoiceState.SUBMITTED, InvoiceState.NEEDS_REVIEW}, states
    adopted = [row.identifiant_facture_cpp for row in rows if row and row.state is InvoiceState.SUBMITTED]
    assert len(adopted) == len(set(adopted)) and set(adopted) <= {invoice["id"] for invoice in new}
    for row in rows:
        if row is not None and row.state is InvoiceState.SUBMITTED:
            [deposit] = [invoice for invoice in new if invoice["id"] == row.identifiant_facture_cpp]
            assert deposit["amounts"]["ttc"] == float(row.total_ttc or 0)
            assert row.chorus_invoice_number == deposit["number"] != row.invoice_number
    reviewed = sum(1 for state in states.values() if state is InvoiceState.NEEDS_REVIEW)
    assert len(new) - len(adopted) <= reviewed  # a deposit nobody adopted waits for a person


@pytest.mark.timeout(600)
def test_crash_consistency_saisie_channel(
    ledger: Ledger, sandbox: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHORUSFLOW_SUPPLIER_DEPOSIT_CHANNEL", "saisie")
    admin = SandboxAdmin(sandbox)
    kills = reviewed = 0
    for index, plan in enumerate(SAISIE_PLANS, start=1):
        before = {invoice["id"] for invoice in admin.invoices()}
        numbers, round_kills = run_round(plan, f"S{index:02d}", 10, ledger, sandbox, tmp_path)
        kills += round_kills
        check_saisie_at_most_once(admin, ledger, numbers, before)
        reviewed += sum(
            1
            for number in numbers
            if (row := ledger.get_invoice(number)) and row.state is InvoiceState.NEEDS_REVIEW
        )
    summary_line(
        f"crash consistency, saisie channel ({ledger.dialect_name})",
        crash_points=len(SAISIE_PLANS),
        kills=kills,
        duplicates=0,
        needs_review=reviewed,
    )


# -- the same through the DAG ----------------------------------------------------------------------

DAG_KILLS = [
    ("submission.before_call", 3),
    ("submission.after_answer", 7),
    ("submission.after_record", 5),
]


def run_dag_process(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """One ``chorus_submit_invoices`` run with ``dag.test()`` in a process of its own."""
    return subprocess.run(
        [sys.executable, "-m", "chorusflow_dev.airflow.run_dag", "chorus_submit_invoices"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.reliability_long
@pytest.mark.timeout(1800)
def test_crash_consistency_through_the_dag(pipeline_env: Any, tmp_path: Path) -> None:
    """The DAG process itself is killed mid-submission; later scheduled runs finish the work."""
    import os

    env = subprocess_env(
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{os.environ['AIRFLOW_HOME']}/airflow.db",
        CHORUSFLOW_CLAIM_LEASE_SECONDS=SHORT_LEASE,
        CHORUSFLOW_SUBMIT_RETRY_DELAY="0.1",
    )
    kills = 0
    for index, (point, nth) in enumerate(DAG_KILLS, start=1):
        prefix = f"D{index}"
        numbers = invoice_numbers(prefix, 40)
        write_sample_export(pipeline_env.inbox / f"{prefix}.csv", numbers)
        killed = run_dag_process({**env, "CHORUSFLOW_CRASHPOINT": f"{point}:{nth}"})
        assert killed.returncode == -signal.SIGKILL, killed.stdout[-2000:] + killed.stderr[-2000:]
        kills += 1
        for _ in range(4):
            time.sleep(float(SHORT_LEASE) + 0.2)  # the dead run's lease must expire first
            rerun = run_dag_process(env)
            assert "DAG_RUN_STATE" in rerun.stdout, rerun.stderr[-3000:]
            if "DAG_RUN_STATE success" in rerun.stdout:
                break
        found = check_exactly_once(pipeline_env.admin, pipeline_env.ledger, numbers)
        assert found.ok, f"{point}:{nth}: {found.describe()}"
    summary_line(
        f"crash consistency through the DAG ({pipeline_env.ledger.dialect_name})",
        crash_points=len(DAG_KILLS),
        kills=kills,
        duplicates=0,
        lost=0,
    )


# -- the facturx channel ---------------------------------------------------------------------------
# Several invoices per deposer/flux call, and a flux shows in rechercher/fournisseur only once
# integrated. The sandbox integrates every flux as soon as it is searched (as the platform does on
# its own, later), the grace period before a new deposit is short, and the open flux are followed
# between reruns as chorus_sync_statuses does. The invariant is the pdf channel's: every invoice
# deposited exactly once (not even a refused duplicate deposit), submitted with the sandbox's id.

FLUX_PLANS = [
    KillPlan("submission.after_claim", 1),
    KillPlan("submission.before_call", 2),
    KillPlan("submission.after_answer", 1),
    KillPlan("submission.after_answer", 2, second_kill="submission.before_reconcile:1"),
    KillPlan("ledger.before_commit", 8),  # mark_in_flux of the first flux (claim + 6 attempts first)
    KillPlan("submission.after_record", 2, rerun_as_other_run=True),
]
FAST_FLUX_PLANS = [FLUX_PLANS[index] for index in (1, 2, 4)]
FLUX_INVOICES = 6
DEPOSER_FLUX = "/cpro/factures/v1/deposer/flux"


def run_flux_round(
    plan: KillPlan | None, prefix: str, ledger: Ledger, sandbox: SandboxServer, tmp_path: Path
) -> tuple[list[str], int]:
    """Seed, run the worker killed at ``plan`` (None: commit-then-drop on every deposer/flux), then
    rerun and follow the flux until every invoice is settled; the numbers and the kills."""
    from chorusflow.platforms.chorus_pro import ChorusProClient, ChorusProConfig
    from chorusflow.platforms.chorus_pro.flux_follow import follow_flux

    admin = SandboxAdmin(sandbox)
    numbers = record_export_file(
        ledger, write_sample_export(tmp_path / f"{prefix}.csv", invoice_numbers(prefix, FLUX_INVOICES))
    )
    env = subprocess_env(AIRFLOW_CONN_CHORUS_PRO=sandbox.connection_json())
    if plan is not None and plan.rerun_as_other_run:
        env["CHORUSFLOW_CLAIM_LEASE_SECONDS"] = SHORT_LEASE
    kills = 0
    if plan is None:
        admin.set_faults(commit_then_drop_rate={DEPOSER_FLUX: 1.0})
        worker = start_worker(ledger.url, f"{prefix}-run1", env)
        output = worker.communicate(timeout=WORKER_TIMEOUT)[0]
        assert worker.returncode == 3, output[-3000:]  # every flux outcome unknown: retry
        admin.set_faults(commit_then_drop_rate={})
    else:
        killed = {**env, "CHORUSFLOW_CRASHPOINT": f"{plan.point}:{plan.nth}"}
        worker = start_worker(ledger.url, f"{prefix}-run1", killed)
        output = worker.communicate(timeout=WORKER_TIMEOUT)[0]
        assert worker.returncode == -signal.SIGKILL, f"{plan.label}: not killed\n{output[-3000:]}"
        kills += 1
    with ChorusProClient(ChorusProConfig.from_connection(sandbox.connection())) as client:
        for rerun in range(1, 30):
            waiting = ledger.count_by_state(SUPPLIER_SIRET)
            open_flux = ledger.open_flux(SUPPLIER_SIRET)
            if not waiting.get(InvoiceState.PENDING) and not waiting.get(InvoiceState.SUBMITTING):
                if not open_flux:
                    break
                follow_flux(ledger, client, SUPPLIER_SIRET)
                continue
            other = plan is not None and plan.rerun_as_other_run
            if other:
                time.sleep(float(SHORT_LEASE) + 0.2)
            run_env = dict(env)
            if rerun == 1 and plan is not None and plan.second_kill:
                run_env["CHORUSFLOW_CRASHPOINT"] = plan.second_kill
            worker = start_worker(ledger.url, f"{prefix}-run{rerun + 1 if other else 1}", run_env)
            output = worker.communicate(timeout=WORKER_TIMEOUT)[0]
            if worker.returncode == -signal.SIGKILL:
                kills += 1
                continue
            assert "Traceback" not in output, output[-3000:]
            if worker.returncode == 3:
                time.sleep(0.3)  # waiting out the grace period of an unknown flux outcome
    return numbers, kills


@pytest.mark.timeout(600)
def test_crash_consistency_facturx_channel(
    ledger: Ledger, sandbox: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _flux_rounds([None, *FAST_FLUX_PLANS], ledger, sandbox, tmp_path, monkeypatch)


@pytest.mark.reliability_long
@pytest.mark.timeout(1800)
def test_crash_consistency_facturx_channel_every_point(
    ledger: Ledger, sandbox: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _flux_rounds([None, *FLUX_PLANS], ledger, sandbox, tmp_path, monkeypatch)


def _flux_rounds(
    plans: list[KillPlan | None],
    ledger: Ledger,
    sandbox: SandboxServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CHORUSFLOW_SUPPLIER_DEPOSIT_CHANNEL", "facturx")
    monkeypatch.setenv("CHORUSFLOW_FLUX_MAX_INVOICES", "3")  # two flux per batch
    monkeypatch.setenv("CHORUSFLOW_FLUX_POLL_BASE_SECONDS", "0")
    monkeypatch.setenv("CHORUSFLOW_FLUX_UNKNOWN_GRACE_SECONDS", "2")
    admin = SandboxAdmin(sandbox)
    admin.set_faults(flux_seconds_before_integration=0)
    kills = 0
    for index, plan in enumerate(plans, start=1):
        numbers, round_kills = run_flux_round(plan, f"X{index:02d}", ledger, sandbox, tmp_path)
        kills += round_kills
        found = check_exactly_once(admin, ledger, numbers)
        label = plan.label if plan else "commit-then-drop"
        assert found.ok, f"round {label}: {found.describe()}"
    summary_line(
        f"crash consistency, facturx channel ({ledger.dialect_name}, {FLUX_INVOICES} invoices per run)",
        rounds=len(plans),
        kills=kills,
        duplicates=0,
        lost=0,
    )
