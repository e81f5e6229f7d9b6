"""``decide`` without an answer in time: the recipients of the invoice's supplier reminded once."""

from __future__ import annotations

import logging

from chorusflow.airflow.connections import get_ledger, supplier_alert_channels
from chorusflow.airflow.tasks.resolve.answers import supplier_of
from chorusflow.alerts import AlertDispatcher
from chorusflow.alerts.events import decision_reminder_event
from chorusflow.suppliers import load_suppliers

log = logging.getLogger(__name__)


def remind(invoice_number: str, event_key: str, link: str | None, supplier_id: str | None = None) -> None:
    """No answer in time: remind the recipients of the invoice's supplier once (the daily digest lists
    the invoice from then on)."""

    ledger = get_ledger()
    suppliers = load_suppliers()
    supplier = supplier_of(ledger, suppliers, invoice_number, supplier_id)
    detail = ledger.get_invoice(invoice_number, supplier.key)
    if detail is None:
        return
    channels = supplier_alert_channels(supplier, suppliers)
    dispatcher = AlertDispatcher(ledger, channels, supplier.language)
    report = dispatcher.dispatch([decision_reminder_event(detail, event_key, link)])
    log.info("%s", report.summary_text())
