"""Local invoice states, attempt outcomes and the one function that changes a state.

Every state change in the ledger is checked by :func:`check_transition`, so an illegal move
(say ``submitted`` back to ``pending``, which could let an invoice be deposited twice) fails loudly
instead of corrupting the ledger. ``docs/ledger.md`` explains each allowed move.
"""

from __future__ import annotations

from enum import StrEnum


class InvoiceState(StrEnum):
    """Where an invoice stands locally (not the Chorus Pro status, which is kept raw beside it)."""

    PENDING = "pending"
    INVALID = "invalid"
    SUBMITTING = "submitting"
    NEEDS_REVIEW = "needs_review"  # the outcome of a deposit is ambiguous: a person must say
    IN_FLUX = "in_flux"  # deposited in a Factur-X flux; Chorus Pro has not integrated it yet
    SUBMITTED = "submitted"
    FAILED = "failed"
    BLOCKED = "blocked"
    PAID = "paid"
    CLOSED = "closed"


class AttemptOutcome(StrEnum):
    """How one submission attempt ended (``in_flight`` until it is known)."""

    IN_FLIGHT = "in_flight"
    SUCCEEDED = "succeeded"
    ADOPTED = "adopted"
    FAILED_RETRYABLE = "failed_retryable"
    FAILED_PERMANENT = "failed_permanent"
    OUTCOME_UNKNOWN = "outcome_unknown"
    NEEDS_REVIEW = "needs_review"  # reconciliation was ambiguous: the invoice waits for a person


class ResolutionOutcome(StrEnum):
    """How one decision about a blocked invoice ended (``in_flight`` while it is being applied)."""

    IN_FLIGHT = "in_flight"  # claimed; what is sent is recorded before each call
    SUCCEEDED = "succeeded"
    REFUSED = "refused"  # chorusflow refused the answer (a rule code); nothing was sent
    REJECTED = "rejected"  # Chorus Pro refused the action (its code and message are kept)
    FAILED_RETRYABLE = "failed_retryable"  # a passing error before Chorus Pro acted: try again
    OUTCOME_UNKNOWN = "outcome_unknown"  # the answer was lost: the next try reads the status first


S = InvoiceState

#: Allowed moves. A state absent from a target set can never be reached from that state.
TRANSITIONS: dict[InvoiceState, frozenset[InvoiceState]] = {
    S.PENDING: frozenset({S.SUBMITTING, S.INVALID, S.PENDING}),
    S.INVALID: frozenset({S.PENDING, S.INVALID}),
    # submitting -> invalid: the Factur-X built for the deposit fails its conformance checks.
    S.SUBMITTING: frozenset(
        {S.SUBMITTED, S.FAILED, S.PENDING, S.SUBMITTING, S.NEEDS_REVIEW, S.IN_FLUX, S.INVALID}
    ),
    # in_flux -> submitted: integrated (id found); -> failed: the platform refused it in the flux;
    # -> needs_review: integrated, yet the search by flux number does not find it.
    S.IN_FLUX: frozenset({S.IN_FLUX, S.SUBMITTED, S.FAILED, S.NEEDS_REVIEW}),
    # needs_review -> submitted: a person says it is on Chorus Pro (adopt); -> pending: it is not.
    S.NEEDS_REVIEW: frozenset({S.SUBMITTED, S.PENDING, S.NEEDS_REVIEW}),
    # failed -> invalid: the accountant corrected the invoice and the new content fails validation.
    S.FAILED: frozenset({S.PENDING, S.SUBMITTING, S.INVALID}),
    S.SUBMITTED: frozenset({S.SUBMITTED, S.BLOCKED, S.PAID, S.CLOSED}),
    # blocked -> closed also when a person abandons a rejected invoice or replaces it under a new number.
    S.BLOCKED: frozenset({S.SUBMITTED, S.BLOCKED, S.PAID, S.CLOSED}),
    S.PAID: frozenset({S.CLOSED, S.PAID}),
    S.CLOSED: frozenset({S.CLOSED}),
}

#: States in which the invoice is (or may be) on Chorus Pro: it must never be deposited again.
ON_CHORUS_PRO_OR_MAYBE: frozenset[InvoiceState] = frozenset(
    {S.SUBMITTING, S.NEEDS_REVIEW, S.IN_FLUX, S.SUBMITTED, S.BLOCKED, S.PAID, S.CLOSED}
)

#: States the status sync follows.
POLLED_STATES: frozenset[InvoiceState] = frozenset({S.SUBMITTED, S.BLOCKED})


class LedgerError(Exception):
    """Base class of every error the ledger raises on purpose."""


class IllegalTransition(LedgerError):
    """A state change that the transition table forbids."""

    def __init__(self, current: InvoiceState, target: InvoiceState, invoice: str | None = None) -> None:
        self.current = current
        self.target = target
        self.invoice = invoice
        where = f" (invoice {invoice})" if invoice else ""
        super().__init__(f"illegal ledger transition {current.value} -> {target.value}{where}")


def check_transition(
    current: InvoiceState | str, target: InvoiceState | str, invoice: str | None = None
) -> None:
    """Raise :class:`IllegalTransition` unless ``current -> target`` is in :data:`TRANSITIONS`."""
    source, destination = InvoiceState(current), InvoiceState(target)
    if destination not in TRANSITIONS[source]:
        raise IllegalTransition(source, destination, invoice)
