"""Alerts the submission sends, and notifiers usable as task callbacks.

The channels come from :mod:`chorusflow.airflow.connections`; the events and the senders live in
:mod:`chorusflow.alerts`.
"""

from __future__ import annotations

import logging
from typing import Any

from airflow.sdk import BaseNotifier

from chorusflow.airflow.connections import (
    SMTP_CONN_ID,
    WEBHOOK_CONN_ID,
    email_channel,
    get_ledger,
    supplier_alert_channels,
    webhook_channel,
)
from chorusflow.alerts import (
    AlertDispatcher,
    AlertEvent,
    Channel,
    needs_review_events,
    submission_failed_events,
    validation_events,
)
from chorusflow.suppliers import SupplierIdentity, load_suppliers

log = logging.getLogger(__name__)


def send_submission_alerts(
    invoice_numbers: list[str] | None = None, supplier: SupplierIdentity | None = None
) -> dict[str, Any]:
    """Alert on validation rejections and submissions failed for good (all, or only these numbers) of
    ``supplier`` (default: the default supplier), to that supplier's recipients, in its language.

    Called by the submission DAG's report step; each invoice alerts once, a failing channel is
    retried on the next call.
    """
    suppliers = load_suppliers()
    supplier = supplier or suppliers.default or next(iter(suppliers))
    ledger = get_ledger()
    key = supplier.key
    events: list[AlertEvent] = validation_events(ledger, key, invoice_numbers)
    events += submission_failed_events(ledger, key, invoice_numbers)
    events += needs_review_events(ledger, key, invoice_numbers)
    channels = supplier_alert_channels(supplier, suppliers)
    report = AlertDispatcher(ledger, channels, supplier.language).dispatch(events)
    log.info("%s: %s", supplier.id, report.summary_text())
    return report.to_xcom()


class _SubmissionFailureNotifier(BaseNotifier):
    """Base of the callback notifiers: alert on invoices that failed for good, through one channel."""

    def channel(self) -> Channel | None:
        """The channel this notifier sends through."""
        raise NotImplementedError

    def notify(self, context: Any) -> None:
        """Send the pending "failed for good" alerts (each once) through this notifier's channel."""
        channel = self.channel()
        if channel is None:
            log.info("%s: channel not configured, nothing sent", type(self).__name__)
            return
        ledger = get_ledger()
        events = []
        for supplier in load_suppliers():
            events += submission_failed_events(ledger, supplier.key) + needs_review_events(
                ledger, supplier.key
            )
        report = AlertDispatcher(ledger, [channel]).dispatch(events)
        log.info("%s", report.summary_text())


class ChorusflowEmailNotifier(_SubmissionFailureNotifier):
    """E-mails the invoices that failed for good (use as ``on_failure_callback`` of ``submit``)."""

    template_fields = ("smtp_conn_id",)

    def __init__(self, smtp_conn_id: str = SMTP_CONN_ID, recipients: list[str] | None = None) -> None:
        super().__init__()
        self.smtp_conn_id = smtp_conn_id
        self.recipients = recipients

    def channel(self) -> Channel | None:
        """The e-mail channel of ``smtp_conn_id``."""
        return email_channel(self.smtp_conn_id, self.recipients)


class ChorusflowWebhookNotifier(_SubmissionFailureNotifier):
    """Posts the invoices that failed for good to the webhook (use as ``on_failure_callback``)."""

    template_fields = ("webhook_conn_id",)

    def __init__(self, webhook_conn_id: str = WEBHOOK_CONN_ID) -> None:
        super().__init__()
        self.webhook_conn_id = webhook_conn_id

    def channel(self) -> Channel | None:
        """The webhook channel of ``webhook_conn_id``."""
        return webhook_channel(self.webhook_conn_id)
