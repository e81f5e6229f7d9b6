"""A sandbox command's run: start the server, print its connection JSON, serve until Ctrl-C or SIGTERM.

What it prints stays in English (tests and scripts read it): the connection on stdout, the rest on
stderr.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Callable
from types import FrameType
from typing import Any, TypeVar

from chorusflow_dev.serving.http import LocalServer

Server = TypeVar("Server", bound=LocalServer[Any])


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def serve_until_interrupted(
    command: str,
    title: str,
    server_class: Callable[..., Server],
    args: argparse.Namespace,
    connection: Callable[[Server], str],
) -> int:
    """Build ``server_class`` from the command's options (``--host --port --directory --state
    --profile --clock-speed``), bind it, print ``connection(server)``, serve until interrupted.
    ``command`` names the CLI command in a start failure, ``title`` the platform in what is printed
    on stderr. 1 when it cannot start, else 0."""
    from pydantic import ValidationError

    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(message)s")
    try:
        server = server_class(
            host=args.host,
            port=args.port,
            directory=args.directory,
            state_file=args.state,
            profile=args.profile,
            clock_speed=args.clock_speed,
        )
        server.bind()
        line = connection(server)
    except (OSError, ValueError, KeyError, ValidationError) as error:
        print(f"chorusflow {command}: cannot start: {error}", file=sys.stderr)
        return 1
    print(line, flush=True)
    print(
        f"{title} listening on {server.url}, profile {args.profile}, clock x{args.clock_speed:g} "
        "(Ctrl-C to stop)",
        file=sys.stderr,
        flush=True,
    )
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    print(f"{title} stopped", file=sys.stderr, flush=True)
    return 0


def run_one_command(register: Callable[[Any], None], command: str, argv: list[str] | None) -> int:
    """Run only ``command`` (``python -m`` a command's module), no other command group: ``argv``
    (default: the process's arguments) are that command's. 130 on Ctrl-C."""
    parser = argparse.ArgumentParser(prog="chorusflow")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args([command, *(sys.argv[1:] if argv is None else argv)])
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        return 130
