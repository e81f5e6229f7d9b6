"""Decisions about blocked invoices: claimed once, what was sent kept, ended with the invoice's status."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chorusflow.ledger import (
    InvoiceState,
    Ledger,
    RecordedDecision,
    ResolutionLost,
    ResolutionOutcome,
    StatusUpdate,
)
from tests.ledger.helpers import DEPOSIT, SUPPLIER, owner, state_of, submitted


def decision(invoice_id: int, action: str = "complete") -> RecordedDecision:
    """Marie's answer ``action`` to the invoice's first suspension."""
    return RecordedDecision(
        invoice_id=invoice_id,
        event_key="SUSPENDUE@1",
        action=action,
        decided_by="marie.clerc",
        source="hitl",
        decision={"attachment": "BL-1.pdf"},
    )


def blocked(ledger: Ledger) -> int:
    """F-1 deposited then suspended by the buyer; its ledger id."""
    invoice = submitted(ledger, "F-1", 901)
    ledger.record_status(invoice, "SUSPENDUE", DEPOSIT + timedelta(days=1), "Pièce", InvoiceState.BLOCKED)
    return invoice


def test_a_decision_is_held_by_one_try_and_applied_once(ledger: Ledger) -> None:
    invoice = blocked(ledger)
    claim = ledger.claim_resolution(decision(invoice), owner("run-a"))
    assert claim is not None and not claim.already_done and not claim.previous_outcome_unknown
    assert ledger.claim_resolution(decision(invoice), owner("run-b")) is None  # held, lease running
    done = StatusUpdate("COMPLETEE", DEPOSIT + timedelta(days=2), "BL joint", InvoiceState.SUBMITTED)
    ledger.finish_resolution(claim.resolution_id, owner("run-a"), ResolutionOutcome.SUCCEEDED, status=done)
    assert state_of(ledger, "F-1") is InvoiceState.SUBMITTED
    again = ledger.claim_resolution(decision(invoice), owner("run-b"))
    assert again is not None and again.already_done and again.resolution_id == claim.resolution_id
    assert ledger.succeeded_events(SUPPLIER) == {(invoice, "SUSPENDUE@1")}
    detail = ledger.get_invoice("F-1")
    assert detail is not None and [(h.status, h.source) for h in detail.history][-1] == (
        "COMPLETEE",
        "resolution",
    )


def test_a_try_that_sent_without_an_answer_leaves_the_outcome_unknown(ledger: Ledger) -> None:
    invoice = blocked(ledger)
    first = ledger.claim_resolution(decision(invoice), owner("run-a"), lease_seconds=-1)
    assert first is not None
    ledger.record_resolution_sent(first.resolution_id, owner("run-a"), {"completer": {"pj": 1}})
    # The try dies here; its lease has run out, so another takes the decision over.
    retry = ledger.claim_resolution(decision(invoice), owner("run-b"))
    assert retry is not None and retry.previous_outcome_unknown
    assert retry.previous_sent == {"completer": {"pj": 1}}
    with pytest.raises(ResolutionLost):
        ledger.finish_resolution(first.resolution_id, owner("run-a"), ResolutionOutcome.SUCCEEDED)


def test_a_refused_decision_is_tried_again_from_scratch(ledger: Ledger) -> None:
    invoice = blocked(ledger)
    first = ledger.claim_resolution(decision(invoice), owner())
    assert first is not None
    ledger.record_resolution_sent(first.resolution_id, owner(), {"completer": {"pj": 1}})
    ledger.finish_resolution(
        first.resolution_id, owner(), ResolutionOutcome.REFUSED, rule_code="RESOLUTION_ATTACHMENT_MISSING"
    )
    again = ledger.claim_resolution(decision(invoice), owner())
    assert again is not None and not again.previous_outcome_unknown and again.previous_sent is None
    [row] = ledger.resolutions_for(invoice)
    assert (row.outcome, row.sent, row.rule_code) == (ResolutionOutcome.IN_FLIGHT, None, None)
    with pytest.raises(ValueError):
        ledger.finish_resolution(again.resolution_id, owner(), ResolutionOutcome.IN_FLIGHT)


def test_a_replacement_names_the_invoice_it_replaces(ledger: Ledger) -> None:
    invoice = submitted(ledger, "F-1", 902)
    ledger.record_status(invoice, "REJETEE", DEPOSIT + timedelta(days=1), "Erreur", InvoiceState.BLOCKED)
    claim = ledger.claim_resolution(decision(invoice, "reissue"), owner())
    assert claim is not None
    ledger.finish_resolution(
        claim.resolution_id,
        owner(),
        ResolutionOutcome.SUCCEEDED,
        replacement_number="F-1-BIS",
        new_state=InvoiceState.CLOSED,
    )
    assert ledger.replaced_by("F-1-BIS", SUPPLIER) == "F-1"
    assert ledger.replaced_by("F-2", SUPPLIER) is None
    assert state_of(ledger, "F-1") is InvoiceState.CLOSED
