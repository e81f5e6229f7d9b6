"""What ``chorusflow resolve`` does once its arguments are parsed (:mod:`chorusflow.cli.resolve`)."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import socket
import sys
from typing import Any

from chorusflow.ledger import ClaimOwner, Ledger, LedgerError, resolve_ledger_url
from chorusflow.messages import language, text
from chorusflow.platforms.chorus_pro import ChorusProClient, ChorusProConfig, ChorusProError
from chorusflow.platforms.chorus_pro.config import connection_variable
from chorusflow.resolution import Decision, DecisionResult, build_resolver, decision_supplier
from chorusflow.suppliers import SupplierIdentity, load_suppliers


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


def run(args: argparse.Namespace) -> int:
    """Apply one decision and print what happened (exit codes in the module docstring)."""
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
        print(text("resolution.cli.failed", reason=str(error)[:300]), file=sys.stderr)
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
