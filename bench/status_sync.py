"""Benchmark: sync 10,000 tracked invoices, 200 of which changed status, against the sandbox.

Run ``.venv/bin/python bench/status_sync.py [--invoices N] [--changed M] [--blocked B]``. Prints the
Chorus Pro calls the sync made, the calls a one-call-per-invoice approach would make (N), their
ratio and the wall time of the sync. Results: docs/performance.md ("Status sync").

Seeding is kept out of the measure and fast: one real deposit gives the sandbox's own invoice
record, which is cloned N times (deposited ten days ago) into a sandbox state file loaded at start;
the ledger records the same N invoices through its public API (bulk record, bulk claim, then
``mark_submitted``). The previous sync is taken to have run an hour ago (its watermark). Then M
invoices change status through the sandbox's recipient actions, B of them to a blocked status.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from chorusflow.ledger import ClaimOwner, Ledger, utc_now
from chorusflow.platforms.chorus_pro import ChorusProClient, ChorusProConfig
from chorusflow.platforms.chorus_pro.statuses import WATERMARK_NAME, StatusSync
from chorusflow_dev.sandbox import SandboxServer
from chorusflow_dev.testing import SUPPLIER_SIRET
from chorusflow_dev.testing.deposits import deposit, record_deposits

OWNER = ClaimOwner(dag_id="bench", run_id="bench", task_id="seed")
PROGRESS = [
    "MISE_A_DISPOSITION",
    "PRISE_EN_COMPTE_DESTINATAIRE",
    "SERVICE_FAIT",
    "MANDATEE",
    "MISE_EN_PAIEMENT",
]
BLOCKING = [
    ("SUSPENDUE", "Bon de livraison manquant"),
    ("A_RECYCLER", "Code service erroné"),
    ("REJETEE", "Doublon"),
]


def _admin(server: SandboxServer, path: str, body: dict[str, Any] | None = None) -> Any:
    """Call a sandbox admin endpoint (GET without body, POST with one)."""
    url = f"{server.url}/sandbox/{path}"
    response = (
        requests.post(url, json=body, timeout=30) if body is not None else requests.get(url, timeout=30)
    )
    response.raise_for_status()
    return response.json()


def _template_invoice(state_file: Path) -> dict[str, Any]:
    """The sandbox's own record of one really deposited invoice."""
    with SandboxServer(port=0, state_file=state_file) as server:
        with ChorusProClient(ChorusProConfig.from_connection(server.connection())) as client:
            deposit(client, "BENCH-TEMPLATE")
    state = json.loads(state_file.read_text(encoding="utf-8"))
    [template] = state["invoices"].values()
    return dict(template)


def seed_sandbox(state_file: Path, count: int, deposited: datetime) -> dict[str, int]:
    """Write a sandbox state holding ``count`` deposited invoices; number -> Chorus Pro id."""
    template = _template_invoice(state_file)
    state = json.loads(state_file.read_text(encoding="utf-8"))
    moment = deposited.astimezone().isoformat(timespec="milliseconds")
    first_id, history_id = int(template["id"]), int(template["history"][0]["id"])
    invoices: dict[str, dict[str, Any]] = {}
    ids: dict[str, int] = {}
    for index in range(count):
        number = f"BENCH-{index:05d}"
        invoice = copy.deepcopy(template)
        invoice.update(
            id=first_id + index,
            number=number,
            deposit_date=deposited.date().isoformat(),
            deposited_at=moment,
            status_at=moment,
            history=[{"id": history_id + index, "code": "DEPOSEE", "at": moment, "comment": None}],
        )
        invoices[str(invoice["id"])] = invoice
        ids[number] = invoice["id"]
    state["invoices"] = invoices
    state["submission_counts"] = dict.fromkeys(ids, 1)
    state["counters"]["invoice"] = first_id + count
    state["counters"]["history"] = history_id + count
    state_file.write_text(json.dumps(state), encoding="utf-8")
    return ids


def main(argv: list[str] | None = None) -> int:
    """Seed, change M statuses, sync once, print the figures; exit 1 if the targets are missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--changed", type=int, default=200)
    parser.add_argument("--blocked", type=int, default=50)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="chorusflow-bench-") as folder:
        base = Path(folder)
        deposited = utc_now() - timedelta(days=10)
        started = time.perf_counter()
        ids = seed_sandbox(base / "sandbox.json", args.invoices, deposited)
        ledger = Ledger(f"sqlite:///{base / 'ledger.sqlite'}")
        ledger.migrate()
        # As if the submit task had deposited them, but no attempt rows: 2 × N more commits would
        # double the seeding, and the sync reads none.
        record_deposits(ledger, list(ids), OWNER, ids.__getitem__, status_at=deposited, attempts=False)
        ledger.set_watermark(WATERMARK_NAME, utc_now() - timedelta(hours=1))
        print(f"Seeded {args.invoices} invoices in {time.perf_counter() - started:.1f} s", file=sys.stderr)

        with SandboxServer(port=0, state_file=base / "sandbox.json") as server:
            numbers = list(ids)
            step = max(1, len(numbers) // max(1, args.changed))
            changed = numbers[::step][: args.changed]
            for position, number in enumerate(changed):
                if position < args.blocked:
                    status, comment = BLOCKING[position % len(BLOCKING)]
                    _admin(
                        server, f"invoices/{ids[number]}/status", {"statut": status, "commentaire": comment}
                    )
                else:
                    _admin(
                        server,
                        f"invoices/{ids[number]}/status",
                        {"statut": PROGRESS[position % len(PROGRESS)]},
                    )
            before = _admin(server, "stats")
            with ChorusProClient(ChorusProConfig.from_connection(server.connection())) as client:
                sync = StatusSync(ledger, client, SUPPLIER_SIRET)
                started = time.perf_counter()
                result = sync.run()
                wall = time.perf_counter() - started
            after = _admin(server, "stats")
        ledger.dispose()

    calls = result.total_api_calls
    server_calls = sum(count for path, count in after["calls"].items() if path.startswith("/cpro/")) - sum(
        count for path, count in before["calls"].items() if path.startswith("/cpro/")
    )
    baseline = args.invoices
    ratio = baseline / calls if calls else float("inf")
    print(f"Tracked invoices:                {result.tracked}")
    print(f"Invoices changed:                {len(result.changed)} (expected {len(changed)})")
    print(
        f"API calls made:                  {calls} {dict(result.api_calls)} (server counted {server_calls})"
    )
    print(
        f"Periods:                         {result.periods_split} split, {result.periods_reversed} "
        f"one-minute read by number both ways, {result.periods_capped} still capped "
        f"({result.lookups} lookups, {result.unchecked} unchecked); watermark moved: {result.watermark_moved}"
    )
    print(f"One call per invoice would make: {baseline}")
    print(f"Ratio:                           {ratio:.1f}")
    print(f"Wall time of the sync:           {wall:.2f} s")
    ok = calls < 300 and ratio >= 30 and len(result.changed) == len(changed) and result.complete
    print("Targets (< 300 calls, ratio >= 30, every change recorded): " + ("met" if ok else "MISSED"))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
