"""``chorusflow resolve NUMBER``: answer a blocked invoice without the Airflow UI (docs/resolution.md).

One action per call: ``--complete FILE --comment TEXT``, ``--recycle --service CODE --engagement EJ``,
``--acknowledge-rejection`` (alone, or with ``--reissue NEW`` / ``--credit-note NEW`` / ``--abandon``),
``--adopt ID`` or ``--release`` for an invoice awaiting review. The ledger and Chorus Pro are found as
the DAGs find them. Exit codes: 0 applied (or already applied), 1 refused (a rule code; nothing sent)
or refused by Chorus Pro, 2 could not run (ledger, connection), 3 try again (passing error).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any

from chorusflow.cli import add_command
from chorusflow.messages import text


def _text(key: str, **values: object) -> str:
    return text(f"resolution.cli.{key}", **values)


def register(subparsers: Any) -> None:
    """Add ``chorusflow resolve`` to the top-level parser."""
    parser = add_command(subparsers, "resolve", help=_text("help"))
    parser.add_argument("number", help=_text("number"))
    actions = parser.add_mutually_exclusive_group(required=True)
    actions.add_argument("--complete", metavar="FILE", help=_text("complete"))
    actions.add_argument("--recycle", action="store_true", help=_text("recycle"))
    actions.add_argument("--acknowledge-rejection", action="store_true", help=_text("acknowledge"))
    actions.add_argument("--reissue", metavar="NEW_NUMBER", help=_text("reissue"))
    actions.add_argument("--credit-note", metavar="NEW_NUMBER", help=_text("credit_note"))
    actions.add_argument("--abandon", action="store_true", help=_text("abandon"))
    actions.add_argument("--adopt", metavar="ID", type=int, help=_text("adopt"))
    actions.add_argument("--release", action="store_true", help=_text("release"))
    parser.add_argument("--comment", help=_text("comment"))
    parser.add_argument("--service", metavar="CODE", help=_text("service"))
    parser.add_argument("--engagement", metavar="EJ", help=_text("engagement"))
    parser.add_argument("--supplier", metavar="ID", help=_text("supplier"))
    parser.add_argument("--by", help=_text("by"))
    parser.add_argument("--json", action="store_true", help=_text("json"))
    parser.set_defaults(handler=run_resolve)


def decision_fields(args: argparse.Namespace) -> dict[str, Any]:
    """The decision the options describe (its action and the fields it needs)."""
    chosen: tuple[str, dict[str, Any]] = ("release", {})
    if args.complete:
        chosen = ("complete", {"attachment": args.complete})
    elif args.recycle:
        chosen = ("recycle", {"service_code": args.service, "engagement": args.engagement})
    elif args.acknowledge_rejection:
        chosen = ("acknowledge", {})
    elif args.reissue:
        chosen = ("reissue", {"new_number": args.reissue})
    elif args.credit_note:
        chosen = ("credit_note", {"new_number": args.credit_note})
    elif args.abandon:
        chosen = ("abandon", {})
    elif args.adopt is not None:
        chosen = ("adopt", {"chorus_id": args.adopt})
    action, fields = chosen
    return {"action": action, "comment": args.comment, **fields}


def run_resolve(args: argparse.Namespace) -> int:
    """Apply one decision and print what happened (exit codes in the module docstring)."""
    import os
    import socket

    from chorusflow.ledger import ClaimOwner, Ledger, LedgerError, resolve_ledger_url
    from chorusflow.messages import language
    from chorusflow.platforms.chorus_pro import ChorusProClient, ChorusProConfig, ChorusProError
    from chorusflow.platforms.chorus_pro.config import connection_variable
    from chorusflow.resolution import Decision, DecisionResult, build_resolver, decision_supplier
    from chorusflow.suppliers import SupplierIdentity, load_suppliers

    decided_by = args.by or getpass.getuser()
    decision = Decision(
        invoice_number=args.number, decided_by=decided_by, source="cli", **decision_fields(args)
    )
    owner = ClaimOwner(
        dag_id="cli", run_id=f"resolve__{os.getpid()}", task_id="resolve", hostname=socket.gethostname()
    )
    ledger = None
    try:
        ledger = Ledger(resolve_ledger_url())
        ledger.migrate()
        supplier = decision_supplier(ledger, load_suppliers(), args.number, args.supplier, language())
        if not isinstance(supplier, SupplierIdentity):
            print(f"{supplier.code}: {supplier.message}", file=sys.stderr)
            return 1
        # The supplier's technical account: its connection as Airflow reads it from the environment
        # (AIRFLOW_CONN_CHORUS_PRO, AIRFLOW_CONN_CHORUS_PRO__<ID> …).
        variable = connection_variable(supplier.connection_id)
        with ChorusProClient(ChorusProConfig.from_env(variable)) as client:
            resolver = build_resolver(ledger, client, supplier.key, owner)
            result = resolver.apply(decision)
    except (ChorusProError, LedgerError, OSError, ValueError) as error:
        print(_text("failed", reason=str(error)[:300]), file=sys.stderr)
        return 2
    finally:
        if ledger is not None:
            ledger.dispose()
    if args.json:
        print(json.dumps(result.to_xcom(), ensure_ascii=False, default=str))
    else:
        print(
            f"{result.invoice_number}: {result.action.value}: {result.result.value} {result.message}".strip()
        )
    if result.ok:
        return 0
    return 3 if result.result in (DecisionResult.RETRY, DecisionResult.BUSY) else 1
