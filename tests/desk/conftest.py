"""Fixtures of the desk's tests: the story ledger (SQLite and PostgreSQL) and a clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chorusflow.alerts.settings import AlertSettings
from chorusflow.desk.queries import Clock
from chorusflow.ledger import Ledger, utc_now
from tests.desk.story import Story, build_story


@pytest.fixture
def story(ledger: Ledger) -> Story:
    """The story of tests/desk/story.py played on a fresh ledger."""
    return build_story(ledger)


@pytest.fixture
def clock() -> Clock:
    """Now, a few minutes after the story (its statuses are dated five minutes ahead)."""
    return Clock(now=utc_now() + timedelta(minutes=10), alert_settings=AlertSettings())
