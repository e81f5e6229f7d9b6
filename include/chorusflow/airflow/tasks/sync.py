"""Task bodies of ``chorus_sync_statuses``, once Airflow has given them their context.

The sync and the alerts themselves live in :mod:`chorusflow.statuses` and :mod:`chorusflow.alerts`;
this module resolves the ledger, the Chorus Pro client, the channels and the settings.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from chorusflow.airflow.connections import alert_channels, chorus_client, get_ledger
from chorusflow.alerts import (
    AlertDispatcher,
    AlertEvent,
    AlertSettings,
    blocked_events,
    flux_refused_events,
    needs_review_events,
    overdue_events,
    password_expiry_event,
    stale_events,
)
from chorusflow.chorus import ChorusProError
from chorusflow.config import load_supplier
from chorusflow.ledger import utc_now
from chorusflow.settings import settings
from chorusflow.statuses import StatusSync

if TYPE_CHECKING:
    from chorusflow.reports import StatusChange

log = logging.getLogger(__name__)


def sync_statuses() -> dict[str, Any]:
    """One status sync; the result (counts, failures, API calls) goes to XCom."""
    configured = settings()
    sync = StatusSync(
        get_ledger(),
        chorus_client(),
        load_supplier().siret,
        overlap=timedelta(minutes=configured.sync_overlap_minutes),
        page_size=configured.sync_page_size,
        retry_delay_seconds=configured.sync_page_retry_delay,
    )
    return sync.run().to_xcom()


def follow_open_flux() -> dict[str, Any]:
    """One pass over the open Factur-X flux (:func:`chorusflow.flux_follow.follow_flux`)."""
    from chorusflow.flux_follow import follow_flux

    return follow_flux(get_ledger(), chorus_client(), load_supplier().siret).to_xcom()


def _password_event(alert_settings: AlertSettings, now: datetime) -> AlertEvent | None:
    """The technical password expiry event, if due; a failing lookup is logged, never fatal."""
    from chorusflow.submission import supplier_structure_id

    try:
        client = chorus_client()
        details = client.get_structure(supplier_structure_id(client, load_supplier().siret))
    except ChorusProError as error:
        log.warning("Could not read the technical password expiry date: %s", error)
        return None
    today = now.astimezone(ZoneInfo(alert_settings.timezone)).date()
    return password_expiry_event(details.technical_password_expires_on, today, alert_settings)


def send_status_alerts(now: datetime | None = None) -> dict[str, Any]:
    """Flux refusals, deposits to check, blocked, stale, overdue and password alerts computed from the
    ledger, each sent once."""
    now = now or utc_now()
    alert_settings = AlertSettings.from_env()
    ledger = get_ledger()
    siret = load_supplier().siret
    today = now.astimezone(ZoneInfo(alert_settings.timezone)).date()
    events: list[AlertEvent] = [
        *flux_refused_events(ledger, siret),
        *needs_review_events(ledger, siret),  # e.g. an integrated flux that does not name an invoice
        *(with_decision_link(event) for event in blocked_events(ledger, siret)),
        *stale_events(ledger, siret, now, alert_settings),
        *overdue_events(ledger, siret, today, alert_settings),
    ]
    password = _password_event(alert_settings, now)
    if password is not None:
        events.append(password)
    report = AlertDispatcher(ledger, alert_channels()).dispatch(events)
    log.info("%s", report.summary_text())
    return report.to_xcom()


def with_decision_link(event: AlertEvent) -> AlertEvent:
    """A blocked invoice chorusflow can resolve links to its decision form (``[api] base_url`` set)."""
    from airflow.configuration import conf

    from chorusflow.resolution.decisions import KIND_OF_STATUS

    base_url = conf.get("api", "base_url", fallback=None)
    if not base_url or event.status not in KIND_OF_STATUS or not event.invoice_number:
        return event
    link = f"{base_url.rstrip('/')}/chorusflow-decisions/{quote(event.invoice_number, safe='')}"
    return event.model_copy(update={"details": {**event.details, "decision_url": link}})


def new_blocking_events(sync_result: dict[str, Any]) -> list[str]:
    """Invoices this sync found newly blocked in a status a person can answer from Airflow."""
    from chorusflow.resolution.decisions import KIND_OF_STATUS

    changed = dict(sync_result.get("changed") or {})
    return sorted(number for number, status in changed.items() if status in KIND_OF_STATUS)


def report_sync(sync_result: dict[str, Any], alerts: dict[str, Any]) -> dict[str, Any]:
    """The run summary: sync counts and failures, alerts sent, then each change (invoice, new status,
    the buyer's reason, what to do); ``note`` becomes the run note."""
    from chorusflow.reports import bounded_note, status_change_items

    flux = sync_result.get("flux") or {}
    flux_line = flux.get("summary", "") if flux.get("polled") else ""
    head = f"{flux_line} {sync_result.get('summary', '')} {alerts.get('summary', '')}".strip()
    changes = _status_changes(dict(sync_result.get("changed") or {}))
    note = bounded_note(head, status_change_items(changes))
    log.info("%s", note)
    return {
        "note": note,
        "complete": sync_result.get("complete"),
        "changed": len(sync_result.get("changed", {})),
        "api_calls": sync_result.get("total_api_calls"),
        "alerts": alerts.get("new_count", 0),
    }


def _status_changes(changed: dict[str, str]) -> list[StatusChange]:
    """The sync's changes (invoice number -> new status) with the buyer's comment the ledger recorded."""
    from chorusflow.reports import StatusChange

    if not changed:
        return []
    rows = {
        row.invoice_number: row
        for row in get_ledger().list_invoices(supplier_siret=load_supplier().siret)
        if row.invoice_number in changed
    }
    return [
        StatusChange(
            invoice_number=number,
            status=status,
            comment=rows[number].chorus_status_comment
            if number in rows and rows[number].chorus_status == status
            else None,
        )
        for number, status in changed.items()
    ]
