"""``make scale``: chorusflow on CeleryExecutor, with workers that share only what real hosts share.

:class:`ScaleAirflow` extends :class:`LocalAirflow` (same sandbox, connections, pool, REST helpers)
and starts Airflow as separate components instead of ``airflow standalone``: ``api-server``,
``scheduler``, ``dag-processor`` and N ``airflow celery worker`` processes. Each worker has its own
``--celery-hostname``, ``CHORUSFLOW_HOME``, ``AIRFLOW_HOME`` (task logs) and temporary directory;
what they share is what hosts share in production:

- PostgreSQL: Airflow's metadata and the ledger, two databases created for this deployment (the
  ledger's ``api_quota`` row is the PISTE quota of every worker);
- Redis: the Celery broker, under a key prefix and a queue of this deployment's own, so two
  deployments on one Redis never take each other's tasks;
- "object storage": the inbox, the archive and the reports as ``file://`` URLs of one shared folder.

Tests use the same class (tests/e2e/test_celery_scale.py) and so does ``bench/scale.py``.
"""

from __future__ import annotations

import os
import signal
import sys
import uuid
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from chorusflow_dev.airflow.local import (
    LaunchSettings,
    LocalAirflow,
    _suppress_lookup,
    free_port,
    run_until_interrupted,
    ui_logins,
)

POSTGRES_ADMIN_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/0"


class ScaleAirflow(LocalAirflow):
    """The sandbox plus Airflow on CeleryExecutor with ``workers`` Celery workers."""

    def __init__(
        self,
        home: Path,
        *,
        workers: int = 2,
        worker_concurrency: int = 2,
        name: str | None = None,
        postgres_admin_url: str = POSTGRES_ADMIN_URL,
        redis_url: str = REDIS_URL,
        keep_databases: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(home, **kwargs)
        self.worker_count = workers
        self.worker_concurrency = worker_concurrency
        self.name = name or f"chorusflow_scale_{uuid.uuid4().hex[:8]}"
        self.postgres_admin_url = postgres_admin_url
        self.redis_url = redis_url
        self.keep_databases = keep_databases
        self.shared = home / "shared"  # stands for object storage: a file:// tree every host mounts
        self.inbox = self.shared / "inbox"
        self.workers: dict[str, Any] = {}

    @property
    def slots(self) -> int:
        """Task slots of all the workers together."""
        return self.worker_count * self.worker_concurrency

    # -- databases -------------------------------------------------------------------------------

    def database_url(self, purpose: str) -> str:
        """The URL of this deployment's ``airflow`` or ``ledger`` database."""
        return (
            make_url(self.postgres_admin_url).set(database=f"{self.name}_{purpose}").render_as_string(False)
        )

    def create_databases(self) -> None:
        """Create this deployment's two databases when missing."""
        admin = create_engine(self.postgres_admin_url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                for purpose in ("airflow", "ledger"):
                    database = f"{self.name}_{purpose}"
                    exists = connection.execute(
                        text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": database}
                    ).first()
                    if not exists:
                        connection.execute(text(f'CREATE DATABASE "{database}"'))
        finally:
            admin.dispose()

    def drop_databases(self) -> None:
        """Drop both databases (tests; ``make scale`` keeps them for the next start)."""
        admin = create_engine(self.postgres_admin_url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                for purpose in ("airflow", "ledger"):
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{self.name}_{purpose}" WITH (FORCE)'))
        finally:
            admin.dispose()

    # -- environment -----------------------------------------------------------------------------

    def _base_env(self) -> dict[str, str]:
        env = super()._base_env()
        airflow_db = self.database_url("airflow")
        ledger = make_url(self.database_url("ledger"))
        env.update(
            {
                "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
                "AIRFLOW__CORE__PARALLELISM": str(
                    max(self.pool_size, self.worker_count * self.worker_concurrency)
                ),
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": airflow_db,
                "AIRFLOW__CELERY__BROKER_URL": self.redis_url,
                "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + airflow_db,
                "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__GLOBAL_KEYPREFIX": f"{self.name}:",
                "AIRFLOW__OPERATORS__DEFAULT_QUEUE": self.name,
                "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(self.worker_concurrency),
                # One signing key for every component, as on several hosts (no per-process default).
                "AIRFLOW__API_AUTH__JWT_SECRET": uuid.uuid4().hex + uuid.uuid4().hex,  # 64 bytes
                "AIRFLOW__API__SECRET_KEY": uuid.uuid4().hex,
                "AIRFLOW_CONN_CHORUSFLOW_LEDGER": (
                    f"postgresql://{ledger.username}@{ledger.host}:{ledger.port}/{ledger.database}"
                ),
                "CHORUSFLOW_INBOX": self.inbox.as_uri(),
                "CHORUSFLOW_ARCHIVE": (self.shared / "archive").as_uri(),
                "CHORUSFLOW_REPORTS": (self.shared / "reports").as_uri(),
            }
        )
        env.update(self.extra_env)
        return env

    def worker_env(self, worker: str) -> dict[str, str]:
        """A worker's environment: its own homes, temporary directory and log server port."""
        own = self.home / worker
        tmp = own / "tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        return {
            **self.env,
            "AIRFLOW_HOME": str(own / "airflow"),
            "CHORUSFLOW_HOME": str(own / "chorusflow"),
            "TMPDIR": str(tmp),
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
        }

    # -- components ------------------------------------------------------------------------------

    def _start_components(self) -> None:
        airflow = self.airflow_command()
        for component in (["api-server", "--port", str(self.port)], ["scheduler"], ["dag-processor"]):
            self._spawn([airflow, *component])
        for number in range(1, self.worker_count + 1):
            self.start_worker(f"worker{number}")

    def start_worker(self, worker: str) -> None:
        """Start (or start again) the Celery worker ``worker`` on this deployment's queue."""
        command = [
            self.airflow_command(),
            "celery",
            "worker",
            "--celery-hostname",
            f"{worker}@%h",
            "--queues",
            self.name,
            "--concurrency",
            str(self.worker_concurrency),
            "--without-gossip",
            "--without-mingle",
        ]
        self.workers[worker] = self._spawn(command, env=self.worker_env(worker))

    def kill_worker(self, worker: str) -> None:
        """SIGKILL a worker as a host crash would: the worker, its pool, and every task process.

        The Task SDK runs each task in a process group of its own, so killing the worker's group
        alone would leave the tasks running as orphans; a crashed host or container leaves nothing.
        """
        import psutil

        process = self.workers[worker]
        try:
            tree = psutil.Process(process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            tree = []
        with _suppress_lookup():
            os.killpg(process.pid, signal.SIGKILL)
        for child in tree:
            with _suppress_lookup():
                os.kill(child.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def _start(self, timeout: float) -> None:
        self.shared.mkdir(parents=True, exist_ok=True)
        self.create_databases()
        super()._start(timeout)

    def stop(self) -> None:
        """Stop every process group, then drop the databases unless they are kept."""
        super().stop()
        self.workers.clear()
        if not self.keep_databases:
            self.drop_databases()


def main() -> int:
    """``make scale``: the sandbox and Airflow on CeleryExecutor until Ctrl-C."""

    def build(launch: LaunchSettings, log: TextIO) -> LocalAirflow:
        # Fixed database names: a second `make scale` finds the ledger and Airflow's history again.
        return ScaleAirflow(
            launch.home,
            name="chorusflow_scale",
            keep_databases=True,
            port=launch.port,
            sandbox_port=launch.sandbox_port,
            password=launch.password,
            pool_size=4,
            log=log,
        )

    def describe(deployment: LocalAirflow, launch: LaunchSettings) -> list[str]:
        assert isinstance(deployment, ScaleAirflow)
        return [
            f"Airflow UI: {deployment.url}  logins: {ui_logins(launch.password)}",
            f"Chorus Pro sandbox: {deployment.sandbox_url}  (inbox: {deployment.inbox})",
            f"Workers: {', '.join(deployment.workers)}; "
            f"databases {deployment.name}_airflow and {deployment.name}_ledger",
        ]

    return run_until_interrupted("make scale", "airflow-scale", build, describe)


if __name__ == "__main__":
    sys.exit(main())
