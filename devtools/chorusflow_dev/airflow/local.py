"""``make airflow``: ``airflow standalone`` with the project's DAGs, connections, pool and sandbox.

:class:`LocalAirflow` starts, in process groups of their own, the local Chorus Pro sandbox and
``airflow standalone`` (API server and UI, scheduler, DAG processor, triggerer) on a chosen port, with
the execution API URL that matches it. Tests use the same class to drive a real scheduler through
the REST API. The UI logins are ``admin``, ``clerk`` (the simple auth manager's ``user`` role: the
decider, who answers decisions about blocked invoices without admin rights) and ``viewer`` (read-only:
sees the desk and the decision forms, cannot answer), all with the password in
``CHORUSFLOW_AIRFLOW_PASSWORD`` (default ``chorusflow``), written to the simple auth manager's password
file before start (docs/resolution.md, "Who may decide").
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import requests

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_PASSWORD = "chorusflow"
#: The accounts-receivable clerk: the ``user`` role, which may answer decisions (HITL) but is no admin.
CLERK = "clerk"
#: A read-only user (``viewer`` role): sees the desk and the decision forms, cannot decide.
VIEWER = "viewer"
#: The UI users ``make airflow`` creates, with their simple auth manager role.
UI_USERS = {"admin": "admin", CLERK: "user", VIEWER: "viewer"}


def ui_logins(password: str) -> str:
    """The UI logins ``make airflow`` and ``make scale`` create, each with what it may do."""
    return f"admin / {password} (admin); {CLERK} / {password} (decides); {VIEWER} / {password} (reads)"


POOL = "chorus_pro_api"
POOL_DESCRIPTION = "Chorus Pro API calls"
#: The API counts as ready once the DAG processor has stored these DAGs.
READY_DAGS = ("chorus_submit_invoices",)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LocalAirflow:
    """A local sandbox plus ``airflow standalone``, started and stopped as one."""

    def __init__(
        self,
        home: Path,
        *,
        port: int = 8080,
        sandbox_port: int = 8765,
        password: str = DEFAULT_PASSWORD,
        pool_size: int = 4,
        extra_env: dict[str, str] | None = None,
        log: TextIO | None = None,
        sandbox_state: bool = True,
        supplier_connections: dict[str, str] | None = None,
    ) -> None:
        self.home = home
        # Other suppliers' connections (connection id -> supplier identifier), each on the sandbox
        # with that supplier's technical account (docs/suppliers.md).
        self.supplier_connections = supplier_connections or {}
        # The sandbox rewrites its whole state file after every deposit, so with a file each of
        # 1,000 deposits costs more than the one before: benchmarks and load tests go without one.
        self.sandbox_state = sandbox_state
        self.port = port
        self.sandbox_port = sandbox_port
        self.password = password
        self.pool_size = pool_size
        self.extra_env = extra_env or {}
        self.log = log
        self.url = f"http://127.0.0.1:{port}"
        self.sandbox_url = f"http://127.0.0.1:{sandbox_port}"
        self.inbox = home / "inbox"
        self._processes: list[subprocess.Popen[str]] = []
        self._token: str | None = None
        self.env: dict[str, str] = {}

    def _base_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW_CONN_", "AIRFLOW_VAR_"))}
        airflow_home = self.home / "airflow"
        env.update(
            {
                "AIRFLOW_HOME": str(airflow_home),
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags"),
                "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO_ROOT / "plugins"),
                # LocalExecutor forks one worker per slot: one per pool slot, plus one for the run's
                # other tasks (prepare, report), as docs/deployment.md sizes workers. With exactly the
                # pool, the last submit batch waited for prepare's slot (+2-5 s, docs/performance.md).
                "AIRFLOW__CORE__PARALLELISM": str(self.pool_size + 1),
                "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
                "AIRFLOW__API__PORT": str(self.port),
                "AIRFLOW__API__HOST": "127.0.0.1",
                # Links to the UI (decision forms in alerts) need the address people reach it at.
                "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{self.port}",
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{self.port}/execution/",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": ",".join(
                    f"{name}:{role}" for name, role in UI_USERS.items()
                ),
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(airflow_home / "passwords.json"),
                # Log servers on ports of their own, so two local Airflows never collide on 8793/8794.
                "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
                "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
                "AIRFLOW__SCHEDULER__DAG_DIR_LIST_INTERVAL": "5",
                "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
                "CHORUSFLOW_HOME": str(self.home),
                "CHORUSFLOW_INBOX": str(self.inbox),
                "CHORUSFLOW_POOL_SIZE": str(self.pool_size),
                # standalone starts its components as plain `airflow`: this virtualenv's must come first.
                "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
            }
        )
        env.update(self.extra_env)
        return env

    def start(self, timeout: float = 180) -> None:
        """Start the sandbox and Airflow, create the pool, and wait until the API answers.

        On any failure everything already started is stopped before the error propagates.
        """
        try:
            self._start(timeout)
        except BaseException:
            self.stop()
            raise

    def _start(self, timeout: float) -> None:
        self.env = self._base_env()
        airflow_home = Path(self.env["AIRFLOW_HOME"])
        airflow_home.mkdir(parents=True, exist_ok=True)
        self.inbox.mkdir(parents=True, exist_ok=True)
        passwords = dict.fromkeys(UI_USERS, self.password)
        (airflow_home / "passwords.json").write_text(json.dumps(passwords), encoding="utf-8")
        self._start_sandbox()
        # `airflow db migrate` then `airflow pools set`, in one process (chorusflow_dev.airflow.prepare).
        self._check(
            [
                sys.executable,
                "-m",
                "chorusflow_dev.airflow.prepare",
                POOL,
                str(self.pool_size),
                POOL_DESCRIPTION,
            ]
        )
        self._start_components()
        self.wait_ready(timeout)

    @staticmethod
    def airflow_command() -> str:
        """This virtualenv's ``airflow``."""
        return str(Path(sys.executable).parent / "airflow")

    def _start_components(self) -> None:
        """Start Airflow itself: here ``airflow standalone`` (every component, LocalExecutor)."""
        self._spawn([self.airflow_command(), "standalone"])

    def _start_sandbox(self) -> None:
        """Start the Chorus Pro sandbox and point the ``chorus_pro`` connection at it."""
        bin_dir = Path(sys.executable).parent
        state = ["--state", str(self.home / "sandbox-state.json")] if self.sandbox_state else []
        sandbox = self._spawn(
            [str(bin_dir / "chorusflow"), "sandbox", "--port", str(self.sandbox_port), *state],
            capture_first_line=True,
        )
        assert sandbox.stdout is not None
        connection = sandbox.stdout.readline().strip()
        if not connection.startswith("{"):
            raise RuntimeError(f"the Chorus Pro sandbox did not start on port {self.sandbox_port}")
        self.env["AIRFLOW_CONN_CHORUS_PRO"] = connection
        for conn_id, identifier in self.supplier_connections.items():
            self.env[f"AIRFLOW_CONN_{conn_id.upper()}"] = supplier_connection(connection, identifier)

    def _spawn(
        self,
        command: list[str],
        *,
        capture_first_line: bool = False,
        env: dict[str, str] | None = None,
    ) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            command,
            env=self.env if env is None else env,
            stdout=subprocess.PIPE if capture_first_line else self.log or subprocess.DEVNULL,
            stderr=self.log or subprocess.DEVNULL,
            text=True,
            start_new_session=True,  # its own process group: stopping it stops all its children
        )
        self._processes.append(process)
        return process

    def _check(self, command: list[str]) -> None:
        result = subprocess.run(command, env=self.env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(
                f"{' '.join(command[1:])} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}"
            )

    def wait_ready(self, timeout: float, dag_ids: tuple[str, ...] = READY_DAGS) -> None:
        """Wait until the API server answers and the DAG processor has parsed ``dag_ids``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                response = self.api("GET", "/api/v2/dags")
                if response.ok:
                    parsed = {dag["dag_id"] for dag in response.json().get("dags", [])}
                    if parsed >= set(dag_ids):
                        return
            except requests.RequestException:
                pass
            if any(process.poll() is not None for process in self._processes):
                raise RuntimeError("a local Airflow process exited early")
            time.sleep(2)
        raise TimeoutError(f"Airflow did not answer on {self.url} within {timeout:.0f} s")

    def token(self) -> str:
        """A new REST API token for the admin user (``POST /auth/token``)."""
        response = requests.post(
            f"{self.url}/auth/token", json={"username": "admin", "password": self.password}, timeout=10
        )
        response.raise_for_status()
        return str(response.json()["access_token"])

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> requests.Response:
        """Call the Airflow REST API as admin (one token, renewed when it expires)."""
        for attempt in range(2):
            if self._token is None:
                self._token = self.token()
            response = requests.request(
                method,
                f"{self.url}{path}",
                json=body,
                headers={"Authorization": f"Bearer {self._token}"},
                timeout=30,
            )
            if response.status_code != 401 or attempt:
                return response
            self._token = None
        raise AssertionError("unreachable")

    def health(self) -> dict[str, Any]:
        """Airflow's view of its components (``GET /api/v2/monitor/health``; no login needed)."""
        response = requests.get(f"{self.url}/api/v2/monitor/health", timeout=10)
        response.raise_for_status()
        return dict(response.json())

    def unhealthy_components(self) -> list[str]:
        """Components whose heartbeat Airflow reports as stale (standalone does not exit when one dies)."""
        try:
            report = self.health()
        except (requests.RequestException, ValueError):
            return ["api-server"]
        return sorted(name for name, part in report.items() if (part or {}).get("status") == "unhealthy")

    def running(self) -> bool:
        """True while every process this instance started is alive."""
        return bool(self._processes) and all(process.poll() is None for process in self._processes)

    def stop(self) -> None:
        """Stop every process group this instance started (SIGTERM, then SIGKILL)."""
        for process in reversed(self._processes):
            with _suppress_lookup():
                os.killpg(process.pid, signal.SIGTERM)  # the group, even if its leader is gone
        deadline = time.monotonic() + 20
        for process in self._processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            # Leftover children (LocalExecutor workers, API server workers) die with their group.
            with _suppress_lookup():
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
            if process.stdout is not None:
                process.stdout.close()
        self._processes.clear()
        self._token = None

    def __enter__(self) -> LocalAirflow:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _suppress_lookup:  # noqa: N801 - used as a statement
    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: type[BaseException] | None, *rest: object) -> bool:
        return exc_type is ProcessLookupError


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@dataclass(frozen=True)
class LaunchSettings:
    """What a person's launcher (``make airflow``, ``make scale``) reads from the environment."""

    home: Path
    port: int
    sandbox_port: int
    password: str

    @classmethod
    def from_environment(cls, folder: str) -> LaunchSettings:
        """``folder`` under ``$CHORUSFLOW_HOME`` (created), ports and password from the environment."""
        home = Path(os.environ.get("CHORUSFLOW_HOME") or REPO_ROOT / ".chorusflow") / folder
        home.mkdir(parents=True, exist_ok=True)
        return cls(
            home=home,
            port=int(os.environ.get("CHORUSFLOW_AIRFLOW_PORT", "8080")),
            sandbox_port=int(os.environ.get("CHORUSFLOW_SANDBOX_PORT", "8765")),
            password=os.environ.get("CHORUSFLOW_AIRFLOW_PASSWORD", DEFAULT_PASSWORD),
        )


def run_until_interrupted(
    command: str,
    folder: str,
    build: Callable[[LaunchSettings, TextIO], LocalAirflow],
    describe: Callable[[LocalAirflow, LaunchSettings], list[str]],
) -> int:
    """Start what ``build`` makes, print ``describe``'s lines and run until Ctrl-C (or SIGTERM).

    Returns the exit code of ``command`` (``make airflow``, ``make scale``): 0 on Ctrl-C, 1 when a
    process stopped on its own or the start failed (the message names the log).
    """
    launch = LaunchSettings.from_environment(folder)
    # Both must stop the process groups too, even where SIGINT came in ignored (a background job).
    signal.signal(signal.SIGINT, _raise_interrupt)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    log_path = launch.home / f"{folder}.log"
    with log_path.open("a", encoding="utf-8") as log:
        deployment = build(launch, log)
        print(f"Starting the sandbox and Airflow (logs: {log_path}) …", flush=True)
        try:
            deployment.start()
            print("\n" + "\n".join(describe(deployment, launch)))
            print("Press Ctrl-C to stop.", flush=True)
            _watch(deployment, log_path)
            print(f"An Airflow process stopped on its own; see {log_path}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            return 0
        except (RuntimeError, TimeoutError) as error:
            print(f"{command}: {error} (see {log_path})", file=sys.stderr)
            return 1
        finally:
            print("Stopping …", flush=True)
            deployment.stop()


def _watch(deployment: LocalAirflow, log_path: Path) -> None:
    """Return once a process stopped; warn once when a component stops heartbeating."""
    warned = False
    while deployment.running():
        time.sleep(5)
        stale = [] if warned else deployment.unhealthy_components()
        if stale:
            print(f"Warning: {', '.join(stale)} stopped heartbeating; see {log_path}", file=sys.stderr)
            warned = True


def main() -> int:
    """``make airflow``: the sandbox and ``airflow standalone`` until Ctrl-C."""

    def build(launch: LaunchSettings, log: TextIO) -> LocalAirflow:
        return LocalAirflow(
            launch.home, port=launch.port, sandbox_port=launch.sandbox_port, password=launch.password, log=log
        )

    def describe(local: LocalAirflow, launch: LaunchSettings) -> list[str]:
        return [
            f"Airflow UI: {local.url}  logins: {ui_logins(launch.password)}",
            f"Chorus Pro sandbox: {local.sandbox_url}  (inbox: {local.inbox})",
        ]

    return run_until_interrupted("make airflow", "airflow-local", build, describe)


def supplier_connection(default: str, identifier: str) -> str:
    """The sandbox connection ``default`` (JSON) with the technical account of the supplier structure
    ``identifier`` of the sandbox's default directory: same PISTE application, so the same quota."""
    from chorusflow_dev.sandbox.directory import load_directory

    structure = load_directory().by_siret(identifier)
    if structure is None or structure.technical_account is None:
        raise KeyError(f"no supplier {identifier} with a technical account in the sandbox's directory")
    account = structure.technical_account
    return json.dumps({**json.loads(default), "login": account.login, "password": account.password})


if __name__ == "__main__":
    sys.exit(main())
