"""The invoice desk as a FastAPI app for Airflow's API server (``plugins/chorusflow_desk.py`` mounts it).

Every route, page or JSON, depends on Airflow's own authentication
(:func:`airflow.api_fastapi.core_api.security.requires_authenticated`): the UI's session cookie or a
REST API bearer token; without one the answer is 401 (403 for a forged token), never data. The ledger
is the DAGs' (:func:`chorusflow.airflow.connections.get_ledger`). Nothing here writes to the ledger.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from airflow.api_fastapi.core_api.security import requires_authenticated
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from sqlalchemy.exc import SQLAlchemyError

from chorusflow.alerts.settings import AlertSettings
from chorusflow.desk import pages
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
from chorusflow.desk.texts import text
from chorusflow.ledger import InvoiceState, Ledger, LedgerError, safe_error_text, utc_now
from chorusflow.rules.profiles import ProfileError
from chorusflow.settings import Language, settings
from chorusflow.storage import StoredPath

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
    from chorusflow.airflow.connections import reports_root

    return reports_root()


def _ledger() -> Ledger:
    from chorusflow.airflow.connections import get_ledger

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
    from chorusflow.airflow.decisions import awaiting_labels
    from chorusflow.desk.decisions import open_decision_links

    return open_decision_links(awaiting_labels(), _airflow_base(request), _language(request))


def _clock() -> Clock:
    return Clock(now=utc_now(), alert_settings=AlertSettings.from_env())


def parse_filters(params: Mapping[str, str]) -> tuple[InvoiceFilter, list[str]]:
    """The filter a query string asks for, and the names of the values that could not be read."""
    values: dict[str, Any] = {}
    unreadable: list[str] = []
    readers: dict[str, Callable[[str], Any]] = {
        "number": str.strip,
        "state": InvoiceState,
        "chorus_status": lambda raw: raw.strip().upper(),
        "buyer": str.strip,
        "supplier": str.strip,
        "period_from": date.fromisoformat,
        "period_to": date.fromisoformat,
        "amount_min": _decimal,
        "amount_max": _decimal,
    }
    for name, read in readers.items():
        raw = params.get(name, "")
        if not raw.strip():
            continue
        try:
            values[name] = read(raw)
        except (ValueError, InvalidOperation):
            unreadable.append(name)
    return InvoiceFilter(**values), unreadable


def _decimal(raw: str) -> Decimal:
    """An amount as people type it: ``1 234,56``, ``1234.56`` or ``1 234,56 €``."""
    cleaned = (
        raw.replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace("€", "").replace(",", ".")
    )
    value = Decimal(cleaned)
    if not value.is_finite():
        raise ValueError(raw)
    return value


def _sorting(request: Request) -> tuple[pages.SortKey, bool]:
    return pages.parse_sort(request.query_params.get("sort")), request.query_params.get("order") == "desc"


def _page_number(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    return int(raw) if raw.isdigit() and int(raw) > 0 else 1


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
        found = list_invoices(
            _ledger(), filters, _clock(), page=_page_number(request), sort=sort, descending=descending
        )
        page = pages.invoices_page(
            found, filters, sort, descending, lang, _base(request), unreadable, _awaiting(request)
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

    @router.get("/invoices/{invoice_id}", response_class=HTMLResponse)
    def invoice_page(request: Request, invoice_id: int) -> HTMLResponse:
        lang = _language(request)
        detail = invoice_detail(_ledger(), invoice_id, _clock())
        if detail is None:
            page = pages.message_page(text("invoice", lang), text("not_found", lang), lang, _base(request))
            return _html(page, 404)
        pdf = deposited_pdf(detail.invoice, read=False, documents=_documents())
        page = pages.detail_page(
            detail, pdf, lang, _base(request), _airflow_base(request), _awaiting(request)
        )
        return _html(page)

    @router.get("/invoices/{invoice_id}/pdf")
    def invoice_pdf(request: Request, invoice_id: int) -> Response:
        lang = _language(request)
        detail = invoice_detail(_ledger(), invoice_id, _clock())
        if detail is None:
            return JSONResponse({"detail": text("not_found", lang)}, status_code=404)
        pdf = deposited_pdf(detail.invoice, documents=_documents())
        if pdf.content is None:
            return JSONResponse(
                {"detail": text(pdf.reason or "pdf_unreadable", lang, **pdf.values)}, status_code=404
            )
        return Response(
            pdf.content,
            media_type="application/pdf",
            headers={
                "Content-Disposition": f'inline; filename="{pdf.filename}"',
                "Cache-Control": "no-store",
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
        from chorusflow.airflow.connections import reports_root
        from chorusflow.storage import stored_runs, supplier_reports

        lang = _language(request)
        files_base = f"{_airflow_base(request)}{REPORTS_PREFIX}"
        root = reports_root()
        runs = stored_runs(root, SUBMIT_DAG)
        by_supplier = (
            {run: supplier_reports(root, SUBMIT_DAG, run) for run in runs}
            if pages.several_suppliers()
            else {}
        )
        return _html(pages.runs_page(SUBMIT_DAG, runs, files_base, lang, _base(request), by_supplier))

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
    return app


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
