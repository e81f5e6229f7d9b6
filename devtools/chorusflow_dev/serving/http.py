"""The HTTP side of a local platform: a threaded server, a handler base and the start/stop lifecycle.

The handler reads the body, sends admin paths (``/sandbox``...) to ``admin``, every other path to
``serve``, and logs method, path, status and duration only: never headers, bodies, secrets or
tokens. ``serve`` raising ``DroppedAfterCommit`` closes the socket without an answer (the operation
ran); any other exception is logged and answered with the subclass's ``internal_error_reply``.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Generic, Self, TypeVar
from urllib.parse import parse_qs, unquote_plus, urlsplit

from pydantic import ValidationError

#: Status, body (a JSON object, raw bytes sent with the Content-Type header given, or None: no body),
#: headers.
Reply = tuple[int, dict[str, Any] | bytes | None, dict[str, str]]

App = TypeVar("App")


class DroppedAfterCommit(Exception):
    """Marker: the operation ran, the connection must be closed without an answer."""


def decode_basic_auth(header: str) -> tuple[str, str]:
    """(client_id, client_secret) from an HTTP Basic header (RFC 6749 form-encodes both parts)."""
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return "", ""
    try:
        decoded = base64.b64decode(value.strip().encode("ascii"), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        return "", ""
    client_id, _, client_secret = decoded.partition(":")
    return unquote_plus(client_id), unquote_plus(client_secret)


def admin_body(raw_body: bytes) -> dict[str, Any]:
    """An admin request's JSON object body ({} when empty); ValueError saying what is wrong."""
    try:
        body = json.loads(raw_body.decode("utf-8")) if raw_body else {}
    except (UnicodeDecodeError, ValueError):
        raise ValueError("body must be JSON") from None
    if not isinstance(body, dict):
        raise ValueError("body must be a JSON object")
    return body


def invalid_faults_reply(error: ValidationError) -> Reply:
    """The 400 answer of ``POST /sandbox/faults`` with settings that do not validate."""
    return 400, {"error": "invalid faults", "details": json.loads(error.json(include_url=False))}, {}


class RequestQuota:
    """Sliding one-second window of request times, for the ``quota_per_second`` fault (HTTP 429)."""

    def __init__(self) -> None:
        self.times: deque[float] = deque()

    def exceeded(self, per_second: float | None) -> bool:
        """Whether one more request now goes over ``per_second`` (None: no quota); counts it if not.
        The caller holds its sandbox's lock."""
        now = time.monotonic()
        while self.times and now - self.times[0] >= 1.0:
            self.times.popleft()
        if per_second is not None and len(self.times) >= per_second:
            return True
        self.times.append(now)
        return False

    def clear(self) -> None:
        """Forget every request."""
        self.times.clear()


class ConnectionTrackingServer(ThreadingHTTPServer, Generic[App]):
    """Threading server that remembers open connections so ``stop()`` can close them; ``app`` is the
    sandbox behind it."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], app: App) -> None:
        self.app = app
        self.open_connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        connection, address = super().get_request()
        with self.connections_lock:
            self.open_connections.add(connection)
        return connection, address

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.open_connections.discard(request)
        super().shutdown_request(request)

    def close_all_connections(self) -> None:
        """Shut down every open keep-alive connection."""
        with self.connections_lock:
            connections = list(self.open_connections)
            self.open_connections.clear()
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class SandboxRequestHandler(BaseHTTPRequestHandler, Generic[App]):
    """HTTP/1.1 handler base; subclasses say what to serve and how their errors look."""

    server: ConnectionTrackingServer[App]
    protocol_version = "HTTP/1.1"
    timeout = 60
    logger = logging.getLogger("chorusflow_dev.serving")
    #: Content-Type of a JSON answer unless its headers name one.
    json_content_type = "application/json"

    @property
    def app(self) -> App:
        """The sandbox behind the server."""
        return self.server.app

    # ------------------------------------------------------------ what subclasses provide

    def serve(self, method: str, path: str, query: str, raw_body: bytes) -> Reply:
        """Answer one platform request (raise ``DroppedAfterCommit`` to close without an answer)."""
        raise NotImplementedError

    def admin(self, method: str, path: str, raw_body: bytes) -> Reply:
        """Answer one admin request (``/sandbox``...): not counted, not logged, no faults."""
        raise NotImplementedError

    def record(self, path: str, status: int | str) -> None:
        """Count one answer (or ``"dropped"``) to ``path``."""

    def after_request(self) -> None:
        """Called once the request ran, before its answer is sent (e.g. to save a state file)."""

    def bad_length_reply(self) -> Reply:
        """The answer to a Content-Length that is not a number."""
        raise NotImplementedError

    def internal_error_reply(self) -> Reply:
        """The answer when ``serve`` fails unexpectedly."""
        raise NotImplementedError

    # ------------------------------------------------------------ plumbing

    def token_reply(
        self, method: str, raw_body: bytes, issue: Callable[[dict[str, list[str]], str | None], Reply]
    ) -> Reply:
        """The OAuth2 token endpoint (RFC 6749 4.4): a POST form, client in it or in HTTP Basic."""
        if method != "POST":
            return 405, {"error": "invalid_request", "error_description": "POST expected"}, {}
        form = parse_qs(raw_body.decode("utf-8", errors="replace"), keep_blank_values=True)
        return issue(form, self.headers.get("Authorization"))

    def setup(self) -> None:
        """Disable Nagle: headers and body are written separately (avoids 40 ms delayed-ACK stalls)."""
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Silence the default access log (it would include raw request lines)."""

    def do_GET(self) -> None:
        """Handle GET."""
        self.handle_method("GET")

    def do_POST(self) -> None:
        """Handle POST."""
        self.handle_method("POST")

    def do_PUT(self) -> None:
        """Handle PUT."""
        self.handle_method("PUT")

    def do_DELETE(self) -> None:
        """Handle DELETE."""
        self.handle_method("DELETE")

    def handle_method(self, method: str) -> None:
        """Read, dispatch, count, log and answer one request."""
        started = time.monotonic()
        split = urlsplit(self.path)
        path = split.path
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.close_connection = True
            self.send_reply(*self.bad_length_reply())
            return
        raw_body = self.rfile.read(length) if length > 0 else b""
        if path == "/sandbox" or path.startswith("/sandbox/"):
            reply = self.admin(method, path, raw_body)
            self.after_request()
            self.send_reply(*reply)
            return
        try:
            reply = self.serve(method, path, split.query, raw_body)
        except DroppedAfterCommit:
            self.after_request()
            self.record(path, "dropped")
            self.logger.info("%s %s -> connection dropped after commit (%.0f ms)", method, path, _ms(started))
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        except Exception:  # one broken request must not kill the server
            self.logger.exception("%s %s -> internal sandbox error", method, path)
            reply = self.internal_error_reply()
        self.after_request()
        self.record(path, reply[0])
        # Logged before the answer leaves, so a client that saw the answer also finds the log line.
        self.logger.info("%s %s -> %d (%.0f ms)", method, path, reply[0], _ms(started))
        self.send_reply(*reply)

    def send_reply(self, status: int, body: dict[str, Any] | bytes | None, headers: dict[str, str]) -> None:
        """Send one answer; a Content-Type in ``headers`` overrides the body's default."""
        headers = dict(headers)
        if isinstance(body, bytes):
            payload = body
            content_type = headers.pop("Content-Type", "application/octet-stream")
        elif body is None:
            payload, content_type = b"", headers.pop("Content-Type", "")
        else:
            payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
            content_type = headers.pop("Content-Type", self.json_content_type)
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        try:
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client went away (timed out or was killed): nothing to tell


def _ms(started: float) -> float:
    return (time.monotonic() - started) * 1000.0


class LocalServer(Generic[App]):
    """Start/stop of one sandbox over real HTTP.

    ``port=0`` picks a free port (read it back from ``url``). ``start()`` serves in a daemon thread
    and returns once listening; ``serve_forever()`` serves in the calling thread; ``stop()`` closes
    the listener and every open connection, then ``flush_state()``.
    """

    handler_class: type[SandboxRequestHandler[App]]
    thread_name = "sandbox"

    def __init__(self, host: str, port: int, app: App) -> None:
        self.host = host
        self.requested_port = port
        self.app = app
        self._httpd: ConnectionTrackingServer[App] | None = None
        self._thread: threading.Thread | None = None
        self._bound_port: int | None = None

    def flush_state(self) -> None:
        """Write what the state file still lacks (called by ``stop()``)."""

    @property
    def port(self) -> int:
        """The port actually bound (after ``bind()``)."""
        return self._bound_port if self._bound_port is not None else self.requested_port

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:8765``; 0.0.0.0/:: are advertised as 127.0.0.1."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "", "::") else self.host
        return f"http://{host}:{self.port}"

    def bind(self) -> None:
        """Open the listening socket (once)."""
        if self._httpd is None:
            self._httpd = ConnectionTrackingServer(
                (self.host, self.requested_port), self.handler_class, self.app
            )
            self._bound_port = int(self._httpd.server_address[1])

    def start(self) -> Self:
        """Bind and serve in a daemon thread; returns when the socket is listening."""
        if self._thread is None:
            self.bind()
            assert self._httpd is not None
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.1},
                name=self.thread_name,
                daemon=True,
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Bind (if needed) and serve in the calling thread until ``stop()`` or KeyboardInterrupt."""
        self.bind()
        assert self._httpd is not None
        try:
            self._httpd.serve_forever(poll_interval=0.2)
        finally:
            self.stop()

    def stop(self) -> None:
        """Stop serving and close every connection, then write the state file."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        if self._thread is not None:
            httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        httpd.close_all_connections()
        httpd.server_close()
        self.flush_state()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
