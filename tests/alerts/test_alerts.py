"""Alerts end to end in the domain: sandbox statuses -> ledger -> events -> real SMTP and webhook servers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest

from chorusflow.airflow.mail import SmtpMailer
from chorusflow.alerts import (
    AlertDispatcher,
    AlertKind,
    AlertSettings,
    EmailChannel,
    LogChannel,
    WebhookChannel,
    blocked_events,
    build_digest,
    late_payment_interest,
    overdue_events,
    password_expiry_event,
    render,
    render_digest,
    stale_events,
    submission_failed_events,
    validation_events,
)
from chorusflow.ledger import Ledger, utc_now
from chorusflow.platforms.chorus_pro import ChorusProClient
from chorusflow.platforms.chorus_pro.statuses import StatusSync
from chorusflow_dev.sandbox import SandboxServer
from chorusflow_dev.testing.deposits import valid_verdict
from tests.alerts.servers import Mailbox, WebhookReceiver, smtp_server, webhook_server
from tests.fixtures.sandbox import SUPPLIER_ID, SUPPLIER_SIRET, SandboxAdmin
from tests.platforms.chorus_pro.statuses.helpers import OWNER, deposit

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def mailbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Mailbox]:
    with smtp_server() as box:
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", box.uri())  # read by the production mailer
        yield box


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    with webhook_server() as receiver:
        yield receiver


def dispatcher(
    ledger: Ledger, mailbox: Mailbox, webhook: WebhookReceiver, lang: str = "fr"
) -> AlertDispatcher:
    channels = [
        EmailChannel("chorusflow@example.org", ["compta@example.org"], SmtpMailer()),
        WebhookChannel(webhook.url, timeout=5),
        LogChannel(),
    ]
    return AlertDispatcher(ledger, channels, lang=lang)  # type: ignore[arg-type]


def sync(ledger: Ledger, client: ChorusProClient) -> None:
    assert StatusSync(ledger, client, SUPPLIER_SIRET, retry_delay_seconds=0).run().complete


def test_blocked_invoices_alert_once_with_reason_and_next_step(
    ledger: Ledger,
    client: ChorusProClient,
    sandbox: SandboxServer,
    mailbox: Mailbox,
    webhook: WebhookReceiver,
) -> None:
    admin = SandboxAdmin(sandbox)
    ids = deposit(ledger, client, ["AL-REJ", "AL-SUS", "AL-REC", "AL-PAY"])
    admin.set_status(ids["AL-REJ"], "REJETEE", "Montant erroné : avoir attendu")
    admin.set_status(ids["AL-SUS"], "SUSPENDUE", "Bon de livraison manquant")
    admin.set_status(ids["AL-REC"], "A_RECYCLER", "Mauvais code service")
    admin.set_status(ids["AL-PAY"], "MISE_EN_PAIEMENT")
    sync(ledger, client)

    report = dispatcher(ledger, mailbox, webhook).dispatch(blocked_events(ledger, SUPPLIER_SIRET))

    assert len(report.new_events) == 3 and report.kinds == {"blocked": 3}
    assert len(mailbox.messages) == 3 and len(webhook.bodies) == 3
    [rejected] = mailbox.mentioning("AL-REJ")
    text = rejected.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "Montant erroné : avoir attendu" in text and "nouvelle facture" in text and "120,00" in text
    assert "Commune de Démoville" in text
    html = rejected.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    assert "Montant erroné" in html
    [suspended] = mailbox.mentioning("AL-SUS")
    assert "Compléter" in suspended.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    [recycled] = mailbox.mentioning("AL-REC")
    assert "Recycler" in recycled.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert not mailbox.mentioning("AL-PAY")
    assert any(
        "AL-SUS" in body["text"] and "Bon de livraison manquant" in body["text"] for body in webhook.bodies
    )
    assert mailbox.messages[0]["X-Envelope-To"] == "compta@example.org"

    sync(ledger, client)
    again = dispatcher(ledger, mailbox, webhook).dispatch(blocked_events(ledger, SUPPLIER_SIRET))

    assert again.new_events == [] and len(mailbox.messages) == 3 and len(webhook.bodies) == 3
    assert all(ledger.alert_already_sent(key) for key in report.new_events)

    # Suspended a second time after completion: a new event, alerted once.
    client.complete_invoice(ids["AL-SUS"], "Bon joint")
    sync(ledger, client)
    admin.set_status(ids["AL-SUS"], "SUSPENDUE", "Signature manquante")
    sync(ledger, client)
    third = dispatcher(ledger, mailbox, webhook).dispatch(blocked_events(ledger, SUPPLIER_SIRET))
    assert len(third.new_events) == 1 and "Signature manquante" in mailbox.texts()[-1]


def test_failing_channel_does_not_stop_the_other_and_is_retried_next_run(
    ledger: Ledger,
    client: ChorusProClient,
    sandbox: SandboxServer,
    mailbox: Mailbox,
    webhook: WebhookReceiver,
) -> None:
    ids = deposit(ledger, client, ["AL-CH"])
    SandboxAdmin(sandbox).set_status(ids["AL-CH"], "SUSPENDUE", "Pièce manquante")
    sync(ledger, client)
    webhook.fail_with = 500
    events = blocked_events(ledger, SUPPLIER_SIRET)

    first = dispatcher(ledger, mailbox, webhook).dispatch(events)

    assert len(mailbox.messages) == 1 and webhook.bodies == []
    assert first.outcomes["webhook:failed"] == 1 and first.outcomes["email:delivered"] == 1
    assert "500" in first.errors[0]
    assert not ledger.alert_already_sent(events[0].event_key)

    webhook.fail_with = None
    second = dispatcher(ledger, mailbox, webhook).dispatch(events)

    assert len(mailbox.messages) == 1 and len(webhook.bodies) == 1  # e-mail not sent twice
    assert second.outcomes["email:already"] == 1 and second.outcomes["webhook:delivered"] == 1
    assert ledger.alert_already_sent(events[0].event_key)
    third = dispatcher(ledger, mailbox, webhook).dispatch(events)
    assert third.new_events == [] and set(third.outcomes) == {
        "email:already",
        "webhook:already",
        "log:already",
    }
    assert len(mailbox.messages) == 1 and len(webhook.bodies) == 1


def test_unreachable_smtp_server_is_a_failed_delivery_not_a_crash(
    ledger: Ledger,
    client: ChorusProClient,
    sandbox: SandboxServer,
    webhook: WebhookReceiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ids = deposit(ledger, client, ["AL-NOSMTP"])
    SandboxAdmin(sandbox).set_status(ids["AL-NOSMTP"], "REJETEE", "Doublon")
    sync(ledger, client)
    monkeypatch.setenv(
        "AIRFLOW_CONN_SMTP_CLOSED", "smtp://127.0.0.1:1?disable_tls=true&disable_ssl=true&timeout=2"
    )
    closed = EmailChannel("a@example.org", ["b@example.org"], SmtpMailer("smtp_closed"))
    report = AlertDispatcher(ledger, [closed, WebhookChannel(webhook.url)]).dispatch(
        blocked_events(ledger, SUPPLIER_SIRET)
    )
    assert report.outcomes == {"email:failed": 1, "webhook:delivered": 1}
    assert len(webhook.bodies) == 1


def test_a_send_that_died_midway_is_never_repeated(
    ledger: Ledger,
    client: ChorusProClient,
    sandbox: SandboxServer,
    mailbox: Mailbox,
    webhook: WebhookReceiver,
) -> None:
    ids = deposit(ledger, client, ["AL-DIE"])
    SandboxAdmin(sandbox).set_status(ids["AL-DIE"], "A_RECYCLER", "Code service erroné")
    sync(ledger, client)
    [event] = blocked_events(ledger, SUPPLIER_SIRET)
    # What a worker killed between the claim and the SMTP answer leaves behind.
    ledger.record_alert(f"{event.event_key}#email#try1", "blocked", event.invoice_id, "email", {})

    report = dispatcher(ledger, mailbox, webhook).dispatch([event])

    assert mailbox.messages == [] and len(webhook.bodies) == 1
    assert report.outcomes["email:in_doubt"] == 1
    assert ledger.alert_already_sent(event.event_key)


def test_stale_and_overdue_invoices(
    ledger: Ledger,
    client: ChorusProClient,
    sandbox: SandboxServer,
    mailbox: Mailbox,
    webhook: WebhookReceiver,
) -> None:
    ids = deposit(ledger, client, ["AL-OLD", "AL-NEW"])
    SandboxAdmin(sandbox).set_status(ids["AL-OLD"], "MISE_A_DISPOSITION")
    sync(ledger, client)
    settings = AlertSettings(stale_days={"MISE_A_DISPOSITION": 10, "DEFAULT": 60}, ecb_rate=Decimal("2.15"))
    later = utc_now() + timedelta(days=40)

    stale = stale_events(ledger, SUPPLIER_SIRET, later, settings)
    overdue = overdue_events(ledger, SUPPLIER_SIRET, later.date(), settings)

    assert [e.invoice_number for e in stale] == ["AL-OLD"]  # DEPOSEE allows 60 days here
    assert stale[0].details["limit_days"] == 10 and stale[0].details["days"] >= 39
    assert {e.invoice_number for e in overdue} == {"AL-OLD", "AL-NEW"}
    late = overdue[0].details
    assert late["rate_percent"] == "10.15" and 9 <= late["days_late"] <= 11
    expected = late_payment_interest(Decimal("120"), late["days_late"], Decimal("10.15"))
    assert late["interest"] == str(expected) and late["fixed_indemnity"] == "40.00"
    assert stale_events(ledger, SUPPLIER_SIRET, utc_now(), settings) == []
    assert overdue_events(ledger, SUPPLIER_SIRET, utc_now().date(), settings) == []

    report = dispatcher(ledger, mailbox, webhook).dispatch([*stale, *overdue])
    assert report.kinds == {"stale": 1, "payment_overdue": 2}
    overdue_text = mailbox.texts()[-1]
    assert "Indemnité forfaitaire : 40,00 €" in overdue_text and "taux BCE 2.15 % + 8 points" in overdue_text
    assert dispatcher(ledger, mailbox, webhook).dispatch([*stale, *overdue]).new_events == []


def test_late_payment_interest_is_pro_rata_on_ttc() -> None:
    assert late_payment_interest(Decimal("36500"), 10, Decimal("10")) == Decimal("100.00")
    assert late_payment_interest(Decimal("120"), 0, Decimal("10")) == Decimal("0.00")


def test_technical_password_expiry_alerts_at_30_and_7_days(
    ledger: Ledger, client: ChorusProClient, mailbox: Mailbox, webhook: WebhookReceiver
) -> None:
    expires = client.get_structure(SUPPLIER_ID).technical_password_expires_on
    assert expires is not None
    settings = AlertSettings()
    assert password_expiry_event(expires, expires - timedelta(days=45), settings) is None
    at_30 = password_expiry_event(expires, expires - timedelta(days=20), settings)
    at_7 = password_expiry_event(expires, expires - timedelta(days=5), settings)
    assert at_30 is not None and at_7 is not None and at_30.event_key != at_7.event_key

    sender = dispatcher(ledger, mailbox, webhook)
    assert len(sender.dispatch([at_30]).new_events) == 1
    assert (
        sender.dispatch([password_expiry_event(expires, expires - timedelta(days=19), settings)]).new_events
        == []
    )  # type: ignore[list-item]
    assert len(sender.dispatch([at_7]).new_events) == 1
    assert len(mailbox.messages) == 2 and "expire le" in mailbox.texts()[0]


def test_validation_rejections_and_failed_submissions(
    ledger: Ledger, mailbox: Mailbox, webhook: WebhookReceiver
) -> None:
    bad = valid_verdict("AL-INV").model_copy(
        update={
            "valid": False,
            "findings": [
                {
                    "code": "FR-SIRET-01",
                    "field": "buyer_siret",
                    "message": "SIRET invalide",
                    "severity": "error",
                }
            ],
        }
    )
    ledger.record_validated(SUPPLIER_SIRET, "export.csv", [bad, valid_verdict("AL-FAIL")])
    [claim] = ledger.claim_for_submission(SUPPLIER_SIRET, ["AL-FAIL"], OWNER)
    ledger.mark_failed(claim.invoice_id, "codeRetour 20014: code service obligatoire", owner=OWNER)

    events = validation_events(ledger, SUPPLIER_SIRET) + submission_failed_events(
        ledger, SUPPLIER_SIRET, ["AL-FAIL"]
    )

    assert [e.kind for e in events] == [AlertKind.VALIDATION_REJECTED, AlertKind.SUBMISSION_FAILED]
    report = dispatcher(ledger, mailbox, webhook).dispatch(events)
    assert len(report.new_events) == 2
    assert "FR-SIRET-01 : SIRET invalide" in mailbox.texts()[0]
    assert "code service obligatoire" in mailbox.texts()[1]
    assert dispatcher(ledger, mailbox, webhook).dispatch(events).new_events == []


def test_messages_in_french_by_default_and_english_by_setting(
    ledger: Ledger, client: ChorusProClient, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = deposit(ledger, client, ["AL-LANG"])
    SandboxAdmin(sandbox).set_status(ids["AL-LANG"], "SUSPENDUE", "Pièce manquante")
    sync(ledger, client)
    [event] = blocked_events(ledger, SUPPLIER_SIRET)

    french = render(event)
    monkeypatch.setenv("CHORUSFLOW_LANG", "en")
    english = render(event)

    assert "Facture bloquée" in french.subject and "Motif de l'acheteur : Pièce manquante" in french.text
    assert "À faire" in french.text and "120,00 €" in french.text
    assert "Invoice blocked" in english.subject and "Buyer's reason: Pièce manquante" in english.text
    assert "What to do" in english.text and "EUR 120.00" in english.text and "<table>" in english.html


def test_daily_digest_lists_open_items_with_totals(
    ledger: Ledger, client: ChorusProClient, sandbox: SandboxServer
) -> None:
    admin = SandboxAdmin(sandbox)
    ids = deposit(ledger, client, ["DG-1", "DG-2", "DG-3"])
    admin.set_status(ids["DG-1"], "SUSPENDUE", "Pièce manquante")
    admin.set_status(ids["DG-2"], "REJETEE", "Doublon")
    sync(ledger, client)

    digest = build_digest(ledger, SUPPLIER_SIRET, utc_now() + timedelta(days=45), AlertSettings())
    french = render_digest(digest, "fr")
    english = render_digest(digest, "en")

    assert [e.invoice_number for e in digest.blocked] == ["DG-1", "DG-2"]
    assert [e.invoice_number for e in digest.overdue] == ["DG-3"] and [
        e.invoice_number for e in digest.stale
    ] == ["DG-3"]
    assert "Factures bloquées : 2 (total 240,00 €)" in french.text and "Doublon" in french.text
    assert "Blocked invoices: 2 (total EUR 240.00)" in english.text and "Overdue payments: 1" in english.text
    assert (
        render_digest(build_digest(ledger, "00000000000000", utc_now(), AlertSettings()), "en").text
        == "Nothing open."
    )
