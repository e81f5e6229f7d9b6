"""``chorusflow facturx EXPORT --invoice NUMBER -o FILE``: one Factur-X, checked as before a deposit.

The export is validated offline first (as ``chorusflow render`` does), the Factur-X PDF/A-3 is built
(the CII XML with ``--xml``) and checked as before a deposit: XSD, EN 16931 and French schematrons,
PDF/A-3. The file is written either way, so that a producer can look at it; the findings go to
stderr. Exit codes: 0 the file is written and conformant; 1 the invoice is absent or invalid, or its
file is not conformant (it would not be deposited); 2 the export cannot be read, the file cannot be
written or the arguments are wrong. Never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from chorusflow.cli import add_command
from chorusflow.cli.render import add_one_invoice_arguments, valid_invoice
from chorusflow.cli.validate import EXIT_INVALID, EXIT_UNREADABLE, EXIT_VALID, _short
from chorusflow.messages import language, text


def register(subparsers: Any) -> None:
    """Add the ``facturx`` command."""
    parser = add_command(
        subparsers, "facturx", help=text("cli.facturx.help"), description=text("cli.facturx.description")
    )
    add_one_invoice_arguments(parser, "cli.facturx")
    parser.add_argument("--xml", action="store_true", help=text("cli.facturx.xml_help"))
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Validate, build, check and write; return the exit code."""

    lang = language(args.lang)
    invoice = valid_invoice(args)
    if isinstance(invoice, int):
        return invoice
    try:
        # Factur-X (lxml, Saxon): loaded when the command runs, not for --help
        from chorusflow.facturx import build_cii, build_facturx, check_facturx

        data = build_cii(invoice, invoice.supplier) if args.xml else build_facturx(invoice, invoice.supplier)
        findings = check_facturx(data, lang=args.lang)
    except Exception as error:  # a bug of ours, reported without a traceback
        print(text("cli.facturx.failed", lang, detail=_short(error)), file=sys.stderr)
        return EXIT_UNREADABLE
    try:
        args.output.write_bytes(data)
    except OSError as error:
        print(text("cli.facturx.unwritable", lang, path=args.output, detail=_short(error)), file=sys.stderr)
        return EXIT_UNREADABLE
    for item in findings:
        mark = "✗" if item.severity == "error" else "!"
        print(f"  {mark} [{item.code}] {item.message}", file=sys.stderr)
    errors = any(item.severity == "error" for item in findings)
    key = "cli.facturx.not_conformant" if errors else "cli.facturx.written"
    print(text(key, lang, number=invoice.invoice_number, path=args.output, size=len(data)))
    return EXIT_INVALID if errors else EXIT_VALID
