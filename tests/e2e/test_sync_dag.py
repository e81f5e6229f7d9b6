"""`chorus_sync_statuses` end to end with `dag.test()`: submission DAG, sandbox recipient actions,
a real SMTP server (aiosmtpd) and a webhook receiver on loopback, ledger on SQLite and PostgreSQL.

The acceptance of issue 5: one alert names the rejected invoice with the buyer's comment, one the
suspended invoice; the ledger shows each invoice's current status; a second run sends nothing new.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chorusflow.ledger import InvoiceState
from chorusflow.messages import text
from tests.alerts.servers import Mailbox, WebhookReceiver, webhook_server
from tests.fixtures.airflow import ALERT_RECIPIENTS, PipelineEnv, load_dag
from tests.fixtures.sandbox import SUPPLIER_SIRET
from tests.platforms.chorus_pro.statuses.helpers import SEARCH_PATH

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHORUSFLOW_SUBMIT_RETRY_DELAY", "0.2")
    monkeypatch.setenv("CHORUSFLOW_SYNC_PAGE_RETRY_DELAY", "0")


@pytest.fixture
def webhook(monkeypatch: pytest.MonkeyPatch) -> Iterator[WebhookReceiver]:
    with webhook_server() as receiver:
        monkeypatch.setenv(
            "AIRFLOW_CONN_CHORUSFLOW_ALERT_WEBHOOK", f'{{"conn_type": "http", "host": "{receiver.url}"}}'
        )
        yield receiver


def submitted_invoices(env: PipelineEnv) -> dict[str, int]:
    """Run the submission DAG on the bundled sample; number -> Chorus Pro id."""
    env.drop_export()
    assert load_dag("chorus_submit_invoices").test().state == "success"
    return {
        row.invoice_number: row.identifiant_facture_cpp
        for row in env.ledger.list_invoices(InvoiceState.SUBMITTED, SUPPLIER_SIRET)
        if row.identifiant_facture_cpp is not None
    }


def run_sync() -> Any:
    return load_dag("chorus_sync_statuses").test()


def run_note(run_id: str) -> str | None:
    """The note the UI shows for a run (set by the chorusflow_run_notes plugin)."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        run = session.scalar(select(DagRun).where(DagRun.run_id == run_id))
        return None if run is None else run.note


def set_note_as_a_person(run_id: str, note: str) -> None:
    """What the UI or the REST API does when a person writes a run's note: the note names its author."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        run = session.scalar(select(DagRun).where(DagRun.run_id == run_id))
        assert run is not None
        if run.dag_run_note is None:
            run.note = (note, "admin")
        else:
            run.dag_run_note.content, run.dag_run_note.user_id = note, "admin"


def clear_and_rerun(dag: Any, run_id: str, task_ids: list[str]) -> str:
    """Clear ``task_ids`` of a finished run as the UI's *Clear* does, then play the scheduler until the
    run ends again (the loop of ``dag.test()``, on the same run); the run's new state."""
    from airflow import settings
    from airflow.models.dagrun import DagRun
    from airflow.models.taskinstance import clear_task_instances
    from airflow.sdk.definitions.dag import _run_task
    from airflow.serialization.serialized_objects import DagSerialization
    from airflow.utils.state import DagRunState, TaskInstanceState
    from sqlalchemy import select

    assert settings.Session is not None
    session = settings.Session()
    try:
        run = session.scalar(select(DagRun).where(DagRun.dag_id == dag.dag_id, DagRun.run_id == run_id))
        assert run is not None and run.state in ("success", "failed")
        tis = [ti for ti in run.get_task_instances(session=session) if ti.task_id in task_ids]
        clear_task_instances(tis, session, DagRunState.QUEUED)
        session.commit()
        run.dag = DagSerialization.deserialize_dag(DagSerialization.serialize_dag(dag))
        run.set_state(DagRunState.RUNNING)  # the scheduler starts the queued run
        session.commit()
        while run.state == DagRunState.RUNNING:
            session.expire_all()
            schedulable, _ = run.update_state(session=session)
            for ti in schedulable:
                ti.try_number += 1
                ti.state = TaskInstanceState.SCHEDULED
            session.commit()
            for ti in run.get_task_instances(state=[TaskInstanceState.SCHEDULED], session=session):
                _run_task(ti=ti, task=dag.task_dict[ti.task_id])
        return str(run.state)
    finally:
        session.close()


def report_of(dag_run: Any) -> dict[str, Any]:
    """The return value of the run's `report` task (what the run-note plugin copies)."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        row = session.scalars(
            XComModel.get_many(
                run_id=dag_run.run_id, dag_ids="chorus_sync_statuses", task_ids="report", key="return_value"
            )
        ).first()
        assert row is not None
        value: dict[str, Any] = XComModel.deserialize_value(row)
    return value


def test_rejected_suspended_paid_alert_once(
    pipeline_env: PipelineEnv, alert_mailbox: Mailbox, webhook: WebhookReceiver
) -> None:
    ids = submitted_invoices(pipeline_env)
    assert len(ids) >= 5
    rejected, suspended, paid, waiting = sorted(ids)[:4]
    admin = pipeline_env.admin
    admin.set_status(ids[rejected], "REJETEE", "Le numéro d'engagement EJ-404 est inconnu")
    admin.set_status(ids[suspended], "SUSPENDUE", "Merci de joindre le procès-verbal de réception")
    for status in ("MISE_A_DISPOSITION", "SERVICE_FAIT", "MANDATEE", "MISE_EN_PAIEMENT"):
        admin.set_status(ids[paid], status)
    admin.set_status(ids[waiting], "MISE_A_DISPOSITION")
    # The submission run already alerted on the invoices that failed validation.
    before_mail, before_hooks = len(alert_mailbox.messages), len(webhook.bodies)

    first = run_sync()

    assert first.state == "success"
    about_rejected = alert_mailbox.mentioning(rejected)
    assert len(about_rejected) == 1
    assert "Le numéro d'engagement EJ-404 est inconnu" in about_rejected[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    about_suspended = alert_mailbox.mentioning(suspended)
    assert len(about_suspended) == 1
    assert "procès-verbal de réception" in about_suspended[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert not alert_mailbox.mentioning(paid) and not alert_mailbox.mentioning(waiting)
    assert len(alert_mailbox.messages) == before_mail + 2
    assert alert_mailbox.messages[-1]["X-Envelope-To"] == ALERT_RECIPIENTS
    assert len(webhook.bodies) == before_hooks + 2 and any(
        rejected in body["text"] for body in webhook.bodies
    )

    rows = {
        row.invoice_number: row for row in pipeline_env.ledger.list_invoices(supplier_siret=SUPPLIER_SIRET)
    }
    assert (rows[rejected].state, rows[rejected].chorus_status) == (InvoiceState.BLOCKED, "REJETEE")
    assert rows[rejected].chorus_status_comment == "Le numéro d'engagement EJ-404 est inconnu"
    assert (rows[suspended].state, rows[suspended].chorus_status) == (InvoiceState.BLOCKED, "SUSPENDUE")
    assert (rows[paid].state, rows[paid].chorus_status) == (InvoiceState.PAID, "MISE_EN_PAIEMENT")
    assert (rows[waiting].state, rows[waiting].chorus_status) == (
        InvoiceState.SUBMITTED,
        "MISE_A_DISPOSITION",
    )
    for number in set(ids) - {rejected, suspended, paid, waiting}:
        assert rows[number].chorus_status == "DEPOSEE"
    history = pipeline_env.ledger.get_invoice(paid, SUPPLIER_SIRET)
    assert history is not None and [h.status for h in history.history][0] == "DEPOSEE"
    note = report_of(first)["note"]
    assert "4 facture(s) modifiée(s)" in note and "Alertes : 2 nouvelle(s)" in note
    # The note names each change: the blocked ones first, with the buyer's reason and what to do.
    assert (
        f"\n- {rejected} : REJETEE, motif : « Le numéro d'engagement EJ-404 est inconnu »"
        f"\n  À faire : {text('alert.next_step.new_invoice', 'fr')}"
    ) in note
    assert (
        f"\n- {suspended} : SUSPENDUE, motif : « Merci de joindre le procès-verbal de réception »"
        f"\n  À faire : {text('alert.next_step.complete', 'fr')}"
    ) in note
    assert f"\n- {paid} : MISE_EN_PAIEMENT (payée)" in note
    assert f"\n- {waiting} : MISE_A_DISPOSITION (en cours)" in note
    assert note.index(suspended) < note.index(paid) and run_note(first.run_id) == note

    second = run_sync()

    assert second.state == "success"
    assert len(alert_mailbox.messages) == before_mail + 2 and len(webhook.bodies) == before_hooks + 2
    assert "Alertes : 0 nouvelle(s)" in report_of(second)["note"]


def test_a_rerun_rewrites_the_run_note_but_never_a_persons_note(
    pipeline_env: PipelineEnv, alert_mailbox: Mailbox
) -> None:
    ids = submitted_invoices(pipeline_env)
    first, second = sorted(ids)[:2]
    dag = load_dag("chorus_sync_statuses")
    dag_run = dag.test()
    assert dag_run.state == "success"
    assert "0 facture(s) modifiée(s)" in (run_note(dag_run.run_id) or "")
    pipeline_env.admin.set_status(ids[first], "REJETEE", "Numéro d'engagement inconnu")

    # An operator clears the run's `sync` task with its downstream: the report is written again.
    assert clear_and_rerun(dag, dag_run.run_id, ["sync", "alert", "report"]) == "success"

    note = run_note(dag_run.run_id) or ""
    assert "1 facture(s) modifiée(s) (dont 1 bloquée(s))" in note
    assert f"- {first} : REJETEE, motif : « Numéro d'engagement inconnu »" in note
    assert note == report_of(dag_run)["note"]

    set_note_as_a_person(dag_run.run_id, "Vu avec l'acheteur : nouvelle facture F2026-0201 émise")
    pipeline_env.admin.set_status(ids[second], "SUSPENDUE", "Pièce manquante")
    assert clear_and_rerun(dag, dag_run.run_id, ["report"]) == "success"

    assert run_note(dag_run.run_id) == "Vu avec l'acheteur : nouvelle facture F2026-0201 émise"


def test_failing_page_shows_in_the_run_note_and_heals(
    pipeline_env: PipelineEnv, alert_mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = submitted_invoices(pipeline_env)
    for identifiant in ids.values():
        pipeline_env.admin.set_status(identifiant, "MISE_A_DISPOSITION")
    monkeypatch.setenv("CHORUSFLOW_SYNC_PAGE_SIZE", "5")
    monkeypatch.setenv("CHORUSFLOW_LANG", "en")
    pipeline_env.admin.set_faults(failing_pages={SEARCH_PATH: [2]})

    broken = run_sync()

    assert broken.state == "success"
    note = report_of(broken)["note"]
    assert "1 page(s) failed (2)" in note and "Watermark kept" in note
    statuses = [
        row.chorus_status for row in pipeline_env.ledger.list_invoices(InvoiceState.SUBMITTED, SUPPLIER_SIRET)
    ]
    assert statuses.count("MISE_A_DISPOSITION") == len(ids) - 5

    pipeline_env.admin.set_faults(failing_pages={})
    healed = run_sync()

    assert "Watermark moved" in report_of(healed)["note"]
    statuses = [
        row.chorus_status for row in pipeline_env.ledger.list_invoices(InvoiceState.SUBMITTED, SUPPLIER_SIRET)
    ]
    assert statuses == ["MISE_A_DISPOSITION"] * len(ids)


def test_daily_digest_dag_sends_once_per_day(pipeline_env: PipelineEnv, alert_mailbox: Mailbox) -> None:
    ids = submitted_invoices(pipeline_env)
    first_number = sorted(ids)[0]
    pipeline_env.admin.set_status(ids[first_number], "SUSPENDUE", "Pièce manquante")
    assert run_sync().state == "success"
    before = len(alert_mailbox.messages)

    assert load_dag("chorus_daily_digest").test().state == "success"
    assert load_dag("chorus_daily_digest").test().state == "success"

    digests = alert_mailbox.messages[before:]
    assert len(digests) == 1 and "Point du" in str(digests[0]["Subject"])
    assert first_number in digests[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_submission_dag_alerts_validation_rejections_once(
    pipeline_env: PipelineEnv, alert_mailbox: Mailbox
) -> None:
    submitted_invoices(pipeline_env)
    invalid = [
        row.invoice_number for row in pipeline_env.ledger.list_invoices(InvoiceState.INVALID, SUPPLIER_SIRET)
    ]
    assert invalid
    assert len(alert_mailbox.messages) == len(invalid)
    for number in invalid:
        [message] = alert_mailbox.mentioning(number)
        assert "n'a pas été envoyée" in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]

    pipeline_env.drop_export(name="sample-again.csv")
    assert load_dag("chorus_submit_invoices").test().state == "success"
    assert len(alert_mailbox.messages) == len(invalid)
