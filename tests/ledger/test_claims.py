"""Claims, leases and the end of a claim: the at-most-once guard."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import pytest

from chorusflow.ledger import (
    AttemptOutcome,
    ClaimLost,
    IllegalTransition,
    InvoiceState,
    Ledger,
)
from tests.ledger.helpers import SUPPLIER, invoice_id, owner, record, state_of, verdict
from tests.ledger.workers import claim_worker

WORKERS = 3


def test_claim_moves_pending_to_submitting(ledger: Ledger) -> None:
    record(ledger, "F-1", "F-2")
    ledger.record_validated(SUPPLIER, "e.csv", [verdict("F-BAD", valid=False)])
    claims = ledger.claim_for_submission(
        SUPPLIER, ["F-1", "F-2", "F-BAD", "F-UNKNOWN"], owner(), lease_seconds=60
    )
    assert [claim.invoice_number for claim in claims] == ["F-1", "F-2"]
    assert all(not claim.previous_outcome_unknown for claim in claims)
    assert claims[0].normalized == verdict("F-1").normalized and claims[0].supplier_siret == SUPPLIER
    detail = ledger.get_invoice("F-1")
    assert detail is not None and detail.state is InvoiceState.SUBMITTING
    assert detail.claimed_by == owner().task_key and detail.claim_expires_at == claims[0].claim_expires_at
    assert state_of(ledger, "F-BAD") is InvoiceState.INVALID


def test_live_claim_is_not_stolen_by_another_run(ledger: Ledger) -> None:
    record(ledger, "F-1")
    assert len(ledger.claim_for_submission(SUPPLIER, ["F-1"], owner("run-a"))) == 1
    assert ledger.claim_for_submission(SUPPLIER, ["F-1"], owner("run-b")) == []
    # Another task of the same run, or another map index, is another owner too.
    assert ledger.claim_for_submission(SUPPLIER, ["F-1"], owner("run-a", task_id="other")) == []
    assert ledger.claim_for_submission(SUPPLIER, ["F-1"], owner("run-a", map_index=3)) == []


def test_same_task_retry_reclaims_and_must_reconcile(ledger: Ledger) -> None:
    record(ledger, "F-1")
    first = ledger.claim_for_submission(SUPPLIER, ["F-1"], owner(try_number=1))[0]
    attempt = ledger.start_attempt(first, owner(try_number=1))
    # The worker is killed here. The retry (try 2) of the same task instance gets the invoice back.
    again = ledger.claim_for_submission(SUPPLIER, ["F-1"], owner(try_number=2))
    assert len(again) == 1 and again[0].previous_outcome_unknown
    detail = ledger.get_invoice("F-1")
    assert detail is not None
    assert [(a.id, a.outcome) for a in detail.attempts] == [(attempt, AttemptOutcome.OUTCOME_UNKNOWN)]
    assert detail.attempts[0].finished_at is not None


def test_claim_of_a_dead_owner_is_taken_over_before_its_lease_ends(ledger: Ledger) -> None:
    record(ledger, "F-1", "F-2")
    dead, living = owner("run-a"), owner("run-b")
    ledger.claim_for_submission(SUPPLIER, ["F-1"], dead, lease_seconds=900)
    ledger.claim_for_submission(SUPPLIER, ["F-2"], living, lease_seconds=900)
    asked: list[str] = []

    def owner_alive(task_key: str) -> bool:
        asked.append(task_key)
        return task_key != dead.task_key

    taken = ledger.claim_for_submission(SUPPLIER, ["F-1", "F-2"], owner("run-c"), owner_alive=owner_alive)
    assert [(claim.invoice_number, claim.previous_outcome_unknown) for claim in taken] == [("F-1", True)]
    assert sorted(asked) == sorted([dead.task_key, living.task_key]), "one question per owner"
    detail = ledger.get_invoice("F-1")
    assert detail is not None and detail.claimed_by == owner("run-c").task_key


def test_a_dead_owner_claim_taken_again_by_its_own_retry_is_not_taken_over(ledger: Ledger) -> None:
    record(ledger, "F-1")
    ledger.claim_for_submission(SUPPLIER, ["F-1"], owner("run-a", try_number=1))

    def retry_claims_meanwhile(task_key: str) -> bool:
        # Between the question and the takeover, the task's next try claims the invoice again.
        assert ledger.claim_for_submission(SUPPLIER, ["F-1"], owner("run-a", try_number=2))
        return False

    assert (
        ledger.claim_for_submission(SUPPLIER, ["F-1"], owner("run-b"), owner_alive=retry_claims_meanwhile)
        == []
    )


def test_expired_lease_can_be_taken_over(ledger: Ledger) -> None:
    record(ledger, "F-1")
    ledger.claim_for_submission(SUPPLIER, ["F-1"], owner("run-a"), lease_seconds=-1)  # already expired
    taken = ledger.claim_for_submission(SUPPLIER, ["F-1"], owner("run-b"))
    assert len(taken) == 1 and taken[0].previous_outcome_unknown
    detail = ledger.get_invoice("F-1")
    assert detail is not None and detail.claimed_by == owner("run-b").task_key
    # The first owner lost its claim: it can neither start an attempt nor record a result.
    with pytest.raises(ClaimLost):
        ledger.start_attempt(taken[0], owner("run-a"))
    with pytest.raises(ClaimLost):
        ledger.mark_failed(taken[0].invoice_id, "late", owner=owner("run-a"))


def test_failed_is_claimed_only_on_request(ledger: Ledger) -> None:
    record(ledger, "F-1")
    claim = ledger.claim_for_submission(SUPPLIER, ["F-1"], owner())[0]
    ledger.mark_failed(claim.invoice_id, "refus définitif")
    assert ledger.claim_for_submission(SUPPLIER, ["F-1"], owner("run-2")) == []
    manual = ledger.claim_for_submission(SUPPLIER, ["F-1"], owner("run-2"), include_failed=True)
    assert len(manual) == 1 and not manual[0].previous_outcome_unknown


def test_submitted_invoice_is_never_claimed_again(ledger: Ledger) -> None:
    record(ledger, "F-1")
    claim = ledger.claim_for_submission(SUPPLIER, ["F-1"], owner(), lease_seconds=-1)[0]
    ledger.mark_submitted(claim.invoice_id, 123)
    for candidate in (owner(), owner("other-run")):
        assert ledger.claim_for_submission(SUPPLIER, ["F-1"], candidate, include_failed=True) == []


def test_outcome_unknown_keeps_the_lease_then_release(ledger: Ledger) -> None:
    record(ledger, "F-1")
    claim = ledger.claim_for_submission(SUPPLIER, ["F-1"], owner("run-a"))[0]
    attempt_id = ledger.start_attempt(claim, owner("run-a"))
    ledger.finish_attempt(
        attempt_id, "outcome_unknown", "ReadTimeout", "Bearer abc.def.ghi timed out " + "x" * 900
    )
    ledger.mark_outcome_unknown(claim.invoice_id, "délai dépassé; cpro-account: dGVjaDpwdw== rejected")
    detail = ledger.get_invoice("F-1")
    assert detail is not None and detail.state is InvoiceState.SUBMITTING
    assert detail.last_error is not None and "dGVjaDpwdw==" not in detail.last_error
    message = detail.attempts[0].error_message
    assert message is not None and len(message) <= 500 and "abc.def.ghi" not in message
    assert ledger.claim_for_submission(SUPPLIER, ["F-1"], owner("run-b")) == []  # lease still held
    retry = ledger.claim_for_submission(SUPPLIER, ["F-1"], owner("run-a", try_number=2))[0]
    assert retry.previous_outcome_unknown
    ledger.release_claim(retry.invoice_id)  # Chorus Pro has no such invoice; submit later
    assert state_of(ledger, "F-1") is InvoiceState.PENDING
    assert not ledger.claim_for_submission(SUPPLIER, ["F-1"], owner("run-c"))[0].previous_outcome_unknown


def test_end_of_claim_requires_submitting(ledger: Ledger) -> None:
    record(ledger, "F-1")
    number_id = invoice_id(ledger, "F-1")
    with pytest.raises(ClaimLost):
        ledger.release_claim(number_id)
    with pytest.raises(ClaimLost):
        ledger.mark_failed(number_id, "x")
    with pytest.raises(IllegalTransition):
        ledger.mark_submitted(number_id, 5)
    with pytest.raises(ClaimLost):
        ledger.mark_outcome_unknown(number_id, "x")
    assert state_of(ledger, "F-1") is InvoiceState.PENDING
    with pytest.raises(ValueError):
        ledger.finish_attempt(1, AttemptOutcome.IN_FLIGHT)


def test_concurrent_processes_never_claim_the_same_invoice(ledger: Ledger) -> None:
    numbers = [f"F-{index:04d}" for index in range(300)]
    ledger.record_validated(SUPPLIER, "e.csv", [verdict(number) for number in numbers])
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        start = manager.Barrier(WORKERS)
        with ProcessPoolExecutor(max_workers=WORKERS, mp_context=context) as pool:
            futures = [
                pool.submit(claim_worker, ledger.url, SUPPLIER, numbers, f"run-{seed}", seed, start)
                for seed in range(WORKERS)
            ]
            results = [future.result(timeout=120) for future in futures]
    claimed = [number for result in results for number in result]
    assert sorted(claimed) == numbers  # every invoice claimed exactly once
    shares = [len(result) for result in results]
    assert sum(1 for share in shares if share) >= 2, f"no race happened: {shares}"
    assert ledger.count_by_state() == {InvoiceState.SUBMITTING: 300}
    owners = {row.invoice_number: row.claimed_by for row in ledger.list_invoices()}
    for seed, result in enumerate(results):
        assert all(owners[number] == f"chorus_submit_invoices|run-{seed}|submit|-1" for number in result)
