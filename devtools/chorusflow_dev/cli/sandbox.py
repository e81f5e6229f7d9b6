"""``chorusflow sandbox``: run the local Chorus Pro until Ctrl-C or SIGTERM.

Its help follows ``CHORUSFLOW_LANG``; what it prints while running stays in English (tests and
scripts read it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from chorusflow.cli import add_command
from chorusflow.messages import text


def register(subparsers: Any) -> None:
    """Add the ``sandbox`` command."""
    parser = add_command(
        subparsers, "sandbox", help=text("cli.sandbox.help"), description=text("cli.sandbox.description")
    )
    parser.add_argument(
        "--host", default="127.0.0.1", metavar=text("cli.sandbox.host"), help=text("cli.sandbox.host_help")
    )
    parser.add_argument("--port", type=int, default=8765, help=text("cli.sandbox.port_help"))
    parser.add_argument(
        "--directory",
        type=Path,
        default=None,
        metavar=text("cli.sandbox.file"),
        help=text("cli.sandbox.directory_help"),
    )
    parser.add_argument(
        "--state",
        type=Path,
        default=None,
        metavar=text("cli.sandbox.file"),
        help=text("cli.sandbox.state_help"),
    )
    parser.add_argument(
        "--profile", choices=("realistic", "fast"), default="realistic", help=text("cli.sandbox.profile_help")
    )
    parser.add_argument("--clock-speed", type=float, default=1.0, help=text("cli.sandbox.clock_speed_help"))
    parser.set_defaults(handler=run_sandbox)


def run_sandbox(args: argparse.Namespace) -> int:
    """Start the server, print the connection JSON, serve until interrupted."""
    from chorusflow_dev.sandbox.server import SandboxServer
    from chorusflow_dev.serving.cli import serve_until_interrupted

    return serve_until_interrupted(
        "sandbox", "Chorus Pro sandbox", SandboxServer, args, lambda server: server.connection_json()
    )


def main(argv: list[str] | None = None) -> int:
    """Run only the sandbox command (``python -m chorusflow_dev.cli.sandbox``), no other command group."""
    from chorusflow_dev.serving.cli import run_one_command

    return run_one_command(register, "sandbox", argv)


if __name__ == "__main__":
    sys.exit(main())
