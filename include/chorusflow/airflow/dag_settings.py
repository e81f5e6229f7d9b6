"""What the DAG files share: the asset, the pool, the retry policy and the schedules.

Read at parse time, so it stays light: the settings object and Airflow's own definitions only.
Every schedule runs in ``CHORUSFLOW_TIMEZONE`` (Europe/Paris by default), like the people who work
with the invoices.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import Asset, CronTriggerTimetable

from chorusflow.airflow.retry import CHORUS_PRO_RETRY_POLICY
from chorusflow.settings import settings

#: Updated by each submission run; it triggers a status sync.
SUBMISSIONS_ASSET = Asset("chorusflow://submissions")
#: Updated by a status sync that recorded a new blocking event; it opens the decisions to take.
BLOCKED_ASSET = Asset("chorusflow://blocked-invoices")
#: Slots for concurrent Chorus Pro calls from submission tasks (docs/configuration.md).
POOL = "chorus_pro_api"
START_DATE = datetime(2026, 1, 1)
OWNER = "accounts-receivable"
RETRY_POLICY = CHORUS_PRO_RETRY_POLICY
#: The submission DAG's first task (extract, validate and plan) and the XCom key under which it hands
#: the validation's outcome to ``report`` (its return value, the batches, is what ``submit`` maps over).
PREPARE_TASK = "prepare"
VALIDATED_KEY = "validated"
RUN_SUMMARY_KEY = (
    "run_summary"  # pushed by the report task, read by the desk and plugins/chorusflow_run_notes.py
)


def timetable(cron: str) -> CronTriggerTimetable:
    """A cron schedule in the deployment's time zone."""
    return CronTriggerTimetable(cron, timezone=settings().timezone)


def submit_retries() -> dict[str, Any]:
    """The ``submit`` task's retries: exponential backoff from ``CHORUSFLOW_SUBMIT_RETRY_DELAY``."""
    return {
        "retries": settings().submit_retries,
        "retry_delay": timedelta(seconds=settings().submit_retry_delay),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(minutes=30),
        "retry_policy": RETRY_POLICY,
    }
