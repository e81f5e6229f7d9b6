"""The ``chorusflow`` command line.

Each command group lives next to the code it drives and registers itself here through a
``register(subparsers)`` function, so this module stays a dispatcher. Handlers return the process
exit code.

``chorusflow --help`` must stay fast (no pandas, numpy, SQLAlchemy or Airflow): command modules
import only the standard library, this module and :mod:`chorusflow.messages` (standard library
only) at their top, heavy imports happen inside handlers, and :func:`build_parser` loads the
command modules without running their packages' ``__init__`` (which re-export the heavy parts, see
:func:`_command_module`).

Help speaks one language, ``CHORUSFLOW_LANG`` (French by default, or English): every text comes from
the message catalogue (:mod:`chorusflow.messages`, ``cli.*``), and :func:`add_command` translates
what argparse itself prints (usage, section titles, ``-h``).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from chorusflow import __version__
from chorusflow.messages import text

COMMAND_MODULES = (
    "chorusflow_dev.sandbox.cli",
    "chorusflow.platforms.chorus_pro.cli",
    "chorusflow.rules.cli",
    "chorusflow.ledger.cli",
    "chorusflow.resolution.cli",
    "chorusflow.documents.cli",
    "chorusflow.facturx.cli",
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
    """Build the top-level parser with every command group that is installed."""
    parser = localize(
        argparse.ArgumentParser(prog="chorusflow", description=text("cli.description"), add_help=False)
    )
    parser.add_argument(
        "--version", action="version", version=f"chorusflow {__version__}", help=text("cli.version")
    )
    subparsers = parser.add_subparsers(dest="command", metavar=text("cli.command"))
    for module_name in COMMAND_MODULES:
        module = _command_module(module_name)
        if module is not None:
            module.register(subparsers)
    return parser


def _command_module(name: str) -> ModuleType | None:
    """The command module ``name``, or ``None`` when its group is not installed in this build.

    Python runs a package's ``__init__`` before any of its modules, and these re-export their heavy
    parts (``chorusflow.rules``: pandas; ``chorusflow.ledger``: SQLAlchemy and Alembic;
    ``chorusflow_dev.sandbox``: the server): two seconds for ``chorusflow --help``. So a command module
    whose package is not loaded yet is loaded from its file, under its own name; the package is
    imported normally when one of its commands runs (:func:`_adopt`).
    """
    if name in sys.modules:
        return sys.modules[name]
    package, _, leaf = name.rpartition(".")
    if package in sys.modules:
        return importlib.import_module(name)
    path = _module_file(package, leaf)
    spec = importlib.util.spec_from_file_location(name, path) if path else None
    if path is None or spec is None or spec.loader is None:
        return None  # command group not installed in this build
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def _module_file(package: str, leaf: str) -> Path | None:
    """The file of ``package.leaf`` found without importing anything, or ``None`` when absent.

    ``find_spec`` of a top-level package only locates it, so ``chorusflow_dev`` (the dev tooling,
    installed beside chorusflow but not in the production image) is found the same way.
    """
    top, *inner = package.split(".")
    top_spec = importlib.util.find_spec(top)
    if top_spec is None or top_spec.origin is None:
        return None
    path = Path(top_spec.origin).resolve().parent.joinpath(*inner, f"{leaf}.py")
    return path if path.is_file() else None


def _adopt(handler: Any) -> None:
    """Import the package of the command about to run and attach its command module to it.

    After :func:`_command_module` the module is in ``sys.modules`` but not an attribute of its
    package; the handler imports the package anyway, so doing it first costs nothing and leaves
    ``chorusflow.<group>.cli`` reachable as usual (``mock.patch`` looks it up that way).
    """
    name = getattr(handler, "__module__", "") or ""
    module = sys.modules.get(name)
    package_name, _, leaf = name.rpartition(".")
    if module is None or package_name.split(".")[0] not in {"chorusflow", "chorusflow_dev"}:
        return
    package = importlib.import_module(package_name)
    if getattr(package, leaf, None) is not module:
        setattr(package, leaf, module)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit code (2 for usage errors, as argparse does)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        _adopt(handler)
        return int(handler(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
