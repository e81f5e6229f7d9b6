"""A sandbox command's run: start the server, print its connection JSON, serve until Ctrl-C or SIGTERM.

What it prints stays in English (tests and scripts read it): the connection on stdout, the rest on
stderr.
"""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

from chorusflow_dev.serving.http import LocalServer


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def serve_until_interrupted(
    command: str,
    title: str,
    start: Callable[[], tuple[LocalServer[Any], str]],
    profile: str,
    clock_speed: float,
) -> int:
    """Run ``start`` (build and bind the server, return it with its connection JSON), print the
    connection, serve until interrupted. ``command`` names the CLI command in a start failure,
    ``title`` the platform in what is printed on stderr. 1 when it cannot start, else 0."""
    from pydantic import ValidationError

    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(message)s")
    try:
        server, connection = start()
    except (OSError, ValueError, KeyError, ValidationError) as error:
        print(f"chorusflow {command}: cannot start: {error}", file=sys.stderr)
        return 1
    print(connection, flush=True)
    print(
        f"{title} listening on {server.url}, profile {profile}, clock x{clock_speed:g} (Ctrl-C to stop)",
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
