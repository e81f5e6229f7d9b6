"""``chorusflow ledger``: migrate the ledger and look at it (list, show).

The database is found exactly as the DAGs find it (:func:`resolve_ledger_url`). ``migrate`` creates
or upgrades it; ``list`` and ``show`` only read: without a ledger they say where they looked and
create nothing (``list`` then exits 0 with an empty list), and they never upgrade a schema. Exit
codes: 0 ok, 1 unknown invoice, 2 bad URL, unreachable database or schema to migrate (one clear line,
never a traceback).
"""

from __future__ import annotations

import argparse
from typing import Any

from chorusflow.cli import add_command
from chorusflow.messages import text

#: ``InvoiceState`` values (a test pins them): importing the enum would load SQLAlchemy for ``--help``.
STATE_NAMES = (
    "pending",
    "invalid",
    "submitting",
    "needs_review",
    "in_flux",
    "submitted",
    "failed",
    "blocked",
    "paid",
    "closed",
)


def _text(key: str, **values: Any) -> str:
    return text(f"cli.ledger.{key}", **values)


def register(subparsers: Any) -> None:
    """Add ``chorusflow ledger migrate|list|show`` to the top-level parser."""
    parser = add_command(subparsers, "ledger", help=_text("help"), description=_text("description"))
    commands = parser.add_subparsers(dest="ledger_command", metavar=_text("subcommand"), required=True)

    migrate = add_command(commands, "migrate", help=_text("migrate_help"))
    migrate.set_defaults(handler=run)

    listing = add_command(commands, "list", help=_text("list_help"))
    listing.add_argument(
        "--state",
        choices=STATE_NAMES,
        metavar=_text("state_metavar"),
        help=_text("state_help", states=", ".join(STATE_NAMES)),
    )
    listing.add_argument("--supplier", metavar="SIRET", help=_text("supplier_help"))
    listing.add_argument("--json", action="store_true", help=_text("json_help"))
    listing.set_defaults(handler=run)

    show = add_command(commands, "show", help=_text("show_help"))
    show.add_argument("number", metavar=_text("number_metavar"), help=_text("number_help"))
    show.add_argument("--supplier", metavar="SIRET", help=_text("supplier_help"))
    show.add_argument("--json", action="store_true", help=_text("json_help"))
    show.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run ``chorusflow ledger <subcommand>``; return the exit code."""
    # the runner loads the ledger (SQLAlchemy, Alembic): when the command runs, not for --help
    from chorusflow.cli.runners import ledger as runner

    return runner.run(args)
