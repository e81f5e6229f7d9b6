"""The invoice desk as a FastAPI app for Airflow's API server (``plugins/chorusflow_desk.py`` mounts it).

Every route, page or JSON, depends on Airflow's own authentication
(:func:`airflow.api_fastapi.core_api.security.requires_authenticated`): the UI's session cookie or a
REST API bearer token; without one a page sends to Airflow's login page and the JSON answers 401 (403
for a forged token), never data. The ledger is the DAGs' (:func:`chorusflow.airflow.connections.get_ledger`).
Nothing here writes to the ledger. Any other failure a person can meet (an unknown page, an invoice
number where an id was expected, an unreadable id) answers a page in the desk's language, never a
raw JSON error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import unquote

from airflow.api_fastapi.app import get_auth_manager
from airflow.api_fastapi.core_api.security import requires_authenticated
from airflow.configuration import conf
from airflow.models.dagrun import DagRun
from airflow.models.xcom import XComModel
from airflow.utils.session import create_session
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import cookie_parser

from chorusflow.airflow.connections import get_ledger, reports_root
from chorusflow.airflow.dag_settings import RUN_SUMMARY_KEY
from chorusflow.airflow.decisions import awaiting_labels
from chorusflow.alerts.settings import AlertSettings
from chorusflow.desk import pages
from chorusflow.desk.decisions import open_decision_links
from chorusflow.desk.documents import deposited_pdf
from chorusflow.desk.queries import (
    DEFAULT_PAGE_SIZE,
    Clock,
    InvoiceFilter,
    find_invoice_id,
    invoice_detail,
    iter_invoices,
    list_invoices,
)
from chorusflow.desk.queue import advice_for, to_handle, what_to_do
from chorusflow.desk.runs import RunRow, airflow_run, join_runs
from chorusflow.desk.texts import text
from chorusflow.ledger import InvoiceState, Ledger, LedgerError, safe_error_text, utc_now
from chorusflow.rules.profiles import ProfileError
from chorusflow.settings import Language, settings
from chorusflow.storage import NotStored, StoredPath, read_report, safe_name, stored_runs, supplier_reports

log = logging.getLogger(__name__)

#: Where the API server mounts the desk, and the UI route that shows it in a frame.
URL_PREFIX = "/chorusflow"
UI_ROUTE = "invoice-desk"
#: Headers of every page: no framing by other sites, no type sniffing, no script.
PAGE_HEADERS = {
    "Content-Security-Policy": pages.CSP + "; frame-ancestors 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
ICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" stroke="#2186eb" '
    'stroke-width="2"><path d="M6 2h9l5 5v15H6z"/><path d="M14 2v6h6M9 13h8M9 17h8"/></svg>'
)

#: Where the reports plugin (plugins/chorusflow_reports.py) serves stored reports and PDFs.
REPORTS_PREFIX = "/chorusflow-files"
SUBMIT_DAG = "chorus_submit_invoices"


def _documents() -> StoredPath:
    """The shared storage where the submission keeps deposited PDFs and attachments."""

    return reports_root()


def _ledger() -> Ledger:

    return get_ledger()


def _language(request: Request) -> Language:
    """``?lang=`` when the page was asked in a language, else ``CHORUSFLOW_LANG`` (French by default).

    The Airflow UI keeps its own language in the browser (local storage), which never reaches the
    server; the desk's language link carries the choice from page to page instead.
    """
    asked = request.query_params.get("lang")
    return asked if asked in ("fr", "en") else settings().lang  # type: ignore[return-value]


def _base(request: Request) -> str:
    """The desk's own path prefix as the browser sees it (the API server's base path included)."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def _airflow_base(request: Request) -> str:
    """The Airflow UI's root path, for links to its pages."""
    base = _base(request)
    return base[: -len(URL_PREFIX)] if base.endswith(URL_PREFIX) else ""


def _awaiting(request: Request) -> dict[str, str]:
    """The pages of the decisions awaiting an answer, by invoice number (none if Airflow cannot say)."""

    return open_decision_links(awaiting_labels(), _airflow_base(request), _language(request))


def _clock() -> Clock:
    return Clock(now=utc_now(), alert_settings=AlertSettings.for_ledger(_ledger()))


#: The cookie desk.js keeps the Airflow UI's chosen zone in (docs/desk.md#languages).
ZONE_COOKIE = "chorusflow_tz"
#: The desk's one script: links to Airflow pages open in Airflow's window, even from its frame (whose
#: sandbox forbids navigating the window, but lets a same-origin script drive the UI's router).
DESK_JS = r"""// chorusflow desk: open Airflow pages in Airflow's own window (docs/desk.md#inside-airflow).
document.addEventListener("click", function (event) {
  var anchor = event.target && event.target.closest ? event.target.closest("a[data-airflow]") : null;
  if (!anchor || window.top === window || event.button !== 0 || event.ctrlKey || event.metaKey) return;
  try {
    var top = window.top;
    var url = new URL(anchor.href, top.location.href);
    if (url.origin !== top.location.origin) return;
    var current = top.history.state || {};
    var index = typeof current.idx === "number" ? current.idx + 1 : 0;
    var state = {usr: null, key: Math.random().toString(36).slice(2, 10), idx: index};
    top.history.pushState(state, "", url.pathname + url.search + url.hash);
    top.dispatchEvent(new PopStateEvent("popstate", {state: state}));
    event.preventDefault();
  } catch (error) {
    // The link then opens in the frame itself: the page is still reached.
  }
});
// Times follow the zone chosen in the Airflow UI: its localStorage "timezone" (JSON), else the
// browser's own zone, which the UI shows by default. The cookie carries the choice to the next page;
// the page on screen is not reloaded (a reload would race with what the person is doing), and
// every time on it is labelled with the zone it was rendered in.
(function () {
  function chosen() {
    try {
      var stored = window.localStorage.getItem("timezone");
      if (stored) return JSON.parse(stored);
    } catch (error) {}
    try { return Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (error) { return null; }
  }
  function sent() {
    var found = document.cookie.match(/(?:^|;\s*)ZONE_COOKIE=([^;]*)/);
    return found ? decodeURIComponent(found[1]) : null;
  }
  function follow() {
    var zone = chosen();
    if (typeof zone !== "string" || !zone || zone === sent()) return;
    var lifetime = "; path=/; max-age=31536000; SameSite=Strict";
    document.cookie = "ZONE_COOKIE=" + encodeURIComponent(zone) + lifetime;
  }
  follow();
  window.addEventListener("storage", function (event) { if (event.key === "timezone") follow(); });
})();
""".replace("ZONE_COOKIE", ZONE_COOKIE)
#: Dates people may filter on; outside, the value is taken as a typing mistake.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)
#: Longest text filter read (numbers and names are shorter in the ledger).
MAX_FILTER_TEXT = 255


def parse_filters(params: Mapping[str, str]) -> tuple[InvoiceFilter, list[str]]:
    """The filter a query string asks for, and the names of the values that were ignored: unreadable,
    out of bounds, or the end of a range before its start."""
    values: dict[str, Any] = {}
    unreadable: list[str] = []
    readers: dict[str, Callable[[str], Any]] = {
        "number": str.strip,
        "state": InvoiceState,
        "chorus_status": lambda raw: raw.strip().upper(),
        "buyer": str.strip,
        "supplier": str.strip,
        "period_from": _day,
        "period_to": _day,
        "amount_min": _decimal,
        "amount_max": _decimal,
    }
    for name, read in readers.items():
        raw = params.get(name, "")
        if not raw.strip():
            continue
        try:
            values[name] = read(raw[:MAX_FILTER_TEXT])
        except (ValueError, InvalidOperation):
            unreadable.append(name)
    for start, end in (("period_from", "period_to"), ("amount_min", "amount_max")):
        if start in values and end in values and values[end] < values[start]:
            del values[end]
            unreadable.append(end)
    return InvoiceFilter(**values), unreadable


def filter_warnings(params: Mapping[str, str], unreadable: list[str]) -> list[tuple[str, str]]:
    """(name, value) of each ignored filter for the page; a range upside down gives an empty value."""
    warnings = []
    for name in unreadable:
        raw = params.get(name, "")
        upside_down = name in ("period_to", "amount_max") and _readable(name, raw)
        warnings.append((name, "" if upside_down else raw))
    return warnings


def _readable(name: str, raw: str) -> bool:
    try:
        (_day if name == "period_to" else _decimal)(raw)
    except (ValueError, InvalidOperation):
        return False
    return True


def _day(raw: str) -> date:
    value = date.fromisoformat(raw.strip())
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ValueError(raw)
    return value


def _decimal(raw: str) -> Decimal:
    """An amount as people type it: ``1 234,56``, ``1234.56`` or ``1 234,56 €``."""
    cleaned = (
        raw.replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace("€", "").replace(",", ".")
    )
    value = Decimal(cleaned)
    if not value.is_finite() or abs(value) >= Decimal("1e15"):
        raise ValueError(raw)
    return value


def _sorting(request: Request) -> tuple[pages.SortKey, bool]:
    return pages.parse_sort(request.query_params.get("sort")), request.query_params.get("order") == "desc"


def _page_number(request: Request) -> int:
    raw = request.query_params.get("page", "1")[:9]
    return int(raw) if raw.isdigit() and int(raw) > 0 else 1


def _not_found(request: Request, message: str) -> HTMLResponse:
    lang = _language(request)
    return _html(pages.message_page(text("invoice", lang), message, lang, _base(request)), 404)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith(f"{_base(request)}/api/")


def _http_error(request: Request, error: Exception) -> Response:
    """Logged out: a page sends to Airflow's login page (the JSON says 401). Unknown page: a page."""
    assert isinstance(error, StarletteHTTPException)
    if _wants_json(request) or error.status_code not in (401, 403, 404, 405):
        return JSONResponse({"detail": error.detail}, status_code=error.status_code)
    lang = _language(request)
    if error.status_code == 401:
        return RedirectResponse(_login_url(request), status_code=303)
    key = "page_not_found" if error.status_code in (404, 405) else "forbidden"
    page = pages.message_page(text("desk", lang), text(key, lang), lang, _base(request))
    return _html(page, error.status_code)


def _validation_error(request: Request, error: Exception) -> Response:
    """A path or query value that cannot be read (an id that is no number): a page, not a raw 422."""
    if _wants_json(request):
        return JSONResponse({"detail": text("page_not_found", _language(request))}, status_code=404)
    lang = _language(request)
    page = pages.message_page(text("desk", lang), text("page_not_found", lang), lang, _base(request))
    return _html(page, 404)


def _login_url(request: Request) -> str:
    """Airflow's login page, coming back to this page once logged in."""

    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    try:
        login = get_auth_manager().get_url_login(next_url=here)
    except Exception:  # no auth manager (tests of the bare app): the UI's own login route
        login = f"{_airflow_base(request)}/auth/login"
    return str(login)


def _html(content: str, status_code: int = 200) -> HTMLResponse:
    return HTMLResponse(content, status_code=status_code, headers=PAGE_HEADERS)


def _unavailable(request: Request, error: Exception) -> Response:
    """503 when the ledger cannot be read: the reason goes to the API server's log, masked; the
    answer only says what a clerk can do."""
    log.warning("Invoice desk: ledger unavailable: %s", safe_error_text(f"{type(error).__name__}: {error}"))
    lang = _language(request)
    if request.url.path.startswith(f"{_base(request)}/api/"):
        return JSONResponse({"detail": text("ledger_unavailable", lang)}, status_code=503)
    page = pages.message_page(text("desk", lang), text("ledger_unavailable", lang), lang, _base(request))
    return _html(page, 503)


def _profile_invalid(request: Request, error: Exception) -> Response:
    """503 when a buyer profile cannot be read: deadlines depend on it; say which file and why."""
    assert isinstance(error, ProfileError)
    lang = _language(request)
    message = text("profile_invalid", lang, file=error.file.name, detail=error.detail)
    if request.url.path.startswith(f"{_base(request)}/api/"):
        return JSONResponse({"detail": message}, status_code=503)
    return _html(pages.message_page(text("desk", lang), message, lang, _base(request)), 503)


class ChosenZone:
    """ASGI middleware: times of one request in the zone the person chose in Airflow's UI.

    The zone comes from desk.js's cookie, taken only when it names a zone this system knows;
    otherwise the desk's default zone (``[core] default_timezone``) stays.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        zone = None
        if scope.get("type") == "http":
            cookie = cookie_parser(Headers(scope=scope).get("cookie", "")).get(ZONE_COOKIE)
            zone = pages.valid_zone(unquote(cookie)) if cookie else None
        with pages.chosen_zone(zone):
            await self.app(scope, receive, send)


def create_app() -> FastAPI:
    """The desk's app: HTML pages, the CSV download, the deposited PDF and JSON twins of each page."""
    app = FastAPI(
        title="chorusflow invoice desk",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    router = APIRouter(dependencies=[Depends(requires_authenticated())])

    @router.get("/", include_in_schema=False)
    def home(request: Request) -> RedirectResponse:
        return RedirectResponse(f"{_base(request)}/invoices?lang={_language(request)}", status_code=303)

    @router.get("/icon.svg", include_in_schema=False)
    def icon() -> Response:
        return Response(ICON, media_type="image/svg+xml", headers={"Cache-Control": "max-age=86400"})

    @router.get("/invoices", response_class=HTMLResponse)
    def invoices_page(request: Request) -> HTMLResponse:
        lang = _language(request)
        filters, unreadable = parse_filters(request.query_params)
        sort, descending = _sorting(request)
        ledger, clock, asked = _ledger(), _clock(), _page_number(request)
        found = list_invoices(ledger, filters, clock, page=asked, sort=sort, descending=descending)
        beyond = found.page > found.pages
        if beyond:
            found = list_invoices(ledger, filters, clock, page=found.pages, sort=sort, descending=descending)
        warnings = filter_warnings(request.query_params, unreadable)
        page = pages.invoices_page(
            found,
            filters,
            sort,
            descending,
            lang,
            _base(request),
            warnings,
            asked if beyond else None,
            _awaiting(request),
        )
        return _html(page)

    @router.get("/invoices.csv")
    def invoices_csv(request: Request) -> Response:
        lang = _language(request)
        filters, _ = parse_filters(request.query_params)
        sort, descending = _sorting(request)
        ledger, clock = _ledger(), _clock()

        def lines() -> Iterator[bytes]:
            for line in pages.csv_lines(
                iter_invoices(ledger, filters, clock, sort=sort, descending=descending), lang
            ):
                yield line.encode("utf-8")

        filename = text("csv_filename", lang)
        return StreamingResponse(
            lines(),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{filename}"',
                "Cache-Control": "no-store",
            },
        )

    @router.get("/desk.js", include_in_schema=False)
    def script() -> Response:
        return Response(DESK_JS, media_type="text/javascript", headers={"Cache-Control": "max-age=3600"})

    @router.get("/invoices/by-number/{invoice_number:path}", response_class=HTMLResponse)
    def invoice_by_number_page(request: Request, invoice_number: str) -> Response:
        invoice_id = find_invoice_id(_ledger(), invoice_number)
        if invoice_id is None:
            lang = _language(request)
            return _not_found(request, text("number_not_found", lang, number=invoice_number[:80]))
        return RedirectResponse(f"{_base(request)}/invoices/{invoice_id}?lang={_language(request)}", 303)

    @router.get("/invoices/{invoice_ref}", response_class=HTMLResponse)
    def invoice_page(request: Request, invoice_ref: str) -> Response:
        """An invoice by its ledger id, or by its number (a clerk types what they know)."""
        lang = _language(request)
        if not invoice_ref.isdigit():
            return invoice_by_number_page(request, invoice_ref)
        detail = invoice_detail(_ledger(), int(invoice_ref[:18]), _clock())
        if detail is None:
            return _not_found(request, text("not_found", lang))
        pdf = deposited_pdf(detail.invoice, read=False, documents=_documents())
        page = pages.detail_page(
            detail, pdf, lang, _base(request), _airflow_base(request), _awaiting(request)
        )
        return _html(page)

    @router.get("/invoices/{invoice_id}/pdf")
    def invoice_pdf(request: Request, invoice_id: int) -> Response:
        """The deposited PDF, shown (``inline``) or, with ``download=1``, saved: the desk's frame in
        Airflow allows downloads but no new window, so the page offers the download."""
        lang = _language(request)
        detail = invoice_detail(_ledger(), invoice_id, _clock())
        if detail is None:
            return _not_found(request, text("not_found", lang))
        pdf = deposited_pdf(detail.invoice, documents=_documents())
        if pdf.content is None:
            return _not_found(request, text(pdf.reason or "pdf_unreadable", lang, **pdf.values))
        how = "attachment" if request.query_params.get("download") == "1" else "inline"
        return Response(
            pdf.content,
            media_type="application/pdf",
            headers={
                "Content-Disposition": f'{how}; filename="{pdf.filename}"',
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )

    @router.get("/to-handle", response_class=HTMLResponse)
    def queue_page(request: Request) -> HTMLResponse:
        lang = _language(request)
        return _html(
            pages.queue_page(to_handle(_ledger(), _clock()), lang, _base(request), _awaiting(request))
        )

    @router.get("/runs", response_class=HTMLResponse)
    def runs_page(request: Request) -> HTMLResponse:

        lang = _language(request)
        files_base = f"{_airflow_base(request)}{REPORTS_PREFIX}"
        root = _documents()
        stored = stored_runs(root, SUBMIT_DAG)
        by_supplier = (
            {run: supplier_reports(root, SUBMIT_DAG, run) for run in stored}
            if pages.several_suppliers()
            else {}
        )
        runs = join_runs(airflow_runs(SUBMIT_DAG), stored, by_supplier)
        airflow = _airflow_base(request)
        return _html(pages.runs_page(SUBMIT_DAG, runs, files_base, lang, _base(request), airflow))

    @router.get("/runs/{folder}/report", response_class=HTMLResponse)
    def run_report_page(request: Request, folder: str) -> Response:
        """A run's stored report inside the desk: a way back to the runs, its numbers linked."""

        lang = _language(request)
        supplier = request.query_params.get("supplier") or None
        try:
            content = read_report(_documents(), SUBMIT_DAG, safe_name(folder), "report.html", supplier)
        except NotStored:
            page = pages.message_page(text("runs", lang), text("no_runs", lang), lang, _base(request))
            return _html(page, 404)
        report = content.decode("utf-8", errors="replace")
        return _html(pages.report_in_desk(report, lang, _base(request)))

    # -- JSON twins of the pages (same filters, same authentication) ----------------------------

    @router.get("/api/invoices")
    def invoices_json(request: Request) -> dict[str, Any]:
        filters, unreadable = parse_filters(request.query_params)
        sort, descending = _sorting(request)
        size = request.query_params.get("page_size", "")
        found = list_invoices(
            _ledger(),
            filters,
            _clock(),
            page=_page_number(request),
            page_size=int(size) if size.isdigit() else DEFAULT_PAGE_SIZE,
            sort=sort,
            descending=descending,
        )
        return found.model_dump(mode="json") | {"pages": found.pages, "unreadable_filters": unreadable}

    @router.get("/api/invoices/by-number/{invoice_number}")
    def invoice_by_number_json(request: Request, invoice_number: str) -> Response:
        invoice_id = find_invoice_id(_ledger(), invoice_number)
        if invoice_id is None:
            return JSONResponse({"detail": text("not_found", _language(request))}, status_code=404)
        return invoice_json(request, invoice_id)

    @router.get("/api/invoices/{invoice_id}")
    def invoice_json(request: Request, invoice_id: int) -> Response:
        lang = _language(request)
        detail = invoice_detail(_ledger(), invoice_id, _clock())
        if detail is None:
            return JSONResponse({"detail": text("not_found", lang)}, status_code=404)
        pdf = deposited_pdf(detail.invoice, read=False, documents=_documents())
        body = detail.model_dump(mode="json", exclude={"invoice": {"normalized"}})
        body["what_to_do"] = advice_for(
            InvoiceState(detail.invoice.state), detail.invoice.chorus_status, lang
        )
        body["pdf"] = {
            "available": pdf.reason is None,
            "reason": text(pdf.reason, lang, **pdf.values) if pdf.reason else None,
        }
        return JSONResponse(body)

    @router.get("/api/to-handle")
    def queue_json(request: Request) -> dict[str, Any]:
        lang = _language(request)
        queue = to_handle(_ledger(), _clock())
        body = queue.model_dump(mode="json")
        for item, dumped in zip(queue.items, body["items"], strict=True):
            dumped["reason"] = pages.queue_reason(item, lang)
            dumped["what_to_do"] = what_to_do(item, lang)
        return body

    app.include_router(router)
    for error_type in (SQLAlchemyError, LedgerError, OSError):
        app.add_exception_handler(error_type, _unavailable)
    app.add_exception_handler(ProfileError, _profile_invalid)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    pages.use_zone(airflow_zone())
    app.add_middleware(ChosenZone)
    return app


def airflow_zone() -> str:
    """The zone the Airflow UI shows times in by default (``[core] default_timezone``)."""

    name = conf.get("core", "default_timezone", fallback="utc") or "utc"
    return "UTC" if name.lower() in ("utc", "system") else name


#: Runs listed on the Runs page (newest first).
RUNS_SHOWN = 100


def airflow_runs(dag_id: str, limit: int = RUNS_SHOWN) -> list[RunRow]:
    """The newest runs of ``dag_id`` Airflow records, with their report task's summary."""

    statement = (
        select(DagRun.run_id, DagRun.start_date, DagRun.run_after, DagRun.state)
        .where(DagRun.dag_id == dag_id)
        .order_by(DagRun.run_after.desc())
        .limit(limit)
    )
    rows: list[RunRow] = []
    try:
        with create_session() as session:
            rows += _with_summaries(session, dag_id, session.execute(statement))
    except SQLAlchemyError as error:  # the list still shows the stored reports
        log.warning("Invoice desk: Airflow's runs cannot be read: %s", safe_error_text(str(error)))
    return rows


def _with_summaries(session: Any, dag_id: str, runs: Any) -> list[RunRow]:

    rows = []
    for run in runs:
        query = XComModel.get_many(run_id=run.run_id, dag_ids=dag_id, task_ids="report", key=RUN_SUMMARY_KEY)
        found = session.scalars(query).first()
        summary = XComModel.deserialize_value(found) if found is not None else None
        rows.append(airflow_run(run.run_id, run.start_date or run.run_after, run.state, summary))
    return rows


def external_view() -> dict[str, Any]:
    """The UI's navigation entry: a top-level button showing the desk in a frame."""
    return {
        "name": text("desk", settings().lang),
        "href": f"{URL_PREFIX}/invoices",
        "destination": "nav",
        "url_route": UI_ROUTE,
        "nav_top_level": True,
        "icon": f"{URL_PREFIX}/icon.svg",
    }
