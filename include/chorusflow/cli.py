"""The ``chorusflow`` command line.

Each command group lives next to the code it drives and registers itself here through a
``register(subparsers)`` function, so this module stays a dispatcher. Handlers return the process
exit code; heavy imports happen inside handlers to keep ``chorusflow --help`` fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from chorusflow import __version__

COMMAND_MODULES = (
    "chorusflow.sandbox.cli",
    "chorusflow.chorus.cli",
    "chorusflow.rules.cli",
    "chorusflow.ledger.cli",
    "chorusflow.documents.cli",
)


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every command group that is installed."""
    parser = argparse.ArgumentParser(
        prog="chorusflow", description="chorusflow: Chorus Pro invoicing with Airflow"
    )
    parser.add_argument("--version", action="version", version=f"chorusflow {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name and f"{module_name}.".startswith(f"{error.name}."):
                continue  # command group not installed in this build
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit code (2 for usage errors, as argparse does)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return int(handler(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
