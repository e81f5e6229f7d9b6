"""Task body of ``chorus_daily_digest``: the digest of open items, sent once per day."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from chorusflow.airflow.connections import alert_channels, get_ledger
from chorusflow.alerts import AlertDispatcher, AlertSettings, DispatchReport, build_digest, render_digest
from chorusflow.config import load_supplier
from chorusflow.ledger import utc_now
from chorusflow.messages import language

log = logging.getLogger(__name__)


def send_daily_digest(now: datetime | None = None) -> dict[str, Any]:
    """The digest of open items, sent once per day (event key ``digest:<day>``)."""
    now = now or utc_now()
    ledger = get_ledger()
    digest = build_digest(ledger, load_supplier().siret, now, AlertSettings.from_env())
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
