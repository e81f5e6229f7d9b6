"""What ``chorusflow render`` does once its arguments are parsed (:mod:`chorusflow.cli.render`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from chorusflow.cli.runners import validate as validate_runner
from chorusflow.documents.pdf import missing_mentions, render_invoice_pdf
from chorusflow.messages import language, text
from chorusflow.rules.validate import validate_export

KNOWN_SHOWN = 5  # invoice numbers listed when the one asked for is absent


def run(args: argparse.Namespace) -> int:
    """Validate ``args.export``, render ``args.invoice`` into ``args.output``; return the exit code."""
    invoice = valid_invoice(args)
    if isinstance(invoice, int):
        return invoice
    return _write(invoice, args.output, args.lang or "fr", language(args.lang))


def valid_invoice(args: argparse.Namespace) -> Any:
    """The invoice ``args.invoice`` of ``args.export`` validated offline, or the exit code saying why
    there is none (its findings, or the reason, printed on stderr). ``chorusflow facturx`` uses it too."""
    lang = language(args.lang)
    try:
        report = validate_export(args.export, mapping=args.mapping, lang=lang)
    except Exception as error:  # as ``chorusflow validate``: never a traceback for a user
        print(text("cli.validate.internal", lang, detail=validate_runner._short(error)), file=sys.stderr)
        return validate_runner.EXIT_UNREADABLE
    if report.file_errors:
        for item in report.file_errors:
            print(f"{text('cli.validate.file_error', lang)} [{item.code}] {item.message}", file=sys.stderr)
        return validate_runner.EXIT_UNREADABLE
    number = args.invoice.strip()
    verdicts = [verdict for verdict in report.invoices if verdict.invoice_number == number]
    if not verdicts:
        known = [verdict.invoice_number for verdict in report.invoices if verdict.invoice_number]
        shown = ", ".join(known[:KNOWN_SHOWN]) + (", …" if len(known) > KNOWN_SHOWN else "") or "—"
        print(
            text("cli.render.unknown", lang, number=number, count=len(report.invoices), known=shown),
            file=sys.stderr,
        )
        return validate_runner.EXIT_INVALID
    print(text("cli.validate.offline", lang), file=sys.stderr)
    _print_findings(verdicts, lang)
    invoice = verdicts[0].invoice
    if len(verdicts) > 1 or not verdicts[0].valid or invoice is None:
        print(text("cli.render.invalid", lang, number=number), file=sys.stderr)
        return validate_runner.EXIT_INVALID
    return invoice


def _print_findings(verdicts: list[Any], lang: str) -> None:
    """The invoice's errors and warnings, as ``chorusflow validate`` prints them."""
    for verdict in verdicts:
        for item in verdict.errors:
            print(f"  ✗ [{item.code}] {item.message}", file=sys.stderr)
        for item in verdict.warnings:
            print(f"  ! [{item.code}] {item.message} ({text('cli.validate.warning', lang)})", file=sys.stderr)


def _write(invoice: Any, output: Path, pdf_lang: str, lang: str) -> int:
    """Render ``invoice`` into ``output``; return the exit code."""
    try:
        pdf = render_invoice_pdf(invoice, lang=pdf_lang)
    except Exception as error:  # a bug of ours, reported without a traceback
        print(text("cli.render.render_failed", lang, detail=validate_runner._short(error)), file=sys.stderr)
        return validate_runner.EXIT_UNREADABLE
    try:
        output.write_bytes(pdf)
    except OSError as error:
        print(
            text("cli.render.unwritable", lang, path=output, detail=validate_runner._short(error)),
            file=sys.stderr,
        )
        return validate_runner.EXIT_UNREADABLE
    for field in missing_mentions(invoice):
        print(text("cli.render.missing", lang, field=field), file=sys.stderr)
    print(text("cli.render.written", lang, number=invoice.invoice_number, path=output, size=len(pdf)))
    return validate_runner.EXIT_VALID
