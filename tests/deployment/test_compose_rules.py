"""Project rules for docker-compose.yml that the Compose schema cannot express."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy.engine import make_url

from chorusflow.ledger.url import LEDGER_CONN_ENV, resolve_ledger_url
from chorusflow.platforms.chorus_pro.config import KNOWN_TOKEN_URLS, ChorusProConfig
from chorusflow_dev.sandbox.server import TOKEN_PATH
from chorusflow_dev.sandbox.settings import SandboxCredentials
from tests.deployment.stack_files import (
    COMPOSE_FILE,
    ENV_EXAMPLE,
    LEDGER_INIT_DIR,
    REPO_ROOT,
    MissingVariableError,
    documented_variables,
    interpolate,
    load_compose,
    referenced_variables,
)

REQUIRED_SERVICES = {
    "postgres",
    "redis",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-worker",
    "airflow-triggerer",
    "airflow-init",
}
LONG_RUNNING_AIRFLOW_SERVICES = {
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-worker",
    "airflow-triggerer",
}
SANDBOX_PROFILE_SERVICES = {"chorus-sandbox", "mailpit"}
POOL_NAME = "chorus_pro_api"
INITDB_MOUNT = "/docker-entrypoint-initdb.d"


def _services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def _airflow_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: spec for name, spec in _services(compose).items() if name.startswith("airflow-")}


def _depends_on(spec: dict[str, Any]) -> list[str]:
    depends = spec.get("depends_on") or []
    return list(depends) if isinstance(depends, (list, dict)) else []


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


def _command_text(spec: dict[str, Any]) -> str:
    command = spec.get("command", "")
    return " ".join(command) if isinstance(command, list) else str(command)


def _container_port(spec: dict[str, Any]) -> int:
    ports = spec.get("ports") or []
    assert len(ports) == 1, f"expected one published port, got {ports}"
    return int(str(ports[0]).rsplit(":", 1)[1].split("/")[0])


def test_required_services_exist(compose: dict[str, Any]) -> None:
    missing = REQUIRED_SERVICES - set(_services(compose))
    assert not missing, f"missing services: {sorted(missing)}"


def test_every_depends_on_target_exists(compose: dict[str, Any]) -> None:
    services = _services(compose)
    for name, spec in services.items():
        for target in _depends_on(spec):
            assert target in services, f"{name} depends on unknown service {target!r}"
            assert target != name, f"{name} depends on itself"


def test_services_outside_a_profile_never_wait_for_one_inside(compose: dict[str, Any]) -> None:
    """`docker compose up` without --profile would refuse to start otherwise."""
    services = _services(compose)
    for name, spec in services.items():
        if spec.get("profiles"):
            continue
        for target in _depends_on(spec):
            assert not services[target].get("profiles"), f"{name} depends on profiled service {target}"


def test_every_airflow_service_runs_the_same_image_and_build(compose: dict[str, Any]) -> None:
    airflow = _airflow_services(compose)
    assert REQUIRED_SERVICES - {"postgres", "redis"} <= set(airflow)
    images = {(spec.get("image"), json.dumps(spec.get("build"), sort_keys=True)) for spec in airflow.values()}
    assert len(images) == 1, f"Airflow services disagree on image/build: {images}"
    ((image, build),) = images
    assert image and json.loads(build) == ".", "Airflow services must build ./Dockerfile and tag one image"
    built_elsewhere = {
        name for name, spec in _services(compose).items() if "build" in spec and name not in airflow
    }
    assert built_elsewhere == {"chorus-sandbox"}


def test_the_sandbox_runs_its_own_stage_of_the_dockerfile(compose: dict[str, Any]) -> None:
    """Dev tooling stays out of the production image: the sandbox service builds the `sandbox` stage."""
    sandbox = _services(compose)["chorus-sandbox"]
    assert sandbox["build"] == {"context": ".", "target": "sandbox"}
    assert sandbox["image"] != _airflow_services(compose)["airflow-scheduler"]["image"]


def test_airflow_settings_are_the_same_everywhere(compose: dict[str, Any]) -> None:
    for name, spec in _airflow_services(compose).items():
        env = spec["environment"]
        assert str(env["AIRFLOW__CORE__LOAD_EXAMPLES"]).lower() == "false", name
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
        assert env["AIRFLOW__CORE__AUTH_MANAGER"].endswith("fab_auth_manager.FabAuthManager"), name
        assert env["AIRFLOW__API_AUTH__JWT_SECRET"].startswith("${"), (
            f"{name}: JWT secret must come from .env"
        )
        assert env["AIRFLOW__API_AUTH__JWT_ISSUER"], name


def test_execution_api_url_points_at_the_api_server(compose_from_env_example: dict[str, Any]) -> None:
    services = _services(compose_from_env_example)
    apiserver = services["airflow-apiserver"]
    port = _container_port(apiserver)
    assert f"localhost:{port}/api/v2/version" in " ".join(apiserver["healthcheck"]["test"])
    for name, spec in _airflow_services(compose_from_env_example).items():
        url = urlsplit(spec["environment"]["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"])
        assert url.hostname == "airflow-apiserver" and url.hostname in services, name
        assert url.port == port, f"{name}: Execution API port {url.port}, API server listens on {port}"
        assert url.path.rstrip("/") == "/execution", name


def test_worker_scheduler_and_postgres_have_their_health_checks(compose: dict[str, Any]) -> None:
    services = _services(compose)
    worker = services["airflow-worker"]
    assert _command_text(worker) == "celery worker"
    assert "inspect ping" in " ".join(worker["healthcheck"]["test"])
    assert worker["environment"]["DUMB_INIT_SETSID"] == "0"
    assert "localhost:8974/health" in " ".join(services["airflow-scheduler"]["healthcheck"]["test"])
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"]
    assert services["postgres"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7.2-bookworm"
    for name in LONG_RUNNING_AIRFLOW_SERVICES:
        condition = services[name]["depends_on"]["airflow-init"]["condition"]
        assert condition == "service_completed_successfully", name


def test_init_migrates_creates_the_admin_the_pool_and_the_ledger_schema(compose: dict[str, Any]) -> None:
    init = _services(compose)["airflow-init"]
    env = init["environment"]
    assert env["_AIRFLOW_DB_MIGRATE"] == "true"
    assert env["_AIRFLOW_WWW_USER_CREATE"] == "true"
    assert env["_AIRFLOW_WWW_USER_USERNAME"].startswith("${")
    assert env["_AIRFLOW_WWW_USER_PASSWORD"].startswith("${")
    script = _command_text(init)
    assert f'airflow pools set {POOL_NAME} ${{CHORUSFLOW_POOL_SIZE:-4}} "Chorus Pro API calls"' in script
    assert "chorusflow ledger migrate" in script
    assert script.index("airflow version") < script.index("chorusflow ledger migrate")  # after db migrate
    assert set(init["depends_on"]) == {"postgres", "redis"}


def test_the_ledger_database_is_created_by_postgres_at_init(compose_from_env_example: dict[str, Any]) -> None:
    services = _services(compose_from_env_example)
    postgres = services["postgres"]
    mounts = {volume.split(":")[1]: volume.split(":")[0] for volume in postgres["volumes"]}
    assert (REPO_ROOT / mounts[INITDB_MOUNT]).resolve() == LEDGER_INIT_DIR
    scripts = sorted(path for path in LEDGER_INIT_DIR.iterdir() if path.suffix in {".sh", ".sql"})
    assert scripts, "no init script in docker/postgres"
    # The postgres image sources a non-executable .sh into its own shell instead of running it.
    assert all(path.stat().st_mode & 0o111 for path in scripts if path.suffix == ".sh")

    url = make_url(
        resolve_ledger_url({LEDGER_CONN_ENV: services["airflow-scheduler"]["environment"][LEDGER_CONN_ENV]})
    )
    assert (url.host, url.port) == ("postgres", 5432)
    script_text = "\n".join(path.read_text(encoding="utf-8") for path in scripts)
    assert f"CHORUSFLOW_DB_NAME:-{url.database}" in script_text
    assert f"CHORUSFLOW_DB_USER:-{url.username}" in script_text
    assert postgres["environment"]["CHORUSFLOW_DB_PASSWORD"] == url.password


def test_the_sandbox_profile_holds_the_sandbox_and_the_mail_catcher(compose: dict[str, Any]) -> None:
    in_profile = {name for name, spec in _services(compose).items() if "sandbox" in spec.get("profiles", [])}
    assert in_profile == SANDBOX_PROFILE_SERVICES
    sandbox = _services(compose)["chorus-sandbox"]
    assert _command_text(sandbox).startswith("chorusflow sandbox --host 0.0.0.0 --port 8765 --state /data/")
    assert any(str(volume).endswith(":/data") for volume in sandbox["volumes"])
    assert "8025" in " ".join(str(port) for port in _services(compose)["mailpit"]["ports"])


def test_env_example_connections_reach_the_sandbox_services(compose_from_env_example: dict[str, Any]) -> None:
    services = _services(compose_from_env_example)
    env = services["airflow-worker"]["environment"]
    chorus = ChorusProConfig.from_connection(json.loads(env["AIRFLOW_CONN_CHORUS_PRO"]))
    sandbox_command = services["chorus-sandbox"]["command"]
    sandbox_port = sandbox_command[sandbox_command.index("--port") + 1]
    assert chorus.base_url == f"http://chorus-sandbox:{sandbox_port}"
    assert chorus.token_url == chorus.base_url + TOKEN_PATH
    defaults = SandboxCredentials()
    assert (chorus.login, chorus.password.get_secret_value()) == (defaults.login, defaults.password)
    assert (chorus.client_id, chorus.client_secret.get_secret_value()) == (
        defaults.client_id,
        defaults.client_secret,
    )
    smtp = json.loads(env["AIRFLOW_CONN_SMTP_DEFAULT"])
    assert smtp["conn_type"] == "smtp" and smtp["host"] in services
    assert str(smtp["port"]) in {str(port) for port in services[smtp["host"]]["expose"]}
    assert smtp["extra"]["from_email"]


def test_env_example_shows_the_real_piste_environments() -> None:
    """The commented qualification and production values parse and name PISTE's own hosts."""
    shown = re.findall(r"^# AIRFLOW_CONN_CHORUS_PRO='(.*)'$", ENV_EXAMPLE.read_text(encoding="utf-8"), re.M)
    configs = [ChorusProConfig.from_connection(json.loads(value)) for value in shown]
    assert {config.base_url for config in configs} == {
        "https://sandbox-api.piste.gouv.fr",
        "https://api.piste.gouv.fr",
    }
    for config in configs:
        assert config.token_url == KNOWN_TOKEN_URLS[urlsplit(config.base_url).hostname or ""]


def test_every_variable_is_documented_in_env_example(compose: dict[str, Any]) -> None:
    used = set().union(*(referenced_variables(text) for text in _strings(compose)))
    undocumented = used - documented_variables()
    assert not undocumented, f"document these in .env.example: {sorted(undocumented)}"


def test_env_example_is_enough_to_start_the_stack(
    compose: dict[str, Any], env_example: dict[str, str]
) -> None:
    interpolate(compose, env_example)  # raises on any ${VAR:?...} left unset
    required = {match.group(1) for text in _strings(compose) for match in re.finditer(r"\$\{(\w+):?\?", text)}
    assert {
        "POSTGRES_PASSWORD",
        "CHORUSFLOW_DB_PASSWORD",
        "AIRFLOW__API_AUTH__JWT_SECRET",
        "AIRFLOW_CONN_CHORUS_PRO",
        "_AIRFLOW_WWW_USER_PASSWORD",
    } <= required
    for name in required:  # compose refuses to start, naming the missing secret
        without = {key: value for key, value in env_example.items() if key != name}
        with pytest.raises(MissingVariableError, match=name):
            interpolate(compose, without)


def test_secrets_live_only_in_env_files(env_example: dict[str, str]) -> None:
    compose_text = COMPOSE_FILE.read_text(encoding="utf-8")
    secret_names = [name for name in env_example if re.search(r"PASSWORD|SECRET|FERNET|^AIRFLOW_CONN_", name)]
    assert "AIRFLOW_CONN_CHORUS_PRO" in secret_names and "POSTGRES_PASSWORD" in secret_names
    for name in secret_names:
        value = env_example[name]
        if value:
            assert value not in compose_text, f"the example value of {name} is hard-coded in the compose file"
    gitignore = (REPO_ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert ".env" in gitignore


def test_the_pools_used_by_the_code_are_created_at_init() -> None:
    used: set[str] = set()
    for folder in (REPO_ROOT / "dags", REPO_ROOT / "include" / "chorusflow" / "airflow"):
        for path in Path(folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            used.update(re.findall(r"\bpool\s*=\s*[\"']([^\"']+)[\"']", text))
            used.update(re.findall(r"\bPOOL\w*\s*(?::\s*\w+\s*)?=\s*[\"']([^\"']+)[\"']", text))
    if not used:
        pytest.skip("no DAG or adapter module names a pool yet")
    assert used == {POOL_NAME}
    assert f"airflow pools set {POOL_NAME}" in _command_text(load_compose()["services"]["airflow-init"])


def test_env_example_has_no_duplicate_assignments() -> None:
    keys = [
        line.split("=", 1)[0]
        for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
        if re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", line)
    ]
    assert len(keys) == len(set(keys)), "a later line silently overrides an earlier one"
