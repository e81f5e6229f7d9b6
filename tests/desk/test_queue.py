"""The to-handle queue on a real ledger: categories, ages, amounts, summary and advice."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from chorusflow.alerts.events import AlertKind
from chorusflow.alerts.render import follow_up_text, next_step_text
from chorusflow.desk.pages import queue_page
from chorusflow.desk.queries import Clock
from chorusflow.desk.queue import CATEGORIES, advice_for, to_handle, what_to_do
from chorusflow.ledger import InvoiceState, Ledger
from tests.desk.story import REJECTION_COMMENT, SUSPENSION_COMMENT, Story


def test_today_the_queue_holds_what_needs_a_person(ledger: Ledger, story: Story, clock: Clock) -> None:
    queue = to_handle(ledger, clock)
    found = {(item.category, item.invoice_number) for item in queue.items}
    assert found == {
        ("blocked", "F2026-0101"),
        ("blocked", "F2026-0102"),
        ("needs_review", "F2026-0106"),
        ("failed", "F2026-0105"),
        ("invalid", "F2026-0128"),
        ("invalid", "F2026-0129"),
    }
    blocked = {item.invoice_number: item for item in queue.items if item.category == "blocked"}
    assert blocked["F2026-0101"].comment == SUSPENSION_COMMENT and blocked["F2026-0101"].status == "SUSPENDUE"
    assert blocked["F2026-0102"].comment == REJECTION_COMMENT
    assert what_to_do(blocked["F2026-0101"], "fr") == next_step_text("complete", "fr")
    assert what_to_do(blocked["F2026-0102"], "en") == next_step_text("new_invoice", "en")
    summary = {entry.category: entry for entry in queue.summary}
    assert list(summary) == list(CATEGORIES)
    assert summary["blocked"].count == 2
    assert summary["blocked"].totals["EUR"] == sum(
        (item.amount or Decimal(0) for item in blocked.values()), Decimal(0)
    )
    assert summary["overdue"].count == summary["stale"].count == summary["password"].count == 0


def test_months_later_the_deposited_invoice_is_stale_and_overdue(
    ledger: Ledger, story: Story, clock: Clock
) -> None:
    later = Clock(now=clock.now + timedelta(days=45), alert_settings=clock.alert_settings)
    queue = to_handle(ledger, later)
    overdue = [item for item in queue.items if item.category == "overdue"]
    stale = [item for item in queue.items if item.category == "stale"]
    assert [item.invoice_number for item in overdue] == ["F2026-0104"]
    assert [item.invoice_number for item in stale] == ["F2026-0104"]
    (late,) = overdue
    assert late.age_days == late.details["days_late"] >= 14
    assert Decimal(late.details["interest"]) > 0 and Decimal(late.details["fixed_indemnity"]) == 40
    assert what_to_do(late, "fr") == follow_up_text("payment_overdue", "fr")
    # The paid invoice is never in the queue; the blocked ones have aged with the clock.
    assert all(item.invoice_number != "F2026-0103" for item in queue.items)
    assert {item.age_days for item in queue.items if item.category == "blocked"} == {45}


def test_the_latest_password_warning_shows_until_its_date(ledger: Ledger, story: Story, clock: Clock) -> None:
    expires = (clock.now + timedelta(days=6)).date()
    ledger.record_alert(
        f"password_expiry:{expires.isoformat()}:7",
        AlertKind.PASSWORD_EXPIRY.value,
        None,
        "email",
        {"details": {"expires_on": expires.isoformat(), "days_left": 6}},
    )
    (item,) = [item for item in to_handle(ledger, clock).items if item.category == "password"]
    today = clock.now.astimezone(clock.zone).date()  # days are counted in CHORUSFLOW_TIMEZONE
    assert item.details == {"expires_on": expires.isoformat(), "days_left": (expires - today).days}
    past = Clock(now=clock.now + timedelta(days=30), alert_settings=clock.alert_settings)
    assert all(item.category != "password" for item in to_handle(ledger, past).items)


def test_advice_for_each_state_needing_a_person() -> None:
    assert advice_for(InvoiceState.BLOCKED, "A_RECYCLER", "fr") == next_step_text("recycle", "fr")
    assert advice_for(InvoiceState.NEEDS_REVIEW, None, "en") == follow_up_text("needs_review", "en")
    assert advice_for(InvoiceState.FAILED, None, "fr") == follow_up_text("submission_failed", "fr")
    assert advice_for(InvoiceState.INVALID, None, "fr") == follow_up_text("validation_rejected", "fr")
    assert advice_for(InvoiceState.PAID, "MISE_EN_PAIEMENT", "fr") is None
    assert advice_for(InvoiceState.SUBMITTED, "DEPOSEE", "fr") is None


def test_a_long_category_lists_its_oldest_and_counts_them_all(
    ledger: Ledger, story: Story, clock: Clock
) -> None:
    queue = to_handle(ledger, clock, per_category=1)
    assert [item.invoice_number for item in queue.items if item.category == "blocked"] == ["F2026-0101"]
    assert [item.invoice_number for item in queue.items if item.category == "invalid"] == ["F2026-0128"]
    summary = {entry.category: entry for entry in queue.summary}
    assert summary["blocked"].count == 2 and summary["invalid"].count == 2
    assert summary["blocked"].totals == to_handle(ledger, clock).summary[0].totals
    page = queue_page(queue, "en", "/chorusflow")
    assert 'id="more-blocked"' in page and "The 1 oldest of 2 are listed here." in page
    assert "/chorusflow/invoices?state=blocked&amp;lang=en" in page
    assert 'id="more-needs_review"' not in page  # one item: all listed
