"""The Dockerfile and .dockerignore: base image, pinned install, editable layout, non-root user."""

from __future__ import annotations

import re
import shlex
import tomllib

import pytest

from tests.deployment.stack_files import REPO_ROOT, dockerfile_instructions, dockerignore_excludes

BASE_IMAGE = "apache/airflow:3.3.2-python3.11"
PROJECT_ROOT_IN_IMAGE = "/opt/airflow"


def _pyproject() -> dict:
    return tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _pinned_airflow_version() -> str:
    pins = [dep for dep in _pyproject()["project"]["dependencies"] if dep.startswith("apache-airflow==")]
    assert len(pins) == 1, "pyproject.toml must pin apache-airflow exactly once"
    return pins[0].split("==", 1)[1]


def _pip_install_commands() -> list[list[str]]:
    """Every `pip install` invocation of every RUN, as argument lists (split on && and ;)."""
    commands = []
    for keyword, arguments in dockerfile_instructions():
        if keyword != "RUN":
            continue
        for part in re.split(r"&&|;", arguments):
            words = shlex.split(part)
            if "pip" in words and "install" in words:
                commands.append(words)
    return commands


def _stages() -> dict[str, list[tuple[str, str]]]:
    """Each build stage's instructions by stage name; the unnamed last stage is ``"default"``."""
    stages: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] = []
    for keyword, arguments in dockerfile_instructions():
        if keyword == "FROM":
            words = arguments.split()
            current = stages.setdefault(words[2] if len(words) == 3 else "default", [])
        current.append((keyword, arguments))
    return stages


def test_base_image_is_the_official_airflow_image_of_the_pinned_version() -> None:
    froms = [arguments for keyword, arguments in dockerfile_instructions() if keyword == "FROM"]
    assert froms == [f"{BASE_IMAGE} AS production", "production AS sandbox", "production"]
    assert BASE_IMAGE.split(":")[1].startswith(_pinned_airflow_version() + "-")


def test_pip_install_pins_airflow_and_uses_the_constraints_in_the_same_command() -> None:
    version = _pinned_airflow_version()
    commands = _pip_install_commands()
    assert commands, "the Dockerfile installs nothing with pip"
    for words in commands:
        assert f"apache-airflow=={version}" in words, f"pip may move Airflow: {' '.join(words)}"
        assert any(words[i] == "-c" and words[i + 1] == "constraints.txt" for i in range(len(words) - 1)), (
            f"pip install without -c constraints.txt: {' '.join(words)}"
        )
    constraints = (REPO_ROOT / "constraints.txt").read_text(encoding="utf-8").split()
    assert f"apache-airflow=={version}" in constraints


def test_the_package_is_installed_editable_where_config_dir_finds_include_config() -> None:
    """config_dir() is <package folder>/../config: right only if the package stays in /opt/airflow/include."""
    editable_targets = [words[words.index("-e") + 1] for words in _pip_install_commands() if "-e" in words]
    assert editable_targets == [PROJECT_ROOT_IN_IMAGE, f"{PROJECT_ROOT_IN_IMAGE}/devtools"]
    copies = [arguments for keyword, arguments in dockerfile_instructions() if keyword == "COPY"]
    copied = {tuple(shlex.split(arguments)[1:]) for arguments in copies}  # drop --chown
    assert ("pyproject.toml", "constraints.txt", f"{PROJECT_ROOT_IN_IMAGE}/") in copied
    assert ("include/", f"{PROJECT_ROOT_IN_IMAGE}/include/") in copied
    assert _pyproject()["tool"]["setuptools"]["packages"]["find"]["where"] == ["include"]
    assert (REPO_ROOT / "include" / "config" / "supplier.yaml").is_file()


def test_the_image_runs_as_the_non_root_airflow_user() -> None:
    users = [arguments for keyword, arguments in dockerfile_instructions() if keyword == "USER"]
    assert users and users[-1] == "airflow"
    pip_runs = []
    current_user = "<base image user>"
    for keyword, arguments in dockerfile_instructions():
        if keyword == "USER":
            current_user = arguments
        elif keyword == "RUN" and "pip install" in arguments:
            pip_runs.append(current_user)
    # pip runs as the airflow user, as the official image docs require.
    assert pip_runs == ["airflow", "airflow"]


def test_the_production_image_carries_no_dev_tooling() -> None:
    """A plain build ends on the production stage, which neither copies nor installs devtools/."""
    stages = _stages()
    assert stages["default"] == [("FROM", "production")]
    production = " ".join(arguments for _, arguments in stages["production"])
    assert "devtools" not in production
    assert "chorusflow_dev" not in production
    assert any("devtools/" in arguments for keyword, arguments in stages["sandbox"] if keyword == "COPY")


@pytest.mark.parametrize(
    "path",
    [
        "pyproject.toml",
        "constraints.txt",
        "include/chorusflow/suppliers.py",
        "include/config/supplier.yaml",
        "dags/chorus_submit_invoices.py",
        "plugins/chorusflow_run_notes.py",
        "devtools/chorusflow_dev/sandbox/server.py",
    ],
)
def test_dockerignore_lets_the_project_files_in(path: str) -> None:
    assert not dockerignore_excludes(path)


@pytest.mark.parametrize(
    "path",
    [
        ".env",
        ".venv/bin/python",
        ".airflow/airflow.db",
        ".chorusflow/ledger.sqlite",
        ".git/config",
        "chorusflow-data/inbox/export.csv",
        "tests/conftest.py",
        "include/chorusflow/__pycache__/cli.cpython-311.pyc",
        "include/chorusflow.egg-info/PKG-INFO",
        ".pytest_cache/v/cache",
    ],
)
def test_dockerignore_keeps_secrets_local_state_and_caches_out(path: str) -> None:
    assert dockerignore_excludes(path)


def test_every_named_copy_source_exists_in_the_repository() -> None:
    for keyword, arguments in dockerfile_instructions():
        if keyword != "COPY":
            continue
        sources = [word for word in shlex.split(arguments) if not word.startswith("--")][:-1]
        for source in sources:
            assert (REPO_ROOT / source).exists(), f"COPY {source}: missing, the build would fail"
            assert source == "." or not dockerignore_excludes(source), (
                f"COPY {source}: excluded by .dockerignore"
            )
