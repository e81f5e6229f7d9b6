"""What ``chorusflow facturx`` does once its arguments are parsed (:mod:`chorusflow.cli.facturx`)."""

from __future__ import annotations

import argparse
import sys

from chorusflow.cli.runners.render import valid_invoice
from chorusflow.cli.runners.validate import EXIT_INVALID, EXIT_UNREADABLE, EXIT_VALID, _short
from chorusflow.facturx import build_cii, build_facturx, check_facturx
from chorusflow.messages import language, text


def run(args: argparse.Namespace) -> int:
    """Validate, build, check and write; return the exit code."""
    lang = language(args.lang)
    invoice = valid_invoice(args)
    if isinstance(invoice, int):
        return invoice
    try:
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
