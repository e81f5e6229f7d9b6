"""Factur-X flux: a deposited flux and its invoices recorded together, followed, and ended."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chorusflow.ledger import ClaimLost, InvoiceState, Ledger, utc_now
from tests.ledger.helpers import SUPPLIER, owner, record, state_of

FLUX = "CPP0010000000000000000042"


def in_flux(ledger: Ledger, *numbers: str) -> list[int]:
    """Claim ``numbers`` and record them deposited in flux ``FLUX``; return their ledger ids."""
    record(ledger, *numbers)
    ids = [claim.invoice_id for claim in ledger.claim_for_submission(SUPPLIER, list(numbers), owner())]
    ledger.mark_in_flux(
        SUPPLIER,
        ids,
        FLUX,
        file_name="flux.zip",
        syntaxe_flux="IN_DP_E2_CII_FACTURX",
        first_poll_at=utc_now() + timedelta(minutes=2),
        owner=owner(),
    )
    return ids


def test_a_flux_and_its_invoices_are_recorded_together(ledger: Ledger) -> None:
    ids = in_flux(ledger, "F-1", "F-2")
    flux = ledger.get_flux(SUPPLIER, FLUX)
    assert flux is not None and flux.invoice_count == 2 and flux.polls == 0 and flux.state is None
    assert [row.id for row in ledger.invoices_in_flux(SUPPLIER, FLUX)] == ids
    detail = ledger.get_invoice("F-1")
    assert detail is not None and detail.state is InvoiceState.IN_FLUX
    assert (detail.deposit_channel, detail.numero_flux_depot, detail.claimed_by) == ("facturx", FLUX, None)


def test_a_flux_with_a_lost_claim_records_nothing(ledger: Ledger) -> None:
    record(ledger, "F-1", "F-2")
    first, second = ledger.claim_for_submission(SUPPLIER, ["F-1", "F-2"], owner())
    ledger.release_claim(second.invoice_id)
    with pytest.raises(ClaimLost):
        ledger.mark_in_flux(
            SUPPLIER,
            [first.invoice_id, second.invoice_id],
            FLUX,
            file_name="flux.zip",
            syntaxe_flux="IN_DP_E2_CII_FACTURX",
            first_poll_at=utc_now(),
        )
    assert ledger.get_flux(SUPPLIER, FLUX) is None
    assert state_of(ledger, "F-1") is InvoiceState.SUBMITTING


def test_open_flux_follows_the_polls_until_closed(ledger: Ledger) -> None:
    in_flux(ledger, "F-1")
    flux = ledger.get_flux(SUPPLIER, FLUX)
    assert flux is not None
    assert ledger.open_flux(SUPPLIER, due_at=utc_now()) == []  # first poll not due yet
    assert [row.id for row in ledger.open_flux(SUPPLIER)] == [flux.id]
    later = utc_now() + timedelta(minutes=10)
    ledger.record_flux_poll(
        flux.id, state="IN_RECU", state_at=None, errors=None, next_poll_at=later, closed=False
    )
    assert [row.polls for row in ledger.open_flux(SUPPLIER, due_at=later)] == [1]
    errors = {"listeErreurDP": [{"identifiantFournisseur": SUPPLIER}]}
    ledger.record_flux_poll(
        flux.id, state="IN_REJETE", state_at=later, errors=errors, next_poll_at=later, closed=True
    )
    assert ledger.open_flux(SUPPLIER) == []
    closed = ledger.get_flux(SUPPLIER, FLUX)
    assert closed is not None and closed.closed_at is not None and closed.errors == errors


def test_a_flux_wait_ends_in_failed_or_needs_review_only(ledger: Ledger) -> None:
    first, second = in_flux(ledger, "F-1", "F-2")
    with pytest.raises(ValueError):
        ledger.end_flux_wait(first, InvoiceState.PENDING, "no")
    assert ledger.end_flux_wait(first, InvoiceState.FAILED, "IN_REJETE: SIRET inconnu")
    assert not ledger.end_flux_wait(first, InvoiceState.NEEDS_REVIEW, "again")  # no longer in a flux
    assert ledger.end_flux_wait(second, InvoiceState.NEEDS_REVIEW, "integrated but not found")
    assert state_of(ledger, "F-1") is InvoiceState.FAILED
    assert state_of(ledger, "F-2") is InvoiceState.NEEDS_REVIEW
