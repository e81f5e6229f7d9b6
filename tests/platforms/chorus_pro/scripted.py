"""A tiny real HTTP server on loopback that answers each path with scripted replies.

The client talks to it over a real socket exactly as it talks to Chorus Pro; tests script the
status, body and headers of each path (answers the sandbox never gives, real published answers).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from chorusflow.platforms.chorus_pro import ChorusProClient, ChorusProConfig

Reply = tuple[int, bytes, dict[str, str]]
TOKEN_REPLY: Reply = (200, b'{"access_token": "scripted-token-0123456789", "expires_in": 3600}', {})


class ScriptedServer(ThreadingHTTPServer):
    """Answers each path with the scripted replies, in order (the last one repeats)."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.replies: dict[str, list[Reply]] = {"/token": [TOKEN_REPLY]}
        self.bodies: list[tuple[str, Any]] = []
        self.authorizations: list[str] = []  # the Authorization header of each API call

    def reply(self, path: str) -> Reply:
        queue = self.replies.get(path) or [(404, b"not found", {})]
        return queue.pop(0) if len(queue) > 1 else queue[0]


class _Handler(BaseHTTPRequestHandler):
    server: ScriptedServer

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        length = int(self.headers.get("Content-Length", 0))
        raw = self.rfile.read(length)
        if self.path != "/token":
            self.server.bodies.append((self.path, json.loads(raw)))
            self.server.authorizations.append(self.headers.get("Authorization", ""))
        status, body, headers = self.server.reply(self.path)
        self.send_response(status)
        for name, value in {"Content-Length": str(len(body)), **headers}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        return


@pytest.fixture
def scripted() -> Iterator[ScriptedServer]:
    server = ScriptedServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def scripted_config(scripted: ScriptedServer) -> ChorusProConfig:
    """Client settings reaching ``scripted``."""
    base = f"http://127.0.0.1:{scripted.server_address[1]}"
    return ChorusProConfig(
        base_url=base,
        token_url=f"{base}/token",
        client_id="cid",
        client_secret="secret-0123456789",
        login="TECH",
        password="password-0123456789",
    )


@pytest.fixture
def client(scripted: ScriptedServer) -> Iterator[ChorusProClient]:
    with ChorusProClient(scripted_config(scripted)) as chorus:
        yield chorus
