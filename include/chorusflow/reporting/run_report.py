"""Run reports: what a submission run did, as text for the log, HTML for people and CSV for Excel;
and the lines a status sync run's note gives each change.

Every cell that a spreadsheet could read as a formula is neutralised, and every HTML value is
escaped: export content is data, never code. Amounts are written as the alerts write them
(:func:`chorusflow.money.money`), and what to do about a blocked status is the alerts' text
(:func:`chorusflow.alerts.render.next_step_text`). Every word is ``report.*`` in the message catalogue.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from chorusflow.alerts.render import next_step_text
from chorusflow.ledger import InvoiceState, Ledger
from chorusflow.messages import REGISTRY, Language, language, text
from chorusflow.money import format_amount, money, spreadsheet_safe
from chorusflow.platforms.interface import StatusClass
from chorusflow.platforms.registry import status_vocabulary
from chorusflow.settings import settings
from chorusflow.storage import StoredPath, safe_name, store_bytes
from chorusflow.submission.intake import ExportSummary
from chorusflow.submission.plan import RETRY_REASONS, RetryNumber

#: The statuses invoices have on their platform.
STATUSES = status_vocabulary()

OUTCOMES = ("submitted", "invalid", "already_done", "failed", "needs_review", "pending")
#: Outcomes that need a person, listed one by one in the run note.
NEEDS_A_PERSON = ("invalid", "failed", "needs_review")
#: Airflow keeps at most this many characters of a run note (``dag_run_note.content``).
NOTE_LIMIT = 1000
#: At most this many items are listed one by one in a run note, then "… (+N)".
NOTE_ITEMS = 20
#: Ledger states of an invoice Chorus Pro holds: never deposited again.
ON_CHORUS_PRO = ("submitted", "blocked", "paid", "closed")


def _say(key: str, lang: str | None, /, **params: object) -> str:
    """The report's text ``report.<key>``."""
    return text(f"report.{key}", lang, **params)


def _say_or_key(key: str, lang: str | None) -> str:
    """``report.<key>`` when the catalogue has it (an outcome's label), else ``key`` itself."""
    return _say(key, lang) if f"report.{key}" in REGISTRY else key


class ReportLine(BaseModel):
    """One invoice of the run and what happened to it."""

    invoice_number: str
    outcome: str
    buyer_siret: str | None = None
    buyer_name: str | None = None
    total_ttc: str | None = None
    currency: str | None = None
    state: str | None = None
    chorus_status: str | None = None
    identifiant_facture_cpp: int | None = None
    codes: list[str] = Field(default_factory=list)
    messages: list[str] = Field(default_factory=list)
    #: Who holds the invoice's claim (``dag|run|task|map index``) and until when: why it is pending.
    claimed_by: str | None = None
    claim_expires_at: datetime | None = None


def report_lines(ledger: Ledger, supplier_siret: str, numbers: list[str], run_id: str) -> list[ReportLine]:
    """One line per invoice of ``numbers``, from the ledger: what this run did to it, and why."""
    rows = {row.invoice_number: row for row in ledger.list_invoices(supplier_siret=supplier_siret)}
    touched = ledger.attempt_outcomes_for_run(run_id, supplier_siret)
    lines: list[ReportLine] = []
    for number in dict.fromkeys(numbers):
        row = rows.get(number)
        if row is None:
            continue
        outcome = _outcome(InvoiceState(row.state), touched.get(number))
        errors = [f for f in (row.findings or []) if f.get("severity", "error") == "error"]
        lines.append(
            ReportLine(
                invoice_number=number,
                outcome=outcome,
                buyer_siret=row.buyer_siret,
                buyer_name=row.buyer_name,
                total_ttc=None if row.total_ttc is None else str(row.total_ttc),
                currency=row.currency,
                state=row.state.value,
                chorus_status=row.chorus_status,
                identifiant_facture_cpp=row.identifiant_facture_cpp,
                codes=[str(f.get("code")) for f in errors] if outcome == "invalid" else [],
                messages=_line_messages(outcome, errors, row.last_error),
                claimed_by=row.claimed_by if outcome == "pending" else None,
                claim_expires_at=row.claim_expires_at if outcome == "pending" else None,
            )
        )
    return lines


def _outcome(state: InvoiceState, this_run: str | None) -> str:
    """The report's outcome for an invoice in ``state`` whose attempt in this run ended ``this_run``."""
    by_state = {
        InvoiceState.INVALID: "invalid",
        InvoiceState.FAILED: "failed",
        InvoiceState.NEEDS_REVIEW: "needs_review",
        InvoiceState.PENDING: "pending",
        InvoiceState.SUBMITTING: "pending",
    }
    if state in by_state:
        return by_state[state]
    return "submitted" if this_run in ("succeeded", "adopted") else "already_done"


def _line_messages(outcome: str, errors: list[dict[str, object]], last_error: str | None) -> list[str]:
    if outcome == "invalid":
        return [str(f.get("message")) for f in errors]
    if outcome in ("failed", "needs_review", "pending") and last_error:
        return [last_error]
    return []


def local_time(moment: datetime, lang: Language | None = None) -> str:
    """``moment`` in the configured time zone (``CHORUSFLOW_TIMEZONE``), as people read it."""
    zone = settings().timezone
    return f"{_aware(moment).astimezone(ZoneInfo(zone)).strftime(_say('time_format', lang))} ({zone})"


def _aware(moment: datetime) -> datetime:
    """``moment`` with a time zone (a naive one is UTC, as the ledger stores it)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _claim_run(claimed_by: str | None) -> str | None:
    """The run id in a claim owner's task key (``dag|run|task|map index``)."""
    parts = (claimed_by or "").split("|")
    return parts[1] if len(parts) == 4 else None


def pending_reason(line: ReportLine, run_id: str, now: datetime, lang: Language | None = None) -> str:
    """Why a pending invoice is still pending, and when it will be tried again."""
    if line.state != InvoiceState.SUBMITTING.value:
        return _say("pending_waiting", lang)
    expires = line.claim_expires_at
    if expires is not None and _aware(expires) > _aware(now):
        until = local_time(expires, lang)
        holder = _claim_run(line.claimed_by)
        if holder is None or holder == run_id:
            return _say("pending_held_here", lang, until=until)
        return _say("pending_held_other", lang, until=until, run=holder)
    return _say("pending_unknown", lang)


def line_todo(line: ReportLine, run_id: str, now: datetime, lang: Language | None = None) -> str:
    """What a person does about ``line`` (why it waits, for a pending one); empty when nothing."""
    if line.outcome == "pending":
        return pending_reason(line, run_id, now, lang)
    if line.outcome in NEEDS_A_PERSON:
        return _say(f"todo_{line.outcome}", lang)
    return ""


def retry_message(item: RetryNumber, now: datetime, lang: Language | None = None) -> str:
    """Why a number asked for again was not deposited by this run, and what to do instead."""
    lang = lang or language()
    status = f", {item.chorus_status}" if item.chorus_status else ""
    if item.reason == "unknown":
        return _say("retry_unknown", lang)
    if item.reason == "skipped":
        expires = item.claim_expires_at
        if (
            item.state == InvoiceState.SUBMITTING.value
            and expires is not None
            and _aware(expires) > _aware(now)
        ):
            return _say("retry_skipped_held", lang, until=local_time(expires, lang))
        if item.state in ON_CHORUS_PRO:
            return _say("retry_skipped_done", lang, state=item.state, status=status)
        return _say("retry_skipped", lang, state=item.state)
    if item.state == InvoiceState.INVALID.value:
        return _say("retry_invalid", lang)
    if item.state == InvoiceState.NEEDS_REVIEW.value:
        return _say("retry_needs_review", lang)
    step = STATUSES.next_step(item.chorus_status) if item.state == InvoiceState.BLOCKED.value else None
    if step is not None and next_step_text(step.value, lang) is not None:
        return _say("retry_blocked", lang, status=item.chorus_status, todo=next_step_text(step.value, lang))
    return _say("retry_on_chorus_pro", lang, state=item.state, status=status)


class RunReport(BaseModel):
    """Everything a submission run did, ready to be written."""

    dag_id: str
    run_id: str
    dry_run: bool = False
    generated_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    exports: list[ExportSummary] = Field(default_factory=list)
    lines: list[ReportLine] = Field(default_factory=list)
    #: Numbers asked for again that this run did not deposit (unknown, not retryable, skipped).
    retry: list[RetryNumber] = Field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Invoices per outcome, every outcome present."""
        counts = dict.fromkeys(OUTCOMES, 0)
        for line in self.lines:
            counts[line.outcome] = counts.get(line.outcome, 0) + 1
        return counts

    def retry_counts(self) -> dict[str, int]:
        """Numbers asked for again and not deposited, per reason (only reasons that occur)."""
        reasons = [item.reason for item in self.retry]
        return {reason: reasons.count(reason) for reason in RETRY_REASONS if reason in reasons}

    def summary_text(self, lang: Language | None = None) -> str:
        """A few lines for the task log and the run note (at most :data:`NOTE_LIMIT` characters)."""
        lang = lang or language()
        counts = self.counts()
        parts = [
            f"{counts[key]} {_say(key, lang)}"
            for key in OUTCOMES
            if counts[key] or key not in ("pending", "needs_review")
        ]
        parts += [
            f"{count} {_say(f'retry_count_{reason}', lang)}" for reason, count in self.retry_counts().items()
        ]
        colon = _say("colon", lang)
        heading = _say("title", lang) + colon + ", ".join(parts)
        if self.dry_run:
            heading += f" ({_say('dry_run', lang)})"
        # The numbers a person asked for again come first: they answer the person who triggered the run.
        items = [
            f"{item.invoice_number}{colon}{retry_message(item, self.generated_at, lang)}"
            for item in self.retry
        ]
        for line in self.lines:
            if line.outcome in NEEDS_A_PERSON:
                codes = ", ".join(line.codes) or line.outcome
                items.append(f"{line.invoice_number} [{codes}] {'; '.join(line.messages)}".rstrip())
        items += [
            f"! {_say('file_errors', lang)}{colon}{export.name}{colon}{'; '.join(export.file_errors)}"
            for export in self.exports
            if export.file_errors
        ]
        return bounded_note(heading, items)


def bounded_note(head: str, items: Sequence[str], limit: int = NOTE_LIMIT, most: int = NOTE_ITEMS) -> str:
    """``head`` then one ``- item`` per line, as many as fit in ``limit`` characters (and at most
    ``most``), then ``… (+N)`` for the rest: a run note never loses its end mid-sentence."""
    text = head[: limit - 16] if items else head[:limit]
    for position, item in enumerate(items):
        rest = len(items) - position
        line = "\n" + (item if item.startswith(("!", "  ")) else f"- {item}")
        tail = f"\n… (+{rest - 1})" if rest > 1 else ""
        if position >= most or len(text) + len(line) + len(tail) > limit:
            return text + f"\n… (+{rest})"
        text += line
    return text


def _amount(value: str | None) -> Decimal | None:
    try:
        return None if value is None else Decimal(value)
    except InvalidOperation:
        return None


CSV_COLUMNS = (
    "invoice_number",
    "buyer",
    "buyer_siret",
    "total_ttc",
    "currency",
    "outcome",
    "chorus_status",
    "identifiant",
    "codes",
    "messages",
    "todo",
)

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:0;padding:24px;
color:#1f2933;background:#f5f7fa;line-height:1.45}
main{max-width:1280px;margin:0 auto}
h1{font-size:1.5em;margin:0 0 4px}h2{font-size:1.15em;margin:28px 0 8px}
.meta{color:#52606d;margin:0 0 16px;font-size:.92em}
.dry{background:#fff3c4;border:1px solid #f0b429;padding:8px 12px;border-radius:6px}
.counts{display:flex;flex-wrap:wrap;gap:8px;list-style:none;padding:0;margin:16px 0}
.counts li{background:#fff;border:1px solid #d9e2ec;border-left-width:6px;border-radius:6px;
padding:8px 14px;min-width:150px}
.counts strong{display:block;font-size:1.5em}
table{border-collapse:collapse;width:100%;background:#fff;font-size:.92em}
th,td{border:1px solid #d9e2ec;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#e4e7eb;position:sticky;top:0}
td.amount{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
td.number{white-space:nowrap;font-weight:600}
.siret{display:block;color:#52606d;font-size:.88em;white-space:nowrap}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:.88em;border:1px solid #9aa5b1}
.wide{overflow-x:auto}td.details{min-width:12em}td.todo{min-width:16em;max-width:34em}
.submitted{border-color:#3f9142;background:#e3f9e5}
.already_done{border-color:#9aa5b1;background:#f5f7fa}
.invalid,.failed{border-color:#d64545;background:#ffe3e3}
.needs_review{border-color:#cb6e17;background:#fff3c4}
.pending{border-color:#2186eb;background:#dcefff}
.counts li.submitted{border-left-color:#3f9142}.counts li.invalid,.counts li.failed{border-left-color:#d64545}
.counts li.needs_review{border-left-color:#cb6e17}.counts li.pending{border-left-color:#2186eb}
.counts li{background:#fff}.counts li.zero{border-left-color:#d9e2ec;color:#7b8794}
ul.plain{background:#fff;border:1px solid #d9e2ec;border-radius:6px;padding:10px 10px 10px 30px}
"""


def write_report(
    report: RunReport, folder: StoredPath, lang: Language | None = None
) -> tuple[StoredPath, StoredPath]:
    """Write ``report.html`` and ``report.csv`` into ``folder`` (shared storage); return their paths."""
    html_text, csv_text = render_report(report, lang)
    html_path = store_bytes(folder / "report.html", html_text.encode("utf-8"), folder)
    # utf-8-sig so French Excel opens it with accents right.
    csv_path = store_bytes(folder / "report.csv", csv_text.encode("utf-8-sig"), folder)
    return html_path, csv_path


def render_report(report: RunReport, lang: Language | None = None) -> tuple[str, str]:
    """The report as HTML and as CSV text."""

    lang = lang or language()
    now = report.generated_at
    todos = [line_todo(line, report.run_id, now, lang) for line in report.lines]
    # ';' so French Excel opens it with columns right; the amount is a plain number there
    # (1708,00 in French), so the spreadsheet can add it up.
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_ALL)
    writer.writerow([_say(c, lang) for c in CSV_COLUMNS])
    for line, todo in zip(report.lines, todos, strict=True):
        amount = _amount(line.total_ttc)
        row = [
            line.invoice_number,
            line.buyer_name or "",
            line.buyer_siret or "",
            "" if amount is None else format_amount(amount, lang),
            (line.currency or "EUR") if amount is not None else "",
            _say_or_key(line.outcome, lang),
            line.chorus_status or "",
            "" if line.identifiant_facture_cpp is None else str(line.identifiant_facture_cpp),
            ", ".join(line.codes),
            " | ".join(line.messages),
            todo,
        ]
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    return _html(report, todos, lang), buffer.getvalue()


def _html(report: RunReport, todos: list[str], lang: Language) -> str:
    esc = html.escape
    counts = report.counts()
    colon = esc(_say("colon", lang))
    summary_items = "".join(
        f'<li class="{key if counts[key] else "zero"}"><strong>{counts[key]}</strong> '
        f"{esc(_say(key, lang))}</li>"
        for key in OUTCOMES
    )
    export_items = "".join(
        f"<li>{esc(e.name)}{colon}"
        + esc(_say("export_counts", lang, invoices=e.invoices, valid=e.valid, invalid=e.invalid))
        + (
            f" — <strong>{esc(_say('file_errors', lang))}</strong>{colon}{esc('; '.join(e.file_errors))}"
            if e.file_errors
            else ""
        )
        + "</li>"
        for e in report.exports
    )
    exports = (
        f'<h2>{esc(_say("exports", lang))}</h2><ul class="plain">{export_items}</ul>' if export_items else ""
    )
    retry_items = "".join(
        f"<li><strong>{esc(item.invoice_number)}</strong>{colon}"
        f"{esc(retry_message(item, report.generated_at, lang))}</li>"
        for item in report.retry
    )
    retry = (
        f'<h2>{esc(_say("retry_title", lang))}</h2><ul class="plain">{retry_items}</ul>'
        if retry_items
        else ""
    )
    columns = [
        "invoice_number",
        "buyer",
        "total_ttc",
        "outcome",
        "chorus_status",
        "identifiant",
        "messages",
        "todo",
    ]
    body_rows = "".join(_html_row(line, todo, lang) for line, todo in zip(report.lines, todos, strict=True))
    table = (
        '<div class="wide"><table><thead><tr>'
        + "".join(f"<th>{esc(_say(c, lang))}</th>" for c in columns)
        + f"</tr></thead><tbody>{body_rows}</tbody></table></div>"
        if report.lines
        else f"<p>{esc(_say('none', lang))}</p>"
    )
    dry = f'<p class="dry">{esc(_say("dry_run", lang))}</p>' if report.dry_run else ""
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(_say("title", lang))}</title>
<style>{_STYLE}</style></head>
<body><main><h1>{esc(_say("title", lang))}</h1>
<p class="meta">{esc(_say("run", lang))}{colon}{esc(report.dag_id)} / {esc(report.run_id)}<br>
{esc(_say("generated", lang))} {esc(local_time(report.generated_at, lang))}</p>
{dry}<ul class="counts">{summary_items}</ul>
{retry}
{exports}
{table}
</main></body></html>
"""


def _html_row(line: ReportLine, todo: str, lang: Language) -> str:
    esc = html.escape
    amount = _amount(line.total_ttc)
    outcome = _say_or_key(line.outcome, lang)
    buyer = esc(line.buyer_name or "")
    if line.buyer_siret:
        buyer += f'<span class="siret">SIRET {esc(line.buyer_siret)}</span>'
    details = "<br>".join(esc(message) for message in line.messages)
    if line.codes:
        details = f"<strong>{esc(', '.join(line.codes))}</strong>" + (f"<br>{details}" if details else "")
    cells = [
        f'<td class="number">{esc(line.invoice_number)}</td>',
        f"<td>{buyer}</td>",
        f'<td class="amount">{esc(money(amount, line.currency, lang)) if amount is not None else ""}</td>',
        f'<td><span class="badge {esc(line.outcome)}">{esc(outcome)}</span></td>',
        f"<td>{esc(line.chorus_status or '')}</td>",
        f"<td>{'' if line.identifiant_facture_cpp is None else line.identifiant_facture_cpp}</td>",
        f'<td class="details">{details}</td>',
        f'<td class="todo">{esc(todo)}</td>',
    ]
    return f'<tr class="{esc(line.outcome)}">' + "".join(cells) + "</tr>"


# -- the status sync's note ------------------------------------------------------------------------


class StatusChange(BaseModel):
    """One invoice whose Chorus Pro status a sync changed, with the buyer's comment."""

    invoice_number: str
    status: str
    comment: str | None = None


def status_change_items(changes: Sequence[StatusChange], lang: Language | None = None) -> list[str]:
    """One note item per change, blocked ones first: invoice, new status, the buyer's reason and what
    to do (the alerts' text; said once, then "as for <first invoice>")."""
    lang = lang or language()
    colon = _say("colon", lang)
    blocked = [change for change in changes if STATUSES.classify(change.status) is StatusClass.BLOCKED]
    others = [change for change in changes if STATUSES.classify(change.status) is not StatusClass.BLOCKED]
    items: list[str] = []
    first_with_step: dict[str, str] = {}
    for change in blocked:
        reason = f"« {change.comment} »" if change.comment else _say("sync_no_reason", lang)
        item = f"{change.invoice_number}{colon}{change.status}, {_say('sync_reason', lang)}{colon}{reason}"
        step = STATUSES.next_step(change.status)
        if step is not None and next_step_text(step.value, lang) is not None:
            if step.value in first_with_step:
                item += "\n  " + _say("sync_same_todo", lang, number=first_with_step[step.value])
            else:
                first_with_step[step.value] = change.invoice_number
                item += f"\n  {_say('todo', lang)}{colon}{next_step_text(step.value, lang)}"
        items.append(item)
    for change in others:
        meaning = _say(f"class_{STATUSES.classify(change.status).value}", lang)
        items.append(f"{change.invoice_number}{colon}{change.status} ({meaning})")
    return items


def safe_folder_name(run_id: str) -> str:
    """A run id made safe as a folder name (run ids hold ':' and '+')."""
    return safe_name(run_id, fallback="run")
