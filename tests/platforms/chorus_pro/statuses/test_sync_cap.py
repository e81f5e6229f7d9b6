"""More status changes within one minute than Chorus Pro returns (200): the sync looks up the
followed invoices the capped search did not show, and keeps its watermark when it cannot."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from chorusflow.alerts.events import blocked_events
from chorusflow.ledger import InvoiceState, Ledger
from chorusflow.platforms.chorus_pro import ChorusProClient
from chorusflow.platforms.chorus_pro.statuses import MIN_SPLIT_PERIOD, WATERMARK_NAME, StatusSync, SyncResult
from chorusflow_dev.sandbox import SandboxServer
from tests.fixtures.sandbox import SUPPLIER_SIRET, SandboxAdmin
from tests.platforms.chorus_pro.statuses.helpers import HISTORY_PATH, SEARCH_PATH, deposit

pytestmark = pytest.mark.timeout(300)

CAP = 200  # the platform's (and the sandbox's) cap on rechercher/fournisseur results


def test_a_capped_minute_is_not_complete_until_its_unseen_invoices_are_checked() -> None:
    moment = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    result = SyncResult(period_from=moment, period_to=moment, periods_reversed=1)
    assert result.complete  # read by number both ways: everything was shown
    result.periods_capped, result.lookups = 1, 60
    assert result.complete  # more than both ways show, but every unseen followed invoice was looked up

    result.unchecked = 60
    assert not result.complete
    summary = result.summary_text("en")
    assert "1 one-minute period(s)" in summary and "60 followed invoice(s) could not be checked" in summary
    assert summary.endswith("Watermark kept: the next run reads again.")
    assert "60 facture(s) suivie(s) n'ont pas pu être vérifiées" in result.summary_text("fr")
    assert result.to_xcom()["unchecked"] == 60 and result.to_xcom()["complete"] is False


def _same_minute(
    ledger: Ledger, client: ChorusProClient, admin: SandboxAdmin, numbers: list[str]
) -> list[str]:
    """Deposit ``numbers``, then change every status at one and the same moment (as when a buyer
    acts on a batch): no finer time split could help. Every sixth is suspended; returns those."""
    ids = deposit(ledger, client, numbers)
    moment = (datetime.now(UTC) - timedelta(hours=2)).replace(second=30, microsecond=0).isoformat()
    suspended = numbers[::6]
    for number in numbers:
        if number in suspended:
            admin.set_status(ids[number], "SUSPENDUE", f"Pièce manquante {number}", date=moment)
        else:
            admin.set_status(ids[number], "MISE_A_DISPOSITION", date=moment)
    return suspended


def _assert_all_recorded_once(ledger: Ledger, numbers: list[str], suspended: list[str]) -> None:
    for number in numbers:
        detail = ledger.get_invoice(number, SUPPLIER_SIRET)
        assert detail is not None
        expected = "SUSPENDUE" if number in suspended else "MISE_A_DISPOSITION"
        assert detail.chorus_status == expected, number
        assert detail.state is (InvoiceState.BLOCKED if number in suspended else InvoiceState.SUBMITTED)
        assert [entry.status for entry in detail.history].count(expected) == 1, number
    events = blocked_events(ledger, SUPPLIER_SIRET)  # one alert per suspension
    assert sorted(event.invoice_number or "" for event in events) == sorted(suspended)
    assert len({event.event_key for event in events}) == len(suspended)


def _halvings(result: SyncResult) -> int:
    """First pages read while halving the run's period down to one minute: two per level, plus one."""
    levels = math.ceil(math.log2((result.period_to - result.period_from) / MIN_SPLIT_PERIOD))
    assert result.periods_split <= levels
    return 2 * levels + 1


def _sync(ledger: Ledger, client: ChorusProClient, **options: int) -> StatusSync:
    return StatusSync(ledger, client, SUPPLIER_SIRET, retry_delay_seconds=0.0, **options)


def test_a_minute_over_the_cap_is_read_by_number_both_ways(
    ledger: Ledger, client: ChorusProClient, sandbox: SandboxServer
) -> None:
    admin = SandboxAdmin(sandbox)
    numbers = [f"SY-MIN-{n:03d}" for n in range(CAP + 60)]
    suspended = _same_minute(ledger, client, admin, numbers)
    searches, histories = admin.calls(SEARCH_PATH), admin.calls(HISTORY_PATH)

    result = _sync(ledger, client).run()

    assert result.periods_reversed == 1 and result.periods_capped == 0 and result.lookups == 0
    assert result.complete and result.watermark_moved and ledger.get_watermark(WATERMARK_NAME) is not None
    assert len(result.changed) == len(numbers)
    _assert_all_recorded_once(ledger, numbers, suspended)
    # Bounded: each halving reads two first pages, then the minute is read in 2 pages each way.
    calls = admin.calls(SEARCH_PATH) - searches
    assert result.api_calls["rechercher/fournisseur"] == calls <= _halvings(result) + 4
    assert admin.calls(HISTORY_PATH) - histories == len(suspended)

    again = _sync(ledger, client).run()
    assert again.complete and again.watermark_moved and again.periods_reversed == 0 and not again.changed
    assert len(blocked_events(ledger, SUPPLIER_SIRET)) == len(suspended)


@pytest.mark.parametrize("ledger_url", ["sqlite"], indirect=True)
def test_beyond_both_ways_the_unseen_invoices_are_looked_up_or_the_watermark_stays(
    ledger: Ledger, client: ChorusProClient, sandbox: SandboxServer
) -> None:
    admin = SandboxAdmin(sandbox)
    numbers = [f"SY-MAX-{n:03d}" for n in range(2 * CAP + 12)]
    suspended = _same_minute(ledger, client, admin, numbers)
    hidden = len(numbers) - 2 * CAP

    # A lookup budget below what the cap hides: nothing is looked up, the watermark stays.
    kept = _sync(ledger, client, lookup_limit=hidden - 1).run()

    assert kept.periods_capped == 1 and kept.lookups == 0 and kept.unchecked == hidden
    assert not kept.complete and not kept.watermark_moved and ledger.get_watermark(WATERMARK_NAME) is None
    assert len(kept.changed) == 2 * CAP  # the cap really hid the others
    assert f"{hidden} followed invoice(s) could not be checked" in kept.summary_text("en")

    searches = admin.calls(SEARCH_PATH)
    result = _sync(ledger, client).run()

    assert result.periods_capped == 1 and result.lookups == hidden and result.unchecked == 0
    assert result.complete and result.watermark_moved
    # Bounded: halvings, 2 pages each way, one search per hidden invoice.
    calls = admin.calls(SEARCH_PATH) - searches
    assert result.api_calls["rechercher/fournisseur"] == calls <= _halvings(result) + 4 + hidden
    _assert_all_recorded_once(ledger, numbers, suspended)
