"""``chorusflow render EXPORT --invoice NUMBER -o FILE``: the PDF chorusflow would deposit for one invoice.

The export is validated offline first, as ``chorusflow validate --offline`` does: only a valid
invoice is rendered. Exit codes: 0 the PDF is written; 1 the export has no such invoice, or the
invoice is invalid (its rule codes are printed); 2 the export cannot be read, the PDF cannot be
written or the arguments are wrong. Errors go to stderr, never as a traceback.

The PDF is French unless ``--lang en`` is given; ``CHORUSFLOW_LANG`` sets only the language of the
messages, since an invoice deposited in France stays French whoever runs the command.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from chorusflow.cli import add_command
from chorusflow.messages import LANGUAGES, text


def register(subparsers: Any) -> None:
    """Add the ``render`` command."""
    parser = add_command(
        subparsers, "render", help=text("cli.render.help"), description=text("cli.render.description")
    )
    add_one_invoice_arguments(parser, "cli.render")
    parser.set_defaults(handler=run)


def add_one_invoice_arguments(parser: argparse.ArgumentParser, texts: str) -> None:
    """EXPORT, ``--invoice``, ``-o``, ``--mapping`` and ``--lang``: one invoice of an export, written to a
    file (``render`` and ``facturx``); their help is ``<texts>.<argument>_help`` in the catalogue."""
    parser.add_argument("export", type=Path, metavar="EXPORT", help=text(f"{texts}.export_help"))
    parser.add_argument(
        "--invoice", required=True, metavar=text(f"{texts}.number"), help=text(f"{texts}.invoice_help")
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        metavar=text(f"{texts}.file"),
        help=text(f"{texts}.output_help"),
    )
    parser.add_argument("--mapping", type=Path, metavar="YAML", help=text(f"{texts}.mapping_help"))
    parser.add_argument("--lang", choices=LANGUAGES, help=text(f"{texts}.lang_help"))


def run(args: argparse.Namespace) -> int:
    """Validate ``args.export``, render ``args.invoice`` into ``args.output``; return the exit code."""
    # the runner loads pandas and reportlab: when the command runs, not for --help
    from chorusflow.cli.runners import render as runner

    return runner.run(args)
