"""Submission attempts: recorded before the call, ended with their outcome, reported per run."""

from __future__ import annotations

import pytest

from chorusflow.ledger import AttemptOutcome, ClaimLost, InvoiceState, Ledger, LedgerConflict
from tests.ledger.helpers import SUPPLIER, owner, record, state_of


def test_full_attempt_cycle(ledger: Ledger) -> None:
    record(ledger, "F-1")
    me = owner(try_number=3)
    claim = ledger.claim_for_submission(SUPPLIER, ["F-1"], me)[0]
    attempt_id = ledger.start_attempt(claim, me)
    in_flight = ledger.get_invoice("F-1")
    assert in_flight is not None and in_flight.attempts[0].outcome is AttemptOutcome.IN_FLIGHT
    ledger.finish_attempt(attempt_id, AttemptOutcome.SUCCEEDED)
    ledger.mark_submitted(
        claim.invoice_id, 4_000_000_123, numero_flux_depot="CPP0010000000000000000001", owner=me
    )
    ledger.mark_submitted(claim.invoice_id, 4_000_000_123)  # repeated: no-op
    detail = ledger.get_invoice("F-1")
    assert detail is not None
    assert detail.state is InvoiceState.SUBMITTED and detail.identifiant_facture_cpp == 4_000_000_123
    assert detail.chorus_status == "DEPOSEE" and detail.submitted_at is not None
    assert detail.claimed_by is None and detail.claim_expires_at is None
    attempt = detail.attempts[0]
    assert (attempt.outcome, attempt.try_number, attempt.hostname, attempt.pid) == (
        AttemptOutcome.SUCCEEDED,
        3,
        "worker-1",
        4242,
    )
    assert [(h.status, h.source) for h in detail.history] == [("DEPOSEE", "submission")]
    with pytest.raises(LedgerConflict):
        ledger.mark_submitted(claim.invoice_id, 999)


def test_mark_submitted_ends_the_attempt_in_the_same_commit(ledger: Ledger) -> None:
    record(ledger, "F-1", "F-2")
    me = owner()
    first, second = ledger.claim_for_submission(SUPPLIER, ["F-1", "F-2"], me)
    deposited = ledger.start_attempt(first, me)
    ledger.mark_submitted(first.invoice_id, 501, owner=me, attempt_id=deposited)
    detail = ledger.get_invoice("F-1")
    assert detail is not None and detail.state is InvoiceState.SUBMITTED
    assert [(a.outcome, a.finished_at is not None) for a in detail.attempts] == [
        (AttemptOutcome.SUCCEEDED, True)
    ]
    # A lost claim refuses the record, and the attempt's end with it: one transaction.
    found = ledger.start_attempt(second, me)
    with pytest.raises(ClaimLost):
        ledger.mark_submitted(
            second.invoice_id, 502, adopted=True, owner=owner("other-run"), attempt_id=found
        )
    detail = ledger.get_invoice("F-2")
    assert detail is not None and detail.state is InvoiceState.SUBMITTING
    assert [a.outcome for a in detail.attempts] == [AttemptOutcome.IN_FLIGHT]
    ledger.mark_submitted(second.invoice_id, 502, adopted=True, owner=me, attempt_id=found)
    detail = ledger.get_invoice("F-2")
    assert detail is not None and [a.outcome for a in detail.attempts] == [AttemptOutcome.ADOPTED]


def test_adopted_invoice_and_unique_cpp_id(ledger: Ledger) -> None:
    record(ledger, "F-1", "F-2")
    first, second = ledger.claim_for_submission(SUPPLIER, ["F-1", "F-2"], owner())
    ledger.mark_submitted(first.invoice_id, 77, adopted=True)
    detail = ledger.get_invoice("F-1")
    assert detail is not None and detail.history[0].source == "reconciliation"
    with pytest.raises(LedgerConflict):
        ledger.mark_submitted(second.invoice_id, 77)  # the same Chorus Pro invoice for two numbers
    assert state_of(ledger, "F-2") is InvoiceState.SUBMITTING


def test_attempt_outcomes_for_run_keeps_the_latest_per_invoice(ledger: Ledger) -> None:
    record(ledger, "F-1", "F-2", "F-3")
    run_a = owner("run-a")
    first, second = ledger.claim_for_submission(SUPPLIER, ["F-1", "F-2"], run_a)
    ledger.finish_attempt(ledger.start_attempt(first, run_a), AttemptOutcome.OUTCOME_UNKNOWN)
    ledger.finish_attempt(ledger.start_attempt(first, run_a), AttemptOutcome.ADOPTED)
    ledger.finish_attempt(ledger.start_attempt(second, run_a), AttemptOutcome.FAILED_RETRYABLE)
    third = ledger.claim_for_submission(SUPPLIER, ["F-3"], owner("run-b"))[0]
    ledger.start_attempt(third, owner("run-b"))
    assert ledger.attempt_outcomes_for_run("run-a") == {
        "F-1": AttemptOutcome.ADOPTED,
        "F-2": AttemptOutcome.FAILED_RETRYABLE,
    }
    assert ledger.attempt_outcomes_for_run("run-b", supplier_siret=SUPPLIER) == {
        "F-3": AttemptOutcome.IN_FLIGHT
    }
    assert ledger.attempt_outcomes_for_run("run-b", supplier_siret="00000000000000") == {}


def test_unknown_outcome_counts_from_the_first_of_an_unbroken_run(ledger: Ledger) -> None:
    record(ledger, "F-1")
    me = owner()
    claim = ledger.claim_for_submission(SUPPLIER, ["F-1"], me)[0]
    assert ledger.unknown_outcome_since(claim.invoice_id) is None  # no attempt yet
    ledger.finish_attempt(ledger.start_attempt(claim, me), AttemptOutcome.FAILED_RETRYABLE)
    first_unknown = ledger.start_attempt(claim, me)
    ledger.finish_attempt(first_unknown, AttemptOutcome.OUTCOME_UNKNOWN)
    ledger.finish_attempt(ledger.start_attempt(claim, me), AttemptOutcome.OUTCOME_UNKNOWN)
    ledger.start_attempt(claim, me)  # in flight: still unknown
    detail = ledger.get_invoice("F-1")
    assert detail is not None
    started = {attempt.id: attempt.started_at for attempt in detail.attempts}
    assert ledger.unknown_outcome_since(claim.invoice_id) == started[first_unknown]
