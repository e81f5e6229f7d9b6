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

from chorusflow.cli import add_command, language

_TEXTS = {
    "fr": {
        "help": "produire le PDF d'une facture d'un export comptable, tel qu'il serait déposé sur Chorus Pro",
        "description": "Valider un export comptable hors ligne et écrire le PDF d'une de ses factures.",
        "export_help": "le fichier d'export (CSV)",
        "invoice_help": "le numéro de la facture à produire",
        "output_help": "le fichier PDF à écrire",
        "mapping_help": "correspondance des colonnes en YAML (voir docs/export-format.md)",
        "lang_help": "langue du PDF (par défaut fr) et des messages",
        "number": "NUMÉRO",
        "file": "FICHIER",
        "unknown": "Facture {number} absente de l'export ({count} facture(s) : {known}).",
        "invalid": "Facture {number} invalide : fichier non produit.",
        "unwritable": "Impossible d'écrire {path} ({detail}).",
        "render_failed": "Erreur inattendue pendant le rendu du PDF ({detail}).",
        "written": "Facture {number} : {path} ({size} octets).",
        "missing": "  ! {field} : mention obligatoire absente du PDF, faute de donnée.",
    },
    "en": {
        "help": "render one invoice of an accounting export as the PDF deposited on Chorus Pro",
        "description": "Validate an accounting export offline and write the PDF of one of its invoices.",
        "export_help": "the export file (CSV)",
        "invoice_help": "the invoice number to render",
        "output_help": "the PDF file to write",
        "mapping_help": "YAML column mapping (see docs/export-format.md)",
        "lang_help": "language of the PDF (default fr) and of the messages",
        "number": "NUMBER",
        "file": "FILE",
        "unknown": "Invoice {number} is not in the export ({count} invoice(s): {known}).",
        "invalid": "Invoice {number} is invalid: no file produced.",
        "unwritable": "Cannot write {path} ({detail}).",
        "render_failed": "Unexpected error while rendering the PDF ({detail}).",
        "written": "Invoice {number}: {path} ({size} bytes).",
        "missing": "  ! {field}: mandatory mention missing from the PDF, for want of data.",
    },
}
KNOWN_SHOWN = 5  # invoice numbers listed when the one asked for is absent


def register(subparsers: Any) -> None:
    """Add the ``render`` command."""
    texts = _TEXTS[language()]
    parser = add_command(subparsers, "render", help=texts["help"], description=texts["description"])
    parser.add_argument("export", type=Path, metavar="EXPORT", help=texts["export_help"])
    parser.add_argument("--invoice", required=True, metavar=texts["number"], help=texts["invoice_help"])
    parser.add_argument(
        "-o", "--output", type=Path, required=True, metavar=texts["file"], help=texts["output_help"]
    )
    parser.add_argument("--mapping", type=Path, metavar="YAML", help=texts["mapping_help"])
    parser.add_argument("--lang", choices=("fr", "en"), help=texts["lang_help"])
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Validate ``args.export``, render ``args.invoice`` into ``args.output``; return the exit code."""
    from chorusflow.rules.codes import resolve_language

    invoice = valid_invoice(args)
    if isinstance(invoice, int):
        return invoice
    return _write(invoice, args.output, args.lang or "fr", _TEXTS[resolve_language(args.lang)])


def valid_invoice(args: argparse.Namespace) -> Any:
    """The invoice ``args.invoice`` of ``args.export`` validated offline, or the exit code saying why
    there is none (its findings, or the reason, printed on stderr). ``chorusflow facturx`` uses it too."""
    from chorusflow.rules import cli as validate_cli
    from chorusflow.rules.codes import resolve_language
    from chorusflow.rules.validate import validate_export

    lang = resolve_language(args.lang)
    texts, validate_texts = _TEXTS[lang], validate_cli._TEXTS[lang]
    try:
        report = validate_export(args.export, mapping=args.mapping, lang=lang)
    except Exception as error:  # as ``chorusflow validate``: never a traceback for a user
        print(validate_texts["internal"].format(detail=validate_cli._short(error)), file=sys.stderr)
        return validate_cli.EXIT_UNREADABLE
    if report.file_errors:
        for item in report.file_errors:
            print(f"{validate_texts['file_error']} [{item.code}] {item.message}", file=sys.stderr)
        return validate_cli.EXIT_UNREADABLE
    number = args.invoice.strip()
    verdicts = [verdict for verdict in report.invoices if verdict.invoice_number == number]
    if not verdicts:
        known = [verdict.invoice_number for verdict in report.invoices if verdict.invoice_number]
        shown = ", ".join(known[:KNOWN_SHOWN]) + (", …" if len(known) > KNOWN_SHOWN else "") or "—"
        print(
            texts["unknown"].format(number=number, count=len(report.invoices), known=shown), file=sys.stderr
        )
        return validate_cli.EXIT_INVALID
    print(validate_texts["offline"], file=sys.stderr)
    _print_findings(verdicts, validate_texts)
    invoice = verdicts[0].invoice
    if len(verdicts) > 1 or not verdicts[0].valid or invoice is None:
        print(texts["invalid"].format(number=number), file=sys.stderr)
        return validate_cli.EXIT_INVALID
    return invoice


def _print_findings(verdicts: list[Any], texts: dict[str, str]) -> None:
    """The invoice's errors and warnings, as ``chorusflow validate`` prints them."""
    for verdict in verdicts:
        for item in verdict.errors:
            print(f"  ✗ [{item.code}] {item.message}", file=sys.stderr)
        for item in verdict.warnings:
            print(f"  ! [{item.code}] {item.message} ({texts['warning']})", file=sys.stderr)


def _write(invoice: Any, output: Path, pdf_lang: str, texts: dict[str, str]) -> int:
    """Render ``invoice`` into ``output``; return the exit code."""
    from chorusflow.documents.pdf import missing_mentions, render_invoice_pdf
    from chorusflow.rules.cli import EXIT_UNREADABLE, EXIT_VALID, _short

    try:
        pdf = render_invoice_pdf(invoice, lang=pdf_lang)
    except Exception as error:  # a bug of ours, reported without a traceback
        print(texts["render_failed"].format(detail=_short(error)), file=sys.stderr)
        return EXIT_UNREADABLE
    try:
        output.write_bytes(pdf)
    except OSError as error:
        print(texts["unwritable"].format(path=output, detail=_short(error)), file=sys.stderr)
        return EXIT_UNREADABLE
    for field in missing_mentions(invoice):
        print(texts["missing"].format(field=field), file=sys.stderr)
    print(texts["written"].format(number=invoice.invoice_number, path=output, size=len(pdf)))
    return EXIT_VALID
