"""``chorusflow validate EXPORT``: check an accounting export before anything is sent to Chorus Pro.

Exit codes: 0 every invoice is valid, 1 some invoice is invalid, 2 the file cannot be read, the
output cannot be written or the arguments are wrong. A broken file never shows a traceback: the
reason is printed on stderr. ``--json`` writes the document invoice by invoice
(:meth:`~chorusflow.rules.validate.ValidationReport.write_json`), to stdout or ``-o FILE``.
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from chorusflow.cli import add_command, language

if TYPE_CHECKING:
    from chorusflow.rules.validate import BytesSink

EXIT_VALID = 0
EXIT_INVALID = 1
EXIT_UNREADABLE = 2

_TEXTS = {
    "fr": {
        "help": "vérifier un export comptable : droit français de la facturation et règles Chorus Pro "
        "des acheteurs",
        "description": "Vérifier un export comptable (CSV) et indiquer, par facture, les codes des règles "
        "qu'elle enfreint.",
        "export_help": "le fichier d'export (CSV)",
        "mapping_help": "correspondance des colonnes en YAML (voir docs/export-format.md)",
        "offline_help": "ne pas vérifier les règles de l'annuaire Chorus Pro",
        "facturx_help": "produire aussi le Factur-X de chaque facture valide et vérifier sa conformité (XSD, "
        "schematrons EN 16931 et français, PDF/A-3)",
        "lang_help": "langue des messages (par défaut CHORUSFLOW_LANG)",
        "json_help": "écrire un document JSON au lieu d'un rapport",
        "output_help": "écrire le rapport ou le JSON dans FICHIER au lieu de la sortie standard",
        "file": "FICHIER",
        "offline": "Mode hors ligne : les règles de l'annuaire Chorus Pro (acheteur, services, engagement) "
        "n'ont pas été vérifiées.",
        "file_error": "Fichier refusé",
        "invoice": "Facture",
        "row": "ligne",
        "summary": "{invoices} facture(s), {lines} ligne(s) : {valid} valide(s), {invalid} invalide(s), "
        "{warnings} avertissement(s).",
        "warning": "avertissement",
        "no_connection": "Connexion Chorus Pro indisponible ({detail}) ; utilisez --offline pour "
        "valider sans l'annuaire.",
        "internal": "Erreur inattendue pendant la validation ({detail}).",
        "unwritable": "Impossible d'écrire {path} ({detail}).",
        "filled": "complété",
    },
    "en": {
        "help": "check an accounting export against French invoicing law and the buyers' Chorus Pro rules",
        "description": "Check an accounting export (CSV) and report, per invoice, the rule codes it breaks.",
        "export_help": "the export file (CSV)",
        "mapping_help": "YAML column mapping (see docs/export-format.md)",
        "offline_help": "skip the Chorus Pro directory rules",
        "facturx_help": "also build each valid invoice's Factur-X and check its conformance (XSD, EN 16931 "
        "and French schematrons, PDF/A-3)",
        "lang_help": "language of messages (default CHORUSFLOW_LANG)",
        "json_help": "write one JSON document instead of a report",
        "output_help": "write the report or the JSON to FILE instead of the standard output",
        "file": "FILE",
        "offline": "Offline mode: the Chorus Pro directory rules (buyer, services, engagement) were not "
        "checked.",
        "file_error": "File refused",
        "invoice": "Invoice",
        "row": "row",
        "summary": "{invoices} invoice(s), {lines} line(s): {valid} valid, {invalid} invalid, "
        "{warnings} warning(s).",
        "warning": "warning",
        "no_connection": "Chorus Pro connection unavailable ({detail}); use --offline to validate "
        "without the directory.",
        "internal": "Unexpected error during validation ({detail}).",
        "unwritable": "Cannot write {path} ({detail}).",
        "filled": "filled in",
    },
}


def register(subparsers: Any) -> None:
    """Add the ``validate`` command."""
    texts = _TEXTS[language()]
    parser = add_command(subparsers, "validate", help=texts["help"], description=texts["description"])
    parser.add_argument("export", type=Path, metavar="EXPORT", help=texts["export_help"])
    parser.add_argument("--mapping", type=Path, metavar="YAML", help=texts["mapping_help"])
    parser.add_argument("--offline", action="store_true", help=texts["offline_help"])
    parser.add_argument("--facturx", action="store_true", help=texts["facturx_help"])
    parser.add_argument("--lang", choices=("fr", "en"), help=texts["lang_help"])
    parser.add_argument("--json", action="store_true", help=texts["json_help"])
    parser.add_argument("-o", "--output", type=Path, metavar=texts["file"], help=texts["output_help"])
    parser.set_defaults(handler=run)


def _directory() -> Any:
    """A cached directory reading Chorus Pro through ``AIRFLOW_CONN_CHORUS_PRO``."""
    from chorusflow.chorus import ChorusProClient, ChorusProConfig
    from chorusflow.rules.directory import ChorusDirectory

    return ChorusDirectory(ChorusProClient(ChorusProConfig.from_env()))


def run(args: argparse.Namespace) -> int:
    """Validate ``args.export`` and print the report; return the exit code."""
    from chorusflow.rules.codes import resolve_language
    from chorusflow.rules.validate import validate_export

    lang = resolve_language(args.lang)
    texts = _TEXTS[lang]
    directory = None
    if not args.offline:
        try:
            directory = _directory()
        except Exception as error:  # missing or malformed connection: a clear message, no traceback
            print(texts["no_connection"].format(detail=_short(error)), file=sys.stderr)
            return EXIT_UNREADABLE
    try:
        report = validate_export(args.export, mapping=args.mapping, directory=directory, lang=lang)
        if args.facturx and not report.file_errors:
            from chorusflow.facturx.export import with_facturx_checks

            report = with_facturx_checks(report, lang)
    except Exception as error:  # the last safety net: never a traceback for a user
        print(texts["internal"].format(detail=_short(error)), file=sys.stderr)
        return EXIT_UNREADABLE
    try:
        _write_report(report, args, texts)
    except OSError as error:  # a full disk, a missing folder, a closed pipe
        where = args.output or "stdout"
        print(texts["unwritable"].format(path=where, detail=_short(error)), file=sys.stderr)
        return EXIT_UNREADABLE
    except Exception as error:  # as above: never a traceback
        print(texts["internal"].format(detail=_short(error)), file=sys.stderr)
        return EXIT_UNREADABLE
    if report.file_errors:
        for item in report.file_errors:
            print(f"{texts['file_error']} [{item.code}] {item.message}", file=sys.stderr)
        return EXIT_UNREADABLE
    return EXIT_VALID if all(verdict.valid for verdict in report.invoices) else EXIT_INVALID


def _short(error: BaseException) -> str:
    text = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {text[:300]}" if text else type(error).__name__


def _write_report(report: Any, args: argparse.Namespace, texts: dict[str, str]) -> None:
    """The JSON document or the text report, to ``args.output`` or stdout."""
    if args.json:
        with _binary_output(args.output) as out:
            report.write_json(out)
            out.write(b"\n")
    elif args.output is not None:
        with args.output.open("w", encoding="utf-8") as out:
            _print_text(report, texts, out)
    else:
        _print_text(report, texts, sys.stdout)


@contextlib.contextmanager
def _binary_output(path: Path | None) -> Iterator[BytesSink]:
    """``path`` opened for bytes, or stdout's bytes when it encodes UTF-8 (else a UTF-8 decoding shim)."""
    if path is not None:
        with path.open("wb") as file:
            yield file
        return
    stdout = sys.stdout
    buffer = getattr(stdout, "buffer", None)
    stdout.flush()
    if buffer is not None and codecs.lookup(stdout.encoding or "ascii").name == "utf-8":
        yield buffer
        buffer.flush()
    else:  # a StringIO, or a terminal in another encoding: print() would have gone through it too
        yield _TextSink(stdout)


class _TextSink:
    """Bytes written as text to a text stream (each write is whole UTF-8)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, data: bytes) -> int:
        return self._stream.write(data.decode("utf-8"))


def _print_text(report: Any, texts: dict[str, str], out: TextIO) -> None:
    summary = report.summary
    if report.file_errors:
        return  # the reason goes to stderr; there is nothing else to show
    if summary.offline:
        print(texts["offline"], file=out)
    for verdict in report.invoices:
        if verdict.valid and not verdict.warnings:
            continue
        name = verdict.invoice_number or f"({texts['row']} {', '.join(str(row) for row in verdict.rows)})"
        print(f"\n{texts['invoice']} {name}", file=out)
        for item in verdict.errors:
            print(f"  ✗ [{item.code}] {item.message}", file=out)
        for item in verdict.warnings:
            print(f"  ! [{item.code}] {item.message} ({texts['warning']})", file=out)
        if verdict.invoice is not None:
            for field, value in verdict.invoice.filled_in.items():
                print(f"  + {field} = {value} ({texts['filled']})", file=out)
    print(file=out)
    print(texts["summary"].format(**summary.model_dump()), file=out)
