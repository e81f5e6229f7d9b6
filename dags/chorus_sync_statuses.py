"""
### Follow invoice statuses on Chorus Pro and alert people, once per event

Reads what changed on Chorus Pro since the last run with the paginated supplier search
(`rechercher/fournisseur`, by status-change period: a handful of calls, not one per invoice),
records every status in the ledger with its date and the buyer's comment, then alerts.

**Tasks**
0. `follow_flux`: every open Factur-X flux due for a poll (`consulterCRDetaille`, backoff from
   minutes to hours): integrated invoices get their Chorus Pro id (`rechercher/fournisseur` by flux
   number) and are synced from then on; invoices the platform refused in the flux are marked
   failed with its reason and alerted. An undocumented flux state is shown as unknown.
1. `sync`: one search pass over [watermark − 5 min, now]; the buyer's comment is fetched
   (`consulter/historique`) only for invoices that became blocked. A failing page is retried twice,
   then skipped: the others are still recorded and the watermark stays, so the next run reads the
   period again.
2. `alert`: invoices refused in a flux, blocked invoices (with the buyer's reason and what to do),
   invoices stuck in one status, payment deadlines passed (with the late interest owed), the
   technical password nearing expiry.
   E-mail through `smtp_default` to the Variable `chorusflow_alert_recipients`, the webhook
   connection `chorusflow_alert_webhook` when defined, and this log. Each event alerts once.
3. `announce`: when the sync found invoices newly blocked in a status a person can answer from
   Airflow (SUSPENDUE, A_RECYCLER, REJETEE), updates the Asset `chorusflow://blocked-invoices`, which
   starts `chorus_resolve_invoices` (one decision form per invoice); skipped otherwise.
4. `report`: the summary, shown as the run note.

**Schedule**: every 30 minutes from 7:00 to 19:59 on weekdays, Paris time
(`CHORUSFLOW_SYNC_SCHEDULE`), and after every submission run (Asset `chorusflow://submissions`).
With several suppliers, each is synced with its own connection and alerted through its own
Variable `chorusflow_alert_recipients__<supplier id>`; one supplier's failure stops no other, and the
run then fails naming it (docs/suppliers.md).
See docs/status-sync.md and docs/alerts.md.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from airflow.sdk import AssetOrTimeSchedule, dag, task

from chorusflow.airflow.dag_settings import (
    BLOCKED_ASSET,
    OWNER,
    RETRY_POLICY,
    START_DATE,
    SUBMISSIONS_ASSET,
    timetable,
)
from chorusflow.settings import settings


@dag(
    dag_id="chorus_sync_statuses",
    schedule=AssetOrTimeSchedule(timetable=timetable(settings().sync_schedule), assets=[SUBMISSIONS_ASSET]),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["chorusflow", "chorus-pro", "statuses", "alerts"],
    default_args={
        "owner": OWNER,
        "retries": 2,
        "retry_delay": timedelta(seconds=30),
    },
)
def chorus_sync_statuses() -> None:
    """Sync, alert, report."""

    @task(multiple_outputs=False, retries=3, retry_exponential_backoff=2.0, retry_policy=RETRY_POLICY)
    def follow_flux() -> dict[str, Any]:
        """Poll the open Factur-X flux that are due; settle their invoices."""
        from chorusflow.airflow.tasks import sync as bodies

        return bodies.follow_open_flux()

    @task(multiple_outputs=False, retries=3, retry_exponential_backoff=2.0, retry_policy=RETRY_POLICY)
    def sync(flux_result: dict[str, Any]) -> dict[str, Any]:
        """Record every status change since the last watermark."""
        from chorusflow.airflow.tasks import sync as bodies

        return {**bodies.sync_statuses(), "flux": flux_result}

    @task(multiple_outputs=False, retry_policy=RETRY_POLICY)
    def alert(sync_result: dict[str, Any]) -> dict[str, Any]:
        """Send the alerts not sent yet (blocked, stale, overdue, password expiry)."""
        from chorusflow.airflow.tasks import sync as bodies

        return bodies.send_status_alerts()

    @task(outlets=[BLOCKED_ASSET], retries=1)
    def announce(sync_result: dict[str, Any]) -> list[str]:
        """Open the decisions about newly blocked invoices (skipped when there is none)."""
        from airflow.sdk.exceptions import AirflowSkipException

        from chorusflow.airflow.tasks import sync as bodies

        numbers = bodies.new_blocking_events(sync_result)
        if not numbers:
            raise AirflowSkipException("no invoice newly blocked in a status answered from Airflow")
        return numbers

    @task(multiple_outputs=False, retries=1)
    def report(sync_result: dict[str, Any], alerts: dict[str, Any]) -> dict[str, Any]:
        """Summarise the run (the run note)."""
        from chorusflow.airflow.tasks import sync as bodies

        return bodies.report_sync(sync_result, alerts)

    synced = sync(follow_flux())
    announce(synced)
    report(synced, alert(synced))


chorus_sync_statuses()
