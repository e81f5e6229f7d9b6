"""Chorus Pro statuses: the history, the invoices to poll, and the sync's watermarks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from chorusflow.ledger import IllegalTransition, InvoiceState, Ledger
from tests.ledger.helpers import DEPOSIT, OTHER_SUPPLIER, SUPPLIER, owner, record, submitted


def test_record_status_is_idempotent_and_moves_state(ledger: Ledger) -> None:
    invoice = submitted(ledger, "F-1", 501)
    suspended_at = DEPOSIT + timedelta(days=2)
    assert ledger.record_status(
        invoice, "SUSPENDUE", suspended_at, "Bon de commande manquant", InvoiceState.BLOCKED
    )
    assert not ledger.record_status(
        invoice, "SUSPENDUE", suspended_at, "Bon de commande manquant", InvoiceState.BLOCKED
    )
    detail = ledger.get_invoice("F-1")
    assert detail is not None and detail.state is InvoiceState.BLOCKED
    assert (detail.chorus_status, detail.chorus_status_at, detail.chorus_status_comment) == (
        "SUSPENDUE",
        suspended_at,
        "Bon de commande manquant",
    )
    assert [(h.status, h.source) for h in detail.history] == [
        ("DEPOSEE", "submission"),
        ("SUSPENDUE", "sync"),
    ]
    assert detail.version == 4  # claim, submit, one status change: the re-sync changed nothing


def test_older_status_is_history_only(ledger: Ledger) -> None:
    invoice = submitted(ledger, "F-1", 502)
    paid_at = DEPOSIT + timedelta(days=30)
    assert ledger.record_status(invoice, "MISE_EN_PAIEMENT", paid_at, None, InvoiceState.PAID)
    # A late page of history arrives: recorded, but the newest status stays current.
    assert ledger.record_status(
        invoice, "MISE_A_DISPOSITION", DEPOSIT + timedelta(days=1), None, InvoiceState.SUBMITTED
    )
    detail = ledger.get_invoice("F-1")
    assert (
        detail is not None
        and detail.state is InvoiceState.PAID
        and detail.chorus_status == "MISE_EN_PAIEMENT"
    )
    assert [h.status for h in detail.history] == ["DEPOSEE", "MISE_A_DISPOSITION", "MISE_EN_PAIEMENT"]


def test_record_status_refuses_illegal_state_and_rolls_back(ledger: Ledger) -> None:
    invoice = submitted(ledger, "F-1", 503)
    ledger.record_status(invoice, "MISE_EN_PAIEMENT", DEPOSIT + timedelta(days=9), None, InvoiceState.PAID)
    with pytest.raises(IllegalTransition):
        ledger.record_status(invoice, "REJETEE", DEPOSIT + timedelta(days=10), "x", InvoiceState.BLOCKED)
    detail = ledger.get_invoice("F-1")
    assert detail is not None and [h.status for h in detail.history] == ["DEPOSEE", "MISE_EN_PAIEMENT"]


def test_timestamps_come_back_as_utc(ledger: Ledger) -> None:
    invoice = submitted(ledger, "F-1", 504)
    paris = timezone(timedelta(hours=1))
    ledger.record_status(
        invoice,
        "MISE_A_DISPOSITION",
        datetime(2026, 11, 21, 10, 0, tzinfo=paris),
        None,
        InvoiceState.SUBMITTED,
    )
    detail = ledger.get_invoice("F-1")
    assert detail is not None and detail.chorus_status_at == datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    with pytest.raises(Exception, match="timezone-aware"):
        ledger.set_watermark("naive", datetime(2026, 1, 1))


def test_invoices_to_poll_and_find_by_cpp_id(ledger: Ledger) -> None:
    first = submitted(ledger, "F-1", 601)
    submitted(ledger, "F-2", 602)
    third = submitted(ledger, "F-3", 603)
    record(ledger, "F-4")  # pending: nothing to poll
    ledger.record_status(first, "REJETEE", DEPOSIT + timedelta(days=1), "Doublon", InvoiceState.BLOCKED)
    ledger.record_status(third, "MISE_EN_PAIEMENT", DEPOSIT + timedelta(days=1), None, InvoiceState.PAID)
    assert [row.invoice_number for row in ledger.invoices_to_poll(SUPPLIER)] == ["F-1", "F-2"]
    assert ledger.invoices_to_poll(OTHER_SUPPLIER) == []
    found = ledger.find_by_cpp_id(SUPPLIER, 602)
    assert found is not None and found.invoice_number == "F-2"
    assert ledger.find_by_cpp_id(SUPPLIER, 999) is None and ledger.find_by_cpp_id(OTHER_SUPPLIER, 602) is None


def test_watermark(ledger: Ledger) -> None:
    assert ledger.get_watermark("status_sync") is None
    ledger.set_watermark("status_sync", DEPOSIT)
    ledger.set_watermark("status_sync", DEPOSIT + timedelta(hours=1))
    assert ledger.get_watermark("status_sync") == DEPOSIT + timedelta(hours=1)
    assert ledger.get_watermark("other") is None


def test_chorus_history_outranks_the_local_submission_time(ledger: Ledger) -> None:
    # Submitted at 10:41:37 local clock; Chorus Pro dates the suspension "10:41" (minute precision).
    record(ledger, "F-1")
    claim = ledger.claim_for_submission(SUPPLIER, ["F-1"], owner())[0]
    submitted_at = datetime(2026, 11, 27, 10, 41, 37, 250000, tzinfo=UTC)
    ledger.mark_submitted(claim.invoice_id, 801, status_at=submitted_at)
    same_minute = submitted_at.replace(second=0, microsecond=0)
    assert ledger.record_status(claim.invoice_id, "DEPOSEE", same_minute, None, InvoiceState.SUBMITTED)
    assert ledger.record_status(
        claim.invoice_id, "SUSPENDUE", same_minute, "RIB manquant", InvoiceState.BLOCKED
    )
    detail = ledger.get_invoice("F-1")
    assert detail is not None and detail.state is InvoiceState.BLOCKED and detail.chorus_status == "SUSPENDUE"
    # Among Chorus Pro's own statuses, an older one arriving late is history only.
    assert ledger.record_status(
        claim.invoice_id,
        "MISE_A_DISPOSITION",
        same_minute - timedelta(minutes=1),
        None,
        InvoiceState.SUBMITTED,
    )
    detail = ledger.get_invoice("F-1")
    assert detail is not None and detail.state is InvoiceState.BLOCKED and detail.chorus_status == "SUSPENDUE"


def test_suspension_histories_read_only_invoices_ever_suspended(ledger: Ledger) -> None:
    suspended = submitted(ledger, "F-1", 611)
    quiet = submitted(ledger, "F-2", 612)
    other = submitted(ledger, "F-3", 613)
    at = DEPOSIT + timedelta(days=3)
    ledger.record_status(suspended, "SUSPENDUE", at, "Pièce", InvoiceState.BLOCKED)
    ledger.record_status(suspended, "COMPLETEE", at + timedelta(days=1), None, InvoiceState.SUBMITTED)
    ledger.record_status(other, "SUSPENDUE", at, None, InvoiceState.BLOCKED)
    ledger.record_status(quiet, "MISE_A_DISPOSITION", at, None, InvoiceState.SUBMITTED)
    histories = ledger.suspension_histories()
    assert sorted(histories) == [suspended, other]
    assert [status for status, _ in histories[suspended]] == ["DEPOSEE", "SUSPENDUE", "COMPLETEE"]
    assert sorted(ledger.suspension_histories(states=[InvoiceState.BLOCKED])) == [other]
    assert sorted(ledger.suspension_histories(invoice_ids=[suspended, quiet])) == [suspended]
    assert ledger.suspension_histories(invoice_ids=[]) == {}
    assert ledger.suspension_histories(supplier_siret=OTHER_SUPPLIER) == {}
