"""The ``chorusflow`` dispatcher: what its light commands import, and help in one language."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from chorusflow import cli
from chorusflow.messages import language
from chorusflow.settings import settings

CHORUSFLOW = Path(sys.executable).with_name("chorusflow")
# What a light command must not load: the heavy stacks behind other commands (and Airflow).
NEVER_LIGHT = ("pandas", "numpy", "airflow")
# What ``--help`` does not load either: each costs tenths of a second, its 0.3 s budget.
NEVER_FOR_HELP = (
    *NEVER_LIGHT,
    "sqlalchemy",
    "alembic",
    "pydantic",
    "yaml",
    "requests",
    "reportlab",
    "chorusflow.alerts",
    "chorusflow.suppliers",
    "chorusflow.cli.runners",
)
COMMANDS: tuple[list[str], ...] = (
    [],
    ["sandbox"],
    ["buyer"],
    ["validate"],
    ["ledger"],
    ["ledger", "migrate"],
    ["ledger", "list"],
    ["ledger", "show"],
    ["render"],
)


def imported_modules(args: list[str], home: Path) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run the console script under ``-X importtime``; the modules it imported, by name."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AIRFLOW_CONN_")}
    env.update({"HOME": str(home), "CHORUSFLOW_HOME": str(home / "chorusflow-home"), "CHORUSFLOW_LANG": "fr"})
    result = subprocess.run(
        [sys.executable, "-X", "importtime", str(CHORUSFLOW), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    lines = re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)$", result.stderr, flags=re.MULTILINE)
    return result, set(lines)


def loaded(modules: set[str], roots: tuple[str, ...]) -> list[str]:
    return sorted(name for name in modules for root in roots if name == root or name.startswith(f"{root}."))


def test_help_imports_nothing_heavy(tmp_path: Path) -> None:
    result, modules = imported_modules(["--help"], tmp_path)
    assert result.returncode == 0 and "ledger" in result.stdout
    assert "chorusflow.cli" in modules and "argparse" in modules  # the probe sees imports at all
    assert loaded(modules, NEVER_FOR_HELP) == []


def test_ledger_list_imports_neither_pandas_numpy_nor_airflow(tmp_path: Path) -> None:
    result, modules = imported_modules(["ledger", "list"], tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "sqlalchemy" in modules  # it does open the ledger's machinery
    assert loaded(modules, NEVER_LIGHT) == []


def test_each_command_imports_its_runner_and_nothing_else_in_a_function() -> None:
    # The one lazy import per command keeps --help light; runners import everything at their top.
    package = Path(cli.__file__).parent
    local: dict[str, list[str]] = {}
    for path in sorted(package.rglob("*.py")):
        source = path.read_text("utf-8")
        lines = source.splitlines()
        for function in ast.walk(ast.parse(source)):
            if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                for node in ast.walk(function):
                    if isinstance(node, ast.Import | ast.ImportFrom):
                        reason = lines[node.lineno - 2].strip()
                        assert reason.startswith("#"), f"{path.name}:{node.lineno} has no reason comment"
                        local.setdefault(path.relative_to(package).as_posix(), []).append(ast.unparse(node))
    commands = sorted(name for name in cli.COMMAND_MODULES)
    assert sorted(f"chorusflow.cli.{name.removesuffix('.py')}" for name in local) == commands
    for name, statements in local.items():
        assert statements == [f"from chorusflow.cli.runners import {name.removesuffix('.py')} as runner"]


def test_dev_commands_come_from_the_entry_point_group() -> None:
    # devtools/pyproject.toml declares the sandbox command; the runtime package never names it.
    modules = [module.__name__ for module in cli.installed_command_modules()]
    assert modules == ["chorusflow_dev.cli.sandbox"]
    assert "sandbox" in cli.build_parser().format_help()
    runtime = Path(cli.__file__).parent.parent
    assert [path for path in runtime.rglob("*.py") if "chorusflow_dev" in path.read_text("utf-8")] == []


def test_a_command_module_that_cannot_be_imported_is_skipped() -> None:
    modules = cli.installed_command_modules(["chorusflow.nothing_here", "chorusflow.cli.validate"])
    assert [module.__name__ for module in modules] == ["chorusflow.cli.validate"]


@pytest.mark.parametrize("value", [None, "", "fr", "FR", "en", "EN_gb", " en ", "english", "de", "es"])
def test_language_reads_chorusflow_lang_as_the_settings_do(
    monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    if value is None:
        monkeypatch.delenv("CHORUSFLOW_LANG", raising=False)
    else:
        monkeypatch.setenv("CHORUSFLOW_LANG", value)
    through_settings = language()
    monkeypatch.delitem(sys.modules, "chorusflow.settings")  # as ``chorusflow --help``, which never loads it
    assert language() == through_settings == settings().lang


def help_text(
    command: list[str], lang: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> str:
    monkeypatch.setenv("CHORUSFLOW_LANG", lang)
    with pytest.raises(SystemExit) as exited:
        cli.main([*command, "--help"])
    assert exited.value.code == 0
    return capsys.readouterr().out


# Whole words that give a language away (command names, SIRET, JSON, CSV, options… are shared).
ENGLISH_WORDS = {
    "the",
    "and",
    "of",
    "to",
    "an",
    "default",
    "file",
    "instead",
    "only",
    "write",
    "usage",
    "exit",
}
FRENCH_WORDS = {"le", "la", "les", "des", "du", "une", "et", "pour", "sur", "dans", "afficher", "fichier"}


def words(text: str) -> set[str]:
    return {word.lower() for word in re.findall(r"[^\W\d_]+", text)}


@pytest.mark.parametrize("command", COMMANDS, ids=lambda command: " ".join(command) or "chorusflow")
def test_help_speaks_french_only(
    command: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = help_text(command, "fr", monkeypatch, capsys)
    assert text.startswith("utilisation : chorusflow")
    assert "afficher cette aide et quitter" in text
    for english in ("usage:", "show this help", "positional arguments", "COMMAND ", "FILE"):
        assert english not in text
    assert words(text) & ENGLISH_WORDS == set(), text


@pytest.mark.parametrize("command", COMMANDS, ids=lambda command: " ".join(command) or "chorusflow")
def test_help_speaks_english_only(
    command: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = help_text(command, "en", monkeypatch, capsys)
    assert text.startswith("usage: chorusflow") and "show this help message and exit" in text
    for french in ("utilisation", "afficher", "arguments positionnels", "FICHIER", "NUMÉRO"):
        assert french not in text
    assert words(text) & FRENCH_WORDS == set(), text
    assert not re.search(r"[éèêàçùô]", text), text


def test_fixed_help_strings_in_each_language(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    french = help_text([], "fr", monkeypatch, capsys)
    assert "lancer un bac à sable Chorus Pro local" in french
    assert "registre des factures" in french and "run a local Chorus Pro sandbox" not in french
    english = help_text([], "en", monkeypatch, capsys)
    assert "run a local Chorus Pro sandbox" in english and "render one invoice" in english
    assert "registre des factures" not in english
    listing = help_text(["ledger", "list"], "fr", monkeypatch, capsys)
    assert "needs_review" in listing  # --state takes the stable English values, and says so
