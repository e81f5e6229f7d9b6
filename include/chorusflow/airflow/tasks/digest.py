"""Task body of ``chorus_daily_digest``: the digest of open items, sent once per day."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from chorusflow.airflow.connections import get_ledger, supplier_alert_channels
from chorusflow.alerts import AlertDispatcher, AlertSettings, DispatchReport, build_digest, render_digest
from chorusflow.ledger import utc_now
from chorusflow.suppliers import SupplierIdentity, Suppliers, load_suppliers

log = logging.getLogger(__name__)


def send_daily_digest(now: datetime | None = None) -> dict[str, Any]:
    """The digest of open items, sent once per day and supplier (event key ``digest:<day>``, or
    ``digest:<day>:<supplier id>`` for the suppliers other than the default one), each to that
    supplier's recipients and in its language."""
    now = now or utc_now()
    suppliers = load_suppliers()
    results = {supplier.id: _send_digest(supplier, suppliers, now) for supplier in suppliers}
    if not suppliers.several:
        return next(iter(results.values()))
    return {
        "note": " | ".join(f"{key}: {result['note']}" for key, result in results.items()),
        "suppliers": results,
    }


def _send_digest(supplier: SupplierIdentity, suppliers: Suppliers, now: datetime) -> dict[str, Any]:
    ledger = get_ledger()
    digest = build_digest(ledger, supplier.key, now, AlertSettings.for_ledger(ledger))
    rendered = render_digest(digest, supplier.language)
    log.info("%s\n%s", rendered.subject, rendered.text)
    report = DispatchReport()
    payload = {
        "day": digest.day,
        "blocked": [e.invoice_number for e in digest.blocked],
        "stale": [e.invoice_number for e in digest.stale],
        "overdue": [e.invoice_number for e in digest.overdue],
    }
    key = (
        f"digest:{digest.day}"
        if supplier.id == suppliers.default_id
        else f"digest:{digest.day}:{supplier.id}"
    )
    channels = supplier_alert_channels(supplier, suppliers)
    AlertDispatcher(ledger, channels, supplier.language).send_once(key, "digest", rendered, payload, report)
    return {"note": rendered.subject, **payload, "alerts": report.to_xcom()}
