"""The transition table: every legal move passes, every other move raises IllegalTransition."""

from __future__ import annotations

import itertools

import pytest

from chorusflow.ledger import TRANSITIONS, IllegalTransition, InvoiceState, check_transition

S = InvoiceState
LEGAL = {
    (S.PENDING, S.SUBMITTING),
    (S.PENDING, S.INVALID),
    (S.PENDING, S.PENDING),
    (S.INVALID, S.PENDING),
    (S.INVALID, S.INVALID),
    (S.SUBMITTING, S.SUBMITTED),
    (S.SUBMITTING, S.FAILED),
    (S.SUBMITTING, S.PENDING),
    (S.SUBMITTING, S.SUBMITTING),
    (S.SUBMITTING, S.NEEDS_REVIEW),
    (S.SUBMITTING, S.IN_FLUX),
    (S.SUBMITTING, S.INVALID),
    (S.IN_FLUX, S.IN_FLUX),
    (S.IN_FLUX, S.SUBMITTED),
    (S.IN_FLUX, S.FAILED),
    (S.IN_FLUX, S.NEEDS_REVIEW),
    (S.NEEDS_REVIEW, S.SUBMITTED),
    (S.NEEDS_REVIEW, S.PENDING),
    (S.NEEDS_REVIEW, S.NEEDS_REVIEW),
    (S.FAILED, S.PENDING),
    (S.FAILED, S.SUBMITTING),
    (S.FAILED, S.INVALID),
    (S.SUBMITTED, S.SUBMITTED),
    (S.SUBMITTED, S.BLOCKED),
    (S.SUBMITTED, S.PAID),
    (S.SUBMITTED, S.CLOSED),
    (S.BLOCKED, S.SUBMITTED),
    (S.BLOCKED, S.BLOCKED),
    (S.BLOCKED, S.PAID),
    (S.BLOCKED, S.CLOSED),
    (S.PAID, S.CLOSED),
    (S.PAID, S.PAID),
    (S.CLOSED, S.CLOSED),
}
ALL_PAIRS = list(itertools.product(S, S))


def test_table_is_exactly_the_documented_one() -> None:
    assert {(source, target) for source, targets in TRANSITIONS.items() for target in targets} == LEGAL


@pytest.mark.parametrize(("source", "target"), sorted(LEGAL), ids=lambda state: state.value)
def test_legal_transition_passes(source: InvoiceState, target: InvoiceState) -> None:
    check_transition(source, target)
    check_transition(source.value, target.value)  # raw strings from the database work too


@pytest.mark.parametrize(
    ("source", "target"), [pair for pair in ALL_PAIRS if pair not in LEGAL], ids=lambda state: state.value
)
def test_illegal_transition_raises(source: InvoiceState, target: InvoiceState) -> None:
    with pytest.raises(IllegalTransition) as raised:
        check_transition(source, target, "F-001")
    assert raised.value.current is source and raised.value.target is target
    assert "F-001" in str(raised.value)


def test_nothing_on_chorus_pro_can_go_back_to_pending() -> None:
    # The at-most-once rule in table form: once (maybe) deposited, never claimable again.
    for source in (S.SUBMITTED, S.BLOCKED, S.PAID, S.CLOSED):
        for target in (S.PENDING, S.SUBMITTING, S.INVALID, S.FAILED):
            with pytest.raises(IllegalTransition):
                check_transition(source, target)


def test_unknown_state_is_rejected() -> None:
    with pytest.raises(ValueError):
        check_transition("deposited", "pending")
