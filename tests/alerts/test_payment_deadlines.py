"""The payment clock on a real ledger: per-buyer periods from the profiles, a suspension restarting it,
and the same answer in the overdue alerts, the digest and the desk."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import count
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from chorusflow.alerts import AlertSettings, build_digest, overdue_events
from chorusflow.desk.queries import Clock, InvoiceFilter, invoice_detail, list_invoices
from chorusflow.desk.queue import to_handle
from chorusflow.ledger import InvoiceState, Ledger
from chorusflow_dev.testing import COMMUNE, SUPPLIER_SIRET
from chorusflow_dev.testing.deposits import record_deposits
from tests.platforms.chorus_pro.statuses.helpers import OWNER

HOSPITAL = "26750045200011"
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AlertSettings:
    """The alert settings with one buyer profile: a public hospital (50 days)."""
    buyers = tmp_path / "config" / "buyers"
    buyers.mkdir(parents=True)
    (buyers / "chu.yaml").write_text(
        'schema_version: 1\nversion: "1"\nbuyer:\n  siret: "' + HOSPITAL + '"\n  name: "CHU de Test"\n'
        "category: public_hospital\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("CHORUSFLOW_CONFIG_DIR", str(tmp_path / "config"))
    loaded = AlertSettings.from_env()
    assert loaded.payment_days_for(HOSPITAL) == 50 and loaded.payment_days_for(COMMUNE) == 30
    return loaded


def deposit(ledger: Ledger, number: str, buyer_siret: str) -> tuple[int, date]:
    """Record and deposit one invoice now; its ledger id and the day it was received (Paris)."""
    fake_ids = count(7000 + len(ledger.list_invoices()))
    record_deposits(ledger, [number], OWNER, lambda _: next(fake_ids), buyer_siret=buyer_siret)
    (row,) = [row for row in ledger.list_invoices() if row.invoice_number == number]
    assert row.submitted_at is not None
    return row.id, row.submitted_at.astimezone(PARIS).date()


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=PARIS).astimezone(UTC)


def overdue_numbers(ledger: Ledger, today: date, settings: AlertSettings) -> dict[str, int]:
    return {
        str(event.invoice_number): int(event.details["days_late"])
        for event in overdue_events(ledger, SUPPLIER_SIRET, today, settings)
    }


def test_a_public_hospital_has_50_days_where_a_commune_has_30(
    ledger: Ledger, settings: AlertSettings
) -> None:
    _, received = deposit(ledger, "PD-CHU", HOSPITAL)
    deposit(ledger, "PD-COMMUNE", COMMUNE)

    assert overdue_numbers(ledger, received + timedelta(days=31), settings) == {"PD-COMMUNE": 1}
    assert overdue_numbers(ledger, received + timedelta(days=50), settings) == {"PD-COMMUNE": 20}
    assert overdue_numbers(ledger, received + timedelta(days=51), settings) == {"PD-COMMUNE": 21, "PD-CHU": 1}
    # Without the profile the hospital would be treated as a 30-day buyer.
    assert "PD-CHU" in overdue_numbers(ledger, received + timedelta(days=31), AlertSettings())

    later = noon(received + timedelta(days=51))
    (hospital,) = [
        e for e in build_digest(ledger, SUPPLIER_SIRET, later, settings).overdue if e.buyer_siret == HOSPITAL
    ]
    assert hospital.details["period_days"] == 50 and hospital.details["due_on"] == str(
        received + timedelta(days=50)
    )
    page = list_invoices(ledger, InvoiceFilter(buyer=HOSPITAL), Clock(now=later, alert_settings=settings))
    assert [row.due_on for row in page.rows] == [received + timedelta(days=50)]


def test_a_suspension_stops_the_clock_and_the_documents_restart_it(
    ledger: Ledger, settings: AlertSettings
) -> None:
    invoice_id, received = deposit(ledger, "PD-SUSP", COMMUNE)
    ledger.record_status(
        invoice_id, "SUSPENDUE", noon(received + timedelta(days=10)), "RIB", InvoiceState.BLOCKED
    )

    # Suspended: no deadline, nothing overdue however long it waits, and the desk shows no due date.
    assert overdue_numbers(ledger, received + timedelta(days=90), settings) == {}
    clock = Clock(now=noon(received + timedelta(days=90)), alert_settings=settings)
    detail = invoice_detail(ledger, invoice_id, clock)
    assert detail is not None and detail.due_on is None

    # The documents arrive on day 25: a new 30-day period (20 days were left), due on day 55.
    ledger.record_status(
        invoice_id, "COMPLETEE", noon(received + timedelta(days=25)), None, InvoiceState.SUBMITTED
    )
    due = received + timedelta(days=55)
    assert overdue_numbers(ledger, received + timedelta(days=31), settings) == {}
    assert overdue_numbers(ledger, due, settings) == {}
    assert overdue_numbers(ledger, due + timedelta(days=3), settings) == {"PD-SUSP": 3}

    # A second suspension does not stop it again: the desk, the queue and the digest agree.
    ledger.record_status(
        invoice_id, "SUSPENDUE", noon(received + timedelta(days=40)), "Encore", InvoiceState.BLOCKED
    )
    now = noon(due + timedelta(days=3))
    clock = Clock(now=now, alert_settings=settings)
    assert overdue_numbers(ledger, due + timedelta(days=3), settings) == {"PD-SUSP": 3}
    detail = invoice_detail(ledger, invoice_id, clock)
    assert detail is not None and detail.due_on == due
    (row,) = list_invoices(ledger, InvoiceFilter(number="PD-SUSP"), clock).rows
    assert row.due_on == due
    (item,) = [item for item in to_handle(ledger, clock).items if item.category == "overdue"]
    assert item.invoice_number == "PD-SUSP" and item.details["resumed_on"] == str(
        received + timedelta(days=25)
    )
    (late,) = build_digest(ledger, SUPPLIER_SIRET, now, settings).overdue
    assert late.details == item.details
