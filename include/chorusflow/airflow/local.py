"""``make airflow``: ``airflow standalone`` with the project's DAGs, connections, pool and sandbox.

:class:`LocalAirflow` starts, in process groups of their own, the local Chorus Pro sandbox and
``airflow standalone`` (API server and UI, scheduler, DAG processor, triggerer) on a chosen port, with
the execution API URL that matches it. Tests use the same class to drive a real scheduler through
the REST API. The UI login is ``admin`` with the password in ``CHORUSFLOW_AIRFLOW_PASSWORD``
(default ``chorusflow``), written to the simple auth manager's password file before start.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, TextIO

import requests

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_PASSWORD = "chorusflow"


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
    ) -> None:
        self.home = home
        self.port = port
        self.sandbox_port = sandbox_port
        self.password = password
        self.pool_size = pool_size
        self.extra_env = extra_env or {}
        self.log = log
        self.url = f"http://127.0.0.1:{port}"
        self.sandbox_url = f"http://127.0.0.1:{sandbox_port}"
        self._processes: list[subprocess.Popen[str]] = []
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
                "AIRFLOW__CORE__PARALLELISM": "8",
                "AIRFLOW__API__PORT": str(self.port),
                "AIRFLOW__API__HOST": "127.0.0.1",
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{self.port}/execution/",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(airflow_home / "passwords.json"),
                "AIRFLOW__SCHEDULER__DAG_DIR_LIST_INTERVAL": "5",
                "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
                "CHORUSFLOW_HOME": str(self.home),
                "CHORUSFLOW_POOL_SIZE": str(self.pool_size),
            }
        )
        env.update(self.extra_env)
        return env

    def start(self, timeout: float = 180) -> None:
        """Start the sandbox and Airflow, create the pool, and wait until the API answers."""
        self.env = self._base_env()
        airflow_home = Path(self.env["AIRFLOW_HOME"])
        airflow_home.mkdir(parents=True, exist_ok=True)
        (airflow_home / "passwords.json").write_text(json.dumps({"admin": self.password}), encoding="utf-8")
        bin_dir = Path(sys.executable).parent
        sandbox = self._spawn(
            [
                str(bin_dir / "chorusflow"),
                "sandbox",
                "--port",
                str(self.sandbox_port),
                "--state",
                str(self.home / "sandbox-state.json"),
            ],
            capture_first_line=True,
        )
        assert sandbox.stdout is not None
        self.env["AIRFLOW_CONN_CHORUS_PRO"] = sandbox.stdout.readline().strip()
        airflow = str(bin_dir / "airflow")
        self._check([airflow, "db", "migrate"])
        self._check([airflow, "pools", "set", "chorus_pro_api", str(self.pool_size), "Chorus Pro API calls"])
        self._spawn([airflow, "standalone"])
        self.wait_ready(timeout)

    def _spawn(self, command: list[str], *, capture_first_line: bool = False) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            command,
            env=self.env,
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

    def wait_ready(self, timeout: float) -> None:
        """Wait until the API server answers and the DAG processor has parsed the DAGs."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                response = self.api("GET", "/api/v2/dags")
                if response.ok and response.json().get("total_entries", 0) > 0:
                    return
            except requests.RequestException:
                pass
            if any(process.poll() is not None for process in self._processes):
                raise RuntimeError("a local Airflow process exited early")
            time.sleep(2)
        raise TimeoutError(f"Airflow did not answer on {self.url} within {timeout:.0f} s")

    def token(self) -> str:
        """A REST API token for the admin user."""
        response = requests.post(
            f"{self.url}/auth/token", json={"username": "admin", "password": self.password}, timeout=10
        )
        response.raise_for_status()
        return str(response.json()["access_token"])

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> requests.Response:
        """Call the Airflow REST API as admin."""
        return requests.request(
            method,
            f"{self.url}{path}",
            json=body,
            headers={"Authorization": f"Bearer {self.token()}"},
            timeout=30,
        )

    def stop(self) -> None:
        """Stop every process group this instance started (SIGTERM, then SIGKILL)."""
        for process in reversed(self._processes):
            if process.poll() is None:
                with _suppress_lookup():
                    os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in self._processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with _suppress_lookup():
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        self._processes.clear()

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


def main() -> int:
    """Run until Ctrl-C, printing the UI address and login."""
    home = Path(os.environ.get("CHORUSFLOW_HOME") or REPO_ROOT / ".chorusflow") / "airflow-local"
    port = int(os.environ.get("CHORUSFLOW_AIRFLOW_PORT", "8080"))
    password = os.environ.get("CHORUSFLOW_AIRFLOW_PASSWORD", DEFAULT_PASSWORD)
    home.mkdir(parents=True, exist_ok=True)
    with (home / "airflow-local.log").open("a", encoding="utf-8") as log:
        local = LocalAirflow(home, port=port, password=password, log=log)
        print(
            f"Starting the sandbox and airflow standalone (logs: {home / 'airflow-local.log'}) …", flush=True
        )
        try:
            local.start()
            print(f"\nAirflow UI: {local.url}  login: admin / {password}")
            print(f"Chorus Pro sandbox: {local.sandbox_url}  (inbox: {home / 'inbox'})")
            print("Press Ctrl-C to stop.", flush=True)
            signal.sigwait({signal.SIGINT, signal.SIGTERM})
        except KeyboardInterrupt:
            pass
        finally:
            print("Stopping …", flush=True)
            local.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
