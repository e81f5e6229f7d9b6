"""The Airflow adapter: channels from connections and variables, and the callback notifiers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chorusflow.airflow.connections import alert_channels, alert_recipients, email_channel
from chorusflow.airflow.mail import SmtpMailer
from chorusflow.airflow.notifiers import ChorusflowEmailNotifier, ChorusflowWebhookNotifier
from chorusflow.ledger import Ledger
from chorusflow_dev.testing.deposits import valid_verdict
from tests.alerts.servers import Mailbox, WebhookReceiver, smtp_server, webhook_server
from tests.fixtures.ledger import airflow_conn_uri
from tests.fixtures.sandbox import SUPPLIER_SIRET
from tests.platforms.chorus_pro.statuses.helpers import OWNER

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def wired(
    ledger: Ledger, ledger_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Ledger, Mailbox, WebhookReceiver]]:
    with smtp_server() as mailbox, webhook_server() as webhook:
        monkeypatch.setenv("AIRFLOW_CONN_CHORUSFLOW_LEDGER", airflow_conn_uri(ledger_url))
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", mailbox.uri())
        monkeypatch.setenv("AIRFLOW_VAR_CHORUSFLOW_ALERT_RECIPIENTS", "a@example.org; b@example.org")
        monkeypatch.setenv(
            "AIRFLOW_CONN_CHORUSFLOW_ALERT_WEBHOOK", f'{{"conn_type": "http", "host": "{webhook.url}"}}'
        )
        yield ledger, mailbox, webhook


def test_channels_come_from_the_connections_and_the_variable(
    wired: tuple[Ledger, Mailbox, WebhookReceiver],
) -> None:
    _, mailbox, _ = wired
    assert alert_recipients() == ["a@example.org", "b@example.org"]
    channel = email_channel()
    assert channel is not None and isinstance(channel.mailer, SmtpMailer)
    hook = channel.mailer.hook  # providers-smtp's SmtpHook reads the connection
    assert (hook.host, hook.port) == (mailbox.host, mailbox.port)
    assert not hook.use_ssl and not hook.smtp_starttls and channel.sender == "chorusflow@example.org"
    assert [c.name for c in alert_channels()] == ["email", "webhook", "log"]


def test_without_recipients_alerts_go_to_the_sender(
    wired: tuple[Ledger, Mailbox, WebhookReceiver], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AIRFLOW_VAR_CHORUSFLOW_ALERT_RECIPIENTS")
    channel = email_channel()
    assert channel is not None and channel.recipients == ["chorusflow@example.org"]
    monkeypatch.setenv("CHORUSFLOW_ALERT_RECIPIENTS", "x@example.org")
    channel = email_channel()
    assert channel is not None and channel.recipients == ["x@example.org"]


def test_without_configuration_only_the_log_remains(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIRFLOW_CONN_SMTP_DEFAULT", raising=False)
    monkeypatch.delenv("AIRFLOW_CONN_CHORUSFLOW_ALERT_WEBHOOK", raising=False)
    assert [c.name for c in alert_channels()] == ["log"]


def test_callback_notifiers_send_failed_submissions_once_per_channel(
    wired: tuple[Ledger, Mailbox, WebhookReceiver],
) -> None:
    ledger, mailbox, webhook = wired
    ledger.record_validated(SUPPLIER_SIRET, "export.csv", [valid_verdict("NT-FAIL")])
    [claim] = ledger.claim_for_submission(SUPPLIER_SIRET, ["NT-FAIL"], OWNER)
    ledger.mark_failed(claim.invoice_id, "codeRetour 20015: numéro d'engagement obligatoire", owner=OWNER)

    ChorusflowEmailNotifier().notify({})
    ChorusflowWebhookNotifier().notify({})
    ChorusflowEmailNotifier().notify({})
    ChorusflowWebhookNotifier().notify({})

    assert len(mailbox.messages) == 1 and "NT-FAIL" in str(mailbox.messages[0]["Subject"])
    assert "numéro d'engagement obligatoire" in mailbox.texts()[0]
    assert len(webhook.bodies) == 1 and "NT-FAIL" in webhook.bodies[0]["text"]
