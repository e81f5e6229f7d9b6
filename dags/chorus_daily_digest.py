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

from datetime import timedelta
from typing import Any

from airflow.sdk import dag, task

from chorusflow.airflow.dag_settings import OWNER, START_DATE, timetable
from chorusflow.settings import settings


@dag(
    dag_id="chorus_daily_digest",
    schedule=timetable(settings().digest_schedule),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["chorusflow", "alerts"],
    default_args={"owner": OWNER, "retries": 2, "retry_delay": timedelta(minutes=5)},
)
def chorus_daily_digest() -> None:
    """One task: build and send the digest."""

    @task(multiple_outputs=False)
    def digest() -> dict[str, Any]:
        """Send today's digest (once per day)."""
        from chorusflow.airflow.tasks import digest as bodies

        return bodies.send_daily_digest()

    digest()


chorus_daily_digest()
