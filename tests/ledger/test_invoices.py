"""Invoices: recording verdicts (buckets, re-statement, untouched submitted invoices, in bulk), reading."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta
from decimal import Decimal

import pytest

from chorusflow.ledger import CHANGED_AFTER_SUBMISSION, AmbiguousInvoiceNumber, InvoiceState, Ledger
from chorusflow.ledger.database import CHUNK
from tests.ledger.helpers import (
    DEPOSIT,
    OTHER_SUPPLIER,
    SUPPLIER,
    counted_statements,
    invoice_id,
    owner,
    record,
    submitted,
    verdict,
)
from tests.ledger.workers import record_worker


def test_new_invoices_go_to_pending_or_invalid(ledger: Ledger) -> None:
    summary = ledger.record_validated(
        SUPPLIER, "export-1.csv", [verdict("F-1"), verdict("F-2", valid=False), verdict("F-3")]
    )
    assert summary.counts() == {
        "new_pending": 2,
        "new_invalid": 1,
        "updated": 0,
        "already_done": 0,
        "unchanged": 0,
    }
    assert summary.new_pending == ["F-1", "F-3"] and summary.new_invalid == ["F-2"]
    rows = {row.invoice_number: row for row in ledger.list_invoices()}
    assert rows["F-1"].state is InvoiceState.PENDING and rows["F-2"].state is InvoiceState.INVALID
    assert rows["F-2"].findings[0]["code"] == "FR-SIRET-01"
    assert rows["F-1"].total_ttc == Decimal("120.00") and rows["F-1"].source_export == "export-1.csv"
    detail = ledger.get_invoice("F-1")
    assert detail is not None and detail.normalized == verdict("F-1").normalized


def test_same_export_twice_is_unchanged(ledger: Ledger) -> None:
    verdicts = [verdict("F-1"), verdict("F-2", valid=False)]
    ledger.record_validated(SUPPLIER, "e.csv", verdicts)
    before = ledger.list_invoices()
    summary = ledger.record_validated(SUPPLIER, "e.csv", verdicts)
    assert summary.unchanged == ["F-1", "F-2"] and summary.counts()["unchanged"] == 2
    assert [row.version for row in ledger.list_invoices()] == [row.version for row in before]


def test_changed_content_is_updated_and_restated(ledger: Ledger) -> None:
    ledger.record_validated(SUPPLIER, "e1.csv", [verdict("F-1"), verdict("F-2", valid=False)])
    summary = ledger.record_validated(
        SUPPLIER, "e2.csv", [verdict("F-1", valid=False, amount="99.00"), verdict("F-2", amount="10.00")]
    )
    assert sorted(summary.updated) == ["F-1", "F-2"]
    rows = {row.invoice_number: row for row in ledger.list_invoices()}
    assert rows["F-1"].state is InvoiceState.INVALID and rows["F-1"].total_ttc == Decimal("99.00")
    assert rows["F-2"].state is InvoiceState.PENDING and rows["F-2"].findings == []
    assert rows["F-2"].source_export == "e2.csv" and rows["F-2"].version == 2


def test_same_content_but_new_verdict_is_updated(ledger: Ledger) -> None:
    # A buyer profile was fixed: same invoice, now valid. It must become pending, not stay invalid.
    ledger.record_validated(SUPPLIER, "e.csv", [verdict("F-1", valid=False, findings=[])])
    summary = ledger.record_validated(SUPPLIER, "e.csv", [verdict("F-1")])
    assert summary.updated == ["F-1"]
    assert ledger.list_invoices()[0].state is InvoiceState.PENDING


def test_invoices_on_chorus_pro_are_never_touched(ledger: Ledger) -> None:
    ledger.record_validated(SUPPLIER, "e.csv", [verdict(n) for n in ("F-1", "F-2", "F-3")])
    claims = ledger.claim_for_submission(SUPPLIER, ["F-1", "F-2"], owner())
    ledger.mark_submitted(claims[0].invoice_id, 9001)  # F-1 submitted, F-2 still submitting
    summary = ledger.record_validated(
        SUPPLIER, "e2.csv", [verdict("F-1", amount="1.00"), verdict("F-2"), verdict("F-3")]
    )
    assert sorted(summary.already_done) == ["F-1", "F-2"] and summary.unchanged == ["F-3"]
    assert [(note.code, note.invoice_number) for note in summary.notes] == [(CHANGED_AFTER_SUBMISSION, "F-1")]
    assert "Chorus Pro" in summary.notes[0].message and "après" in summary.notes[0].message
    f1 = ledger.get_invoice("F-1")
    assert f1 is not None and f1.total_ttc == Decimal("120.00") and f1.state is InvoiceState.SUBMITTED
    f2 = ledger.get_invoice("F-2")
    assert f2 is not None and f2.state is InvoiceState.SUBMITTING


def test_note_in_english(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHORUSFLOW_LANG", "en")
    ledger.record_validated(SUPPLIER, "e.csv", [verdict("F-1")])
    claim = ledger.claim_for_submission(SUPPLIER, ["F-1"], owner())[0]
    ledger.mark_submitted(claim.invoice_id, 1)
    summary = ledger.record_validated(SUPPLIER, "e.csv", [verdict("F-1", amount="5.00")])
    assert summary.notes[0].message.startswith("The invoice changed")


def test_failed_invoice_restated_only_when_changed(ledger: Ledger) -> None:
    ledger.record_validated(SUPPLIER, "e.csv", [verdict("F-1"), verdict("F-2")])
    for claim in ledger.claim_for_submission(SUPPLIER, ["F-1", "F-2"], owner()):
        ledger.mark_failed(claim.invoice_id, "Chorus Pro a refusé la facture (20001)")
    summary = ledger.record_validated(
        SUPPLIER, "e2.csv", [verdict("F-1"), verdict("F-2", valid=False, amount="7.00")]
    )
    assert summary.unchanged == ["F-1"] and summary.updated == ["F-2"]
    states = {row.invoice_number: row.state for row in ledger.list_invoices()}
    assert states == {"F-1": InvoiceState.FAILED, "F-2": InvoiceState.INVALID}
    f2 = ledger.get_invoice("F-2")
    assert f2 is not None and f2.last_error is None


def test_suppliers_are_separate_and_duplicates_noted(ledger: Ledger) -> None:
    ledger.record_validated(SUPPLIER, "e.csv", [verdict("F-1")])
    summary = ledger.record_validated(
        OTHER_SUPPLIER, "o.csv", [verdict("F-1"), verdict("F-1", amount="1.00")]
    )
    assert summary.new_pending == ["F-1"]
    assert [note.code for note in summary.notes] == ["LEDGER_DUPLICATE_NUMBER"]
    assert len(ledger.list_invoices()) == 2 and len(ledger.list_invoices(supplier_siret=OTHER_SUPPLIER)) == 1
    assert ledger.get_invoice("F-1", supplier_siret=OTHER_SUPPLIER) is not None


def test_unparsable_invalid_row_is_still_recorded(ledger: Ledger) -> None:
    # Nothing lost: a row the validator could not even normalize still lands in the ledger.
    bad = verdict("F-BAD", valid=False, normalized=None, currency="EUROS-TOO-LONG-CURRENCY", total_ttc=None)
    summary = ledger.record_validated(SUPPLIER, "e.csv", [bad])
    assert summary.new_invalid == ["F-BAD"]
    row = ledger.list_invoices()[0]
    assert row.state is InvoiceState.INVALID and row.currency == "EUROS-TOO-LONG-C"
    assert ledger.record_validated(SUPPLIER, "e.csv", [bad]).unchanged == ["F-BAD"]


def test_twenty_thousand_invoices_in_bulk(ledger: Ledger) -> None:
    # Bulk by construction, not by the clock: a few statements per chunk of rows, never one per row.
    # The time it takes is bench/ledger.py's figure.
    verdicts = [verdict(f"F-{index:05d}", valid=index % 10 != 0) for index in range(20_000)]
    with counted_statements(ledger) as first:
        summary = ledger.record_validated(SUPPLIER, "big.csv", verdicts)
    assert len(summary.new_pending) == 18_000 and len(summary.new_invalid) == 2_000
    with counted_statements(ledger) as second:
        assert len(ledger.record_validated(SUPPLIER, "big.csv", verdicts).unchanged) == 20_000
    chunks = -(-len(verdicts) // CHUNK)
    assert len(first) <= 3 * chunks and len(second) <= 3 * chunks, (len(first), len(second), chunks)
    assert ledger.count_by_state() == {InvoiceState.PENDING: 18_000, InvoiceState.INVALID: 2_000}
    assert invoice_id(ledger, "F-19999") > 0


def test_two_processes_recording_the_same_export_lose_nothing(ledger: Ledger) -> None:
    numbers = [f"F-{index:04d}" for index in range(400)]
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        start = manager.Barrier(2)
        with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
            futures = [pool.submit(record_worker, ledger.url, SUPPLIER, numbers, start) for _ in range(2)]
            counts = [future.result(timeout=120) for future in futures]
    assert sum(count["new_pending"] for count in counts) == 400
    assert sum(count["unchanged"] for count in counts) == 400
    assert ledger.count_by_state() == {InvoiceState.PENDING: 400}


def test_reading_by_number_state_supplier_and_age(ledger: Ledger) -> None:
    deposited = submitted(ledger, "F-1", 301)  # status DEPOSEE at DEPOSIT
    record(ledger, "F-2")
    record(ledger, "F-1", supplier=OTHER_SUPPLIER)
    with pytest.raises(AmbiguousInvoiceNumber):
        ledger.get_invoice("F-1")
    detail = ledger.get_invoice("F-1", SUPPLIER)
    assert detail is not None and detail.id == deposited and detail.normalized is not None
    assert ledger.get_invoice_by_id(deposited) == detail
    assert ledger.get_invoice("F-404") is None and ledger.get_invoice_by_id(404_404) is None
    assert [row.invoice_number for row in ledger.list_invoices(InvoiceState.PENDING)] == ["F-2", "F-1"]
    assert [
        row.id for row in ledger.list_invoices(supplier_siret=SUPPLIER, state=InvoiceState.SUBMITTED)
    ] == [deposited]
    # Only invoices in their status (or deposited) before the moment: never those without either.
    after, before = DEPOSIT + timedelta(minutes=1), DEPOSIT - timedelta(minutes=1)
    assert [row.id for row in ledger.list_invoices(status_since_before=after)] == [deposited]
    assert ledger.list_invoices(status_since_before=before) == []
    assert ledger.count_by_state(OTHER_SUPPLIER) == {InvoiceState.PENDING: 1}
