"""
### Follow invoice statuses on Chorus Pro and alert people, once per event

Reads what changed on Chorus Pro since the last run with the paginated supplier search
(`rechercher/fournisseur`, by status-change period: a handful of calls, not one per invoice),
records every status in the ledger with its date and the buyer's comment, then alerts.

**Tasks**
1. `sync`: one search pass over [watermark − 5 min, now]; the buyer's comment is fetched
   (`consulter/historique`) only for invoices that became blocked. A failing page is retried twice,
   then skipped: the others are still recorded and the watermark stays, so the next run reads the
   period again.
2. `alert`: blocked invoices (with the buyer's reason and what to do), invoices stuck in one status,
   payment deadlines passed (with the late interest owed), the technical password nearing expiry.
   E-mail through `smtp_default` to the Variable `chorusflow_alert_recipients`, the webhook
   connection `chorusflow_alert_webhook` when defined, and this log. Each event alerts once.
3. `report`: the summary, shown as the run note.

**Schedule**: every 30 minutes from 7:00 to 19:59 on weekdays, Paris time
(`CHORUSFLOW_SYNC_SCHEDULE`), and after every submission run (Asset `chorusflow://submissions`).
See docs/status-sync.md and docs/alerts.md.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import Asset, AssetOrTimeSchedule, CronTriggerTimetable, dag, task

from chorusflow.airflow.retry import CHORUS_PRO_RETRY_POLICY

SUBMISSIONS_ASSET = Asset("chorusflow://submissions")
SYNC_CRON = os.environ.get("CHORUSFLOW_SYNC_SCHEDULE", "*/30 7-19 * * 1-5")
TIMEZONE = os.environ.get("CHORUSFLOW_TIMEZONE", "Europe/Paris")


@dag(
    dag_id="chorus_sync_statuses",
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable(SYNC_CRON, timezone=TIMEZONE), assets=[SUBMISSIONS_ASSET]
    ),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["chorusflow", "chorus-pro", "statuses", "alerts"],
    default_args={
        "owner": "accounts-receivable",
        "retries": 2,
        "retry_delay": timedelta(seconds=30),
    },
)
def chorus_sync_statuses() -> None:
    """Sync, alert, report."""

    @task(
        multiple_outputs=False, retries=3, retry_exponential_backoff=2.0, retry_policy=CHORUS_PRO_RETRY_POLICY
    )
    def sync() -> dict[str, Any]:
        """Record every status change since the last watermark."""
        from chorusflow.airflow import sync as body

        return body.sync_statuses()

    @task(multiple_outputs=False, retry_policy=CHORUS_PRO_RETRY_POLICY)
    def alert(sync_result: dict[str, Any]) -> dict[str, Any]:
        """Send the alerts not sent yet (blocked, stale, overdue, password expiry)."""
        from chorusflow.airflow import sync as body

        return body.send_status_alerts()

    @task(multiple_outputs=False, retries=1)
    def report(sync_result: dict[str, Any], alerts: dict[str, Any]) -> dict[str, Any]:
        """Summarise the run (the run note)."""
        from chorusflow.airflow import sync as body

        return body.report_sync(sync_result, alerts)

    synced = sync()
    report(synced, alert(synced))


chorus_sync_statuses()
