"""The desk's HTML pages and CSV rows, rendered on the server.

Every value from the ledger is escaped (export content is data, never markup), each page forbids
scripts and outside resources through its Content-Security-Policy, and every CSV cell a spreadsheet
could take for a formula is neutralised. Links to Airflow open in the whole window (``_top``), since the
UI shows the desk in a frame.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from chorusflow.alerts.render import kind_title, money
from chorusflow.config import load_suppliers
from chorusflow.desk.decisions import awaiting_marker, decision_action
from chorusflow.desk.documents import DepositedPdf
from chorusflow.desk.queries import SORT_KEYS, DeskDetail, InvoiceFilter, InvoiceListRow, InvoicePage, SortKey
from chorusflow.desk.queue import Queue, QueueItem, advice_for, what_to_do
from chorusflow.desk.texts import text
from chorusflow.ledger import AttemptRow, InvoiceState
from chorusflow.messages import LANGUAGES, REGISTRY
from chorusflow.messages import text as catalogue_text
from chorusflow.reports import spreadsheet_safe
from chorusflow.resolution.decisions import awaits_decision
from chorusflow.settings import Language, settings
from chorusflow.statuses import STATUS_CLASSES

esc = html.escape

#: No script, nothing from elsewhere: the page is only markup and its own style.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'"

#: Chorus Pro statuses offered in the status filter.
KNOWN_STATUSES: tuple[str, ...] = tuple(sorted(STATUS_CLASSES))

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:0;padding:16px 20px;
color:#1f2933;background:#f5f7fa;line-height:1.4;font-size:14px}
nav{display:flex;gap:16px;align-items:center;margin-bottom:12px}nav a{font-weight:600}
nav a.active{text-decoration:none;color:#1f2933;border-bottom:3px solid #2186eb}nav .lang{margin-left:auto}
a{color:#0b69a3}h1{font-size:1.4em;margin:4px 0 12px}h2{font-size:1.1em;margin:22px 0 8px}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{border:1px solid #d9e2ec;padding:5px 7px;text-align:left;vertical-align:top}
th{background:#e4e7eb}th a{color:#1f2933;text-decoration:none}
td.amount,td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
td.number{white-space:nowrap;font-weight:600}.siret{display:block;color:#52606d;font-size:.88em}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:.88em;border:1px solid #9aa5b1}
.blocked,.failed,.invalid{border-color:#d64545;background:#ffe3e3}
.needs_review,.submitting{border-color:#cb6e17;background:#fff3c4}
.submitted,.pending{border-color:#2186eb;background:#dcefff}.paid{border-color:#3f9142;background:#e3f9e5}
form.filters{display:flex;flex-wrap:wrap;gap:8px 14px;align-items:flex-end;background:#fff;
border:1px solid #d9e2ec;border-radius:6px;padding:10px;margin-bottom:10px}
form.filters label{display:flex;flex-direction:column;font-size:.85em;color:#52606d}
.bar{display:flex;gap:16px;align-items:center;margin:8px 0}.todo{background:#fff3c4;border:1px solid #f0b429;
padding:8px 12px;border-radius:6px}.note{color:#52606d;font-size:.9em}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;background:#fff;border:1px solid #d9e2ec;
padding:10px;border-radius:6px}dt{color:#52606d}dd{margin:0}
.cards{display:flex;flex-wrap:wrap;gap:8px;list-style:none;padding:0}
.cards li{background:#fff;border:1px solid #d9e2ec;border-left:6px solid #d64545;border-radius:6px;
padding:8px 14px;min-width:170px}.cards li.zero{border-left-color:#d9e2ec;color:#7b8794}
.cards strong{display:block;font-size:1.4em}.warning{color:#b44d12}
"""


# -- formatting ------------------------------------------------------------------------------------


def _zone() -> ZoneInfo:
    return ZoneInfo(settings().timezone)


def moment(value: datetime | None, lang: Language) -> str:
    """A date and time in the configured time zone, as people read it."""
    if value is None:
        return ""
    return value.astimezone(_zone()).strftime(catalogue_text("format.datetime", lang))


def day(value: date | None, lang: Language) -> str:
    """A date as people read it."""
    if value is None:
        return ""
    return value.strftime(catalogue_text("format.date", lang))


def amount(value: Decimal | None, currency: str | None, lang: Language) -> str:
    """An amount as the alerts write it, empty when unknown."""
    return "" if value is None else money(value, currency, lang)


def state_label(state: InvoiceState | str, lang: Language) -> str:
    """The words for a ledger state."""
    return text(f"state_{InvoiceState(state).value}", lang)


def buyer_cell(name: str | None, siret: str | None) -> str:
    """The buyer's name with its SIRET below (escaped)."""
    cell = esc(name or "")
    return cell + (f'<span class="siret">SIRET {esc(siret)}</span>' if siret else "")


def task_instance_url(airflow_base: str, attempt: AttemptRow) -> str | None:
    """The Airflow UI page of the task instance that made ``attempt`` (None when unknown)."""
    if not (attempt.dag_id and attempt.run_id and attempt.task_id):
        return None
    parts = "/".join(quote(part, safe="") for part in (attempt.dag_id, attempt.run_id, attempt.task_id))
    dag, run, task = parts.split("/")
    url = f"{airflow_base}/dags/{dag}/runs/{run}/tasks/{task}"
    if attempt.map_index is not None and attempt.map_index >= 0:
        url += f"/mapped/{attempt.map_index}"
    return url


# -- query strings ---------------------------------------------------------------------------------


def filter_params(filters: InvoiceFilter) -> dict[str, str]:
    """``filters`` as query parameters (only the fields that are set)."""
    values = filters.model_dump(exclude_none=True)
    return {
        key: (value.value if isinstance(value, InvoiceState) else str(value)) for key, value in values.items()
    }


def link(base: str, path: str, lang: Language, **params: str) -> str:
    """A desk URL with its query string; the language travels along."""
    query = urlencode({**{key: value for key, value in params.items() if value}, "lang": lang})
    return f"{base}{path}?{query}"


# -- pages -----------------------------------------------------------------------------------------


def layout(title: str, body: str, lang: Language, base: str, active: str, here: dict[str, str]) -> str:
    """A whole page: navigation (invoices, to handle, the other language), then ``body``."""
    other: Language = next(code for code in LANGUAGES if code != lang)
    tabs = "".join(
        f'<a href="{esc(link(base, path, lang))}"{" class=active" if key == active else ""}>'
        f"{esc(text(key, lang))}</a>"
        for key, path in (("invoices", "/invoices"), ("to_handle", "/to-handle"), ("runs", "/runs"))
    )
    switch = f'<a class="lang" href="{esc(link(base, here.pop("path", "/invoices"), other, **here))}">'
    switch += f"{esc(text('other_language', lang))}</a>"
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)} · chorusflow</title><style>{_STYLE}</style></head>
<body><nav><strong>{esc(text("desk", lang))}</strong>{tabs}{switch}</nav>
<main><h1>{esc(title)}</h1>
{body}
</main></body></html>
"""


def message_page(title: str, message: str, lang: Language, base: str) -> str:
    """A page that only says something (not found, ledger unreachable)."""
    body = f'<p class="todo">{esc(message)}</p><p><a href="{esc(link(base, "/invoices", lang))}">'
    body += f"{esc(text('back', lang))}</a></p>"
    return layout(title, body, lang, base, "", {})


_COLUMNS: tuple[tuple[SortKey, str], ...] = (
    ("number", "number"),
    ("buyer", "buyer"),
    ("amount", "amount"),
    ("state", "state"),
    ("status", "status"),
    ("status_at", "status_at"),
    ("age", "age"),
    ("due", "due"),
    ("message", "message"),
)


def invoices_page(
    page: InvoicePage,
    filters: InvoiceFilter,
    sort: SortKey,
    descending: bool,
    lang: Language,
    base: str,
    warnings: Iterable[str] = (),
    awaiting: Mapping[str, str] | None = None,
) -> str:
    """The filtered table, its filters, sortable headers, pages and the CSV link; ``awaiting``: the
    open decisions' pages by invoice number (:mod:`chorusflow.desk.decisions`)."""
    params = filter_params(filters)
    current = {**params, "sort": sort, "order": "desc" if descending else "asc"}
    notes = "".join(f'<p class="warning">{esc(text("bad_filter", lang, name=name))}</p>' for name in warnings)
    headers = ""
    for key, label in _COLUMNS:
        flip = "asc" if (key == sort and descending) else "desc" if key == sort else "asc"
        arrow = (" ▼" if descending else " ▲") if key == sort else ""
        href = link(base, "/invoices", lang, **params, sort=key, order=flip)
        headers += f'<th><a href="{esc(href)}">{esc(text(label, lang))}{arrow}</a></th>'
    body_rows = "".join(_invoice_row(row, lang, base, awaiting or {}) for row in page.rows)
    table = (
        f"<table><thead><tr>{headers}</tr></thead><tbody>{body_rows}</tbody></table>"
        if page.rows
        else f"<table><thead><tr>{headers}</tr></thead></table><p>{esc(text('no_invoice', lang))}</p>"
    )
    pager = _pager(page, current, lang, base)
    csv_href = link(base, "/invoices.csv", lang, **current)
    pages = page.pages
    bar = (
        f'<div class="bar"><span>{esc(text("results", lang, total=page.total, page=page.page, pages=pages))}'
        f'</span>{pager}<a href="{esc(csv_href)}" download>{esc(text("download_csv", lang))}</a></div>'
    )
    body = _filter_form(filters, sort, descending, lang, base) + notes + bar + table
    return layout(text("invoices", lang), body, lang, base, "invoices", {"path": "/invoices", **current})


def _invoice_row(row: InvoiceListRow, lang: Language, base: str, awaiting: Mapping[str, str]) -> str:
    href = link(base, f"/invoices/{row.id}", lang)
    marker = awaiting_marker(row.invoice_number, awaiting, lang)
    cells = [
        f'<td class="number"><a href="{esc(href)}">{esc(row.invoice_number)}</a>{marker}</td>',
        f"<td>{buyer_cell(row.buyer_name, row.buyer_siret)}</td>",
        f'<td class="amount">{esc(amount(row.total_ttc, row.currency, lang))}</td>',
        f'<td><span class="badge {row.state.value}">{esc(state_label(row.state, lang))}</span></td>',
        f"<td>{esc(row.chorus_status or '')}</td>",
        f"<td>{esc(moment(row.chorus_status_at, lang))}</td>",
        f'<td class="num">{"" if row.age_days is None else row.age_days}</td>',
        f"<td>{esc(day(row.due_on, lang))}</td>",
        f"<td>{esc(row.message or '')}</td>",
    ]
    return "<tr>" + "".join(cells) + "</tr>"


def _pager(page: InvoicePage, current: dict[str, str], lang: Language, base: str) -> str:
    parts = []
    if page.page > 1:
        href = link(base, "/invoices", lang, **current, page=str(page.page - 1))
        parts.append(f'<a href="{esc(href)}">{esc(text("previous", lang))}</a>')
    if page.page < page.pages:
        href = link(base, "/invoices", lang, **current, page=str(page.page + 1))
        parts.append(f'<a href="{esc(href)}">{esc(text("next", lang))}</a>')
    return " ".join(parts)


def _filter_form(filters: InvoiceFilter, sort: SortKey, descending: bool, lang: Language, base: str) -> str:
    def field(name: str, label: str, value: object, kind: str = "text") -> str:
        shown = "" if value is None else str(value)
        return (
            f'<label>{esc(text(label, lang))}<input type="{kind}" name="{name}" id="filter-{name}" '
            f'value="{esc(shown)}"></label>'
        )

    def choice(name: str, label: str, options: list[tuple[str, str]], selected: str | None) -> str:
        items = f'<option value="">{esc(text("any", lang))}</option>' + "".join(
            f'<option value="{esc(value)}"{" selected" if value == selected else ""}>{esc(shown)}</option>'
            for value, shown in options
        )
        select = f'<select name="{name}" id="filter-{name}">{items}</select>'
        return f"<label>{esc(text(label, lang))}{select}</label>"

    states = [(state.value, state_label(state, lang)) for state in InvoiceState]
    statuses = [(status, status) for status in KNOWN_STATUSES]
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{esc(value)}">'
        for name, value in (("sort", sort), ("order", "desc" if descending else "asc"), ("lang", lang))
    )
    return (
        f'<form class="filters" method="get" action="{esc(base)}/invoices">'
        + field("number", "search_number", filters.number)
        + choice("state", "state", states, filters.state.value if filters.state else None)
        + choice("chorus_status", "status", statuses, filters.chorus_status)
        + field("buyer", "buyer_filter", filters.buyer)
        + (field("supplier", "supplier_filter", filters.supplier) if several_suppliers() else "")
        + field("period_from", "period_from", filters.period_from, "date")
        + field("period_to", "period_to", filters.period_to, "date")
        + field("amount_min", "amount_min", filters.amount_min)
        + field("amount_max", "amount_max", filters.amount_max)
        + hidden
        + f'<button type="submit">{esc(text("apply", lang))}</button>'
        + f'<a href="{esc(link(base, "/invoices", lang))}">{esc(text("reset", lang))}</a></form>'
    )


def detail_page(
    detail: DeskDetail,
    pdf: DepositedPdf,
    lang: Language,
    base: str,
    airflow_base: str,
    awaiting: Mapping[str, str] | None = None,
) -> str:
    """One invoice: facts, what to do (and its decision), findings, attempts, status history, alerts
    and its PDF."""
    invoice = detail.invoice
    state = InvoiceState(invoice.state)
    advice = advice_for(state, invoice.chorus_status, lang)
    facts = [
        ("buyer", buyer_cell(invoice.buyer_name, invoice.buyer_siret)),
        ("supplier", esc(invoice.supplier_siret)),
        ("issue_date", esc(day(invoice.issue_date, lang))),
        ("amount_ht", esc(amount(invoice.total_ht, invoice.currency, lang))),
        ("amount", esc(amount(invoice.total_ttc, invoice.currency, lang))),
        ("state", f'<span class="badge {state.value}">{esc(state_label(state, lang))}</span>'),
        ("status", esc(invoice.chorus_status or "")),
        ("status_at", esc(moment(invoice.chorus_status_at, lang))),
        ("age", "" if detail.age_days is None else str(detail.age_days)),
        ("comment", esc(invoice.chorus_status_comment or "")),
        ("error", esc(invoice.last_error or "")),
        ("submitted_at", esc(moment(invoice.submitted_at, lang))),
        ("due", esc(day(detail.due_on, lang))),
        ("cpp_id", "" if invoice.identifiant_facture_cpp is None else str(invoice.identifiant_facture_cpp)),
        ("channel", esc(invoice.deposit_channel or "")),
        ("source_export", esc(invoice.source_export or "")),
    ]
    facts_html = (
        "<dl>"
        + "".join(f"<dt>{esc(text(key, lang))}</dt><dd>{value}</dd>" for key, value in facts if value)
        + "</dl>"
    )
    todo = ""
    if advice:
        heading = f"<strong>{esc(text('what_to_do', lang))}</strong>"
        todo = f'<p class="todo" id="what-to-do">{heading}<br>{esc(advice)}</p>'
    decides = awaits_decision(invoice)
    sections = [
        todo + decision_action(invoice.invoice_number, awaiting or {}, decides, airflow_base, lang),
        facts_html,
        _findings(detail, lang),
        _attempts(invoice.attempts, lang, airflow_base),
        _history(detail, lang),
        _decisions(detail, lang),
        _alerts(detail, lang),
        _pdf(pdf, invoice.id, lang, base),
        f'<p><a href="{esc(link(base, "/invoices", lang))}">{esc(text("back", lang))}</a></p>',
    ]
    title = f"{text('invoice', lang)} {invoice.invoice_number}"
    return layout(title, "".join(sections), lang, base, "", {"path": f"/invoices/{invoice.id}"})


def _table(columns: list[str], rows: list[list[str]], lang: Language, empty: str, anchor: str) -> str:
    if not rows:
        return f'<p id="{anchor}">{esc(text(empty, lang))}</p>'
    head = "".join(f"<th>{esc(text(column, lang))}</th>" for column in columns)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f'<table id="{anchor}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _findings(detail: DeskDetail, lang: Language) -> str:
    rows = [
        [
            esc(str(f.get("severity", ""))),
            f"<strong>{esc(str(f.get('code', '')))}</strong>",
            esc(str(f.get("field") or "")),
            esc(str(f.get("message") or "")),
        ]
        for f in detail.invoice.findings
    ]
    table = _table(["severity", "code", "field", "detail"], rows, lang, "no_findings", "findings")
    return f"<h2>{esc(text('findings', lang))}</h2>{table}"


def _attempts(attempts: list[AttemptRow], lang: Language, airflow_base: str) -> str:
    rows = []
    for attempt in attempts:
        where = " / ".join(
            esc(str(part))
            for part in (
                attempt.run_id,
                attempt.task_id,
                attempt.map_index if attempt.map_index is not None else None,
            )
            if part is not None and part != ""
        )
        if attempt.try_number:
            where += f" (#{attempt.try_number})"
        url = task_instance_url(airflow_base, attempt)
        if url:
            where += f' — <a href="{esc(url)}" target="_top">{esc(text("open_in_airflow", lang))}</a>'
        rows.append(
            [
                esc(moment(attempt.started_at, lang)),
                esc(moment(attempt.finished_at, lang)),
                f'<span class="badge">{esc(attempt.outcome.value)}</span>',
                esc(attempt.error_class or ""),
                esc(attempt.error_message or ""),
                where,
            ]
        )
    columns = ["started_at", "finished_at", "outcome", "error_class", "error", "task_instance"]
    return f"<h2>{esc(text('attempts', lang))}</h2>" + _table(columns, rows, lang, "no_attempts", "attempts")


def _history(detail: DeskDetail, lang: Language) -> str:
    rows = [
        [
            esc(moment(item.changed_at, lang)),
            f"<strong>{esc(item.status)}</strong>",
            esc(item.comment or ""),
            esc(item.source),
        ]
        for item in detail.invoice.history
    ]
    table = _table(["changed_at", "status", "comment", "source"], rows, lang, "no_history", "history")
    return f"<h2>{esc(text('history', lang))}</h2>{table}"


def _decisions(detail: DeskDetail, lang: Language) -> str:
    """Who decided what about the invoice, what was sent and what Chorus Pro answered (docs/resolution.md)."""
    rows = []
    for decision in detail.invoice.resolutions:
        label_key = f"resolution.action.{decision.action}"
        action = catalogue_text(label_key, lang) if label_key in REGISTRY else decision.action
        result = [decision.rule_code or "", decision.error_message or ""]
        if decision.replacement_number:
            result.append(text("replaced_by", lang, number=decision.replacement_number))
        rows.append(
            [
                esc(moment(decision.decided_at, lang)),
                esc(action),
                esc(f"{decision.decided_by} ({decision.source})"),
                f'<span class="badge">{esc(decision.outcome.value)}</span>',
                esc(" ".join(part for part in result if part)),
            ]
        )
    table = _table(
        ["decided_at", "action", "decided_by", "outcome", "detail"], rows, lang, "no_decisions", "decisions"
    )
    replaces = ""
    if detail.invoice.replaces:
        replaces = f'<p class="note">{esc(text("replaces", lang, number=detail.invoice.replaces))}</p>'
    return f"<h2>{esc(text('decisions', lang))}</h2>{table}{replaces}"


def _alerts(detail: DeskDetail, lang: Language) -> str:
    rows = [
        [esc(moment(alert.sent_at, lang)), esc(kind_title(alert.kind, lang)), esc(", ".join(alert.channels))]
        for alert in detail.alerts
    ]
    table = _table(["sent_at", "kind", "channels"], rows, lang, "no_alerts", "alerts")
    note = f'<p class="note">{esc(text("recipients_note", lang))}</p>' if rows else ""
    return f"<h2>{esc(text('alerts', lang))}</h2>{table}{note}"


def _pdf(pdf: DepositedPdf, invoice_id: int, lang: Language, base: str) -> str:
    title = f"<h2>{esc(text('pdf', lang))}</h2>"
    if pdf.reason is not None:
        return title + f'<p class="note" id="pdf">{esc(text(pdf.reason, lang, **pdf.values))}</p>'
    href = link(base, f"/invoices/{invoice_id}/pdf", lang)
    note = f'<p class="note">{esc(text("pdf_rendered", lang))}</p>' if pdf.rendered else ""
    return (
        title
        + f'<p id="pdf"><a href="{esc(href)}" target="_blank">'
        + f"{esc(text('pdf_download', lang))} ({esc(pdf.filename)})</a></p>{note}"
    )


#: The invoice list's state filter that shows every invoice of a queue category.
QUEUE_STATES: dict[str, InvoiceState] = {
    "blocked": InvoiceState.BLOCKED,
    "needs_review": InvoiceState.NEEDS_REVIEW,
    "failed": InvoiceState.FAILED,
    "invalid": InvoiceState.INVALID,
    "stale": InvoiceState.SUBMITTED,
    "overdue": InvoiceState.SUBMITTED,
}


def queue_page(queue: Queue, lang: Language, base: str, awaiting: Mapping[str, str] | None = None) -> str:
    """The summary per category, then every item with why, its age, amount and what to do."""
    cards = ""
    for summary in queue.summary:
        totals = ", ".join(
            amount(value, currency, lang) for currency, value in sorted(summary.totals.items())
        )
        cards += (
            f'<li class="{"" if summary.count else "zero"}" id="summary-{summary.category}">'
            f"<strong>{summary.count}</strong>{esc(text('cat_' + summary.category, lang))}"
            f"{'<br>' + esc(totals) if totals else ''}</li>"
        )
    body = f'<h2>{esc(text("summary", lang))}</h2><ul class="cards">{cards}</ul>'
    if not queue.items:
        return layout(
            text("to_handle", lang),
            body + f"<p>{esc(text('nothing_to_handle', lang))}</p>",
            lang,
            base,
            "to_handle",
            {"path": "/to-handle"},
        )
    counts = {summary.category: summary.count for summary in queue.summary}
    for category in dict.fromkeys(item.category for item in queue.items):
        items = [item for item in queue.items if item.category == category]
        rows = [_queue_row(item, lang, base, awaiting or {}) for item in items]
        columns = ["number", "buyer", "amount", "why", "age", "what_to_do"]
        body += f'<h2 id="{category}">{esc(text("cat_" + category, lang))} ({counts[category]})</h2>'
        if counts[category] > len(items):
            state = QUEUE_STATES.get(category)
            more = esc(text("queue_more", lang, shown=len(items), count=counts[category]))
            if state is not None:
                more += f' <a href="{esc(link(base, "/invoices", lang, state=state.value))}">'
                more += f"{esc(text('queue_see_all', lang))}</a>"
            body += f'<p class="more" id="more-{category}">{more}</p>'
        body += _table(columns, rows, lang, "nothing_to_handle", f"queue-{category}")
    return layout(text("to_handle", lang), body, lang, base, "to_handle", {"path": "/to-handle"})


def _queue_row(item: QueueItem, lang: Language, base: str, awaiting: Mapping[str, str]) -> list[str]:
    number = ""
    if item.invoice_id is not None:
        href = link(base, f"/invoices/{item.invoice_id}", lang)
        number = f'<a href="{esc(href)}">{esc(item.invoice_number or "")}</a>'
        number += awaiting_marker(item.invoice_number, awaiting, lang)
    return [
        number,
        buyer_cell(item.buyer_name, item.buyer_siret),
        esc(amount(item.amount, item.currency, lang)),
        esc(queue_reason(item, lang)),
        "" if item.age_days is None else str(item.age_days),
        esc(what_to_do(item, lang)),
    ]


def queue_reason(item: QueueItem, lang: Language) -> str:
    """Why the item is in the queue, in one line."""
    details = item.details
    if item.category == "stale":
        return text(
            "stale_why", lang, status=item.status, days=details.get("days"), limit=details.get("limit_days")
        )
    if item.category == "overdue":
        return text(
            "overdue_why",
            lang,
            due=day(date.fromisoformat(str(details["due_on"])), lang),
            days=details["days_late"],
            interest=money(details["interest"], item.currency, lang),
            indemnity=money(details["fixed_indemnity"], "EUR", lang),
        )
    if item.category == "password":
        return text(
            "password_why",
            lang,
            expires_on=day(date.fromisoformat(str(details["expires_on"])), lang),
            days=details["days_left"],
        )
    if item.category == "invalid":
        colon = catalogue_text("format.colon", lang)
        return "; ".join(
            f"{finding.get('code')}{colon}{finding.get('message')}" for finding in details.get("findings", [])
        )
    if item.category == "blocked":
        return f"{item.status} — {item.comment or text('no_reason', lang)}"
    return item.comment or ""


# -- CSV -------------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "number",
    "buyer",
    "buyer_siret",
    "issue_date",
    "amount_ht",
    "amount",
    "currency",
    "state",
    "status",
    "status_at",
    "age",
    "due",
    "message",
    "supplier",
)


def csv_lines(rows: Iterable[InvoiceListRow], lang: Language) -> Iterator[str]:
    """The CSV of ``rows`` line by line (``;``, every cell quoted, a BOM first so French Excel reads it)."""
    from chorusflow.rules.codes import format_amount  # the rules load pandas: only when a CSV is asked for

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n")

    def line(cells: list[str]) -> str:
        writer.writerow([spreadsheet_safe(cell) for cell in cells])
        value = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return value

    yield "\ufeff" + line([text(column, lang) for column in CSV_COLUMNS])
    for row in rows:
        yield line(
            [
                row.invoice_number,
                row.buyer_name or "",
                row.buyer_siret or "",
                day(row.issue_date, lang),
                "" if row.total_ht is None else format_amount(row.total_ht, lang),
                "" if row.total_ttc is None else format_amount(row.total_ttc, lang),
                row.currency or "",
                state_label(row.state, lang),
                row.chorus_status or "",
                moment(row.chorus_status_at, lang),
                "" if row.age_days is None else str(row.age_days),
                day(row.due_on, lang),
                row.message or "",
                row.supplier_siret,
            ]
        )


def parse_sort(value: str | None) -> SortKey:
    """A sort key from the query string (the invoice number when unknown)."""
    for key in SORT_KEYS:
        if key == value:
            return key
    return "number"


def runs_page(
    dag_id: str,
    runs: list[str],
    files_base: str,
    lang: Language,
    base: str,
    by_supplier: Mapping[str, list[str]] | None = None,
) -> str:
    """The submission runs with a stored report, each linked to its HTML and CSV report as the API
    server serves them from shared storage (``files_base``: the reports plugin's prefix); with
    several suppliers, each supplier's own report of the run too (``by_supplier``: run -> ids)."""

    def links(folder: str, prefix: str = "") -> str:
        return " · ".join(
            f'<a href="{esc(f"{files_base}/reports/{dag_id}/{folder}/{name}")}">{esc(prefix + name)}</a>'
            for name in ("report.html", "report.csv")
        )

    rows = [
        [
            esc(run),
            "<br>".join(
                [
                    links(run),
                    *(
                        links(f"{run}/{supplier}", f"{supplier}: ")
                        for supplier in (by_supplier or {}).get(run, [])
                    ),
                ]
            ),
        ]
        for run in runs
    ]
    body = f"<p>{esc(text('runs_note', lang))}</p>" + _table(
        ["run", "run_report"], rows, lang, "no_runs", "runs"
    )
    return layout(text("runs", lang), body, lang, base, "runs", {"path": "/runs"})


def several_suppliers() -> bool:
    """Whether the deployment has several suppliers: the invoice filter then offers a supplier field."""
    return load_suppliers().several
