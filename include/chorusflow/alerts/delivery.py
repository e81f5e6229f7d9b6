"""Where alerts go: e-mail (plain smtplib), a JSON webhook (requests) and the log. No Airflow here."""

from __future__ import annotations

import logging
import smtplib
import ssl
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


class EmailChannel:
    """Sends each alert as one e-mail with a text and an HTML part."""

    name = "email"

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        recipients: Sequence[str],
        *,
        login: str | None = None,
        password: str | None = None,
        use_ssl: bool = False,
        starttls: bool = False,
        timeout: float = 30.0,
    ) -> None:
        if not recipients:
            raise ValueError("an e-mail channel needs at least one recipient")
        self.host = host
        self.port = port
        self.sender = sender
        self.recipients = list(recipients)
        self.login = login
        self._password = password
        self.use_ssl = use_ssl
        self.starttls = starttls
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"EmailChannel({self.host}:{self.port}, {len(self.recipients)} recipient(s))"

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
        """Send through the SMTP server; any failure becomes a :class:`ChannelError`."""
        try:
            if self.use_ssl:
                server: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
                )
            else:
                server = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with server:
                if self.starttls:
                    server.starttls(context=ssl.create_default_context())
                if self.login and self._password:
                    server.login(self.login, self._password)
                server.send_message(self.message(alert))
        except (OSError, smtplib.SMTPException) as error:
            raise ChannelError(f"e-mail to {self.host}:{self.port} failed: {type(error).__name__}") from None


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
