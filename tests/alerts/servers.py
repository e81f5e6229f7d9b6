"""Real loopback servers for alert tests: SMTP (aiosmtpd) and a webhook receiver (http.server)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    """A port free right now on 127.0.0.1 (aiosmtpd's controller cannot report a port-0 bind)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Mailbox:
    """Messages the SMTP server received."""

    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd API)
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"

    def texts(self) -> list[str]:
        """The text part of every message."""
        parts = []
        for message in self.messages:
            body = message.get_body(preferencelist=("plain",))
            assert body is not None
            parts.append(body.get_content())
        return parts

    def mentioning(self, needle: str) -> list[EmailMessage]:
        """Messages whose subject or text part contains ``needle``."""
        found = []
        for message, text in zip(self.messages, self.texts(), strict=True):
            if needle in text or needle in str(message["Subject"]):
                found.append(message)
        return found

    def uri(self) -> str:
        """``AIRFLOW_CONN_SMTP_DEFAULT`` for this server (no TLS, no login)."""
        return (
            f"smtp://{self.host}:{self.port}?disable_tls=true&disable_ssl=true"
            "&from_email=chorusflow%40example.org&timeout=10"
        )


@contextmanager
def smtp_server() -> Iterator[Mailbox]:
    """An aiosmtpd SMTP server on 127.0.0.1, stopped afterwards."""
    mailbox = Mailbox("127.0.0.1", free_port())
    controller = Controller(mailbox, hostname=mailbox.host, port=mailbox.port)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()


@dataclass
class WebhookReceiver:
    """JSON bodies posted to the local webhook; ``fail_with`` makes it answer an error instead."""

    url: str = ""
    bodies: list[dict[str, Any]] = field(default_factory=list)
    fail_with: int | None = None


@contextmanager
def webhook_server() -> Iterator[WebhookReceiver]:
    """A stdlib HTTP server on a free loopback port recording every POST."""
    receiver = WebhookReceiver()

    class Handler(BaseHTTPRequestHandler):
        """Records JSON bodies (or answers ``fail_with``)."""

        def do_POST(self) -> None:  # noqa: N802 (http.server API)
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            status = receiver.fail_with or 200
            if receiver.fail_with is None:
                receiver.bodies.append(json.loads(body))
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/chorusflow"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
