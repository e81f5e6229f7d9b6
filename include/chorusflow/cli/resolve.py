"""``chorusflow resolve NUMBER``: answer a blocked invoice without the Airflow UI (docs/resolution.md).

One action per call: ``--complete FILE --comment TEXT``, ``--recycle --service CODE --engagement EJ``,
``--acknowledge-rejection`` (alone, or with ``--reissue NEW`` / ``--credit-note NEW`` / ``--abandon``),
``--adopt ID`` or ``--release`` for an invoice awaiting review. The ledger and Chorus Pro are found as
the DAGs find them. Exit codes: 0 applied (or already applied), 1 refused (a rule code; nothing sent)
or refused by Chorus Pro, 2 could not run (ledger, connection), 3 try again (passing error).
"""

from __future__ import annotations

import argparse
from typing import Any

from chorusflow.cli import add_command
from chorusflow.messages import text


def _text(key: str) -> str:
    return text(f"resolution.cli.{key}")


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
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Apply one decision and print what happened (exit codes in the module docstring)."""
    # the runner loads the ledger and Chorus Pro (SQLAlchemy, pydantic): when the command runs, not for --help
    from chorusflow.cli.runners import resolve as runner

    return runner.run(args)
