"""``chorusflow pa-sandbox``: run the local approved platform until Ctrl-C or SIGTERM, or fetch the
AFNOR annexes it checks requests against (``fetch-annexes``).

``register()`` adds the command to the ``chorusflow`` CLI once ``chorusflow_dev.pa_sandbox.cli`` is
listed in ``chorusflow.cli.COMMAND_MODULES``; until then ``python -m chorusflow_dev.pa_sandbox.cli``
runs it. Its help is English only (the message catalogue lives in ``include/chorusflow``); what it
prints while running stays in English (tests and scripts read it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    """Add the ``pa-sandbox`` command."""
    parser = subparsers.add_parser(
        "pa-sandbox",
        help="run the local approved platform (AFNOR Flow and Directory services)",
        description="Run the local approved platform (PA sandbox, docs/pa-sandbox.md).",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--directory", type=Path, default=None, help="directory YAML (default: packaged one)")
    parser.add_argument("--state", type=Path, default=None, help="state file kept across restarts")
    parser.add_argument("--profile", choices=("realistic", "fast"), default="realistic")
    parser.add_argument("--clock-speed", type=float, default=1.0, help="simulated seconds per real second")
    parser.add_argument("--supplier", default=None, help="SIREN of the supplier whose connection is printed")
    parser.set_defaults(handler=run_pa_sandbox)
    actions = parser.add_subparsers(dest="pa_action")
    fetch = actions.add_parser("fetch-annexes", help="copy the XP Z12-013 annexes A and B to this machine")
    fetch.add_argument(
        "--from", dest="source", type=Path, default=None, help="a local clone of the public copy"
    )
    fetch.add_argument("--to", dest="target", type=Path, default=None, help="target folder (default: cache)")
    fetch.set_defaults(handler=run_fetch_annexes)


def run_fetch_annexes(args: argparse.Namespace) -> int:
    """Copy and check both annexes."""
    from chorusflow_dev.pa_sandbox.annexes import AnnexMissing, fetch_annexes

    try:
        written = fetch_annexes(args.source, args.target)
    except (AnnexMissing, OSError) as error:
        print(f"chorusflow pa-sandbox fetch-annexes: {error}", file=sys.stderr)
        return 1
    for path in written:
        print(path)
    return 0


def run_pa_sandbox(args: argparse.Namespace) -> int:
    """Start the server, print the supplier's connection JSON, serve until interrupted."""
    from chorusflow_dev.pa_sandbox.server import PaSandboxServer
    from chorusflow_dev.serving.cli import serve_until_interrupted

    return serve_until_interrupted(
        "pa-sandbox",
        "PA sandbox",
        PaSandboxServer,
        args,
        lambda server: server.connection_json(args.supplier),
    )


def main(argv: list[str] | None = None) -> int:
    """``python -m chorusflow_dev.pa_sandbox.cli [fetch-annexes ...]``."""
    from chorusflow_dev.serving.cli import run_one_command

    return run_one_command(register, "pa-sandbox", argv)


if __name__ == "__main__":
    sys.exit(main())
