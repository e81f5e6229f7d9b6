"""The decision pages as a FastAPI app for Airflow's API server (``plugins/chorusflow_decisions.py``).

``/chorusflow-decisions/LABEL`` (LABEL: the invoice number, or ``<supplier id>: <number>``) is the
stable link of the blocked-invoice alert and of the desk. It shows, inside the desk's frame:

- the open decision (``decide`` task of ``chorus_resolve_invoices`` awaiting input) as a form: one per
  action, required fields marked, the PDF to attach uploaded from the browser. An answer is checked
  first (the resolver's own checks that need no platform): a refused one comes back on the form with
  its codes and reasons and the decision stays open. An accepted one is written to the task's
  human-in-the-loop detail as this user, exactly as Airflow's own form does; the task applies it, and
  if the buyer's directory refuses it the task asks again and this page shows the ledger's reason;
- to a person whose Airflow role may not answer (``PUT`` on the DAG's HITL details), the form
  read-only with a sentence saying who can decide;
- while an answer is being applied or a decision reopened, a page that reloads itself;
- when no decision is open, the invoice's state and, when it still waits for a decision, a button
  that reopens it (triggers the DAG for that invoice; needs the right to trigger the DAG).

Every route needs a logged-in Airflow user (the UI's cookie or a bearer token); a logged-out ``GET``
(an alert's link followed from a mail) is sent to Airflow's login page, which comes back here.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from airflow.api.common.trigger_dag import trigger_dag
from airflow.api_fastapi.app import get_auth_manager
from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity, DagDetails
from airflow.api_fastapi.core_api.security import GetUserDep, requires_authenticated
from airflow.exceptions import DagNotFound
from airflow.models.dag import DagModel
from airflow.models.dagrun import DagRun
from airflow.models.hitl import HITLDetail
from airflow.models.taskinstance import TaskInstance
from airflow.utils.session import create_session
from airflow.utils.types import DagRunTriggeredByType
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.datastructures import UploadFile  # what Request.form() gives (FastAPI's is a subclass)
from starlette.exceptions import HTTPException as StarletteHTTPException

from chorusflow.airflow.connections import get_ledger, reports_root
from chorusflow.desk.decision_page import DecisionForm, closed_page, decision_page, text, waiting_page
from chorusflow.exports.attachments import MAX_ATTACHMENT_BYTES
from chorusflow.ledger import InvoiceDetail, Ledger, ResolutionOutcome
from chorusflow.messages import Language
from chorusflow.resolution import Decision, action_from_answer, decision_supplier, event_key
from chorusflow.resolution.decisions import awaits_decision, check_decision
from chorusflow.resolution.uploads import keep_upload
from chorusflow.rules.checks.attachments import AttachmentRules
from chorusflow.rules.codes import Finding
from chorusflow.settings import settings
from chorusflow.suppliers import SupplierIdentity, load_suppliers

log = logging.getLogger(__name__)

URL_PREFIX = "/chorusflow-decisions"
DESK_PREFIX = "/chorusflow"
RESOLVE_DAG = "chorus_resolve_invoices"
DECIDE_TASK = "decide"
#: Task states in which an answer is on its way (resumed, queued, running, or about to retry).
APPLYING = ("scheduled", "queued", "running", "up_for_retry", "up_for_reschedule", "restarting")
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@dataclass
class DecideTask:
    """The newest ``decide`` task labelled with an invoice."""

    ti_id: Any
    run_id: str
    map_index: int
    state: str | None


# -- Airflow's side: tasks, human-in-the-loop details, rights ---------------------------------------


def newest_decide_task(label: str) -> DecideTask | None:
    """The newest ``decide`` task about ``label`` (task instance ids are time-ordered UUIDs)."""

    rendered = TaskInstance.__table__.c.rendered_map_index  # the property hides the column
    statement = (
        select(TaskInstance.id, TaskInstance.run_id, TaskInstance.map_index, TaskInstance.state)
        .where(TaskInstance.dag_id == RESOLVE_DAG, TaskInstance.task_id == DECIDE_TASK, rendered == label)
        .order_by(TaskInstance.id.desc())
        .limit(1)
    )
    with create_session() as session:
        found: Any = session.execute(statement).first()
    if found is None:
        return None
    state = str(found.state.value if hasattr(found.state, "value") else found.state or "") or None
    return DecideTask(found.id, found.run_id, found.map_index, state)


def awaiting_labels() -> list[str]:
    """The labels of every decision awaiting an answer (the desk marks those invoices)."""

    rendered = TaskInstance.__table__.c.rendered_map_index
    statement = select(rendered).where(
        TaskInstance.dag_id == RESOLVE_DAG,
        TaskInstance.task_id == DECIDE_TASK,
        TaskInstance.state == "awaiting_input",
    )
    try:
        with create_session() as session:
            return [str(label) for label in session.scalars(statement) if label]
    except Exception:  # the desk still works without Airflow's metadata (a test, a broken database)
        log.warning("Invoice desk: open decisions unknown (Airflow's database unreachable)", exc_info=True)
        return []


def _hitl_detail(ti_id: Any) -> Any:

    with create_session() as session:
        detail = session.scalar(select(HITLDetail).where(HITLDetail.ti_id == ti_id))
        if detail is not None:
            session.expunge(detail)
        return detail


def _reopening(number: str) -> bool:
    """A queued or running run of the DAG, for this invoice or for all, has not asked its questions
    yet (no ``decide`` task so far): the question about this invoice may be coming."""

    with create_session() as session:
        runs = session.scalars(
            select(DagRun).where(DagRun.dag_id == RESOLVE_DAG, DagRun.state.in_(("queued", "running")))
        ).all()
        for run in runs:
            if (run.conf or {}).get("invoice_number") not in (number, None, ""):
                continue
            asked = session.scalar(
                select(TaskInstance.id)
                .where(
                    TaskInstance.dag_id == RESOLVE_DAG,
                    TaskInstance.run_id == run.run_id,
                    TaskInstance.task_id == DECIDE_TASK,
                    TaskInstance.map_index >= 0,
                )
                .limit(1)
            )
            if asked is None:
                return True
    return False


def _paused() -> bool:

    with create_session() as session:
        model = session.get(DagModel, RESOLVE_DAG)
        return bool(model and model.is_paused)


def may(user: Any, method: str, entity: str) -> bool:
    """Whether ``user`` may ``method`` the DAG's ``entity`` (``HITL_DETAIL``: answer; ``RUN``: trigger)."""

    return bool(
        get_auth_manager().is_authorized_dag(
            method=method,  # type: ignore[arg-type]
            access_entity=DagAccessEntity[entity],
            details=DagDetails(id=RESOLVE_DAG),
            user=user,
        )
    )


def respond(task: DecideTask, option: str, params_input: dict[str, Any], user: Any) -> None:
    """Answer the task as ``user``, through Airflow's own handler (locks, checks, resume)."""
    # Airflow's public routes weigh seconds; plugins load in every component, this runs on an answer.
    from airflow.api_fastapi.core_api.routes.public.hitl import UpdateHITLDetailPayload, update_hitl_detail

    payload = UpdateHITLDetailPayload(chosen_options=[option], params_input=params_input)
    with create_session() as session:
        update_hitl_detail(
            dag_id=RESOLVE_DAG,
            dag_run_id=task.run_id,
            task_id=DECIDE_TASK,
            update_hitl_detail_payload=payload,
            user=user,
            session=session,
            map_index=task.map_index,
        )


def reopen(number: str, supplier_id: str | None, user: Any) -> None:
    """Trigger the DAG for this invoice: its ``ask`` opens the question again."""

    conf = {"invoice_number": number} | ({"supplier": supplier_id} if supplier_id else {})
    trigger_dag(
        RESOLVE_DAG,
        triggered_by=DagRunTriggeredByType.REST_API,
        triggering_user_name=str(user.get_name()),
        conf=conf,
        note=f"chorusflow: decision about {number} reopened by {user.get_name()}",
    )


# -- chorusflow's side: the invoice, checks, upload -------------------------------------------------


def _ledger() -> Ledger:

    return get_ledger()


def _documents() -> Any:

    return reports_root()


def split_label(label: str) -> tuple[str, str | None]:
    """``(number, supplier id)`` from a decision's label (:func:`chorusflow.resolution.decision_label`)."""
    supplier, separator, number = label.partition(": ")
    return (number, supplier) if separator and number else (label, None)


def _invoice(label: str, lang: Language) -> tuple[SupplierIdentity | None, InvoiceDetail | None]:
    number, supplier_id = split_label(label)
    ledger = _ledger()
    supplier = decision_supplier(ledger, load_suppliers(), number, supplier_id, lang)
    if not isinstance(supplier, SupplierIdentity):
        return None, None
    return supplier, ledger.get_invoice(number, supplier.key)


def precheck(
    decision: Decision, invoice: InvoiceDetail, supplier: SupplierIdentity, lang: Language
) -> list[Finding]:
    """The resolver's checks that need no platform: everything but the buyer's directory (a recycle's
    service code and engagement are checked by the task, which asks again when they are refused)."""
    folder = settings().attachments_folder.resolve()
    return check_decision(
        decision,
        invoice,
        attachments=AttachmentRules(folder, lang),
        attachments_folder=folder,
        buyers=None,
        lang=lang,
        stored=AttachmentRules(_documents(), lang),
        supplier_key=supplier.key,
    )


def _last_refusal(invoice: InvoiceDetail) -> tuple[str, str] | None:
    """Who gave the newest answer to the current blocking event, and why it was refused (if it was)."""
    current = [row for row in invoice.resolutions if row.event_key == event_key(invoice)]
    if not current or current[-1].outcome is not ResolutionOutcome.REFUSED:
        return None
    row = current[-1]
    return row.decided_by, row.error_message or row.rule_code or "-"


def _finding_lines(findings: list[Finding], lang: Language) -> list[str]:
    return [text("finding", lang, code=item.code, message=item.message) for item in findings]


# -- the app ----------------------------------------------------------------------------------------


def _language(request: Request) -> Language:
    asked = request.query_params.get("lang")
    return asked if asked in ("fr", "en") else settings().lang  # type: ignore[return-value]


def _airflow_base(request: Request) -> str:
    base = str(request.scope.get("root_path", "")).rstrip("/")
    return base[: -len(URL_PREFIX)] if base.endswith(URL_PREFIX) else ""


def _same_origin(request: Request) -> bool:
    """A form posted from this site (or by a script without a browser): the UI's cookie is already
    ``SameSite=Lax``; the ``Origin`` check refuses any other site's form as well."""
    origin = request.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == request.headers.get("host")


def _html(content: str, status_code: int = 200) -> HTMLResponse:
    return HTMLResponse(content, status_code=status_code, headers=PAGE_HEADERS)


class _Links:
    """The URLs one page links to, as the browser sees them."""

    def __init__(self, request: Request, label: str, invoice: InvoiceDetail | None, lang: Language) -> None:
        airflow = _airflow_base(request)
        self.desk = f"{airflow}{DESK_PREFIX}"
        self.page = f"{airflow}{URL_PREFIX}/{quote(label, safe='')}?lang={lang}"
        self.reopen = f"{airflow}{URL_PREFIX}/{quote(label, safe='')}/reopen?lang={lang}"
        where = f"/invoices/{invoice.id}" if invoice else "/to-handle"
        self.invoice = f"{self.desk}{where}?lang={lang}"


def create_app() -> FastAPI:
    """The decision pages' app."""
    app = FastAPI(
        title="chorusflow decisions",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    router = APIRouter(dependencies=[Depends(requires_authenticated())])

    def show(
        request: Request,
        label: str,
        user: Any,
        *,
        refused: list[str] | None = None,
        values: Mapping[str, str] | None = None,
    ) -> HTMLResponse:
        lang = _language(request)
        supplier, invoice = _invoice(label, lang)
        links = _Links(request, label, invoice, lang)
        title = f"{text('title', lang)} · {label}"
        task = newest_decide_task(label)
        if task is not None and task.state == "awaiting_input":
            detail = _hitl_detail(task.ti_id)
            if detail is not None and not detail.response_received:
                form = DecisionForm(
                    label=label,
                    subject=detail.subject,
                    body=detail.body or "",
                    options=list(detail.options or []),
                    params={name: _schema(value) for name, value in (detail.params or {}).items()},
                    can_decide=may(user, "PUT", "HITL_DETAIL"),
                    refused=refused or [],
                    last_refused=_last_refusal(invoice) if invoice else None,
                    values=values or {},
                )
                page = decision_page(form, lang, links.desk, links.page, links.invoice)
                return _html(page, 422 if refused else 200)
        number, _ = split_label(label)
        applying = task is not None and task.state in APPLYING
        waits = invoice is not None and awaits_decision(invoice)
        answered = task is not None and task.state == "awaiting_input"  # its answer not yet taken
        if applying or answered or (waits and _reopening(number)):
            message = text("applying" if applying else "reopened", lang)
            if not applying and _paused():
                message += " " + text("paused", lang)
            return _html(waiting_page(title, message, lang, links.desk, links.invoice))
        if invoice is None or supplier is None:
            lines = [text("unknown", lang, number=label)]
            return _html(closed_page(title, lines, lang, links.desk, links.invoice, None), 404)
        lines = [
            text("none", lang, number=label),
            text("state", lang, state=invoice.state.value, status=invoice.chorus_status or "-"),
        ]
        reopen_url = None
        if awaits_decision(invoice):
            lines.append(text("waits", lang))
            if may(user, "POST", "RUN"):
                reopen_url = links.reopen
            else:
                lines.append(text("viewer", lang))
            if _paused():
                lines.append(text("paused", lang))
        else:
            lines.append(text("no_need", lang))
        return _html(closed_page(title, lines, lang, links.desk, links.invoice, reopen_url))

    @router.get("/{label}", response_class=HTMLResponse)
    def decision(request: Request, label: str, user: GetUserDep) -> HTMLResponse:
        """The open decision's form, or what to do when none is open."""
        return show(request, label, user)

    @router.post("/{label}", response_model=None)
    async def answer(request: Request, label: str, user: GetUserDep) -> Response:
        """One answer: checked here first (refused: back on the form), then given to the task."""
        lang = _language(request)
        if not _same_origin(request):
            return Response(status_code=403)
        if not may(user, "PUT", "HITL_DETAIL"):
            return show(request, label, user, refused=[text("viewer", lang)])
        form = await request.form()
        option = str(form.get("option") or "")
        values = {name: str(value) for name, value in form.items() if isinstance(value, str)}
        task = newest_decide_task(label)
        supplier, invoice = _invoice(label, lang)
        detail = _hitl_detail(task.ti_id) if task and task.state == "awaiting_input" else None
        action = action_from_answer(option)
        if detail is None or invoice is None or supplier is None or action is None or task is None:
            return RedirectResponse(_Links(request, label, invoice, lang).page, status_code=303)
        fields: dict[str, Any] = {name: _blank(values.get(name)) for name in (detail.params or {})}
        document = form.get("document")
        if isinstance(document, UploadFile) and document.filename:
            content = await document.read(MAX_ATTACHMENT_BYTES + 1)
            key, found = keep_upload(_documents(), supplier.key, document.filename, content, lang)
            if found:
                return show(request, label, user, refused=_finding_lines(found, lang), values=values)
            fields["attachment"] = key
        number, _ = split_label(label)
        if "chorus_id" in fields:
            given = str(fields["chorus_id"] or "")
            fields["chorus_id"] = int(given) if given.isdigit() else None
        decision = Decision(
            invoice_number=number,
            action=action,
            decided_by=str(user.get_name()),
            source="hitl",
            **{name: fields.get(name) for name in _DECISION_FIELDS},
        )
        found = precheck(decision, invoice, supplier, lang)
        if found:
            return show(request, label, user, refused=_finding_lines(found, lang), values=values)
        respond(task, option, fields, user)
        log.info("Decision about %s answered by %s: %s", label, user.get_name(), option)
        return RedirectResponse(_Links(request, label, invoice, lang).page, status_code=303)

    @router.post("/{label}/reopen", response_model=None)
    def reopen_decision(request: Request, label: str, user: GetUserDep) -> Response:
        """Ask again about an invoice whose decision was closed or failed."""
        lang = _language(request)
        if not _same_origin(request):
            return Response(status_code=403)
        supplier, invoice = _invoice(label, lang)
        links = _Links(request, label, invoice, lang)
        task = newest_decide_task(label)
        waiting = task is not None and task.state in ("awaiting_input", *APPLYING)
        if invoice is not None and awaits_decision(invoice) and not waiting and may(user, "POST", "RUN"):
            number, supplier_id = split_label(label)
            if not _reopening(number):
                try:
                    reopen(number, supplier_id, user)
                except (DagNotFound, ValueError) as error:  # not deployed yet, or no manual runs
                    log.warning("Decision about %s not reopened: %s", label, error)
        return RedirectResponse(links.page, status_code=303)

    app.include_router(router)
    app.add_exception_handler(StarletteHTTPException, _to_login)
    return app


async def _to_login(request: Request, error: Exception) -> Response:
    """A logged-out person following an alert's link is sent to Airflow's login, then back here."""
    assert isinstance(error, StarletteHTTPException)
    if error.status_code == 401 and request.method == "GET":
        return RedirectResponse(get_auth_manager().get_url_login(next_url=str(request.url)), status_code=303)
    return await http_exception_handler(request, error)


#: The Decision fields a form may fill (the others stay empty).
_DECISION_FIELDS = ("attachment", "comment", "service_code", "engagement", "new_number", "chorus_id")


def _schema(value: Any) -> dict[str, Any]:
    """A serialized ``Param`` (``{"value", "schema", ...}``) or a plain schema, as a JSON Schema."""
    if isinstance(value, Mapping) and isinstance(value.get("schema"), Mapping):
        return dict(value["schema"])
    return dict(value) if isinstance(value, Mapping) else {}


def _blank(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None
