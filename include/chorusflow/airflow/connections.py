"""Everything the Airflow adapter resolves from Airflow: connections, variables and storage.

- the ledger (connection ``chorusflow_ledger``, else the default SQLite file), one per process;
- the Chorus Pro client of each supplier (its connection: ``chorus_pro`` for the default supplier,
  ``chorus_pro__<supplier id>`` for the others, through :class:`ChorusProHook`);
- the alert channels: e-mail through ``smtp_default`` (read, masked and sent by providers-smtp's
  ``SmtpHook``, :mod:`chorusflow.airflow.mail`) to the recipients of the Variable
  ``chorusflow_alert_recipients`` (``chorusflow_alert_recipients__<supplier id>`` for one supplier's
  alerts); the HTTP connection ``chorusflow_alert_webhook`` when defined; the task log, always;
- the inbox, archive and reports storage (``ObjectStoragePath``, with ``CHORUSFLOW_INBOX_CONN_ID``);
- who is running: the claim owner of a task instance try.

Task bodies (:mod:`chorusflow.airflow.tasks`) and notifiers take what they need from here; this
module imports neither of them.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Mapping
from typing import Any

from airflow.sdk import BaseHook, Connection, ObjectStoragePath, Variable
from airflow.sdk.log import mask_secret

from chorusflow.airflow.hook import ChorusProHook
from chorusflow.airflow.mail import SMTP_CONN_ID, SmtpMailer
from chorusflow.alerts import AlertDispatcher, Channel, EmailChannel, LogChannel, WebhookChannel
from chorusflow.ledger import ClaimOwner, Ledger, default_ledger_url, ledger_url_from_uri
from chorusflow.ledger.url import LEDGER_CONN_ID
from chorusflow.platforms.chorus_pro import ChorusProClient
from chorusflow.platforms.chorus_pro.client import api_rate
from chorusflow.settings import settings
from chorusflow.storage import report_folder
from chorusflow.suppliers import DEFAULT_CONNECTION_ID, SupplierIdentity, Suppliers

log = logging.getLogger(__name__)

WEBHOOK_CONN_ID = "chorusflow_alert_webhook"
RECIPIENTS_VARIABLE = "chorusflow_alert_recipients"
DEFAULT_SENDER = "chorusflow@localhost"
_LEDGERS: dict[str, Ledger] = {}


# -- the ledger and Chorus Pro --------------------------------------------------------------------


def get_ledger() -> Ledger:
    """The ledger of this deployment, migrated: connection ``chorusflow_ledger``, else the default SQLite."""
    url = ledger_url()
    ledger = _LEDGERS.get(url)
    if ledger is None:
        ledger = Ledger(url)
        ledger.migrate()
        _LEDGERS[url] = ledger
    return ledger


def ledger_url() -> str:
    """The connection ``chorusflow_ledger`` as Airflow's hook reads it, in its URI form; else the
    default SQLite file."""
    connection = _connection(LEDGER_CONN_ID)
    if connection is None:
        return default_ledger_url()
    if connection.password:
        mask_secret(connection.password)
    return ledger_url_from_uri(connection.get_uri(), source=f"Airflow connection '{LEDGER_CONN_ID}'")


def chorus_client(conn_id: str = DEFAULT_CONNECTION_ID) -> ChorusProClient:
    """A Chorus Pro client on the connection ``conn_id`` (default ``chorus_pro``), paced by the
    deployment's shared quota of its PISTE application.

    The quota lives in the ledger's database, one row per PISTE client id: every worker of every host
    shares it, suppliers whose connections use the same client id share it too, and a 429 holds all
    of them for its ``Retry-After``. A supplier with its own PISTE application has its own quota.
    """
    hook = ChorusProHook(conn_id)
    config = hook.get_config()
    return hook.get_client(pacer=get_ledger().api_pacer(config.client_id, api_rate(config)))


def supplier_client(
    supplier: SupplierIdentity, cache: dict[str, ChorusProClient] | None = None
) -> ChorusProClient:
    """The Chorus Pro client of ``supplier``'s technical account (its ``connection_id``), one per task
    when ``cache`` is given: every call for a supplier goes out with that supplier's credentials."""
    if cache is None:
        return chorus_client(supplier.connection_id)
    client = cache.get(supplier.connection_id)
    if client is None:
        client = cache[supplier.connection_id] = chorus_client(supplier.connection_id)
    return client


def claim_owner(context: Mapping[str, Any]) -> ClaimOwner:
    """The claim owner of the running task instance try."""
    ti = context["ti"]
    return ClaimOwner(
        dag_id=ti.dag_id,
        run_id=ti.run_id,
        task_id=ti.task_id,
        map_index=ti.map_index if ti.map_index is not None else -1,
        try_number=ti.try_number,
        hostname=socket.gethostname(),
        pid=os.getpid(),
    )


#: Task instance states in which the try that made a claim is over: finished, failed (a lost
#: heartbeat ends in failed or up_for_retry), or cleared (no state). ``restarting`` (a clear of a
#: running try, until Airflow has stopped it), ``running`` and the waiting states count as alive.
OWNER_GONE_STATES = frozenset(
    {"success", "failed", "skipped", "upstream_failed", "removed", "up_for_retry", None}
)


def owner_alive(context: Mapping[str, Any]) -> Callable[[str], bool]:
    """Whether the task instance behind a claim (its ``task_key``) may still be depositing.

    Asks Airflow through the Execution API the running task already uses (the task instance
    states of the task's own run), never Airflow's tables. A key that is not an Airflow task of
    this deployment, or an answer that cannot be had, counts as alive: the lease decides then.
    """
    ti = context["ti"]

    def alive(task_key: str) -> bool:
        try:
            dag_id, run_id, task_id, map_index = task_key.split("|")
            index = int(map_index)
            states = ti.get_task_states(
                dag_id=dag_id, map_index=index, task_ids=[task_id], run_ids=[run_id]
            ).get(run_id, {})
        except Exception:  # an unknown owner or no answer: keep the claim for its lease
            log.warning("Could not ask Airflow whether %s is alive; its lease decides", task_key)
            return True
        name = task_id if index < 0 else f"{task_id}_{index}"
        if name not in states:
            return True
        state = states[name]
        return (state.value if hasattr(state, "value") else state) not in OWNER_GONE_STATES

    return alive


def in_charge() -> Callable[[], bool]:
    """Whether this task process is still watched by the supervisor that started it.

    The Task SDK runs a task in its own process group under a supervisor (the worker's child). When
    the worker dies (SIGKILL, OOM), the task process lives on as an orphan that Airflow believes
    dead and will retry; it must stop depositing. Its parent process id then changes.
    """
    supervisor = os.getppid()
    return lambda: os.getppid() == supervisor


# -- storage ---------------------------------------------------------------------------------------


def inbox_path() -> ObjectStoragePath:
    """The inbox: ``CHORUSFLOW_INBOX`` (folder or object storage URL), else ``$CHORUSFLOW_HOME/inbox``."""
    configured = settings().inbox or str(settings().home / "inbox")
    return ObjectStoragePath(configured, conn_id=settings().inbox_conn_id)


def archive_path() -> ObjectStoragePath:
    """Where processed exports go: ``CHORUSFLOW_ARCHIVE``, else ``archive/`` beside the inbox."""
    configured = settings().archive
    if configured:
        return ObjectStoragePath(configured, conn_id=settings().inbox_conn_id)
    return inbox_path() / "archive"


def reports_root() -> ObjectStoragePath:
    """Where reports and deposited PDFs go: ``CHORUSFLOW_REPORTS`` (a URL such as ``file:///shared/…``
    or ``s3://aws_default@bucket/reports``, the connection id before ``@``; or a folder), else
    ``$CHORUSFLOW_HOME/reports``. Every worker and the API server must reach it."""
    return ObjectStoragePath(settings().reports or str(settings().home / "reports"))


def reports_folder(dag_id: str, run_id: str) -> ObjectStoragePath:
    """Where a run's report files go, under :func:`reports_root`."""
    folder = report_folder(reports_root(), dag_id, run_id)
    assert isinstance(folder, ObjectStoragePath)
    return folder


# -- alert channels --------------------------------------------------------------------------------


def _connection(conn_id: str) -> Connection | None:
    try:
        return BaseHook.get_connection(conn_id)
    except Exception:  # not defined (Airflow raises its own NotFound type)
        return None


def _addresses(raw: str) -> list[str]:
    return [address.strip() for address in raw.replace(";", ",").split(",") if address.strip()]


def alert_recipients(variable: str = RECIPIENTS_VARIABLE) -> list[str]:
    """Recipients from the Airflow Variable (``,``/``;`` separated), else ``CHORUSFLOW_ALERT_RECIPIENTS``."""
    raw = Variable.get(variable, default="") or settings().alert_recipients
    return _addresses(str(raw))


def supplier_recipients_variable(supplier_id: str) -> str:
    """The Variable holding one supplier's alert recipients: ``chorusflow_alert_recipients__<id>``."""
    return f"{RECIPIENTS_VARIABLE}__{supplier_id}"


def supplier_alert_recipients(supplier: SupplierIdentity, suppliers: Suppliers) -> list[str]:
    """Who hears about ``supplier``'s invoices: its own Variable; in a one-supplier deployment (or for
    the default supplier) the deployment's Variable and ``CHORUSFLOW_ALERT_RECIPIENTS`` too.

    Another supplier without recipients of its own falls back to the sender address, never to the
    default supplier's recipients (docs/suppliers.md).
    """
    own = _addresses(str(Variable.get(supplier_recipients_variable(supplier.id), default="") or ""))
    if own:
        return own
    if not suppliers.several or supplier.id == suppliers.default_id:
        return alert_recipients()
    return []


def supplier_alert_channels(supplier: SupplierIdentity, suppliers: Suppliers) -> list[Channel]:
    """The channels of one supplier's alerts: e-mail to its recipients, the webhook, the task log."""
    channels: list[Channel] = []
    recipients = supplier_alert_recipients(supplier, suppliers)
    email = email_channel(recipients=recipients)
    for channel in (email, webhook_channel()):
        if channel is not None:
            channels.append(channel)
    channels.append(LogChannel())
    return channels


def email_channel(conn_id: str = SMTP_CONN_ID, recipients: list[str] | None = None) -> EmailChannel | None:
    """The e-mail channel on providers-smtp's hook, or None when the connection is missing."""
    try:
        mailer = SmtpMailer(conn_id)
    except Exception:  # not defined (Airflow raises its own NotFound type)
        mailer = None
    if mailer is None or not mailer.hook.host:
        log.info("E-mail alerts off: connection %s not defined", conn_id)
        return None
    sender = mailer.from_email or DEFAULT_SENDER
    recipients = recipients if recipients is not None else alert_recipients()
    if not recipients:
        # Better the sender's mailbox (usually the team's) than silence.
        log.warning("Variable %s not set: alerts go to the sender address %s", RECIPIENTS_VARIABLE, sender)
        recipients = _addresses(sender)
    return EmailChannel(sender, recipients, mailer)


#: The scheme of a webhook connection that names none: https, since the URL carries its token
#: (providers-http's ``HttpHook`` would take http).
WEBHOOK_DEFAULT_SCHEME = "https"


def webhook_url(connection: Connection) -> str:
    """The webhook URL of an HTTP connection as Airflow read it: the full URL in ``host``; or the
    scheme (``schema``, else :data:`WEBHOOK_DEFAULT_SCHEME`), ``host`` and ``port``; then the extra
    ``endpoint``. In the URI form (``http://hooks.slack.com/services/…``) Airflow puts the URL's path
    in ``schema``: it stays the path."""
    host, schema = connection.host or "", connection.schema or ""
    if "://" in host:
        base = host
    else:
        scheme = schema if schema in ("http", "https") else WEBHOOK_DEFAULT_SCHEME
        base = f"{scheme}://{host}" + (f":{connection.port}" if connection.port else "")
        if schema not in ("", "http", "https"):
            base += "/" + schema.lstrip("/")
    endpoint = connection.extra_dejson.get("endpoint")
    return f"{base.rstrip('/')}/{str(endpoint).lstrip('/')}" if endpoint else base


def webhook_channel(conn_id: str = WEBHOOK_CONN_ID) -> WebhookChannel | None:
    """The webhook channel on the connection ``conn_id`` read by Airflow's ``BaseHook``, or None when
    it is not defined."""
    connection = _connection(conn_id)
    if connection is None or not connection.host:
        return None
    url = webhook_url(connection)
    mask_secret(url)  # incoming-webhook URLs carry their token
    if connection.password:
        mask_secret(connection.password)
    extra = connection.extra_dejson
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
    return AlertDispatcher(get_ledger(), channels if channels is not None else alert_channels())
