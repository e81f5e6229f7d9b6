"""Benchmark: one PISTE quota shared by two Celery workers, and what a quota slot costs.

Run ``.venv/bin/python bench/scale.py [--invoices N] [--workers W] [--pool P] [--quota Q] [--rate R]
[--latency-ms L]`` (defaults: 10,000 invoices, 2 workers, pool 8, quota 10/s, rate 9.5/s, 100 ms).

1. **Pacer cost**: the time to reserve one slot (no wait) in the shared store, measured three ways:
   the ledger's ``api_quota`` row on PostgreSQL and on SQLite (what chorusflow uses), and a Redis
   script doing the same reservation (the alternative that was not chosen), one caller and four
   threads at once. Needs the local PostgreSQL and Redis.
2. **Throughput under the quota**: ``make scale``'s deployment (:class:`ScaleAirflow`: API server,
   scheduler, DAG processor, W Celery workers with their own homes, PostgreSQL, Redis); the sandbox
   answers 429 above Q requests per second and adds L ms to each upload and deposit call; the tasks
   pace at R requests per second (``CHORUSFLOW_API_RATE_LIMIT``) through the ledger's shared row.
   One run of ``chorus_submit_invoices`` deposits N invoices; prints the calls answered per second
   during the submit phase as a % of the quota, the 429s answered, the submit tries that failed, and
   the 1-minute load average when the run started and ended (the figure moves with it; the
   reliability load test prints it but asserts no speed).

``--skip-pacer`` / ``--skip-run`` leave a part out. Results: docs/performance.md ("Scale").
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import requests
from submission import DEPOSIT_CALLS, NO_SCHEDULED_RUN, api_json, parse_time, write_export

from chorusflow.ledger import Ledger
from chorusflow_dev.airflow.local import free_port
from chorusflow_dev.airflow.scale import REDIS_URL, ScaleAirflow

DAG_ID = "chorus_submit_invoices"
START_TIMEOUT = 300.0
PACER_CALLS = 500

# The reservation chorusflow.ledger.quota makes in SQL, as one Redis script (for comparison only).
REDIS_RESERVE = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1e6
local slot = math.max(tonumber(redis.call('HGET', KEYS[1], 'next') or 0),
                      tonumber(redis.call('HGET', KEYS[1], 'hold') or 0), t)
redis.call('HSET', KEYS[1], 'next', tostring(slot + tonumber(ARGV[1])))
return {tostring(slot), tostring(t)}
"""


def timed(reserve: Any, calls: int, threads: int) -> tuple[float, float]:
    """Median and 95th percentile (ms) of ``reserve()`` called ``calls`` times over ``threads``."""
    samples: list[float] = []
    lock = threading.Lock()

    def run(count: int) -> None:
        for _ in range(count):
            started = time.perf_counter()
            reserve()
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                samples.append(elapsed)

    workers = [threading.Thread(target=run, args=(calls // threads,)) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def measure_pacers(folder: Path) -> None:
    """Print the cost of one slot reservation in each store."""
    databases = ScaleAirflow(folder / "pacer")  # only for its database helpers: nothing is started
    databases.create_databases()
    try:
        postgres = Ledger(databases.database_url("ledger"))
        postgres.migrate()
        stores: dict[str, Any] = {"ledger on PostgreSQL": postgres.api_pacer("bench", None).acquire}
        sqlite = Ledger(f"sqlite:///{folder / 'pacer.sqlite'}")
        sqlite.migrate()
        stores["ledger on SQLite"] = sqlite.api_pacer("bench", None).acquire
        try:
            import redis

            client = redis.Redis.from_url(REDIS_URL)
            script = client.register_script(REDIS_RESERVE)
            key = f"chorusflow-bench:{uuid.uuid4().hex}"
            stores["Redis script"] = lambda: script(keys=[key], args=[0.0])
        except ImportError:
            pass
        for name, reserve in stores.items():
            reserve()  # connection set up outside the measure
            one = timed(reserve, PACER_CALLS, 1)
            four = timed(reserve, PACER_CALLS, 4)
            print(
                f"{name + ':':<24}1 caller {one[0]:.2f} ms median / {one[1]:.2f} ms p95; "
                f"4 threads {four[0]:.2f} ms / {four[1]:.2f} ms"
            )
        postgres.dispose()
        sqlite.dispose()
    finally:
        databases.drop_databases()


def measure_run(scale: ScaleAirflow, export: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Set the quota and latency, drop the export, run the DAG; the figures of the run."""
    sandbox = scale.sandbox_url
    requests.post(
        f"{sandbox}/sandbox/faults",
        json={"latency_ms": dict.fromkeys(DEPOSIT_CALLS, args.latency_ms), "quota_per_second": args.quota},
        timeout=10,
    ).raise_for_status()
    api_json(scale, "PATCH", f"/api/v2/dags/{DAG_ID}", {"is_paused": False})
    before = requests.get(f"{sandbox}/sandbox/stats", timeout=10).json()
    load_at_start = os.getloadavg()[0]
    (scale.inbox / export.name).write_bytes(export.read_bytes())
    run = api_json(scale, "POST", f"/api/v2/dags/{DAG_ID}/dagRuns", {"logical_date": None, "conf": {}})
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        run = api_json(scale, "GET", f"/api/v2/dags/{DAG_ID}/dagRuns/{run['dag_run_id']}")
        if run["state"] in ("success", "failed"):
            break
        time.sleep(2)
    after = requests.get(f"{sandbox}/sandbox/stats", timeout=10).json()
    load = f"{load_at_start:.2f} at the start, {os.getloadavg()[0]:.2f} at the end ({os.cpu_count()} CPUs)"
    instances = api_json(
        scale, "GET", f"/api/v2/dags/{DAG_ID}/dagRuns/{run['dag_run_id']}/taskInstances?limit=1000"
    )["task_instances"]
    submits = [ti for ti in instances if ti["task_id"] == "submit" and ti["start_date"] and ti["end_date"]]
    phase = (
        max(parse_time(ti["end_date"]) for ti in submits)
        - min(parse_time(ti["start_date"]) for ti in submits)
    ).total_seconds()
    received = requests.get(f"{sandbox}/sandbox/invoices", timeout=60).json()
    counts = Counter(invoice["number"] for invoice in received["invoices"])
    rejected = after["rate_limited"] - before["rate_limited"]
    return {
        "state": run["state"],
        "phase": phase,
        "answered": after["total"] - before["total"] - rejected,
        "rate_limited": rejected,
        "deposited": len(counts),
        "twice": sum(1 for count in counts.values() if count > 1),
        "failed_tries": sum(1 for ti in submits if ti["try_number"] > 1 or ti["state"] != "success"),
        "batches": len(submits),
        "load": load,
    }


def run_bench(args: argparse.Namespace, folder: Path) -> int:
    """Start the deployment, run once, print the figures."""
    export = folder / "scale-export.csv"
    write_export(export, args.invoices, prefix="SCALE")
    log_path = folder / "airflow-scale.log"
    print(f"starting {args.workers} Celery workers (log: {log_path}) …", flush=True)
    with log_path.open("a", encoding="utf-8") as log:
        scale = ScaleAirflow(
            folder / "home",
            workers=args.workers,
            worker_concurrency=max(1, args.pool // args.workers),
            port=free_port(),
            sandbox_port=free_port(),
            pool_size=args.pool,
            sandbox_state=False,
            extra_env={
                "CHORUSFLOW_API_RATE_LIMIT": str(args.rate),
                "CHORUSFLOW_API_429_RETRIES": "5",
                "CHORUSFLOW_SUBMIT_RETRY_DELAY": "1",
                "CHORUSFLOW_SUBMIT_SCHEDULE": NO_SCHEDULED_RUN,
            },
            log=log,
        )
        try:
            started = time.monotonic()
            scale.start(timeout=START_TIMEOUT)
            print(f"started in {time.monotonic() - started:.0f} s; running {DAG_ID} …", flush=True)
            figures = measure_run(scale, export, args)
        finally:
            scale.stop()
    rate = figures["answered"] / figures["phase"] if figures["phase"] else 0.0
    for name, value in (
        ("invoices", f"{args.invoices} ({figures['deposited']} deposited, {figures['twice']} twice)"),
        ("deployment", f"{args.workers} workers, pool {args.pool}, {figures['batches']} submit tasks"),
        ("quota", f"{args.quota:g}/s at the sandbox; tasks paced at {args.rate:g}/s; {args.latency_ms} ms"),
        ("run state", figures["state"]),
        ("submit phase", f"{figures['phase']:.1f} s, {figures['answered']} calls answered"),
        ("throughput", f"{rate:.2f} calls/s = {100 * rate / args.quota:.1f}% of the quota"),
        ("load average", figures["load"]),
        (
            "429 answered",
            f"{figures['rate_limited']} (submit tries failed or retried: {figures['failed_tries']})",
        ),
    ):
        print(f"{name + ':':<15}{value}")
    ok = figures["state"] == "success" and figures["deposited"] == args.invoices and not figures["twice"]
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    """Measure the pacers, then one run under the quota."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pool", type=int, default=8)
    parser.add_argument("--quota", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=9.5)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--timeout", type=float, default=4 * 3600)
    parser.add_argument("--skip-pacer", action="store_true")
    parser.add_argument("--skip-run", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs) afterwards")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="chorusflow-bench-scale-"))
    status = 0
    try:
        if not args.skip_pacer:
            measure_pacers(folder)
        if not args.skip_run:
            status = run_bench(args, folder)
    finally:
        if args.keep:
            print(f"kept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
