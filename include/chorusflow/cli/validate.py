"""``chorusflow validate EXPORT``: check an accounting export before anything is sent to Chorus Pro.

Exit codes: 0 every invoice is valid, 1 some invoice is invalid, 2 the file cannot be read, the
output cannot be written or the arguments are wrong. A broken file never shows a traceback: the
reason is printed on stderr. ``--json`` writes the document invoice by invoice
(:meth:`~chorusflow.rules.validate.ValidationReport.write_json`), to stdout or ``-o FILE``.

When several suppliers are configured and ``--supplier`` is not given, the export is routed as the
submission DAG routes it (:func:`~chorusflow.rules.validate.validate_routed_export`,
docs/suppliers.md): each invoice is judged as its supplier's, with that supplier's technical account
(``AIRFLOW_CONN_<its connection id>``) for the buyer directory, and an invoice refused for its
supplier (SUPPLIER_UNKNOWN …) counts as invalid
(:meth:`~chorusflow.rules.validate.RoutedReport.write_json` for the JSON).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from chorusflow.cli import add_command
from chorusflow.messages import LANGUAGES, text


def register(subparsers: Any) -> None:
    """Add the ``validate`` command."""
    parser = add_command(
        subparsers, "validate", help=text("cli.validate.help"), description=text("cli.validate.description")
    )
    parser.add_argument("export", type=Path, metavar="EXPORT", help=text("cli.validate.export_help"))
    parser.add_argument("--mapping", type=Path, metavar="YAML", help=text("cli.validate.mapping_help"))
    parser.add_argument("--offline", action="store_true", help=text("cli.validate.offline_help"))
    parser.add_argument("--facturx", action="store_true", help=text("cli.validate.facturx_help"))
    parser.add_argument("--lang", choices=LANGUAGES, help=text("cli.validate.lang_help"))
    parser.add_argument("--supplier", metavar="ID", help=text("cli.validate.supplier_help"))
    parser.add_argument("--json", action="store_true", help=text("cli.validate.json_help"))
    parser.add_argument(
        "-o", "--output", type=Path, metavar=text("cli.validate.file"), help=text("cli.validate.output_help")
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Validate ``args.export`` and print the report; return the exit code."""
    # the runner loads pandas, pydantic and the Chorus Pro client: only when the command runs, not for --help
    from chorusflow.cli.runners import validate as runner

    return runner.run(args)
