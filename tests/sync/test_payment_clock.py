"""The payment clock alone: periods per buyer category, one interruption, a new period after it."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from chorusflow.rules.profiles import ProfileError, load_profile
from chorusflow.sync.payment_clock import CATEGORY_DAYS, BuyerCategory, payment_clock

RECEIVED = date(2026, 3, 2)


def day(offset: int) -> date:
    return RECEIVED + timedelta(days=offset)


def test_each_category_has_its_legal_period() -> None:
    assert CATEGORY_DAYS == {
        BuyerCategory.STATE: 30,
        BuyerCategory.LOCAL_AUTHORITY: 30,
        BuyerCategory.PUBLIC_HOSPITAL: 50,
        BuyerCategory.PUBLIC_COMPANY: 60,
    }
    hospital = payment_clock(RECEIVED, CATEGORY_DAYS[BuyerCategory.PUBLIC_HOSPITAL], [])
    assert hospital.due_on == day(50)
    assert hospital.days_late(day(50)) == 0 and hospital.days_late(day(51)) == 1


def test_a_suspension_stops_the_clock_until_the_documents_arrive() -> None:
    suspended = payment_clock(RECEIVED, 30, [("DEPOSEE", day(0)), ("SUSPENDUE", day(10))])
    assert suspended.due_on is None and not suspended.running
    assert suspended.days_late(day(400)) == 0


def test_documents_received_open_a_new_period_of_30_days_at_least() -> None:
    # 30-day buyer suspended on day 10 (20 days left): a new 30-day period from day 25.
    clock = payment_clock(RECEIVED, 30, [("SUSPENDUE", day(10)), ("COMPLETEE", day(25))])
    assert (clock.suspended_on, clock.resumed_on, clock.period_days) == (day(10), day(25), 30)
    assert clock.due_on == day(55)
    assert clock.days_late(day(31)) == 0 and clock.days_late(day(56)) == 1
    # 60-day buyer suspended on day 5 (55 days left, more than 30): the balance is kept.
    company = payment_clock(RECEIVED, 60, [("SUSPENDUE", day(5)), ("MISE_A_DISPOSITION", day(9))])
    assert company.period_days == 55 and company.due_on == day(64)


def test_the_clock_is_interrupted_once_only() -> None:
    statuses = [("SUSPENDUE", day(10)), ("COMPLETEE", day(25)), ("SUSPENDUE", day(40))]
    clock = payment_clock(RECEIVED, 30, statuses)
    assert clock.due_on == day(55) and clock.days_late(day(60)) == 5


def test_a_suspension_after_the_deadline_does_not_stop_it() -> None:
    clock = payment_clock(RECEIVED, 30, [("SUSPENDUE", day(35))])
    assert clock.suspended_on is None and clock.due_on == day(30)


def write_profile(folder: Path, extra: str) -> Path:
    path = folder / "buyer.yaml"
    path.write_text(
        'schema_version: 1\nversion: "1"\nbuyer:\n  siret: "26750045200011"\n  name: "CHU"\n' + extra,
        encoding="utf-8",
    )
    return path


def test_a_profile_sets_the_period_by_category_or_shorter_by_contract(tmp_path: Path) -> None:
    assert load_profile(write_profile(tmp_path, "category: public_hospital\n")).payment_period() == 50
    shorter = load_profile(write_profile(tmp_path, "category: public_hospital\npayment_days: 45\n"))
    assert shorter.payment_period() == 45
    assert load_profile(write_profile(tmp_path, "")).payment_period() is None
    with pytest.raises(ProfileError, match="at most 30 days"):
        load_profile(write_profile(tmp_path, "category: state\npayment_days: 45\n"))
    with pytest.raises(ProfileError, match="category"):
        load_profile(write_profile(tmp_path, "category: hospital\n"))
