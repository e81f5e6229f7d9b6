"""Alert e-mails through apache-airflow-providers-smtp: its ``SmtpHook`` reads the connection.

The connection (``smtp_default``) has the SMTP provider's fields: host, port, login, password and the
extras ``from_email``, ``disable_ssl``, ``disable_tls``, ``timeout``, ``retry_limit`` and
``ssl_context`` (docs/alerts.md). The hook connects, starts TLS and logs in as the provider does; the
password is registered with Airflow's secret masker.
"""

from __future__ import annotations

from email.message import EmailMessage

from airflow.providers.smtp.hooks.smtp import SmtpHook
from airflow.sdk.log import mask_secret

from chorusflow.alerts import ChannelError

SMTP_CONN_ID = SmtpHook.default_conn_name


class SmtpMailer:
    """The e-mail channel's mailer on the SMTP connection ``conn_id``: one SMTP session per message."""

    def __init__(self, conn_id: str = SMTP_CONN_ID) -> None:
        self.conn_id = conn_id
        self.hook = _loaded_hook(conn_id)  # raises when the connection is not defined

    def __repr__(self) -> str:
        return f"SmtpMailer({self.conn_id}: {self.hook.host}:{self.hook.port})"

    @property
    def from_email(self) -> str | None:
        """The sender the connection names: extra ``from_email``, else its login."""
        return self.hook.from_email or self.hook.smtp_user or None

    def __call__(self, message: EmailMessage) -> None:
        """Send ``message`` through a fresh hook session; any failure becomes a :class:`ChannelError`."""
        try:
            with SmtpHook(self.conn_id) as hook:
                # providers-smtp 3.2 sends HTML-only messages; ours carry a text part, so the message
                # goes through the session the hook opened (TLS and login done by the hook).
                client = hook._smtp_client
                assert client is not None
                client.send_message(message)
        except Exception as error:  # the provider raises OSError, SMTPException or AirflowException
            raise ChannelError(
                f"e-mail to {self.hook.host}:{self.hook.port} failed: {type(error).__name__}"
            ) from None


def _loaded_hook(conn_id: str) -> SmtpHook:
    """An ``SmtpHook`` with its connection read (not yet connected), its password masked."""
    hook = SmtpHook(conn_id)
    hook.smtp_connection = hook.get_connection(conn_id)
    if hook.smtp_password:
        mask_secret(hook.smtp_password)
    return hook
