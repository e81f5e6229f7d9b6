"""``chorusflow facturx EXPORT --invoice NUMBER -o FILE``: one Factur-X, checked as before a deposit.

The export is validated offline first (as ``chorusflow render`` does), the Factur-X PDF/A-3 is built
(the CII XML with ``--xml``) and checked as before a deposit: XSD, EN 16931 and French schematrons,
PDF/A-3. The file is written either way, so that a producer can look at it; the findings go to
stderr. Exit codes: 0 the file is written and conformant; 1 the invoice is absent or invalid, or its
file is not conformant (it would not be deposited); 2 the export cannot be read, the file cannot be
written or the arguments are wrong. Never a traceback.
"""

from __future__ import annotations

import argparse
from typing import Any

from chorusflow.cli import add_command
from chorusflow.cli.render import add_one_invoice_arguments
from chorusflow.messages import text


def register(subparsers: Any) -> None:
    """Add the ``facturx`` command."""
    parser = add_command(
        subparsers, "facturx", help=text("cli.facturx.help"), description=text("cli.facturx.description")
    )
    add_one_invoice_arguments(parser, "cli.facturx")
    parser.add_argument("--xml", action="store_true", help=text("cli.facturx.xml_help"))
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Validate, build, check and write; return the exit code."""
    # the runner loads pandas, lxml and the Factur-X builder: when the command runs, not for --help
    from chorusflow.cli.runners import facturx as runner

    return runner.run(args)
