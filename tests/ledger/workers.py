"""Functions run in child processes (spawned) by the concurrency tests: each opens its own Ledger."""

from __future__ import annotations

import random
import time
from typing import Any

from chorusflow.ledger import ClaimOwner, Ledger


def migrate_worker(url: str, start: Any) -> str:
    """Wait at the ``start`` barrier with the other workers, migrate, return the revision reached."""
    start.wait(60)
    ledger = Ledger(url)
    try:
        return ledger.migrate()
    finally:
        ledger.dispose()


def claim_worker(
    url: str, supplier: str, numbers: list[str], run_id: str, seed: int, start: Any
) -> list[str]:
    """Claim ``numbers`` in small shuffled batches as a distinct run; return the numbers obtained.

    ``start`` is a barrier shared by all workers, so they all begin claiming at the same moment.
    """
    ledger = Ledger(url)
    owner = ClaimOwner(dag_id="chorus_submit_invoices", run_id=run_id, task_id="submit", pid=seed)
    order = list(numbers)
    random.Random(seed).shuffle(order)
    got: list[str] = []
    try:
        ledger.list_invoices(supplier_siret="warm-up")  # connect before the start line
        start.wait(60)
        for index in range(0, len(order), 7):
            time.sleep(0.003)  # yield the CPU so the workers interleave even on a busy machine
            got.extend(
                claim.invoice_number
                for claim in ledger.claim_for_submission(supplier, order[index : index + 7], owner)
            )
        return got
    finally:
        ledger.dispose()


def record_worker(url: str, supplier: str, numbers: list[str], start: Any) -> dict[str, int]:
    """Record ``numbers`` as valid invoices after the ``start`` barrier; return the summary counts."""
    from tests.ledger.helpers import verdict

    ledger = Ledger(url)
    verdicts = [verdict(number) for number in numbers]
    try:
        ledger.list_invoices(supplier_siret="warm-up")
        start.wait(60)
        return ledger.record_validated(supplier, "same-export.csv", verdicts).counts()
    finally:
        ledger.dispose()
