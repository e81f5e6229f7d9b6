"""A PostgreSQL and a Redis that belong to one test, so that restarting them touches nothing else.

:class:`OwnedPostgres` runs ``initdb`` in a temporary folder and serves it on a free port of
127.0.0.1 (trust authentication, its unix socket in that folder); :class:`OwnedRedis` runs
``redis-server`` on a free port without persistence. Both offer ``start()``, ``stop()``,
``restart()`` and ``close()`` (stop and delete the folder), and work as context managers. The
machine's own servers (PostgreSQL on 5432, Redis on 6379) are never addressed.

PostgreSQL refuses to run as root: under root the server runs as the ``postgres`` account, which
then owns the data folder.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from abc import ABC, abstractmethod
from pathlib import Path
from types import TracebackType
from typing import Self

from chorusflow_dev.airflow.local import free_port

START_TIMEOUT = 60.0
POSTGRES_ACCOUNT = "postgres"


def _wait_for_port(port: int, timeout: float, up: bool) -> None:
    """Wait until 127.0.0.1:``port`` accepts connections (``up``) or refuses them (not ``up``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                listening = True
        except OSError:
            listening = False
        if listening is up:
            return
        time.sleep(0.05)
    raise TimeoutError(f"port {port} still {'closed' if up else 'open'} after {timeout:.0f} s")


class OwnedServer(ABC):
    """A server a test owns: started, stopped and restarted at will, removed on close."""

    @abstractmethod
    def start(self) -> None:
        """Start the server and wait until it accepts connections."""

    @abstractmethod
    def stop(self) -> None:
        """Stop the server."""

    @abstractmethod
    def close(self) -> None:
        """Stop the server and delete its folder."""

    def restart(self) -> None:
        """Stop then start: every open connection is cut (PostgreSQL: every open transaction lost;
        Redis, without persistence: every queued message)."""
        self.stop()
        self.start()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


class OwnedPostgres(OwnedServer):
    """A throw-away PostgreSQL cluster in a temporary folder, on a port of its own."""

    def __init__(self, database: str = "chorusflow") -> None:
        self.port = free_port()
        self.database = database
        self.folder = Path(tempfile.mkdtemp(prefix="chorusflow-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self._account = POSTGRES_ACCOUNT if os.geteuid() == 0 else None
        if self._account:
            entry = pwd.getpwnam(self._account)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        self._configure()
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", database)

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of the test database."""
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/{self.database}"

    @property
    def admin_url(self) -> str:
        """The SQLAlchemy URL of the ``postgres`` maintenance database (to create databases)."""
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/postgres"

    def create_database(self, name: str) -> str:
        """Create another database on this server; its SQLAlchemy URL."""
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return self.url.rsplit("/", 1)[0] + f"/{name}"

    def _configure(self) -> None:
        settings = (
            f"port = {self.port}\nlisten_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{self.folder}'\nfsync = off\nmax_connections = 300\n"
        )
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write(settings)

    def _run(self, *command: str) -> None:
        subprocess.run(command, check=True, capture_output=True, user=self._account, cwd=self.folder)

    def _pg_ctl(self, *arguments: str) -> None:
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-w",
            "-t",
            str(int(START_TIMEOUT)),
            *arguments,
        )

    def is_running(self) -> bool:
        """Whether the server process is alive (``pg_ctl status``)."""
        done = subprocess.run(
            ["pg_ctl", "-D", str(self.data), "status"], capture_output=True, user=self._account, check=False
        )
        return done.returncode == 0

    def start(self) -> None:
        """Start the server (if stopped) and wait until it accepts connections."""
        if not self.is_running():
            self._pg_ctl("start")
        _wait_for_port(self.port, START_TIMEOUT, up=True)

    def stop(self) -> None:
        """Stop the server at once (``-m fast``: open transactions are rolled back, clients cut off)."""
        if self.is_running():
            self._pg_ctl("stop", "-m", "fast")

    def close(self) -> None:
        """Stop the server and delete its folder."""
        try:
            if self.data.exists():
                self.stop()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


class OwnedRedis(OwnedServer):
    """A ``redis-server`` without persistence in a temporary folder, on a port of its own."""

    def __init__(self) -> None:
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="chorusflow-redis-"))
        self._process: subprocess.Popen[bytes] | None = None
        self.start()

    @property
    def url(self) -> str:
        """The Redis URL (database 0), as Celery's broker setting takes it."""
        return f"redis://127.0.0.1:{self.port}/0"

    def is_running(self) -> bool:
        """Whether the server process is alive."""
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        if self.is_running():
            return
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.folder)]
        with (self.folder / "server.log").open("ab") as log:
            self._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=self.folder)
        _wait_for_port(self.port, START_TIMEOUT, up=True)

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL); without persistence, every queued message is gone."""
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None
        _wait_for_port(self.port, START_TIMEOUT, up=False)

    def close(self) -> None:
        """Stop the server and delete its folder."""
        try:
            self.stop()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
