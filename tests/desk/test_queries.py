"""The desk's queries on a real ledger (SQLite and PostgreSQL): filters, sorts, pages, detail, CSV rows."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from chorusflow.desk.queries import (
    SORT_KEYS,
    Clock,
    InvoiceFilter,
    SortKey,
    find_invoice_id,
    invoice_detail,
    iter_invoices,
    list_invoices,
)
from chorusflow.ledger import AttemptOutcome, InvoiceState, Ledger
from tests.desk.story import RUN_ID, SUSPENSION_COMMENT, Story


def numbers(ledger: Ledger, clock: Clock, filters: InvoiceFilter, **options: object) -> list[str]:
    page = list_invoices(ledger, filters, clock, page_size=100, **options)  # type: ignore[arg-type]
    return [row.invoice_number for row in page.rows]


def test_filters_each_narrow_the_list(ledger: Ledger, story: Story, clock: Clock) -> None:
    every = list_invoices(ledger, InvoiceFilter(), clock, page_size=100)
    assert every.total == 30
    assert numbers(ledger, clock, InvoiceFilter(state=InvoiceState.BLOCKED)) == ["F2026-0101", "F2026-0102"]
    assert numbers(ledger, clock, InvoiceFilter(chorus_status="SUSPENDUE")) == ["F2026-0101"]
    assert numbers(ledger, clock, InvoiceFilter(number="0101")) == ["F2026-0101"]
    assert numbers(ledger, clock, InvoiceFilter(number="av2026")) == ["AV2026-0125"]  # any case
    assert numbers(ledger, clock, InvoiceFilter(number="%")) == []  # a wildcard is a plain character
    ifpen = numbers(ledger, clock, InvoiceFilter(buyer="ifp energies"))
    assert "F2026-0101" in ifpen and len(ifpen) < 30
    assert numbers(ledger, clock, InvoiceFilter(buyer="775 729 155")) == ifpen  # SIRET prefix, spaces ignored
    # Nine digits or more: a SIREN/SIRET range, exact at its bounds ([7757291549, 775729155) excludes IFPEN).
    assert numbers(ledger, clock, InvoiceFilter(buyer="77572915500017")) == ifpen
    assert numbers(ledger, clock, InvoiceFilter(buyer="7757291549")) == []
    assert numbers(ledger, clock, InvoiceFilter(buyer="775729156")) == []
    assert numbers(ledger, clock, InvoiceFilter(buyer="999999999")) == []
    # A search inside names counts in the same pass as the page; past the last page it still counts.
    for page in (1, 2, 99):
        searched = list_invoices(ledger, InvoiceFilter(buyer="ifp energies"), clock, page=page, page_size=2)
        assert searched.total == len(ifpen) and len(searched.rows) == (2 if page < 99 else 0)
    low = list_invoices(ledger, InvoiceFilter(amount_max=Decimal("1200")), clock, page_size=100)
    assert low.total and all(row.total_ttc is not None and row.total_ttc <= 1200 for row in low.rows)
    high = list_invoices(ledger, InvoiceFilter(amount_min=Decimal("1200")), clock, page_size=100)
    assert low.total + high.total >= 30 and all(row.total_ttc and row.total_ttc >= 1200 for row in high.rows)
    issued = {row.issue_date for row in every.rows if row.issue_date}
    first = min(issued)
    only_first = list_invoices(
        ledger, InvoiceFilter(period_from=first, period_to=first), clock, page_size=100
    )
    assert only_first.total and {row.issue_date for row in only_first.rows} == {first}
    assert list_invoices(ledger, InvoiceFilter(period_from=date(2100, 1, 1)), clock).total == 0


def test_amounts_sort_as_numbers_on_both_databases(ledger: Ledger, story: Story, clock: Clock) -> None:
    page = list_invoices(ledger, InvoiceFilter(), clock, page_size=100, sort="amount", descending=True)
    amounts = [row.total_ttc for row in page.rows if row.total_ttc is not None]
    assert amounts == sorted(amounts, reverse=True)
    # Text order would put 957.00 above 9348.00: the sample holds both kinds.
    assert any(amount < 1000 for amount in amounts) and any(amount > 9000 for amount in amounts)


@pytest.mark.parametrize("sort", SORT_KEYS)
def test_every_column_sorts_both_ways_and_pages_cover_everything_once(
    ledger: Ledger, story: Story, clock: Clock, sort: SortKey
) -> None:
    for descending in (False, True):
        seen: list[str] = []
        for page_number in (1, 2, 3, 4):
            page = list_invoices(
                ledger,
                InvoiceFilter(),
                clock,
                page=page_number,
                page_size=8,
                sort=sort,
                descending=descending,
            )
            assert page.pages == 4
            seen += [row.invoice_number for row in page.rows]
        assert sorted(seen) == sorted(set(seen)) and len(seen) == 30, (sort, descending)


def test_status_sorts_keep_empty_cells_last(ledger: Ledger, story: Story, clock: Clock) -> None:
    for descending in (False, True):
        page = list_invoices(
            ledger, InvoiceFilter(), clock, page_size=100, sort="status", descending=descending
        )
        statuses = [row.chorus_status for row in page.rows]
        filled = [status for status in statuses if status]
        assert statuses[: len(filled)] == filled
        assert filled == sorted(filled, reverse=descending)


def test_a_list_row_carries_age_due_date_and_the_buyers_comment(
    ledger: Ledger, story: Story, clock: Clock
) -> None:
    (row,) = list_invoices(ledger, InvoiceFilter(number="F2026-0101"), clock).rows
    assert row.state is InvoiceState.BLOCKED and row.chorus_status == "SUSPENDUE"
    assert row.message == SUSPENSION_COMMENT
    assert row.age_days == 0
    # Suspended: the payment clock is interrupted, so there is no due date until the documents arrive.
    assert row.due_on is None
    (deposited,) = list_invoices(ledger, InvoiceFilter(number="F2026-0104"), clock).rows
    detail = ledger.get_invoice("F2026-0104")
    assert detail is not None and detail.submitted_at is not None
    assert deposited.due_on == detail.submitted_at.astimezone(clock.zone).date() + timedelta(days=30)
    later = Clock(now=clock.now + timedelta(days=12), alert_settings=clock.alert_settings)
    (aged,) = list_invoices(ledger, InvoiceFilter(number="F2026-0101"), later).rows
    assert aged.age_days == 12
    (failed,) = list_invoices(ledger, InvoiceFilter(number="F2026-0105"), clock).rows
    assert failed.message == "Chorus Pro: SIRET du destinataire inconnu" and failed.due_on is None


def test_detail_has_attempts_history_and_alerts(ledger: Ledger, story: Story, clock: Clock) -> None:
    invoice_id = find_invoice_id(ledger, "F2026-0101")
    assert invoice_id == story.ids["F2026-0101"]
    detail = invoice_detail(ledger, invoice_id, clock)
    assert detail is not None
    outcomes = [attempt.outcome for attempt in detail.invoice.attempts]
    assert outcomes == [AttemptOutcome.OUTCOME_UNKNOWN, AttemptOutcome.SUCCEEDED]
    assert {(a.run_id, a.task_id, a.map_index) for a in detail.invoice.attempts} == {(RUN_ID, "submit", 0)}
    assert [item.status for item in detail.invoice.history] == ["DEPOSEE", "SUSPENDUE"]
    assert detail.invoice.history[-1].comment == SUSPENSION_COMMENT
    # One row per alert event: the per-channel bookkeeping rows are not listed.
    assert [(alert.kind, alert.channels) for alert in detail.alerts] == [("blocked", ["email", "log"])]
    assert invoice_detail(ledger, 10_000, clock) is None
    assert find_invoice_id(ledger, "NOPE") is None


def test_the_csv_stream_reads_every_row_of_the_filter_in_order(
    ledger: Ledger, story: Story, clock: Clock
) -> None:
    streamed = [row.invoice_number for row in iter_invoices(ledger, InvoiceFilter(), clock, sort="number")]
    assert streamed == sorted(streamed) and len(streamed) == 30
    blocked = [
        row.invoice_number for row in iter_invoices(ledger, InvoiceFilter(state=InvoiceState.BLOCKED), clock)
    ]
    assert blocked == ["F2026-0101", "F2026-0102"]


def test_the_supplier_filter_keeps_one_supplier(ledger: Ledger, story: Story, clock: Clock) -> None:
    from chorusflow.ledger import InvoiceRecordInput

    ledger.record_validated("DE291838473", "e.csv", [InvoiceRecordInput(invoice_number="INV-1", valid=False)])
    assert list_invoices(ledger, InvoiceFilter(), clock, page_size=100).total == 31
    assert numbers(ledger, clock, InvoiceFilter(supplier="de 291838473")) == ["INV-1"]
    assert len(numbers(ledger, clock, InvoiceFilter(supplier="123 456 782 00051"))) == 30
    assert numbers(ledger, clock, InvoiceFilter(supplier="default")) == []  # supplier.yaml's, not the story's
