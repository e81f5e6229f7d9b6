"""Task bodies of ``chorus_sync_statuses`` and ``chorus_daily_digest``, once Airflow gave the context.

The sync and the alerts themselves live in :mod:`chorusflow.statuses` and :mod:`chorusflow.alerts`;
this module resolves the ledger, the Chorus Pro client, the channels and the settings.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from chorusflow.airflow.notifiers import alert_channels
from chorusflow.airflow.runtime import get_ledger
from chorusflow.alerts import (
    AlertDispatcher,
    AlertEvent,
    AlertSettings,
    DispatchReport,
    blocked_events,
    build_digest,
    overdue_events,
    password_expiry_event,
    render_digest,
    stale_events,
)
from chorusflow.chorus import ChorusProClient, ChorusProError
from chorusflow.config import language, load_supplier
from chorusflow.ledger import utc_now
from chorusflow.statuses import DEFAULT_OVERLAP, DEFAULT_PAGE_SIZE, StatusSync

log = logging.getLogger(__name__)


def _client() -> ChorusProClient:
    from chorusflow.airflow.hook import ChorusProHook

    return ChorusProHook().get_client()


def sync_statuses() -> dict[str, Any]:
    """One status sync; the result (counts, failures, API calls) goes to XCom."""
    overlap = float(os.environ.get("CHORUSFLOW_SYNC_OVERLAP_MINUTES", DEFAULT_OVERLAP.total_seconds() / 60))
    sync = StatusSync(
        get_ledger(),
        _client(),
        load_supplier().siret,
        overlap=timedelta(minutes=overlap),
        page_size=int(os.environ.get("CHORUSFLOW_SYNC_PAGE_SIZE", DEFAULT_PAGE_SIZE)),
        retry_delay_seconds=float(os.environ.get("CHORUSFLOW_SYNC_PAGE_RETRY_DELAY", "2")),
    )
    return sync.run().to_xcom()


def _password_event(settings: AlertSettings, now: datetime) -> AlertEvent | None:
    """The technical password expiry event, if due; a failing lookup is logged, never fatal."""
    from chorusflow.submission import supplier_structure_id

    try:
        client = _client()
        details = client.get_structure(supplier_structure_id(client, load_supplier().siret))
    except ChorusProError as error:
        log.warning("Could not read the technical password expiry date: %s", error)
        return None
    today = now.astimezone(ZoneInfo(settings.timezone)).date()
    return password_expiry_event(details.technical_password_expires_on, today, settings)


def send_status_alerts(now: datetime | None = None) -> dict[str, Any]:
    """Blocked, stale, overdue and password alerts computed from the ledger, each sent once."""
    now = now or utc_now()
    settings = AlertSettings.from_env()
    ledger = get_ledger()
    siret = load_supplier().siret
    today = now.astimezone(ZoneInfo(settings.timezone)).date()
    events: list[AlertEvent] = [
        *blocked_events(ledger, siret),
        *stale_events(ledger, siret, now, settings),
        *overdue_events(ledger, siret, today, settings),
    ]
    password = _password_event(settings, now)
    if password is not None:
        events.append(password)
    report = AlertDispatcher(ledger, alert_channels()).dispatch(events)
    log.info("%s", report.summary_text())
    return report.to_xcom()


def report_sync(sync_result: dict[str, Any], alerts: dict[str, Any]) -> dict[str, Any]:
    """The run summary: sync counts and failures, alerts sent; ``note`` becomes the run note."""
    note = f"{sync_result.get('summary', '')} {alerts.get('summary', '')}".strip()
    log.info("%s", note)
    return {
        "note": note,
        "complete": sync_result.get("complete"),
        "changed": len(sync_result.get("changed", {})),
        "api_calls": sync_result.get("total_api_calls"),
        "alerts": alerts.get("new_count", 0),
    }


def send_daily_digest(now: datetime | None = None) -> dict[str, Any]:
    """The digest of open items, sent once per day (event key ``digest:<day>``)."""
    now = now or utc_now()
    settings = AlertSettings.from_env()
    ledger = get_ledger()
    digest = build_digest(ledger, load_supplier().siret, now, settings)
    rendered = render_digest(digest, language())
    log.info("%s\n%s", rendered.subject, rendered.text)
    report = DispatchReport()
    payload = {
        "day": digest.day,
        "blocked": [e.invoice_number for e in digest.blocked],
        "stale": [e.invoice_number for e in digest.stale],
        "overdue": [e.invoice_number for e in digest.overdue],
    }
    AlertDispatcher(ledger, alert_channels()).send_once(
        f"digest:{digest.day}", "digest", rendered, payload, report
    )
    return {"note": rendered.subject, **payload, "alerts": report.to_xcom()}
