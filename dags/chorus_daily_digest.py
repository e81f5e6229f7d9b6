"""
### Daily digest of open invoices

Once a day, one message listing everything still open: blocked invoices (with the buyer's reason
and what to do), invoices stuck in one status, overdue payments with the late interest and fixed
indemnities owed, and totals. Sent once per day (a rerun the same day sends nothing) through the
same channels as the alerts: `smtp_default` to the Variable `chorusflow_alert_recipients`, the
webhook `chorusflow_alert_webhook` when defined, and this log.

**Schedule**: 8:00 Paris time on weekdays (`CHORUSFLOW_DIGEST_SCHEDULE`). It reads the ledger only;
`chorus_sync_statuses` keeps the ledger up to date.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import CronTriggerTimetable, dag, task

DIGEST_CRON = os.environ.get("CHORUSFLOW_DIGEST_SCHEDULE", "0 8 * * 1-5")
TIMEZONE = os.environ.get("CHORUSFLOW_TIMEZONE", "Europe/Paris")


@dag(
    dag_id="chorus_daily_digest",
    schedule=CronTriggerTimetable(DIGEST_CRON, timezone=TIMEZONE),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["chorusflow", "alerts"],
    default_args={"owner": "accounts-receivable", "retries": 2, "retry_delay": timedelta(minutes=5)},
)
def chorus_daily_digest() -> None:
    """One task: build and send the digest."""

    @task(multiple_outputs=False)
    def digest() -> dict[str, Any]:
        """Send today's digest (once per day)."""
        from chorusflow.airflow import sync as body

        return body.send_daily_digest()

    digest()


chorus_daily_digest()
