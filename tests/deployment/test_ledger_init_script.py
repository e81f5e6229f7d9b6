"""The postgres init script really creates the ledger database, on the local PostgreSQL server."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
from sqlalchemy import create_engine, text

from chorusflow.ledger.url import LEDGER_CONN_ENV, resolve_ledger_url
from tests.deployment.stack_files import LEDGER_INIT_DIR

pytestmark = pytest.mark.postgres

PG_HOST, PG_PORT, PG_DATABASE = "127.0.0.1", 5432, "test"
INIT_SCRIPT = LEDGER_INIT_DIR / "10-create-chorusflow-ledger.sh"


def _admin_user() -> str:
    for user in ("postgres", "root"):
        try:
            psycopg2.connect(
                user=user, connect_timeout=3, host=PG_HOST, port=PG_PORT, dbname=PG_DATABASE
            ).close()
        except psycopg2.OperationalError:
            continue
        return user
    pytest.skip("the local PostgreSQL server (127.0.0.1:5432, database test) is not reachable")


@pytest.fixture
def ledger_names() -> Iterator[tuple[str, str]]:
    """A database and role name of our own, dropped afterwards whatever happens."""
    admin = _admin_user()
    name = f"cf_deploy_{uuid.uuid4().hex[:10]}"
    yield admin, name
    connection = psycopg2.connect(user=admin, host=PG_HOST, port=PG_PORT, dbname=PG_DATABASE)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'DROP ROLE IF EXISTS "{name}"')
    connection.close()


def _run_init_script(admin: str, name: str, password: str) -> subprocess.CompletedProcess[str]:
    if shutil.which("psql") is None:
        pytest.skip("psql is not installed")
    env = {
        **os.environ,
        "PGHOST": PG_HOST,
        "PGPORT": str(PG_PORT),
        "POSTGRES_USER": admin,
        "POSTGRES_DB": PG_DATABASE,
        "CHORUSFLOW_DB_NAME": name,
        "CHORUSFLOW_DB_USER": name,
        "CHORUSFLOW_DB_PASSWORD": password,
    }
    return subprocess.run(
        [str(INIT_SCRIPT)], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_init_script_creates_a_database_the_ledger_migrates_into(ledger_names: tuple[str, str]) -> None:
    """The two steps of a first start: the postgres init script, then airflow-init's ledger migration."""
    admin, name = ledger_names
    password = uuid.uuid4().hex
    for attempt in (1, 2):  # the second run is what a manual re-run on an existing volume does
        result = _run_init_script(admin, name, password)
        assert result.returncode == 0, f"run {attempt}: {result.stderr}"
        assert password not in result.stdout + result.stderr

    # The same URI shape as AIRFLOW_CONN_CHORUSFLOW_LEDGER in docker-compose.yml, on the local server.
    uri = f"postgresql://{name}:{password}@{PG_HOST}:{PG_PORT}/{name}"
    migrate = subprocess.run(
        [str(Path(sys.executable).parent / "chorusflow"), "ledger", "migrate"],
        env={**os.environ, LEDGER_CONN_ENV: uri},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    assert password not in migrate.stdout + migrate.stderr

    engine = create_engine(resolve_ledger_url({LEDGER_CONN_ENV: uri}))
    try:
        with engine.connect() as connection:
            owners = connection.execute(
                text("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")
            ).scalars()
            assert list(owners) == [name], "the ledger tables must belong to the ledger role"
    finally:
        engine.dispose()


def test_init_script_refuses_to_run_without_a_password(ledger_names: tuple[str, str]) -> None:
    admin, name = ledger_names
    result = _run_init_script(admin, name, "")
    assert result.returncode != 0
    assert "CHORUSFLOW_DB_PASSWORD" in result.stderr
