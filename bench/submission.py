"""Benchmark: submit 1,000 invoices through ``chorus_submit_invoices`` under a real scheduler.

Run ``.venv/bin/python bench/submission.py [--invoices N] [--latency-ms L] [--pool P]``. It starts the
sandbox and ``airflow standalone`` (LocalExecutor, pool ``chorus_pro_api`` of P slots) with the
launcher behind ``make airflow`` (``chorusflow_dev.airflow.local.LocalAirflow``), adds L ms of latency to
each deposit call (``DEPOT_PDF_API`` makes two per invoice: ``transverses/v1/ajouter/fichier`` for the
rendered PDF, then ``factures/v1/soumettre``), drops an export of N valid invoices into the inbox,
triggers the DAG through the REST API and waits for the run. Outside the measure: the start of
Airflow, and a warm-up run of one invoice per pool slot (workers started, ledger created).
``--env NAME=VALUE`` passes a setting to Airflow and its tasks (``CHORUSFLOW_POOL_SIZE=2`` makes the
plan cut 4 batches while the pool keeps its slots); ``--keep`` keeps the folder with the logs.
``--channel facturx`` measures the Factur-X channel instead: each invoice's Factur-X built and
checked, the files packed into flux, one ``factures/v1/deposer/flux`` call per flux (the latency
applies to it); an invoice counts as deposited when the sandbox read it in a flux (integration
comes later, with the status sync, and is not part of the submission).

Prints the wall time of the DAG run (its ``start_date`` → ``end_date``), the submit phase (first
``submit`` task start → last ``submit`` task end), the API limit (N × latency ÷ pool) and their
ratios, the API limit counted in calls: deposit calls × latency ÷ pool, rendering included in the
measure. ``dag.test()`` would run the tasks one at a time, hence the real scheduler. Results:
docs/performance.md ("Submission").
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from chorusflow_dev.airflow.local import LocalAirflow, free_port
from chorusflow_dev.testing.exports import invoice_numbers, write_sample_export

DAG_ID = "chorus_submit_invoices"
DEPOSIT_PATH = "/cpro/factures/v1/soumettre"
UPLOAD_PATH = "/cpro/transverses/v1/ajouter/fichier"
FLUX_PATH = "/cpro/factures/v1/deposer/flux"
# The deposit calls of each channel, each with the latency.
CHANNEL_CALLS = {"pdf": (UPLOAD_PATH, DEPOSIT_PATH), "facturx": (FLUX_PATH,)}
DEPOSIT_CALLS = CHANNEL_CALLS["pdf"]
# The DAG's hourly schedule would start a run of its own on unpause and take the export: 29 February
# gives no run before 2028, so the measured run is the one triggered here.
NO_SCHEDULED_RUN = "0 0 29 2 *"
DEPOSIT_LOG = re.compile(r"POST /cpro/factures/v1/soumettre -> \d+ \((\d+) ms\)")
START_TIMEOUT = 300.0
RUN_TIMEOUT = 300.0


def write_export(path: Path, invoices: int, prefix: str = "BENCH") -> None:
    """An export of ``invoices`` valid one-line invoices to the Commune, issued two days ago."""
    write_sample_export(path, invoice_numbers(prefix, invoices), issue=date.today() - timedelta(days=2))


def api_json(local: LocalAirflow, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """A REST API answer's JSON, after checking its status."""
    response = local.api(method, path, body)
    if not response.ok:
        raise RuntimeError(f"{method} {path}: HTTP {response.status_code} {response.text[:300]}")
    return response.json() if response.content else None


def parse_time(value: str) -> datetime:
    """An ISO date-time of the REST API (``Z`` or an offset)."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def wait_for_run(local: LocalAirflow, run_id: str, timeout: float = RUN_TIMEOUT) -> dict[str, Any]:
    """Poll the DAG run until it finishes; return it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run: dict[str, Any] = api_json(local, "GET", f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}")
        if run["state"] in ("success", "failed"):
            return run
        time.sleep(1)
    raise TimeoutError(f"run {run_id} did not finish within {timeout:.0f} s")


def deposited_numbers(sandbox: str, channel: str) -> Counter[str]:
    """How many times the sandbox received each BENCH invoice: as an invoice, or read in a flux."""
    if channel == "facturx":
        flux = requests.get(f"{sandbox}/sandbox/flux", timeout=30).json()["flux"]
        numbers = [number for item in flux for number in item["numbers"] if number]
    else:
        received = requests.get(f"{sandbox}/sandbox/invoices", timeout=30).json()
        numbers = [invoice["number"] for invoice in received["invoices"]]
    return Counter(number for number in numbers if number.startswith("BENCH"))


def measure(local: LocalAirflow, export: Path, latency_ms: int, channel: str = "pdf") -> dict[str, Any]:
    """Warm up, set the latency, drop the export, run the DAG; the figures of the run."""
    sandbox = local.sandbox_url
    deposit_calls_of_channel = CHANNEL_CALLS[channel]
    requests.post(
        f"{sandbox}/sandbox/faults",
        json={"latency_ms": dict.fromkeys(deposit_calls_of_channel, latency_ms)},
        timeout=10,
    ).raise_for_status()
    api_json(local, "PATCH", f"/api/v2/dags/{DAG_ID}", {"is_paused": False})
    # A warm-up run of one invoice per pool slot: a long-running deployment has its LocalExecutor
    # workers started and its ledger created; a fresh one pays that (5-6 s per late worker here)
    # during its first run, which is start-up, not throughput. Its calls are left out of the counts.
    write_export(local.inbox / "warm-up.csv", local.pool_size, prefix="WARMUP")
    warm_up = api_json(local, "POST", f"/api/v2/dags/{DAG_ID}/dagRuns", {"logical_date": None, "conf": {}})
    wait_for_run(local, warm_up["dag_run_id"])
    stats_before = requests.get(f"{sandbox}/sandbox/stats", timeout=10).json()
    target = local.inbox / export.name
    target.write_bytes(export.read_bytes())
    run = api_json(local, "POST", f"/api/v2/dags/{DAG_ID}/dagRuns", {"logical_date": None, "conf": {}})
    run = wait_for_run(local, run["dag_run_id"])
    instances = api_json(
        local, "GET", f"/api/v2/dags/{DAG_ID}/dagRuns/{run['dag_run_id']}/taskInstances?limit=1000"
    )["task_instances"]
    submits = [ti for ti in instances if ti["task_id"] == "submit" and ti["start_date"] and ti["end_date"]]
    by_task = {ti["task_id"]: ti for ti in instances if ti["task_id"] != "submit"}
    counts = deposited_numbers(sandbox, channel)
    stats = requests.get(f"{sandbox}/sandbox/stats", timeout=10).json()
    deposit_calls = {
        path: stats["calls"].get(path, 0) - stats_before["calls"].get(path, 0)
        for path in deposit_calls_of_channel
    }
    durations = sorted(float(ti["duration"] or 0) for ti in submits)
    run_start, run_end = parse_time(run["start_date"]), parse_time(run["end_date"])
    starts = sorted(parse_time(ti["start_date"]) for ti in submits)
    return {
        "state": run["state"],
        "wall": (run_end - run_start).total_seconds(),
        # Outside the submit phase: run start → first submit start, last submit end → run end.
        "before_submit": (starts[0] - run_start).total_seconds() if starts else 0.0,
        "after_submit": (run_end - max(parse_time(ti["end_date"]) for ti in submits)).total_seconds()
        if submits
        else 0.0,
        # How late the last batch of the first round started after the first one (a late worker).
        "start_spread": [round((start - starts[0]).total_seconds(), 1) for start in starts],
        "submit_phase": (
            max(parse_time(ti["end_date"]) for ti in submits)
            - min(parse_time(ti["start_date"]) for ti in submits)
        ).total_seconds()
        if submits
        else 0.0,
        "batches": len(submits),
        "batch_durations": durations,
        "task_durations": {name: float(ti["duration"] or 0) for name, ti in by_task.items()},
        "deposited": len(counts),
        "deposited_twice": sum(1 for count in counts.values() if count > 1),
        "deposit_calls": deposit_calls,
        "calls": stats["total"] - stats_before["total"],
        "states": Counter(ti["state"] for ti in instances),
    }


def report(
    figures: dict[str, Any], invoices: int, latency_ms: int, pool: int, log_path: Path, channel: str = "pdf"
) -> None:
    """Print the figures of the measured run."""
    calls = sum(figures["deposit_calls"].values())
    limit = calls * latency_ms / 1000 / pool
    durations = figures["batch_durations"] or [0.0]
    if channel == "facturx":
        described = f"{figures['deposit_calls'][FLUX_PATH]} deposer/flux"
    else:
        uploads, deposits = figures["deposit_calls"][UPLOAD_PATH], figures["deposit_calls"][DEPOSIT_PATH]
        described = f"{uploads} PDF uploads + {deposits} deposits"
    per_invoice = calls / max(figures["deposited"], 1)
    lines = [
        ("channel", channel),
        ("invoices", f"{invoices} ({figures['deposited']} deposited, {figures['deposited_twice']} twice)"),
        (
            "API calls",
            f"{described}, {figures['calls']} in all (tokens, lookups); {per_invoice:.3f} deposit "
            f"call(s) per invoice (pdf channel: 2)",
        ),
        ("latency", f"{latency_ms} ms added to each deposit call"),
        ("pool", str(pool)),
        ("run state", f"{figures['state']} {dict(figures['states'])}"),
        ("wall time", f"{figures['wall']:.1f} s (DAG run start → end)"),
        ("API limit", f"{limit:.1f} s ({calls} deposit calls × latency ÷ pool)"),
        ("ratio", f"{figures['wall'] / limit:.2f} x"),
        ("submit phase", f"{figures['submit_phase']:.1f} s (ratio {figures['submit_phase'] / limit:.2f} x)"),
        ("batches", f"{figures['batches']}, {durations[0]:.1f}–{durations[-1]:.1f} s each"),
        (
            "outside submit",
            f"{figures['before_submit']:.1f} s before the first batch, {figures['after_submit']:.1f} s after "
            f"the last one",
        ),
        ("batch starts", ", ".join(f"+{sec:.1f}" for sec in figures["start_spread"]) + " s"),
        ("other tasks", ", ".join(f"{name} {sec:.1f} s" for name, sec in figures["task_durations"].items())),
    ]
    deposit_ms = [
        int(ms) for ms in DEPOSIT_LOG.findall(log_path.read_text(encoding="utf-8", errors="replace"))
    ]
    if deposit_ms:
        median, mean = statistics.median(deposit_ms), statistics.mean(deposit_ms)
        lines.append(("deposit calls", f"{median:.0f} ms median, {mean:.0f} ms mean in the sandbox"))
    for name, value in lines:
        print(f"{name + ':':<15}{value}")


def main(argv: list[str] | None = None) -> int:
    """Start Airflow and the sandbox, run the DAG once, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=1000)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--pool", type=int, default=4)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs) afterwards")
    parser.add_argument("--sandbox-state", action="store_true", help="let the sandbox keep its state file")
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for Airflow and its tasks")
    parser.add_argument("--channel", choices=sorted(CHANNEL_CALLS), default="pdf")
    args = parser.parse_args(argv)
    channel_env = {"CHORUSFLOW_SUPPLIER_DEPOSIT_CHANNEL": args.channel}
    folder = Path(tempfile.mkdtemp(prefix="chorusflow-bench-submit-"))
    export = folder / "bench-export.csv"
    write_export(export, args.invoices)
    home = folder / "home"
    home.mkdir()
    log_path = folder / "airflow-local.log"
    print(f"starting the sandbox and airflow standalone (log: {log_path}) …", flush=True)
    with log_path.open("a", encoding="utf-8") as log:
        local = LocalAirflow(
            home,
            sandbox_state=args.sandbox_state,
            port=free_port(),
            sandbox_port=free_port(),
            pool_size=args.pool,
            extra_env={
                "CHORUSFLOW_SUBMIT_RETRY_DELAY": "1",
                "CHORUSFLOW_SUBMIT_SCHEDULE": NO_SCHEDULED_RUN,
                **channel_env,
                **dict(item.split("=", 1) for item in args.env),
            },
            log=log,
        )
        try:
            started = time.monotonic()
            local.start(timeout=START_TIMEOUT)
            print(f"started in {time.monotonic() - started:.0f} s; running {DAG_ID} …", flush=True)
            figures = measure(local, export, args.latency_ms, args.channel)
        finally:
            local.stop()
    report(figures, args.invoices, args.latency_ms, args.pool, log_path, args.channel)
    if args.keep:
        print(f"kept: {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)
    return 0 if figures["state"] == "success" and figures["deposited"] == args.invoices else 1


if __name__ == "__main__":
    sys.exit(main())
