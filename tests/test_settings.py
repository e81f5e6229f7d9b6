"""One typed settings object: every ``CHORUSFLOW_*`` variable is a field, documented, read in one place."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from chorusflow.settings import Settings, environment_variable, settings
from tests.conftest import REPO_ROOT

# Development tooling reads its own variables (ports, passwords of a local Airflow); the supplier's
# per-field overrides are read in chorusflow.suppliers; chorusflow.messages.language reads CHORUSFLOW_LANG
# while chorusflow.settings is not loaded (`chorusflow --help`), because loading pydantic-settings would
# cost more than the help's whole time budget (tests/test_cli.py pins both readings to the same answer).
ALLOWED_READERS = {
    "include/chorusflow/settings.py",
    "include/chorusflow/suppliers.py",
    "include/chorusflow/messages/language.py",
    "include/devtools/chorusflow_dev/airflow/local.py",
    "include/devtools/chorusflow_dev/airflow/run_dag.py",
    "devtools/chorusflow_dev/demo.py",
}


def test_every_setting_is_documented_in_configuration_md() -> None:
    documentation = (REPO_ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    missing = [
        environment_variable(name)
        for name in Settings.model_fields
        if environment_variable(name) not in documentation
    ]
    assert missing == []


def test_no_module_reads_a_chorusflow_variable_itself() -> None:
    readers = []
    for folder in ("include/chorusflow", "dags", "plugins"):
        for path in (REPO_ROOT / folder).rglob("*.py"):
            relative = path.relative_to(REPO_ROOT).as_posix()
            if relative in ALLOWED_READERS or "/sandbox/" in relative or "/testing/" in relative:
                continue
            if re.search(r"(os\.environ|getenv)[^\n]*\"CHORUSFLOW_", path.read_text(encoding="utf-8")):
                readers.append(relative)
    assert readers == []


def test_the_settings_are_read_once_per_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHORUSFLOW_POOL_SIZE", "6")
    first = settings()
    assert first is settings() and first.pool_size == 6
    monkeypatch.setenv("CHORUSFLOW_POOL_SIZE", "8")
    assert settings().pool_size == 8


def test_values_are_typed_and_blank_means_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHORUSFLOW_LANG", "en_GB")
    monkeypatch.setenv("CHORUSFLOW_INBOX", "")
    monkeypatch.setenv("CHORUSFLOW_SUBMIT_RETRY_DELAY", "1.5")
    current = settings()
    assert current.lang == "en" and current.inbox is None and current.submit_retry_delay == 1.5
    assert current.timezone == "Europe/Paris"


def test_a_malformed_value_is_refused_with_its_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHORUSFLOW_POOL_SIZE", "four")
    with pytest.raises(ValidationError, match="pool_size"):
        settings()
