"""``chorusflow sandbox``: run the local Chorus Pro until Ctrl-C or SIGTERM.

Its help follows ``CHORUSFLOW_LANG``; what it prints while running stays in English (tests and
scripts read it).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path
from types import FrameType
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


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run_sandbox(args: argparse.Namespace) -> int:
    """Start the server, print the connection JSON, serve until interrupted."""
    from pydantic import ValidationError

    from chorusflow_dev.sandbox.server import SandboxServer

    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(message)s")
    try:
        server = SandboxServer(
            host=args.host,
            port=args.port,
            directory=args.directory,
            state_file=args.state,
            profile=args.profile,
            clock_speed=args.clock_speed,
        )
        server._bind()
    except (OSError, ValueError, ValidationError) as error:
        print(f"chorusflow sandbox: cannot start: {error}", file=sys.stderr)
        return 1
    print(server.connection_json(), flush=True)
    print(
        f"Chorus Pro sandbox listening on {server.url}, profile {args.profile}, clock x{args.clock_speed:g} "
        "(Ctrl-C to stop)",
        file=sys.stderr,
        flush=True,
    )
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    print("Chorus Pro sandbox stopped", file=sys.stderr, flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run only the sandbox command (``python -m chorusflow_dev.cli.sandbox``), no other command group."""
    parser = argparse.ArgumentParser(prog="chorusflow")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["sandbox", *(sys.argv[1:] if argv is None else argv)])
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
