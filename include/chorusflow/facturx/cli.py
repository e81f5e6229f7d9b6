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
from pathlib import Path
from typing import Any

from chorusflow.cli import add_command, language

_TEXTS = {
    "fr": {
        "help": "produire le Factur-X (PDF/A-3 + CII EN 16931) d'une facture d'un export et vérifier sa "
        "conformité",
        "description": "Valider un export comptable hors ligne, écrire le Factur-X d'une de ses factures et "
        "vérifier sa conformité comme avant un dépôt.",
        "export_help": "le fichier d'export (CSV)",
        "invoice_help": "le numéro de la facture à produire",
        "output_help": "le fichier à écrire (PDF, ou XML avec --xml)",
        "xml_help": "écrire seulement le XML CII",
        "mapping_help": "correspondance des colonnes en YAML (voir docs/export-format.md)",
        "lang_help": "langue des messages",
        "number": "NUMÉRO",
        "file": "FICHIER",
        "failed": "Erreur pendant la production du Factur-X ({detail}).",
        "unwritable": "Impossible d'écrire {path} ({detail}).",
        "written": "Facture {number} : {path} ({size} octets), conforme.",
        "not_conformant": "Facture {number} : {path} ({size} octets), NON conforme : elle ne serait pas "
        "déposée.",
    },
    "en": {
        "help": "build one invoice of an export as Factur-X (PDF/A-3 + CII EN 16931) and check its "
        "conformance",
        "description": "Validate an accounting export offline, write the Factur-X of one of its invoices and "
        "check its conformance as before a deposit.",
        "export_help": "the export file (CSV)",
        "invoice_help": "the invoice number to build",
        "output_help": "the file to write (PDF, or XML with --xml)",
        "xml_help": "write the CII XML only",
        "mapping_help": "YAML column mapping (see docs/export-format.md)",
        "lang_help": "language of the messages",
        "number": "NUMBER",
        "file": "FILE",
        "failed": "Error while building the Factur-X ({detail}).",
        "unwritable": "Cannot write {path} ({detail}).",
        "written": "Invoice {number}: {path} ({size} bytes), conformant.",
        "not_conformant": "Invoice {number}: {path} ({size} bytes), NOT conformant: it would not be "
        "deposited.",
    },
}


def register(subparsers: Any) -> None:
    """Add the ``facturx`` command."""
    texts = _TEXTS[language()]
    parser = add_command(subparsers, "facturx", help=texts["help"], description=texts["description"])
    parser.add_argument("export", type=Path, metavar="EXPORT", help=texts["export_help"])
    parser.add_argument("--invoice", required=True, metavar=texts["number"], help=texts["invoice_help"])
    parser.add_argument(
        "-o", "--output", type=Path, required=True, metavar=texts["file"], help=texts["output_help"]
    )
    parser.add_argument("--xml", action="store_true", help=texts["xml_help"])
    parser.add_argument("--mapping", type=Path, metavar="YAML", help=texts["mapping_help"])
    parser.add_argument("--lang", choices=("fr", "en"), help=texts["lang_help"])
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Validate, build, check and write; return the exit code."""
    from chorusflow.documents.cli import valid_invoice
    from chorusflow.rules.cli import EXIT_INVALID, EXIT_UNREADABLE, EXIT_VALID, _short
    from chorusflow.rules.codes import resolve_language

    texts = _TEXTS[resolve_language(args.lang)]
    invoice = valid_invoice(args)
    if isinstance(invoice, int):
        return invoice
    try:
        from chorusflow.facturx import build_cii, build_facturx, check_facturx

        data = build_cii(invoice, invoice.supplier) if args.xml else build_facturx(invoice, invoice.supplier)
        findings = check_facturx(data, lang=args.lang)
    except Exception as error:  # a bug of ours, reported without a traceback
        print(texts["failed"].format(detail=_short(error)), file=sys.stderr)
        return EXIT_UNREADABLE
    try:
        args.output.write_bytes(data)
    except OSError as error:
        print(texts["unwritable"].format(path=args.output, detail=_short(error)), file=sys.stderr)
        return EXIT_UNREADABLE
    for item in findings:
        mark = "✗" if item.severity == "error" else "!"
        print(f"  {mark} [{item.code}] {item.message}", file=sys.stderr)
    errors = any(item.severity == "error" for item in findings)
    message = texts["not_conformant" if errors else "written"]
    print(message.format(number=invoice.invoice_number, path=args.output, size=len(data)))
    return EXIT_INVALID if errors else EXIT_VALID
