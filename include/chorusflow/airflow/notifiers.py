"""Alert channels from Airflow's connections and variables, and notifiers usable as callbacks.

- e-mail: the SMTP connection ``smtp_default`` (providers-smtp's extras ``disable_ssl``,
  ``disable_tls``, ``from_email``, ``timeout``) to the comma-separated recipients of the Variable
  ``chorusflow_alert_recipients``;
- webhook: the HTTP connection ``chorusflow_alert_webhook``, when it is defined;
- the task log, always.

The senders themselves live in :mod:`chorusflow.alerts` (plain smtplib / requests).
"""

from __future__ import annotations

import logging
import os
from typing import Any

from airflow.sdk import BaseHook, BaseNotifier, Variable

from chorusflow.alerts import (
    AlertDispatcher,
    AlertEvent,
    Channel,
    EmailChannel,
    LogChannel,
    WebhookChannel,
    needs_review_events,
    submission_failed_events,
    validation_events,
)
from chorusflow.config import load_supplier

log = logging.getLogger(__name__)

SMTP_CONN_ID = "smtp_default"
WEBHOOK_CONN_ID = "chorusflow_alert_webhook"
RECIPIENTS_VARIABLE = "chorusflow_alert_recipients"
DEFAULT_SENDER = "chorusflow@localhost"


def _connection(conn_id: str) -> Any | None:
    try:
        return BaseHook.get_connection(conn_id)
    except Exception:  # not defined (Airflow raises its own NotFound type)
        return None


def _flag(extra: dict[str, Any], key: str) -> bool:
    value = extra.get(key, False)
    return value.strip().lower() in ("1", "true", "yes", "on") if isinstance(value, str) else bool(value)


def _addresses(raw: str) -> list[str]:
    return [address.strip() for address in raw.replace(";", ",").split(",") if address.strip()]


def alert_recipients(variable: str = RECIPIENTS_VARIABLE) -> list[str]:
    """Recipients from the Airflow Variable (``,``/``;`` separated), else ``CHORUSFLOW_ALERT_RECIPIENTS``."""
    raw = Variable.get(variable, default="") or os.environ.get("CHORUSFLOW_ALERT_RECIPIENTS", "")
    return _addresses(str(raw))


def email_channel(conn_id: str = SMTP_CONN_ID, recipients: list[str] | None = None) -> EmailChannel | None:
    """The e-mail channel, or None when the connection or the recipients are missing."""
    connection = _connection(conn_id)
    if connection is None or not connection.host:
        log.info("E-mail alerts off: connection %s not defined", conn_id)
        return None
    extra = connection.extra_dejson
    sender = str(extra.get("from_email") or connection.login or DEFAULT_SENDER)
    recipients = recipients if recipients is not None else alert_recipients()
    if not recipients:
        # Better the sender's mailbox (usually the team's) than silence.
        log.warning("Variable %s not set: alerts go to the sender address %s", RECIPIENTS_VARIABLE, sender)
        recipients = _addresses(sender)
    use_ssl = not _flag(extra, "disable_ssl")
    return EmailChannel(
        connection.host,
        int(connection.port or (465 if use_ssl else 25)),
        sender,
        recipients,
        login=connection.login or None,
        password=connection.password or None,
        use_ssl=use_ssl,
        starttls=not use_ssl and not _flag(extra, "disable_tls"),
        timeout=float(extra.get("timeout", 30)),
    )


def webhook_url(host: str, schema: str | None, port: int | None, endpoint: str | None) -> str:
    """The webhook URL from an HTTP connection: a full URL in ``host``, or scheme/host/port + endpoint."""
    if "://" in host:
        base = host
    else:
        scheme = schema if schema in ("http", "https") else "https"
        base = f"{scheme}://{host}" + (f":{port}" if port else "")
        if schema and schema not in ("http", "https"):
            base += "/" + schema.lstrip("/")  # URI form: Airflow puts the path in ``schema``
    return f"{base.rstrip('/')}/{endpoint.lstrip('/')}" if endpoint else base


def webhook_channel(conn_id: str = WEBHOOK_CONN_ID) -> WebhookChannel | None:
    """The webhook channel, or None when the connection is not defined."""
    connection = _connection(conn_id)
    if connection is None or not connection.host:
        return None
    extra = connection.extra_dejson
    url = webhook_url(connection.host, connection.schema, connection.port, extra.get("endpoint"))
    try:
        from airflow.sdk.log import mask_secret

        mask_secret(url)  # incoming-webhook URLs carry their token
    except ImportError:
        pass
    headers = extra.get("headers") if isinstance(extra.get("headers"), dict) else None
    return WebhookChannel(url, headers=headers, timeout=float(extra.get("timeout", 15)))


def alert_channels() -> list[Channel]:
    """Every configured channel, the task log last."""
    channels: list[Channel] = []
    for channel in (email_channel(), webhook_channel()):
        if channel is not None:
            channels.append(channel)
    channels.append(LogChannel())
    return channels


def alert_dispatcher(channels: list[Channel] | None = None) -> AlertDispatcher:
    """A dispatcher on this deployment's ledger and channels."""
    from chorusflow.airflow.runtime import get_ledger

    return AlertDispatcher(get_ledger(), channels if channels is not None else alert_channels())


def send_submission_alerts(invoice_numbers: list[str] | None = None) -> dict[str, Any]:
    """Alert on validation rejections and submissions failed for good (all, or only these numbers).

    Called by the submission DAG's report step; each invoice alerts once, a failing channel is
    retried on the next call.
    """
    from chorusflow.airflow.runtime import get_ledger

    ledger = get_ledger()
    siret = load_supplier().siret
    events: list[AlertEvent] = validation_events(ledger, siret, invoice_numbers)
    events += submission_failed_events(ledger, siret, invoice_numbers)
    events += needs_review_events(ledger, siret, invoice_numbers)
    report = alert_dispatcher().dispatch(events)
    log.info("%s", report.summary_text())
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
        from chorusflow.airflow.runtime import get_ledger

        ledger = get_ledger()
        siret = load_supplier().siret
        events = submission_failed_events(ledger, siret) + needs_review_events(ledger, siret)
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
