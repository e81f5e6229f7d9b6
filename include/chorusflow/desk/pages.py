"""The desk's HTML pages and CSV rows, rendered on the server.

Every value from the ledger is escaped (export content is data, never markup), each page forbids
scripts and outside resources through its Content-Security-Policy, and every CSV cell a spreadsheet
could take for a formula is neutralised. The UI shows the desk in a sandboxed frame that may neither
navigate the whole window nor open popups: links to Airflow pages carry ``data-airflow`` and the
desk's one script (``desk.js``, same origin) opens them in Airflow's window; without it they open in
the frame. The PDF is a download (the frame allows downloads), never a new window.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo, available_timezones

from chorusflow.alerts.render import kind_title
from chorusflow.desk.decisions import awaiting_marker, decision_action
from chorusflow.desk.documents import DepositedPdf
from chorusflow.desk.queries import (
    SORT_KEYS,
    DeskDetail,
    InvoiceFilter,
    InvoiceListRow,
    InvoicePage,
    SortKey,
    comment_author,
)
from chorusflow.desk.queue import Queue, QueueItem, advice_for, what_to_do
from chorusflow.desk.runs import RunRow
from chorusflow.desk.texts import text
from chorusflow.ledger import AttemptRow, InvoiceState
from chorusflow.messages import LANGUAGES, REGISTRY
from chorusflow.messages import text as catalogue_text
from chorusflow.money import format_amount, money, spreadsheet_safe
from chorusflow.platforms.registry import status_vocabulary
from chorusflow.resolution.decisions import awaits_decision
from chorusflow.settings import Language, settings
from chorusflow.suppliers import load_suppliers

#: The statuses invoices have on their platform.
STATUSES = status_vocabulary()

esc = html.escape

#: No script, nothing from elsewhere: the page is only markup and its own style.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; script-src 'self'"

#: Chorus Pro statuses offered in the status filter.
KNOWN_STATUSES: tuple[str, ...] = tuple(sorted(STATUSES.classes))
#: The time zone times are shown in: Airflow's ``[core] default_timezone`` once the app knows it.
_DISPLAY_ZONE: list[str] = []
#: The zone the person asking chose in the Airflow UI, for the request being answered (desk.js).
_CHOSEN_ZONE: ContextVar[str | None] = ContextVar("chorusflow_desk_zone", default=None)

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:0;padding:16px 20px;
color:#1f2933;background:#f5f7fa;line-height:1.4;font-size:14px}
nav{display:flex;gap:16px;align-items:center;margin-bottom:12px}nav a{font-weight:600}
nav a.active{text-decoration:none;color:#1f2933;border-bottom:3px solid #2186eb}nav .lang{margin-left:auto}
a{color:#0b69a3}.cards a{color:inherit;text-decoration:none;display:block}
h1{font-size:1.4em;margin:4px 0 12px}h2{font-size:1.1em;margin:22px 0 8px}
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


def use_zone(name: str) -> None:
    """Show times in ``name`` (the Airflow UI's zone), instead of ``CHORUSFLOW_TIMEZONE``."""
    _DISPLAY_ZONE[:] = [name]


@contextmanager
def chosen_zone(name: str | None) -> Iterator[None]:
    """Show times in ``name`` (a zone :func:`valid_zone` accepted) while answering one request."""
    token = _CHOSEN_ZONE.set(name)
    try:
        yield
    finally:
        _CHOSEN_ZONE.reset(token)


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones()) | {"UTC"}


def valid_zone(name: str | None) -> str | None:
    """``name`` when it is an IANA zone this system knows (``Europe/Paris``), else None."""
    if not name or len(name) > 64 or name not in _known_zones():
        return None
    return name


def _zone() -> ZoneInfo:
    chosen = _CHOSEN_ZONE.get()
    return ZoneInfo(chosen or (_DISPLAY_ZONE[0] if _DISPLAY_ZONE else settings().timezone))


def moment(value: datetime | None, lang: Language) -> str:
    """A date and time in the display zone, as people read it, labelled with that zone."""
    if value is None:
        return ""
    local = value.astimezone(_zone())
    return f"{local.strftime(catalogue_text('format.datetime', lang))} {local.tzname()}"


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


def airflow_link(href: str, label: str) -> str:
    """A link to an Airflow page: ``desk.js`` opens it in Airflow's window, else it opens here."""
    return f'<a href="{esc(href)}" data-airflow>{esc(label)}</a>'


def status_label(status: str | None, lang: Language) -> str:
    """A Chorus Pro status in words, its code after (an unknown code as it is)."""
    if not status:
        return ""
    key = f"desk.cpp_{status}"
    return f"{catalogue_text(key, lang)} ({status})" if key in REGISTRY else status


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
<html lang="{lang}" data-zone="{esc(_zone().key)}"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)} · chorusflow</title><style>{_STYLE}</style>
<script src="{esc(base)}/desk.js" defer></script></head>
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
    warnings: Iterable[tuple[str, str]] = (),
    asked_page: int | None = None,
    awaiting: Mapping[str, str] | None = None,
) -> str:
    """The filtered table, its filters, sortable headers, pages and the CSV link.

    ``warnings``: (filter name, value) of the filters ignored; ``asked_page``: the page asked for when
    it was beyond the last (the last is shown); ``awaiting``: the open decisions' pages by invoice
    number (:mod:`chorusflow.desk.decisions`)."""
    params = filter_params(filters)
    current = {**params, "sort": sort, "order": "desc" if descending else "asc"}
    notes = "".join(
        f'<p class="warning">{esc(filter_warning(name, value, lang))}</p>' for name, value in warnings
    )
    if asked_page is not None:
        notes += f'<p class="warning">{esc(text("page_beyond", lang, asked=asked_page))}</p>'
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


#: The form label of each filter, to name it in a warning.
FILTER_LABELS: dict[str, str] = {
    "number": "search_number",
    "state": "state",
    "chorus_status": "status",
    "buyer": "buyer_filter",
    "supplier": "supplier_filter",
    "period_from": "period_from",
    "period_to": "period_to",
    "amount_min": "amount_min",
    "amount_max": "amount_max",
}


def filter_warning(name: str, value: str, lang: Language) -> str:
    """Why a filter was ignored, naming it by its label: unreadable, or a range upside down."""
    label = text(FILTER_LABELS.get(name, name), lang)
    if name in ("period_to", "amount_max") and value == "":
        other = text(FILTER_LABELS[name.replace("_to", "_from").replace("_max", "_min")], lang)
        return text("bad_range", lang, name=label, other=other)
    return text("bad_filter", lang, name=label, value=value[:40])


def row_message(row: InvoiceListRow, lang: Language) -> str:
    """The list's last error or comment: validation reasons, our error, or a comment with its author."""
    colon = catalogue_text("format.colon", lang)
    if row.reasons:
        return "; ".join(f"{reason.code}{colon}{reason.message}" for reason in row.reasons)
    if row.message and row.comment_author is not None:
        return text(f"comment_from_{row.comment_author}", lang, comment=row.message)
    return row.message or ""


def _invoice_row(row: InvoiceListRow, lang: Language, base: str, awaiting: Mapping[str, str]) -> str:
    href = link(base, f"/invoices/{row.id}", lang)
    marker = awaiting_marker(row.invoice_number, awaiting, lang)
    cells = [
        f'<td class="number"><a href="{esc(href)}">{esc(row.invoice_number)}</a>{marker}</td>',
        f"<td>{buyer_cell(row.buyer_name, row.buyer_siret)}</td>",
        f'<td class="amount">{esc(amount(row.total_ttc, row.currency, lang))}</td>',
        f'<td><span class="badge {row.state.value}">{esc(state_label(row.state, lang))}</span></td>',
        f"<td>{esc(status_label(row.chorus_status, lang))}</td>",
        f"<td>{esc(moment(row.chorus_status_at, lang))}</td>",
        f'<td class="num">{"" if row.age_days is None else row.age_days}</td>',
        f"<td>{esc(day(row.due_on, lang))}</td>",
        f"<td>{esc(row_message(row, lang))}</td>",
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
    def field(name: str, label: str, value: object, kind: str = "text", bounds: str = "") -> str:
        shown = "" if value is None else str(value)
        return (
            f'<label>{esc(text(label, lang))}<input type="{kind}" name="{name}" id="filter-{name}" '
            f'value="{esc(shown)}"{bounds}></label>'
        )

    def options(choices: list[tuple[str, str]], selected: str | None) -> str:
        return "".join(
            f'<option value="{esc(value)}"{" selected" if value == selected else ""}>{esc(shown)}</option>'
            for value, shown in choices
        )

    def choice(name: str, label: str, items: str) -> str:
        every = f'<option value="">{esc(text("any", lang))}</option>'
        select = f'<select name="{name}" id="filter-{name}">{every}{items}</select>'
        return f"<label>{esc(text(label, lang))}{select}</label>"

    chosen = filters.state.value if filters.state is not None else None
    states = options([(state.value, state_label(state, lang)) for state in InvoiceState], chosen)
    groups = ""
    for status_class in dict.fromkeys(STATUSES.classes.values()):
        members = sorted(
            (status for status, found in STATUSES.classes.items() if found is status_class),
            key=lambda status: status_label(status, lang),
        )
        choices = [(status, status_label(status, lang)) for status in members]
        label = esc(text(f"status_group_{status_class.value}", lang))
        groups += f'<optgroup label="{label}">{options(choices, filters.chorus_status)}</optgroup>'
    dates = ' min="2000-01-01" max="2100-12-31"'
    text_bounds = ' maxlength="255"'

    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{esc(value)}">'
        for name, value in (("sort", sort), ("order", "desc" if descending else "asc"), ("lang", lang))
    )
    return (
        f'<form class="filters" method="get" action="{esc(base)}/invoices">'
        + field("number", "search_number", filters.number, bounds=text_bounds)
        + choice("state", "state", states)
        + choice("chorus_status", "status", groups)
        + field("buyer", "buyer_filter", filters.buyer, bounds=text_bounds)
        + (
            field("supplier", "supplier_filter", filters.supplier, bounds=text_bounds)
            if several_suppliers()
            else ""
        )
        + field("period_from", "period_from", filters.period_from, "date", dates)
        + field("period_to", "period_to", filters.period_to, "date", dates)
        + field("amount_min", "amount_min", filters.amount_min, bounds=' maxlength="20" inputmode="decimal"')
        + field("amount_max", "amount_max", filters.amount_max, bounds=' maxlength="20" inputmode="decimal"')
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
        ("status", esc(status_label(invoice.chorus_status, lang))),
        ("status_at", esc(moment(invoice.chorus_status_at, lang))),
        ("age", "" if detail.age_days is None else str(detail.age_days)),
        (f"comment_{comment_author(invoice.chorus_status)}", esc(invoice.chorus_status_comment or "")),
        ("error", esc(invoice.last_error or "")),
        ("submitted_at", esc(moment(invoice.submitted_at, lang))),
        ("due", esc(day(detail.due_on, lang))),
        ("due_period", esc(_period(detail, lang))),
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


def _period(detail: DeskDetail, lang: Language) -> str:
    """The payment period applied and its rule (empty when no payment is expected)."""
    if detail.period_days is None or detail.period_rule is None:
        return ""
    rule = text(f"due_rule_{detail.period_rule}", lang)
    if detail.period_restarted:
        rule += ", " + text("due_restarted", lang)
    return text("due_rule", lang, days=detail.period_days, rule=rule)


def _table(columns: list[str], rows: list[list[str]], lang: Language, empty: str, anchor: str) -> str:
    if not rows:
        return f'<p id="{anchor}">{esc(text(empty, lang))}</p>'
    head = "".join(f"<th>{esc(text(column, lang))}</th>" for column in columns)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f'<table id="{anchor}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _findings(detail: DeskDetail, lang: Language) -> str:
    rows = [
        [
            esc(_labelled("severity", str(f.get("severity", "")), lang)),
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
        # The run's id is a technical name: the link leads to the run, the text says task and try.
        task = attempt.task_id or ""
        if attempt.map_index is not None and attempt.map_index >= 0:
            task += f" [{attempt.map_index}]"
        where = esc(text("attempt_task", lang, task=task, try_number=attempt.try_number or 1)) if task else ""
        url = task_instance_url(airflow_base, attempt)
        if url:
            where += " — " + airflow_link(url, text("open_in_airflow", lang))
        rows.append(
            [
                esc(moment(attempt.started_at, lang)),
                esc(moment(attempt.finished_at, lang)),
                f'<span class="badge">{esc(text("outcome_" + attempt.outcome.value, lang))}</span>',
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
            f"<strong>{esc(status_label(item.status, lang))}</strong>",
            esc(item.comment or ""),
            esc(text("author_" + comment_author(item.status, item.source), lang)) if item.comment else "",
            esc(_source(item.source, lang)),
        ]
        for item in detail.invoice.history
    ]
    columns = ["changed_at", "status", "comment", "author", "source"]
    table = _table(columns, rows, lang, "no_history", "history")
    return f"<h2>{esc(text('history', lang))}</h2>{table}"


def _decisions(detail: DeskDetail, lang: Language) -> str:
    """Who decided what about the invoice, what was sent and what Chorus Pro answered (docs/resolution.md)."""
    rows = []
    for decision in detail.invoice.resolutions:
        label_key = f"resolution.action.{decision.action}"
        action = catalogue_text(label_key, lang) if label_key in REGISTRY else decision.action
        rows.append(
            [
                esc(moment(decision.decided_at, lang)),
                esc(action),
                esc(f"{decision.decided_by} ({_source(decision.source, lang)})"),
                f'<span class="badge">{esc(text("decision_" + decision.outcome.value, lang))}</span>',
                _decision_result(
                    decision.rule_code, decision.error_message, decision.replacement_number, lang
                ),
            ]
        )
    table = _table(
        ["decided_at", "action", "decided_by", "outcome", "detail"], rows, lang, "no_decisions", "decisions"
    )
    replaces = ""
    if detail.invoice.replaces:
        replaces = f'<p class="note">{esc(text("replaces", lang, number=detail.invoice.replaces))}</p>'
    return f"<h2>{esc(text('decisions', lang))}</h2>{table}{replaces}"


def _labelled(kind: str, value: str, lang: Language) -> str:
    """``desk.<kind>_<value>`` in words, or the value as it is when the catalogue has no label."""
    key = f"desk.{kind}_{value}"
    return catalogue_text(key, lang) if key in REGISTRY else value


def _source(source: str, lang: Language) -> str:
    """Where a status or a decision came from, in words (an unknown source as it is)."""
    key = f"desk.source_{source}"
    return catalogue_text(key, lang) if key in REGISTRY else source


def _decision_result(code: str | None, message: str | None, replacement: str | None, lang: Language) -> str:
    """A decision's rule code (once, even when the message starts with it), message and replacement."""
    colon = catalogue_text("format.colon", lang)
    message = (message or "").strip()
    if code and message.startswith(code):
        message = message[len(code) :].lstrip(" :").strip()
    parts = [f"<strong>{esc(code)}</strong>" if code else "", esc(message)]
    if replacement:
        parts.append(esc(text("replaced_by", lang, number=replacement)))
    shown = [part for part in parts if part]
    if code and len(shown) > 1:
        return shown[0] + esc(colon) + " ".join(shown[1:])
    return " ".join(shown)


def _alerts(detail: DeskDetail, lang: Language) -> str:
    rows = [
        [
            esc(moment(alert.sent_at, lang)),
            esc(kind_title(alert.kind, lang)),
            esc(", ".join(_channel(name, lang) for name in alert.channels)),
        ]
        for alert in detail.alerts
    ]
    table = _table(["sent_at", "kind", "channels"], rows, lang, "no_alerts", "alerts")
    note = f'<p class="note">{esc(text("recipients_note", lang))}</p>' if rows else ""
    return f"<h2>{esc(text('alerts', lang))}</h2>{table}{note}"


def _channel(name: str, lang: Language) -> str:
    key = f"desk.channel_{name}"
    return catalogue_text(key, lang) if key in REGISTRY else name


def _pdf(pdf: DepositedPdf, invoice_id: int, lang: Language, base: str) -> str:
    """The PDF as a download: the frame the UI shows the desk in allows downloads, not new windows."""
    title = f"<h2>{esc(text('pdf', lang))}</h2>"
    if pdf.reason is not None:
        return title + f'<p class="note" id="pdf">{esc(text(pdf.reason, lang, **pdf.values))}</p>'
    href = link(base, f"/invoices/{invoice_id}/pdf", lang, download="1")
    kind = "pdf_kept" if pdf.kept else "pdf_rendered" if pdf.rendered else None
    note = f'<p class="note" id="pdf-origin">{esc(text(kind, lang))}</p>' if kind else ""
    return (
        title
        + f'<p id="pdf"><a href="{esc(href)}" download="{esc(pdf.filename)}">'
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
        inside = (
            f"<strong>{summary.count}</strong>{esc(text('cat_' + summary.category, lang))}"
            f"{'<br>' + esc(totals) if totals else ''}"
        )
        state = QUEUE_STATES.get(summary.category)
        if state is not None:
            inside = f'<a href="{esc(link(base, "/invoices", lang, state=state.value))}">{inside}</a>'
        elif summary.count:
            inside = f'<a href="#{summary.category}">{inside}</a>'
        cards += (
            f'<li class="{"" if summary.count else "zero"}" id="summary-{summary.category}">{inside}</li>'
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
        comment = (
            text(f"comment_from_{comment_author(item.status)}", lang, comment=item.comment)
            if item.comment
            else text("no_reason", lang)
        )
        return f"{status_label(item.status, lang)} — {comment}"
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
                status_label(row.chorus_status, lang),
                moment(row.chorus_status_at, lang),
                "" if row.age_days is None else str(row.age_days),
                day(row.due_on, lang),
                row_message(row, lang),
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
    dag_id: str, runs: list[RunRow], files_base: str, lang: Language, base: str, airflow_base: str
) -> str:
    """The submission runs, newest first: date, state, counts, their report (opened in the desk, with
    a way back) and CSV (a download), each supplier's own report, and a link to the run in Airflow."""
    rows = [_run_row(dag_id, run, files_base, lang, base, airflow_base) for run in runs]
    columns = ["run_date", "run_state", "run_counts", "run_report"]
    body = f"<p>{esc(text('runs_note', lang))}</p>" + _table(columns, rows, lang, "no_runs", "runs")
    return layout(text("runs", lang), body, lang, base, "runs", {"path": "/runs"})


def _run_row(
    dag_id: str, run: RunRow, files_base: str, lang: Language, base: str, airflow_base: str
) -> list[str]:
    kind = (run.run_id or run.folder or "").partition("__")[0]
    kind_key = f"run_kind_{kind}" if kind in ("manual", "scheduled") else "run_kind_other"
    when = esc(moment(run.started_at, lang)) + f'<span class="siret">{esc(text(kind_key, lang))}</span>'
    state_key = f"run_state_{run.state}" if f"desk.run_state_{run.state}" in REGISTRY else "run_state_unknown"
    state = esc(text(state_key, lang))
    if run.run_id:
        url = f"{airflow_base}/dags/{quote(dag_id, safe='')}/runs/{quote(run.run_id, safe='')}"
        state += "<br>" + airflow_link(url, text("run_open", lang))
    return [when, state, esc(_run_counts(run, lang)), _run_reports(dag_id, run, files_base, lang, base)]


def _run_counts(run: RunRow, lang: Language) -> str:
    if run.counts is None:
        return ""
    shown = [f"{count} {catalogue_text('report.' + key, lang)}" for key, count in run.counts.items() if count]
    if shown:
        return ", ".join(shown)
    return text("run_file_taken" if run.exports == 0 else "run_no_invoice", lang)


def _run_reports(dag_id: str, run: RunRow, files_base: str, lang: Language, base: str) -> str:
    if run.folder is None:
        return ""
    csv_href = f"{files_base}/reports/{quote(dag_id, safe='')}/{quote(run.folder, safe='')}/report.csv"
    report = f"/runs/{quote(run.folder, safe='')}/report"
    parts = [
        f'<a href="{esc(link(base, report, lang))}">{esc(text("run_report_html", lang))}</a>',
        f'<a href="{esc(csv_href)}" download>{esc(text("run_report_csv", lang))}</a>',
    ]
    for supplier in run.suppliers:
        href = link(base, f"/runs/{quote(run.folder, safe='')}/report", lang, supplier=supplier)
        parts.append(f'<a href="{esc(href)}">{esc(text("run_supplier_report", lang, supplier=supplier))}</a>')
    return " · ".join(parts)


_REPORT_NUMBER = re.compile(r'<td class="number">([^<]*)</td>')


def report_in_desk(report_html: str, lang: Language, base: str) -> str:
    """A stored run report as the desk serves it: a way back to the runs on top, each invoice
    number a link to its page in the desk (the report is our own markup, its values escaped)."""

    def linked(match: re.Match[str]) -> str:
        number = html.unescape(match.group(1))
        href = link(base, f"/invoices/by-number/{quote(number, safe='')}", lang)
        return f'<td class="number"><a href="{esc(href)}">{match.group(1)}</a></td>'

    back = (
        f'<nav style="margin-bottom:12px"><a id="back-to-runs" href="{esc(link(base, "/runs", lang))}">'
        f"{esc(text('report_back', lang))}</a></nav>"
    )
    page = _REPORT_NUMBER.sub(linked, report_html)
    return page.replace("<body>", "<body>" + back, 1) if "<body>" in page else back + page


def several_suppliers() -> bool:
    """Whether the deployment has several suppliers: the invoice filter then offers a supplier field."""
    return load_suppliers().several
