"""Alerts: events computed from the ledger, FR/EN messages, e-mail/webhook/log channels, sent once.

Nothing here imports Airflow; ``chorusflow.airflow.notifiers`` builds the channels from Airflow
connections and variables. ``docs/alerts.md`` lists the kinds, keys and settings.
"""

from chorusflow.alerts.delivery import Channel, ChannelError, EmailChannel, LogChannel, Mailer, WebhookChannel
from chorusflow.alerts.digest import Digest, build_digest, render_digest
from chorusflow.alerts.dispatch import MAX_TRIES, AlertDispatcher, DispatchReport
from chorusflow.alerts.events import (
    AlertEvent,
    AlertKind,
    blocked_events,
    flux_refused_events,
    invoice_clock,
    needs_review_events,
    overdue_events,
    password_expiry_event,
    stale_events,
    submission_failed_events,
    validation_events,
)
from chorusflow.alerts.render import RenderedAlert, render
from chorusflow.alerts.settings import DEFAULT_ECB_RATE, DEFAULT_STALE_DAYS, AlertSettings
from chorusflow.sync.payment_clock import late_payment_interest

__all__ = [
    "DEFAULT_ECB_RATE",
    "DEFAULT_STALE_DAYS",
    "MAX_TRIES",
    "AlertDispatcher",
    "AlertEvent",
    "AlertKind",
    "AlertSettings",
    "Channel",
    "ChannelError",
    "Digest",
    "DispatchReport",
    "EmailChannel",
    "LogChannel",
    "Mailer",
    "RenderedAlert",
    "WebhookChannel",
    "blocked_events",
    "build_digest",
    "flux_refused_events",
    "invoice_clock",
    "late_payment_interest",
    "overdue_events",
    "password_expiry_event",
    "render",
    "render_digest",
    "stale_events",
    "needs_review_events",
    "submission_failed_events",
    "validation_events",
]
