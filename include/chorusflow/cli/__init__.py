"""The ``chorusflow`` command line: one module per command in this package, dev commands by entry point.

Each command module (``chorusflow.cli.validate``, ``chorusflow.cli.ledger`` …) has a
``register(subparsers)`` function; this module only dispatches. Handlers return the process exit
code. Commands that are not part of the runtime package (the developer tooling's ``sandbox``) are
found through the entry-point group ``chorusflow.commands``, each entry naming a command module.

``chorusflow --help`` must stay fast (no pandas, numpy, SQLAlchemy, pydantic or Airflow): a command
module declares its arguments with the standard library, this package and :mod:`chorusflow.messages`
(standard library only), and its handler imports its runner (:mod:`chorusflow.cli.runners`, one
module per command, every import at its top) when the command runs: one function-local import per
command.

Help speaks one language, ``CHORUSFLOW_LANG`` (French by default, or English): every text comes from
the message catalogue (:mod:`chorusflow.messages`, ``cli.*``), and :func:`add_command` translates
what argparse itself prints (usage, section titles, ``-h``).
"""

from __future__ import annotations

import argparse
import importlib
import logging
from collections.abc import Iterable, Sequence
from importlib.metadata import entry_points
from types import ModuleType
from typing import Any

from chorusflow import __version__
from chorusflow.messages import text

log = logging.getLogger(__name__)

#: The entry-point group of command modules installed beside chorusflow (``devtools/pyproject.toml``).
COMMANDS_GROUP = "chorusflow.commands"
#: The runtime package's own commands, in the order ``--help`` lists them after the installed ones.
COMMAND_MODULES = (
    "chorusflow.cli.buyer",
    "chorusflow.cli.validate",
    "chorusflow.cli.ledger",
    "chorusflow.cli.resolve",
    "chorusflow.cli.render",
    "chorusflow.cli.facturx",
)


class HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, with the ``usage:`` prefix in the command line's language."""

    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, text("cli.usage") if prefix is None else prefix)


def localize(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Give ``parser`` (made with ``add_help=False``) section titles and ``-h`` in the CLI language."""
    parser.formatter_class = HelpFormatter
    parser._positionals.title = text("cli.positionals")  # argparse has no public setter for these
    parser._optionals.title = text("cli.options")
    parser.add_argument("-h", "--help", action="help", help=text("cli.help"))
    return parser


def add_command(
    subparsers: Any, name: str, *, help: str, description: str | None = None
) -> argparse.ArgumentParser:
    """Add the command ``name`` to ``subparsers``, its argparse texts in the CLI language."""
    parser = subparsers.add_parser(name, help=help, description=description or help, add_help=False)
    return localize(parser)


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with the installed commands, then the runtime package's own."""
    parser = localize(
        argparse.ArgumentParser(prog="chorusflow", description=text("cli.description"), add_help=False)
    )
    parser.add_argument(
        "--version", action="version", version=f"chorusflow {__version__}", help=text("cli.version")
    )
    subparsers = parser.add_subparsers(dest="command", metavar=text("cli.command"))
    for module in (*installed_command_modules(), *map(importlib.import_module, COMMAND_MODULES)):
        module.register(subparsers)
    return parser


def installed_command_modules(names: Iterable[str] | None = None) -> list[ModuleType]:
    """The command modules other distributions declare in :data:`COMMANDS_GROUP`, by entry name.

    ``names`` (the entry points' values) stands in for the installed ones in tests. One that cannot
    be imported is left out with a warning: the runtime's own commands still work.
    """
    if names is None:
        names = sorted(entry.value for entry in entry_points(group=COMMANDS_GROUP))
    modules = []
    for name in names:
        try:
            modules.append(importlib.import_module(name))
        except ImportError as error:
            log.warning("chorusflow: command module %s not loaded (%s)", name, error)
    return modules


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
