"""Task bodies of ``chorus_sync_statuses``, once Airflow has given them their context.

The sync and the alerts themselves live in :mod:`chorusflow.platforms.chorus_pro.statuses` and
:mod:`chorusflow.alerts`;
this module resolves the ledger, the Chorus Pro client, the channels and the settings.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from chorusflow.airflow.connections import get_ledger, supplier_alert_channels, supplier_client
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
from chorusflow.ledger import safe_error_text, utc_now
from chorusflow.platforms.chorus_pro.accounts import technical_password_expires_on
from chorusflow.platforms.chorus_pro.statuses import WATERMARK_NAME, StatusSync
from chorusflow.settings import settings
from chorusflow.suppliers import SupplierIdentity, Suppliers, load_suppliers

if TYPE_CHECKING:
    from chorusflow.reporting.run_report import StatusChange

log = logging.getLogger(__name__)


def sync_statuses() -> dict[str, Any]:
    """One status sync per supplier, each with its own technical account; the result goes to XCom.

    One supplier's failure (credentials refused, Chorus Pro unreachable) is recorded and the others
    are still synced; ``report`` fails the run afterwards, once the alerts are out.
    """
    configured = settings()
    suppliers = load_suppliers()
    results: dict[str, dict[str, Any]] = {}
    failures: dict[str, str] = {}
    for supplier in suppliers:
        try:
            sync = StatusSync(
                get_ledger(),
                supplier_client(supplier),
                supplier.key,
                overlap=timedelta(minutes=configured.sync_overlap_minutes),
                page_size=configured.sync_page_size,
                retry_delay_seconds=configured.sync_page_retry_delay,
                lookup_limit=configured.sync_lookup_limit,
                watermark_name=_watermark(supplier, suppliers),
            )
            results[supplier.id] = sync.run().to_xcom()
        except Exception as error:  # one supplier's trouble never stops the others
            failures[supplier.id] = _failure_text(error)
            log.exception("Status sync of supplier %s failed", supplier.id)
    return _merged_sync(results, failures, suppliers)


def _failure_text(error: Exception) -> str:
    """A supplier's failure as the run shows it (secrets scrubbed)."""
    return safe_error_text(f"{type(error).__name__}: {error}") or type(error).__name__


def _watermark(supplier: SupplierIdentity, suppliers: Suppliers) -> str:
    """The default supplier keeps the historical watermark; every other one has its own."""
    if supplier.id == suppliers.default_id:
        return WATERMARK_NAME
    return f"{WATERMARK_NAME}:{supplier.id}"


def _merged_sync(
    results: dict[str, dict[str, Any]], failures: dict[str, str], suppliers: Suppliers
) -> dict[str, Any]:
    """The XCom of a one-supplier sync as it always was; with several, their union, and per supplier."""
    if not suppliers.several and not failures:
        return next(iter(results.values()))
    changed: dict[str, str] = {}
    for supplier_id, result in results.items():
        prefix = f"{supplier_id}: " if suppliers.several else ""
        changed.update(
            {f"{prefix}{number}": status for number, status in (result.get("changed") or {}).items()}
        )
    summaries = [f"[{supplier_id}] {result.get('summary', '')}" for supplier_id, result in results.items()]
    summaries += [f"[{supplier_id}] {error}" for supplier_id, error in failures.items()]
    return {
        "summary": " ".join(summaries),
        "changed": changed,
        "complete": not failures and all(result.get("complete") for result in results.values()),
        "total_api_calls": sum(int(result.get("total_api_calls") or 0) for result in results.values()),
        "suppliers": results,
        "failed_suppliers": failures,
    }


def follow_open_flux() -> dict[str, Any]:
    """One pass over each supplier's open Factur-X flux
    (:func:`chorusflow.platforms.chorus_pro.flux_follow.follow_flux`),
    each with its own technical account; one supplier's failure never stops the others (``report``
    fails the run afterwards)."""
    from chorusflow.platforms.chorus_pro.flux_follow import follow_flux

    suppliers = load_suppliers()
    results: dict[str, dict[str, Any]] = {}
    failures: dict[str, str] = {}
    for supplier in suppliers:
        try:
            followed = follow_flux(get_ledger(), supplier_client(supplier), supplier.key)
            results[supplier.id] = followed.to_xcom()
        except Exception as error:  # credentials refused, Chorus Pro unreachable: this supplier only
            failures[supplier.id] = _failure_text(error)
            log.exception("Following the Factur-X flux of supplier %s failed", supplier.id)
    return _merged_flux(results, failures, suppliers)


def _merged_flux(
    results: dict[str, dict[str, Any]], failures: dict[str, str], suppliers: Suppliers
) -> dict[str, Any]:
    """The XCom of a one-supplier pass as it always was; with several, the counts summed, the
    summaries of those that polled something, and each supplier's own result."""
    if not suppliers.several and not failures:
        return next(iter(results.values()))
    summaries = [
        f"[{supplier_id}] {result.get('summary', '')}"
        for supplier_id, result in results.items()
        if result.get("polled")
    ]
    summaries += [f"[{supplier_id}] {error}" for supplier_id, error in failures.items()]
    return {
        "polled": sum(int(result.get("polled") or 0) for result in results.values()),
        "closed": sum(int(result.get("closed") or 0) for result in results.values()),
        "summary": " ".join(summaries),
        "suppliers": results,
        "failed_suppliers": failures,
    }


def _password_event(
    supplier: SupplierIdentity, suppliers: Suppliers, alert_settings: AlertSettings, now: datetime
) -> AlertEvent | None:
    """The technical password expiry event of ``supplier``, if due; a failing lookup is only logged."""
    try:
        expires_on = technical_password_expires_on(supplier_client(supplier), supplier.key)
    except Exception as error:
        log.warning("Could not read the technical password expiry date of %s: %s", supplier.id, error)
        return None
    today = now.astimezone(ZoneInfo(alert_settings.timezone)).date()
    event = password_expiry_event(expires_on, today, alert_settings)
    if event is None or supplier.id == suppliers.default_id:
        return event
    return event.model_copy(update={"event_key": f"{event.event_key}:{supplier.id}"})


def send_status_alerts(now: datetime | None = None) -> dict[str, Any]:
    """Flux refusals, deposits to check, blocked, stale, overdue and password alerts computed from the
    ledger, each sent once, each supplier's to its own recipients and in its language."""
    now = now or utc_now()
    alert_settings = AlertSettings.from_env()
    ledger = get_ledger()
    suppliers = load_suppliers()
    today = now.astimezone(ZoneInfo(alert_settings.timezone)).date()
    reports: dict[str, dict[str, Any]] = {}
    for supplier in suppliers:
        key = supplier.key
        events: list[AlertEvent] = [
            *flux_refused_events(ledger, key),
            *needs_review_events(ledger, key),  # e.g. an integrated flux that does not name an invoice
            *(with_decision_link(event, supplier, suppliers) for event in blocked_events(ledger, key)),
            *stale_events(ledger, key, now, alert_settings),
            *overdue_events(ledger, key, today, alert_settings),
        ]
        password = _password_event(supplier, suppliers, alert_settings, now)
        if password is not None:
            events.append(password)
        channels = supplier_alert_channels(supplier, suppliers)
        report = AlertDispatcher(ledger, channels, supplier.language).dispatch(events)
        log.info("%s: %s", supplier.id, report.summary_text())
        reports[supplier.id] = report.to_xcom()
    if not suppliers.several:
        return next(iter(reports.values()))
    return {
        "summary": " ".join(
            f"[{supplier_id}] {report.get('summary', '')}" for supplier_id, report in reports.items()
        ),
        "new_count": sum(int(report.get("new_count") or 0) for report in reports.values()),
        "suppliers": reports,
    }


def with_decision_link(
    event: AlertEvent, supplier: SupplierIdentity | None = None, suppliers: Suppliers | None = None
) -> AlertEvent:
    """A blocked invoice chorusflow can resolve links to its decision form (``[api] base_url`` set);
    with several suppliers, the link names the invoice's supplier too (:func:`decision_label`)."""
    from airflow.configuration import conf

    from chorusflow.resolution.decisions import KIND_OF_STATUS, decision_label

    base_url = conf.get("api", "base_url", fallback=None)
    if not base_url or event.status not in KIND_OF_STATUS or not event.invoice_number:
        return event
    shown_id = supplier.id if supplier is not None and suppliers is not None and suppliers.several else None
    label = decision_label(event.invoice_number, shown_id)
    link = f"{base_url.rstrip('/')}/chorusflow-decisions/{quote(label, safe='')}"
    return event.model_copy(update={"details": {**event.details, "decision_url": link}})


def new_blocking_events(sync_result: dict[str, Any]) -> list[str]:
    """Invoices this sync found newly blocked in a status a person can answer from Airflow (with
    several suppliers, each named ``<supplier id>: <number>``)."""
    from chorusflow.resolution.decisions import KIND_OF_STATUS

    changed = dict(sync_result.get("changed") or {})
    return sorted(number for number, status in changed.items() if status in KIND_OF_STATUS)


def report_sync(sync_result: dict[str, Any], alerts: dict[str, Any]) -> dict[str, Any]:
    """The run summary: sync counts and failures, alerts sent, then each change (invoice, new status,
    the buyer's reason, what to do); ``note`` becomes the run note."""
    from chorusflow.reporting.run_report import bounded_note, status_change_items

    flux = sync_result.get("flux") or {}
    flux_line = flux.get("summary", "") if flux.get("polled") else ""
    head = f"{flux_line} {sync_result.get('summary', '')} {alerts.get('summary', '')}".strip()
    changes = _status_changes(dict(sync_result.get("changed") or {}))
    note = bounded_note(head, status_change_items(changes))
    log.info("%s", note)
    result = {
        "note": note,
        "complete": sync_result.get("complete"),
        "changed": len(sync_result.get("changed", {})),
        "api_calls": sync_result.get("total_api_calls"),
        "alerts": alerts.get("new_count", 0),
    }
    failed = sync_result.get("failed_suppliers") or {}
    flux_failed = flux.get("failed_suppliers") or {}
    if failed or flux_failed:
        from airflow.sdk.exceptions import AirflowException

        raise AirflowException(
            "The status sync or the Factur-X flux follow-up failed for supplier(s) "
            + ", ".join(sorted({*failed, *flux_failed}))
            + f" (the others were synced): sync {failed}, flux {flux_failed}"
        )
    return result


def _status_changes(changed: dict[str, str]) -> list[StatusChange]:
    """The sync's changes (invoice number -> new status) with the buyer's comment the ledger recorded."""
    from chorusflow.reporting.run_report import StatusChange

    if not changed:
        return []
    suppliers = load_suppliers()
    rows = {}
    for supplier in suppliers:
        prefix = f"{supplier.id}: " if suppliers.several else ""
        for row in get_ledger().list_invoices(supplier_siret=supplier.key):
            if f"{prefix}{row.invoice_number}" in changed:
                rows[f"{prefix}{row.invoice_number}"] = row
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
