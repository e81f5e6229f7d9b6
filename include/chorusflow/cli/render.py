"""``chorusflow render EXPORT --invoice NUMBER -o FILE``: the PDF chorusflow would deposit for one invoice.

The export is validated offline first, as ``chorusflow validate --offline`` does: only a valid
invoice is rendered. Exit codes: 0 the PDF is written; 1 the export has no such invoice, or the
invoice is invalid (its rule codes are printed); 2 the export cannot be read, the PDF cannot be
written or the arguments are wrong. Errors go to stderr, never as a traceback.

The PDF is French unless ``--lang en`` is given; ``CHORUSFLOW_LANG`` sets only the language of the
messages, since an invoice deposited in France stays French whoever runs the command.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from chorusflow.cli import add_command
from chorusflow.cli import validate as validate_cli
from chorusflow.messages import LANGUAGES, language, text

KNOWN_SHOWN = 5  # invoice numbers listed when the one asked for is absent


def register(subparsers: Any) -> None:
    """Add the ``render`` command."""
    parser = add_command(
        subparsers, "render", help=text("cli.render.help"), description=text("cli.render.description")
    )
    add_one_invoice_arguments(parser, "cli.render")
    parser.set_defaults(handler=run)


def add_one_invoice_arguments(parser: argparse.ArgumentParser, texts: str) -> None:
    """EXPORT, ``--invoice``, ``-o``, ``--mapping`` and ``--lang``: one invoice of an export, written to a
    file (``render`` and ``facturx``); their help is ``<texts>.<argument>_help`` in the catalogue."""
    parser.add_argument("export", type=Path, metavar="EXPORT", help=text(f"{texts}.export_help"))
    parser.add_argument(
        "--invoice", required=True, metavar=text(f"{texts}.number"), help=text(f"{texts}.invoice_help")
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        metavar=text(f"{texts}.file"),
        help=text(f"{texts}.output_help"),
    )
    parser.add_argument("--mapping", type=Path, metavar="YAML", help=text(f"{texts}.mapping_help"))
    parser.add_argument("--lang", choices=LANGUAGES, help=text(f"{texts}.lang_help"))


def run(args: argparse.Namespace) -> int:
    """Validate ``args.export``, render ``args.invoice`` into ``args.output``; return the exit code."""
    invoice = valid_invoice(args)
    if isinstance(invoice, int):
        return invoice
    return _write(invoice, args.output, args.lang or "fr", language(args.lang))


def valid_invoice(args: argparse.Namespace) -> Any:
    """The invoice ``args.invoice`` of ``args.export`` validated offline, or the exit code saying why
    there is none (its findings, or the reason, printed on stderr). ``chorusflow facturx`` uses it too."""
    # validation (pandas): loaded when the command runs, not for --help
    from chorusflow.rules.validate import validate_export

    lang = language(args.lang)
    try:
        report = validate_export(args.export, mapping=args.mapping, lang=lang)
    except Exception as error:  # as ``chorusflow validate``: never a traceback for a user
        print(text("cli.validate.internal", lang, detail=validate_cli._short(error)), file=sys.stderr)
        return validate_cli.EXIT_UNREADABLE
    if report.file_errors:
        for item in report.file_errors:
            print(f"{text('cli.validate.file_error', lang)} [{item.code}] {item.message}", file=sys.stderr)
        return validate_cli.EXIT_UNREADABLE
    number = args.invoice.strip()
    verdicts = [verdict for verdict in report.invoices if verdict.invoice_number == number]
    if not verdicts:
        known = [verdict.invoice_number for verdict in report.invoices if verdict.invoice_number]
        shown = ", ".join(known[:KNOWN_SHOWN]) + (", …" if len(known) > KNOWN_SHOWN else "") or "—"
        print(
            text("cli.render.unknown", lang, number=number, count=len(report.invoices), known=shown),
            file=sys.stderr,
        )
        return validate_cli.EXIT_INVALID
    print(text("cli.validate.offline", lang), file=sys.stderr)
    _print_findings(verdicts, lang)
    invoice = verdicts[0].invoice
    if len(verdicts) > 1 or not verdicts[0].valid or invoice is None:
        print(text("cli.render.invalid", lang, number=number), file=sys.stderr)
        return validate_cli.EXIT_INVALID
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
    # reportlab: loaded when the command runs, not for --help
    from chorusflow.documents.pdf import missing_mentions, render_invoice_pdf

    try:
        pdf = render_invoice_pdf(invoice, lang=pdf_lang)
    except Exception as error:  # a bug of ours, reported without a traceback
        print(text("cli.render.render_failed", lang, detail=validate_cli._short(error)), file=sys.stderr)
        return validate_cli.EXIT_UNREADABLE
    try:
        output.write_bytes(pdf)
    except OSError as error:
        print(
            text("cli.render.unwritable", lang, path=output, detail=validate_cli._short(error)),
            file=sys.stderr,
        )
        return validate_cli.EXIT_UNREADABLE
    for field in missing_mentions(invoice):
        print(text("cli.render.missing", lang, field=field), file=sys.stderr)
    print(text("cli.render.written", lang, number=invoice.invoice_number, path=output, size=len(pdf)))
    return validate_cli.EXIT_VALID
