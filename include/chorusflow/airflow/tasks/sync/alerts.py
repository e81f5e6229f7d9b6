"""``alert``: each supplier's alerts computed from the ledger and sent once, to its own recipients
and in its language."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from airflow.configuration import conf

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
from chorusflow.ledger import utc_now
from chorusflow.platforms.chorus_pro.accounts import technical_password_expires_on
from chorusflow.resolution.decisions import KIND_OF_STATUS, decision_label, decision_url
from chorusflow.suppliers import SupplierIdentity, Suppliers, load_suppliers
from chorusflow.sync.merge import merged_alerts, per_supplier_name

log = logging.getLogger(__name__)


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
    if event is None:
        return None
    return event.model_copy(update={"event_key": per_supplier_name(event.event_key, supplier, suppliers)})


def send_status_alerts(now: datetime | None = None) -> dict[str, Any]:
    """Flux refusals, deposits to check, blocked, stale, overdue and password alerts computed from the
    ledger, each sent once, each supplier's to its own recipients and in its language."""
    now = now or utc_now()
    ledger = get_ledger()
    alert_settings = AlertSettings.for_ledger(ledger)
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
    return merged_alerts(reports, suppliers.several)


def with_decision_link(
    event: AlertEvent, supplier: SupplierIdentity | None = None, suppliers: Suppliers | None = None
) -> AlertEvent:
    """A blocked invoice chorusflow can resolve links to its decision form (``[api] base_url`` set);
    with several suppliers, the link names the invoice's supplier too (:func:`decision_label`)."""

    base_url = conf.get("api", "base_url", fallback=None)
    if not base_url or event.status not in KIND_OF_STATUS or not event.invoice_number:
        return event
    shown_id = supplier.id if supplier is not None and suppliers is not None and suppliers.several else None
    link = decision_url(base_url, decision_label(event.invoice_number, shown_id))
    return event.model_copy(update={"details": {**event.details, "decision_url": link}})
