"""``chorusflow validate EXPORT``: check an accounting export before anything is sent to Chorus Pro.

Exit codes: 0 every invoice is valid, 1 some invoice is invalid, 2 the file cannot be read or the
arguments are wrong. A broken file never shows a traceback: the reason is printed on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

EXIT_VALID = 0
EXIT_INVALID = 1
EXIT_UNREADABLE = 2

_TEXTS = {
    "fr": {
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
        "filled": "complété",
    },
    "en": {
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
        "filled": "filled in",
    },
}


def register(subparsers: Any) -> None:
    """Add the ``validate`` command."""
    parser = subparsers.add_parser(
        "validate",
        help="check an accounting export against French invoicing law and the buyers' Chorus Pro rules",
        description="Check an accounting export (CSV) and report, per invoice, the rule codes it breaks.",
    )
    parser.add_argument("export", type=Path, help="the export file (CSV)")
    parser.add_argument("--mapping", type=Path, help="YAML column mapping (see docs/export-format.md)")
    parser.add_argument("--offline", action="store_true", help="skip the Chorus Pro directory rules")
    parser.add_argument("--lang", choices=("fr", "en"), help="language of messages (default CHORUSFLOW_LANG)")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of a report")
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
    except Exception as error:  # the last safety net: never a traceback for a user
        print(texts["internal"].format(detail=_short(error)), file=sys.stderr)
        return EXIT_UNREADABLE
    if args.json:
        print(json.dumps(_as_json(report), ensure_ascii=False, indent=2))
    else:
        _print_text(report, texts)
    if report.file_errors:
        for item in report.file_errors:
            print(f"{texts['file_error']} [{item.code}] {item.message}", file=sys.stderr)
        return EXIT_UNREADABLE
    return EXIT_VALID if all(verdict.valid for verdict in report.invoices) else EXIT_INVALID


def _short(error: BaseException) -> str:
    text = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {text[:300]}" if text else type(error).__name__


def _as_json(report: Any) -> dict[str, Any]:
    def findings(items: list[Any]) -> list[dict[str, Any]]:
        return [{"code": item.code, "field": item.field, "message": item.message} for item in items]

    return {
        "file_errors": [{"code": item.code, "message": item.message} for item in report.file_errors],
        "invoices": [
            {
                "invoice_number": verdict.invoice_number,
                "rows": verdict.rows,
                "valid": verdict.valid,
                "errors": findings(verdict.errors),
                "warnings": findings(verdict.warnings),
                "invoice": verdict.invoice.model_dump(mode="json") if verdict.invoice is not None else None,
            }
            for verdict in report.invoices
        ],
        "summary": report.summary.model_dump(mode="json"),
    }


def _print_text(report: Any, texts: dict[str, str]) -> None:
    summary = report.summary
    if report.file_errors:
        return  # the reason goes to stderr; there is nothing else to show
    if summary.offline:
        print(texts["offline"])
    for verdict in report.invoices:
        if verdict.valid and not verdict.warnings:
            continue
        name = verdict.invoice_number or f"({texts['row']} {', '.join(str(row) for row in verdict.rows)})"
        print(f"\n{texts['invoice']} {name}")
        for item in verdict.errors:
            print(f"  ✗ [{item.code}] {item.message}")
        for item in verdict.warnings:
            print(f"  ! [{item.code}] {item.message} ({texts['warning']})")
        if verdict.invoice is not None:
            for field, value in verdict.invoice.filled_in.items():
                print(f"  + {field} = {value} ({texts['filled']})")
    print()
    print(texts["summary"].format(**summary.model_dump()))
