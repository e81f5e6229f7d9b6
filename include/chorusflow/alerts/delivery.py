"""Where alerts go: e-mail (through the mailer it is given), a JSON webhook (requests) and the log.

No Airflow here: the Airflow adapter gives the e-mail channel its mailer (providers-smtp).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Protocol

import requests

from chorusflow.alerts.render import RenderedAlert

log = logging.getLogger(__name__)


class ChannelError(Exception):
    """A channel could not deliver a message (the text names the channel, never a secret)."""


class Channel(Protocol):
    """Anything that can deliver a rendered alert; ``name`` identifies it in the ledger."""

    name: str

    def send(self, alert: RenderedAlert) -> None:
        """Deliver the alert or raise :class:`ChannelError`."""


class LogChannel:
    """Writes the alert to the task log (always available)."""

    name = "log"

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self.logger = logger or log

    def send(self, alert: RenderedAlert) -> None:
        """Log the subject and the text part."""
        self.logger.warning("%s\n%s", alert.subject, alert.text)


class Mailer(Protocol):
    """Sends one e-mail message, or raises :class:`ChannelError`.

    The Airflow adapter's goes through the SMTP connection with providers-smtp's ``SmtpHook``
    (:class:`chorusflow.airflow.mail.SmtpMailer`): the domain never reads a connection.
    """

    def __call__(self, message: EmailMessage) -> None:
        """Send ``message`` to the addresses in its ``To`` header."""


class EmailChannel:
    """Sends each alert as one e-mail with a text and an HTML part, through the mailer it is given."""

    name = "email"

    def __init__(self, sender: str, recipients: Sequence[str], mailer: Mailer) -> None:
        if not recipients:
            raise ValueError("an e-mail channel needs at least one recipient")
        self.sender = sender
        self.recipients = list(recipients)
        self.mailer = mailer

    def __repr__(self) -> str:
        return f"EmailChannel({self.mailer!r}, {len(self.recipients)} recipient(s))"

    def message(self, alert: RenderedAlert) -> EmailMessage:
        """The MIME message: text part first, HTML alternative."""
        message = EmailMessage()
        message["Subject"] = alert.subject
        message["From"] = self.sender
        message["To"] = ", ".join(self.recipients)
        message["Date"] = formatdate(localtime=True)
        message["Message-ID"] = make_msgid(domain="chorusflow")
        message.set_content(alert.text)
        message.add_alternative(alert.html, subtype="html")
        return message

    def send(self, alert: RenderedAlert) -> None:
        """Hand the message to the mailer; it raises :class:`ChannelError` when it cannot deliver."""
        self.mailer(self.message(alert))


class WebhookChannel:
    """Posts ``{"text": ...}`` (Slack, Teams and Mattermost incoming webhooks accept it)."""

    name = "webhook"

    def __init__(self, url: str, *, headers: dict[str, str] | None = None, timeout: float = 15.0) -> None:
        self._url = url  # webhook URLs embed a token: never logged
        self.headers = headers or {}
        self.timeout = timeout

    def __repr__(self) -> str:
        return "WebhookChannel(<url hidden>)"

    def send(self, alert: RenderedAlert) -> None:
        """POST the JSON body; a non-2xx answer or a network error becomes a :class:`ChannelError`."""
        body = {"text": f"*{alert.subject}*\n{alert.text}"}
        try:
            response = requests.post(self._url, json=body, headers=self.headers, timeout=self.timeout)
        except requests.RequestException as error:
            raise ChannelError(f"webhook failed: {type(error).__name__}") from None
        if not 200 <= response.status_code < 300:
            raise ChannelError(f"webhook answered HTTP {response.status_code}")
