"""A hospital without a buyer profile: its category comes from Chorus Pro's directory (its legal form).

SQLite and PostgreSQL: the legal form kept by validation (``buyer_directory``) gives the desk's due
date and its rule 50 days; a profile still wins; an uncertain legal form keeps the fallback.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from chorusflow.alerts.settings import AlertSettings
from chorusflow.desk import pages
from chorusflow.desk.documents import DepositedPdf
from chorusflow.desk.queries import Clock, invoice_detail
from chorusflow.ledger import Ledger
from chorusflow.ledger.buyers import legal_forms, record_legal_forms
from tests.desk.story import Story

BASE = "/chorusflow"
HOSPITAL_FORM = "7364"  # INSEE: établissement d'hospitalisation
WAITING = "F2026-0104"  # deposited, waiting for its payment; its buyer has no profile


def _buyer(ledger: Ledger, story: Story, clock: Clock) -> str:
    detail = invoice_detail(ledger, story.ids[WAITING], clock)
    assert detail is not None and detail.invoice.buyer_siret and detail.period_days == 30
    return detail.invoice.buyer_siret


def test_a_hospital_without_a_profile_gets_50_days(ledger: Ledger, story: Story, clock: Clock) -> None:
    siret = _buyer(ledger, story, clock)
    record_legal_forms(ledger, {siret: HOSPITAL_FORM})
    assert legal_forms(ledger) == {siret: HOSPITAL_FORM}
    hospital = Clock(now=clock.now, alert_settings=AlertSettings().with_legal_forms(legal_forms(ledger)))
    detail = invoice_detail(ledger, story.ids[WAITING], hospital)
    assert detail is not None and detail.invoice.submitted_at is not None
    assert detail.period_days == 50 and detail.period_rule == "directory_public_hospital"
    received = detail.invoice.submitted_at.astimezone(ZoneInfo(hospital.alert_settings.timezone)).date()
    assert detail.due_on == received + timedelta(days=50)
    french = pages.detail_page(detail, DepositedPdf("a.pdf", kept=True), "fr", BASE, "")
    assert "50 jours (établissement public de santé selon l&#x27;annuaire de Chorus Pro" in french
    assert "art. R2192-11" in french
    english = pages.detail_page(detail, DepositedPdf("a.pdf", kept=True), "en", BASE, "")
    assert "50 days (public hospital according to Chorus Pro&#x27;s directory, art. R2192-11" in english


def test_the_latest_answer_replaces_an_older_one(ledger: Ledger, story: Story, clock: Clock) -> None:
    siret = _buyer(ledger, story, clock)
    record_legal_forms(ledger, {siret: HOSPITAL_FORM})
    record_legal_forms(ledger, {siret: "7210"})  # a commune: 30 days
    settings = AlertSettings().with_legal_forms(legal_forms(ledger))
    assert settings.payment_days_for(siret) == 30 and settings.shortest_payment_days() == 30


def test_a_profile_still_wins(ledger: Ledger, story: Story, clock: Clock) -> None:
    siret = _buyer(ledger, story, clock)
    record_legal_forms(ledger, {siret: HOSPITAL_FORM})
    settings = AlertSettings(buyer_payment_days={siret: 45}).with_legal_forms(legal_forms(ledger))
    assert settings.payment_days_for(siret) == 45 and settings.directory_categories == {}


@pytest.mark.parametrize("form", ["", "abcd", "4110", "7389"])
def test_uncertain_forms_keep_the_fallback(form: str) -> None:
    settings = AlertSettings().with_legal_forms({"1" * 14: form})
    assert settings.payment_days_for("1" * 14) == 30 and settings.directory_categories == {}
