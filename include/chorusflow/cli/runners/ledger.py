"""What ``chorusflow ledger`` does once its arguments are parsed (:mod:`chorusflow.cli.ledger`)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from alembic.util.exc import CommandError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from chorusflow.ledger import (
    LEDGER_CONN_ENV,
    AmbiguousInvoiceNumber,
    InvoiceState,
    Ledger,
    LedgerConfigError,
    LedgerError,
    display_url,
    resolve_ledger_url,
)
from chorusflow.ledger.migrate import head_revision
from chorusflow.ledger.url import DEFAULT_SQLITE_NAME
from chorusflow.messages import REGISTRY, text
from chorusflow.suppliers import chorusflow_home


def _text(key: str, **values: Any) -> str:
    return text(f"cli.ledger.{key}", **values)


Command = Callable[[Any, argparse.Namespace], int]
Absent = Callable[[argparse.Namespace, str], int]


def _guarded(command: Command, *, absent: Absent | None = None) -> Callable[[argparse.Namespace], int]:
    """Open the ledger as the DAGs do and run ``command``; turn database trouble into exit 2.

    Without ``absent`` (``migrate``) the database is created or upgraded first. With it the command
    only reads: a ledger that does not exist (no file, no schema) goes to ``absent`` with where it was
    looked for, and nothing is created; a schema of another version is reported, not upgraded.
    """

    def handler(args: argparse.Namespace) -> int:
        try:
            if absent is None:
                url = resolve_ledger_url()
            else:
                found, where = _existing_ledger_url()
                if found is None:
                    return absent(args, where)
                url = found
            ledger = Ledger(url)
        except LedgerConfigError as error:
            print(_text("bad_url", reason=error), file=sys.stderr)
            return 2
        try:
            if absent is None:
                ledger.migrate()
            elif (revision := ledger.revision()) is None:  # an empty database: nothing recorded yet
                return absent(args, display_url(url))
            elif not _schema_is_current(revision, display_url(url)):
                return 2
            return command(ledger, args)
        except CommandError as error:  # the database is at a revision this chorusflow does not know
            print(_text("schema", url=display_url(url), reason=_reason(error)), file=sys.stderr)
            return 2
        except (SQLAlchemyError, LedgerError) as error:
            print(_text("unreachable", url=display_url(url), reason=_reason(error)), file=sys.stderr)
            return 2
        finally:
            ledger.dispose()

    return handler


def run(args: argparse.Namespace) -> int:
    """Run ``chorusflow ledger <args.ledger_command>``; return the exit code."""
    return COMMANDS[args.ledger_command](args)


def _existing_ledger_url() -> tuple[str | None, str]:
    """The ledger's URL, or ``None`` when there is no ledger to read; and where it was looked for.

    Checked before anything opens it: ``resolve_ledger_url`` creates ``CHORUSFLOW_HOME`` and SQLite
    creates a missing file on connect.
    """
    if not os.environ.get(LEDGER_CONN_ENV, "").strip():
        default = chorusflow_home() / DEFAULT_SQLITE_NAME
        return (resolve_ledger_url() if default.is_file() else None), str(default)
    url = resolve_ledger_url()
    parsed = make_url(url)
    database = parsed.database or ""
    if (
        parsed.get_backend_name() == "sqlite"
        and database not in ("", ":memory:")
        and "uri" not in parsed.query
    ):
        return (url if os.path.isfile(database) else None), database
    return url, display_url(url)


def _schema_is_current(revision: str, where: str) -> bool:
    """Whether the database is at this version's schema; if not, say what to do."""
    head = head_revision()
    if revision != head:
        print(_text("outdated", url=where, revision=revision, head=head), file=sys.stderr)
    return revision == head


def _list_nothing(args: argparse.Namespace, where: str) -> int:
    """``ledger list`` without a ledger: say so, and list nothing (the note on stderr under ``--json``)."""
    if args.json:
        print(_text("no_ledger", where=where), file=sys.stderr)
        print("[]")
    else:
        print(_text("no_ledger", where=where))
    return 0


def _show_nothing(args: argparse.Namespace, where: str) -> int:
    """``ledger show`` without a ledger: the invoice is unknown (exit 1), and why."""
    print(_text("no_ledger", where=where), file=sys.stderr)
    print(_text("unknown", number=args.number), file=sys.stderr)
    return 1


def _reason(error: Exception) -> str:
    original = getattr(error, "orig", None) or error
    lines = [line.strip() for line in str(original).splitlines() if line.strip()]
    reason = lines[0] if lines else type(original).__name__
    return reason[:300]


def _migrate(ledger: Any, _args: argparse.Namespace) -> int:
    print(_text("migrated", revision=ledger.revision(), url=display_url(ledger.url)))
    return 0


def _list(ledger: Any, args: argparse.Namespace) -> int:
    rows = ledger.list_invoices(
        state=InvoiceState(args.state) if args.state else None, supplier_siret=args.supplier
    )
    if args.json:
        print(json.dumps([row.model_dump(mode="json") for row in rows], ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print(_text("empty"))
        return 0
    headers = [_text(key) for key in ("number", "buyer", "ttc", "state", "status", "cpp_id", "flux", "error")]
    table = [
        [
            row.invoice_number,
            _buyer(row.buyer_name, row.buyer_siret),
            _amount(row.total_ttc, row.currency),
            _state(row.state.value),
            row.chorus_status or "",
            "" if row.identifiant_facture_cpp is None else str(row.identifiant_facture_cpp),
            row.numero_flux_depot or "",
            _short(_last_error(row), 60),
        ]
        for row in rows
    ]
    print(_aligned(headers, table, right_aligned={2, 5}))
    return 0


def _show(ledger: Any, args: argparse.Namespace) -> int:
    try:
        detail = ledger.get_invoice(args.number, supplier_siret=args.supplier)
    except AmbiguousInvoiceNumber:
        print(_text("ambiguous", number=args.number), file=sys.stderr)
        return 1
    if detail is None:
        print(_text("unknown", number=args.number), file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(detail.model_dump(mode="json"), ensure_ascii=False, indent=2))
        return 0
    fields = [
        (_text("number"), detail.invoice_number),
        (_text("supplier"), detail.supplier_siret),
        (_text("buyer"), _buyer(detail.buyer_name, detail.buyer_siret)),
        (_text("ttc"), _amount(detail.total_ttc, detail.currency)),
        (_text("state"), _state(detail.state.value)),
        (_text("status"), " ".join(filter(None, [detail.chorus_status, _when(detail.chorus_status_at)]))),
        (
            _text("cpp_id"),
            "" if detail.identifiant_facture_cpp is None else str(detail.identifiant_facture_cpp),
        ),
        (_text("flux"), detail.numero_flux_depot or ""),
        (_text("export"), detail.source_export or ""),
        (_text("error"), _last_error(detail)),
    ]
    if detail.claimed_by:
        fields.append(
            (_text("claimed"), f"{detail.claimed_by} {_text('until')} {_when(detail.claim_expires_at)}")
        )
    width = max(len(label) for label, _ in fields)
    lines = [f"{label.ljust(width)}  {value}".rstrip() for label, value in fields]
    lines.append("")
    lines.append(f"{_text('findings')}:")
    lines.extend(
        f"  [{finding.get('code')}] {finding.get('field') or ''} {finding.get('message') or ''}".rstrip()
        for finding in detail.findings
    )
    if not detail.findings:
        lines.append(f"  {_text('none')}")
    lines.append("")
    lines.append(f"{_text('attempts')}:")
    for attempt in detail.attempts:
        error = f" {attempt.error_class or ''} {_short(attempt.error_message, 80)}".rstrip()
        lines.append(
            f"  #{attempt.id} {_when(attempt.started_at)} {attempt.outcome.value} "
            f"{attempt.dag_id}/{attempt.run_id}/{attempt.task_id} try {attempt.try_number}{error}"
        )
    if not detail.attempts:
        lines.append(f"  {_text('none')}")
    lines.append("")
    lines.append(f"{_text('history')}:")
    for entry in detail.history:
        comment = f" — {entry.comment}" if entry.comment else ""
        lines.append(f"  {_when(entry.changed_at)} {entry.status} ({entry.source}){comment}")
    if not detail.history:
        lines.append(f"  {_text('none')}")
    lines.extend(_decision_lines(detail))
    print("\n".join(lines))
    return 0


def _decision_lines(detail: Any) -> list[str]:
    """Who decided what about the invoice (docs/resolution.md), and the invoice it replaces."""
    lines = ["", f"{_text('decisions')}:"]
    for decision in detail.resolutions:
        problem = (
            f" [{decision.rule_code}] {_short(decision.error_message, 80)}" if decision.rule_code else ""
        )
        replacement = f" → {decision.replacement_number}" if decision.replacement_number else ""
        lines.append(
            f"  {_when(decision.decided_at)} {decision.action} {decision.outcome.value}{replacement} "
            f"({decision.decided_by}, {decision.source}){problem}"
        )
    if not detail.resolutions:
        lines.append(f"  {_text('none')}")
    if detail.replaces:
        lines.append(f"  {_text('replaces', number=detail.replaces)}")
    return lines


def _state(value: str) -> str:
    key = f"state.{value}"
    return text(key) if key in REGISTRY else value


def _last_error(row: Any) -> str:
    """What went wrong last: the first error finding of an invalid invoice, the buyer's comment on a
    blocked one (SUSPENDUE, REJETEE…), else the ledger's ``last_error``."""
    if row.state.value == "invalid":
        for finding in row.findings:
            if finding.get("severity", "error") == "error":
                return f"[{finding.get('code')}] {finding.get('message') or ''}".rstrip()
    if row.state.value == "blocked" and row.chorus_status_comment:
        return str(row.chorus_status_comment)
    return row.last_error or ""


def _buyer(name: str | None, siret: str | None) -> str:
    return " ".join(filter(None, [_short(name, 30), f"({siret})" if siret else None]))


def _amount(amount: Decimal | None, currency: str | None) -> str:
    if amount is None:
        return ""
    shown = f"{amount:,.2f}".replace(",", " ").replace(".", text("format.decimal_mark"))
    return f"{shown} {currency or ''}".rstrip()


def _when(moment: Any) -> str:
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M UTC")


def _short(text: str | None, width: int) -> str:
    if not text:
        return ""
    return text if len(text) <= width else text[: width - 1] + "…"


def _aligned(headers: Sequence[str], table: Sequence[Sequence[str]], right_aligned: set[int]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *table, strict=True)]

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.rjust(width) if index in right_aligned else cell.ljust(width)
            for index, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(headers), rule, *(line(row) for row in table)])


#: Each subcommand's handler: ``migrate`` creates or upgrades, ``list`` and ``show`` only read.
COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "migrate": _guarded(_migrate),
    "list": _guarded(_list, absent=_list_nothing),
    "show": _guarded(_show, absent=_show_nothing),
}
