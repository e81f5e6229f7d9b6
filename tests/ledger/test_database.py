"""The ledger's database: its engine survives a fork."""

from __future__ import annotations

import multiprocessing
from typing import Any

from chorusflow.ledger import InvoiceState, Ledger
from tests.ledger.helpers import SUPPLIER, owner, record, state_of


def _claim_in_forked_child(url_holder: Ledger, queue: Any) -> None:
    claims = url_holder.claim_for_submission(SUPPLIER, ["F-2"], owner("child-run"))
    queue.put([claim.invoice_number for claim in claims])


def test_ledger_keeps_working_in_a_forked_child(ledger: Ledger) -> None:
    # Airflow forks task processes: a Ledger created in the parent must not share its connections.
    record(ledger, "F-1", "F-2")
    assert len(ledger.claim_for_submission(SUPPLIER, ["F-1"], owner())) == 1  # parent pool is warm
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_claim_in_forked_child, args=(ledger, queue))
    child.start()
    got = queue.get(timeout=60)
    child.join(60)
    assert child.exitcode == 0 and got == ["F-2"]
    assert state_of(ledger, "F-2") is InvoiceState.SUBMITTING  # the parent still works too
