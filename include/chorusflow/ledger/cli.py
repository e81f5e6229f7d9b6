"""``chorusflow ledger``: migrate the ledger and look at it (list, show).

The database is found exactly as the DAGs find it (:func:`resolve_ledger_url`). Exit codes: 0 ok,
1 unknown invoice, 2 bad URL or unreachable database (one clear line, never a traceback).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from chorusflow.config import language

MESSAGES: dict[str, dict[str, str]] = {
    "fr": {
        "help": "registre des factures (base d'état de chorusflow)",
        "migrate_help": "créer ou mettre à jour le schéma du registre",
        "list_help": "lister les factures du registre",
        "show_help": "afficher une facture avec ses tentatives et son historique de statuts",
        "state_help": "seulement les factures dans cet état local",
        "supplier_help": "SIRET du fournisseur (si plusieurs fournisseurs partagent le registre)",
        "json_help": "sortie JSON",
        "migrated": "Registre à jour (révision {revision}) : {url}",
        "empty": "Aucune facture dans le registre.",
        "unknown": "Facture {number} inconnue du registre.",
        "ambiguous": "Le numéro {number} existe pour plusieurs fournisseurs : précisez --supplier SIRET.",
        "bad_url": "Connexion au registre invalide : {reason}",
        "unreachable": "Registre inaccessible ({url}) : {reason}",
        "schema": "Schéma du registre inconnu de cette version de chorusflow ({url}) : {reason}",
        "number": "Numéro",
        "buyer": "Acheteur",
        "ttc": "Montant TTC",
        "state": "État",
        "status": "Statut Chorus Pro",
        "cpp_id": "Id. facture CPP",
        "flux": "Flux",
        "error": "Dernière erreur",
        "attempts": "Tentatives de dépôt",
        "history": "Historique des statuts Chorus Pro",
        "none": "(aucune)",
        "supplier": "Fournisseur",
        "export": "Export d'origine",
        "findings": "Anomalies",
        "claimed": "Réservée par",
        "until": "jusqu'à",
    },
    "en": {
        "help": "invoice ledger (chorusflow's state store)",
        "migrate_help": "create or upgrade the ledger schema",
        "list_help": "list the ledger's invoices",
        "show_help": "show one invoice with its attempts and status history",
        "state_help": "only invoices in this local state",
        "supplier_help": "supplier SIRET (when several suppliers share the ledger)",
        "json_help": "JSON output",
        "migrated": "Ledger up to date (revision {revision}): {url}",
        "empty": "No invoice in the ledger.",
        "unknown": "Invoice {number} is not in the ledger.",
        "ambiguous": "Invoice number {number} exists for several suppliers: add --supplier SIRET.",
        "bad_url": "Invalid ledger connection: {reason}",
        "unreachable": "Ledger unreachable ({url}): {reason}",
        "schema": "Ledger schema unknown to this chorusflow version ({url}): {reason}",
        "number": "Number",
        "buyer": "Buyer",
        "ttc": "Total incl. VAT",
        "state": "State",
        "status": "Chorus Pro status",
        "cpp_id": "CPP invoice id",
        "flux": "Flow",
        "error": "Last error",
        "attempts": "Submission attempts",
        "history": "Chorus Pro status history",
        "none": "(none)",
        "supplier": "Supplier",
        "export": "Source export",
        "findings": "Findings",
        "claimed": "Claimed by",
        "until": "until",
    },
}

STATE_NAMES = ("pending", "invalid", "submitting", "submitted", "failed", "blocked", "paid", "closed")


def _text(key: str, **values: Any) -> str:
    return MESSAGES[language()][key].format(**values)


def register(subparsers: Any) -> None:
    """Add ``chorusflow ledger migrate|list|show`` to the top-level parser."""
    parser = subparsers.add_parser("ledger", help=_text("help"), description=_text("help"))
    commands = parser.add_subparsers(dest="ledger_command", metavar="SUBCOMMAND", required=True)

    migrate = commands.add_parser("migrate", help=_text("migrate_help"))
    migrate.set_defaults(handler=_guarded(_migrate))

    listing = commands.add_parser("list", help=_text("list_help"))
    listing.add_argument("--state", choices=STATE_NAMES, help=_text("state_help"))
    listing.add_argument("--supplier", metavar="SIRET", help=_text("supplier_help"))
    listing.add_argument("--json", action="store_true", help=_text("json_help"))
    listing.set_defaults(handler=_guarded(_list))

    show = commands.add_parser("show", help=_text("show_help"))
    show.add_argument("number")
    show.add_argument("--supplier", metavar="SIRET", help=_text("supplier_help"))
    show.add_argument("--json", action="store_true", help=_text("json_help"))
    show.set_defaults(handler=_guarded(_show))


def _guarded(command: Callable[[Any, argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Open the ledger as the DAGs do, migrate it, run ``command``; turn database trouble into exit 2."""

    def handler(args: argparse.Namespace) -> int:
        from alembic.util.exc import CommandError
        from sqlalchemy.exc import SQLAlchemyError

        from chorusflow.ledger import Ledger, LedgerConfigError, LedgerError, display_url, resolve_ledger_url

        try:
            url = resolve_ledger_url()
            ledger = Ledger(url)
        except LedgerConfigError as error:
            print(_text("bad_url", reason=error), file=sys.stderr)
            return 2
        try:
            ledger.migrate()
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


def _reason(error: Exception) -> str:
    original = getattr(error, "orig", None) or error
    lines = [line.strip() for line in str(original).splitlines() if line.strip()]
    reason = lines[0] if lines else type(original).__name__
    return reason[:300]


def _migrate(ledger: Any, _args: argparse.Namespace) -> int:
    from chorusflow.ledger import display_url

    print(_text("migrated", revision=ledger.revision(), url=display_url(ledger.url)))
    return 0


def _list(ledger: Any, args: argparse.Namespace) -> int:
    from chorusflow.ledger import InvoiceState

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
            row.state.value,
            row.chorus_status or "",
            "" if row.identifiant_facture_cpp is None else str(row.identifiant_facture_cpp),
            row.numero_flux_depot or "",
            _short(row.last_error, 60),
        ]
        for row in rows
    ]
    print(_aligned(headers, table, right_aligned={2, 5}))
    return 0


def _show(ledger: Any, args: argparse.Namespace) -> int:
    from chorusflow.ledger import AmbiguousInvoiceNumber

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
        (_text("state"), detail.state.value),
        (_text("status"), " ".join(filter(None, [detail.chorus_status, _when(detail.chorus_status_at)]))),
        (
            _text("cpp_id"),
            "" if detail.identifiant_facture_cpp is None else str(detail.identifiant_facture_cpp),
        ),
        (_text("flux"), detail.numero_flux_depot or ""),
        (_text("export"), detail.source_export or ""),
        (_text("error"), detail.last_error or ""),
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
    print("\n".join(lines))
    return 0


def _buyer(name: str | None, siret: str | None) -> str:
    return " ".join(filter(None, [_short(name, 30), f"({siret})" if siret else None]))


def _amount(amount: Decimal | None, currency: str | None) -> str:
    if amount is None:
        return ""
    text = f"{amount:,.2f}".replace(",", " ")
    if language() == "fr":
        text = text.replace(".", ",")
    return f"{text} {currency or ''}".rstrip()


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
