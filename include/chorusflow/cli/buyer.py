"""``chorusflow buyer SIRET``: what a public buyer requires on the invoices it receives.

Reads the connection from ``AIRFLOW_CONN_CHORUS_PRO``, looks the buyer up on Chorus Pro and prints
its requirements and services, in French (default) or English (``CHORUSFLOW_LANG=en``). Errors are
one line on stderr with exit code 2 (1 when the buyer is unknown); never a traceback.
"""

from __future__ import annotations

import argparse
from typing import Any

from chorusflow.cli import add_command
from chorusflow.messages import text


def register(subparsers: Any) -> None:
    """Add ``buyer SIRET [--json]`` to the ``chorusflow`` command line."""
    parser = add_command(
        subparsers, "buyer", help=text("cli.buyer.help"), description=text("cli.buyer.description")
    )
    parser.add_argument("siret", metavar="SIRET", help=text("cli.buyer.siret_help"))
    parser.add_argument("--json", action="store_true", help=text("cli.buyer.json_help"))
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Print the buyer's requirements; one-line errors, no traceback."""
    # the runner loads the Chorus Pro client (pydantic, requests): when the command runs, not for --help
    from chorusflow.cli.runners import buyer as runner

    return runner.run(args)
