"""Every module under plugins/ imports, and Airflow's plugin manager registers chorusflow's listener."""

from __future__ import annotations

import importlib.util

import pytest

from tests.conftest import REPO_ROOT

PLUGIN_FILES = sorted((REPO_ROOT / "plugins").glob("*.py"))


@pytest.mark.parametrize("path", PLUGIN_FILES, ids=lambda p: p.name)
def test_plugin_module_imports(path) -> None:  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)


def test_run_note_listener_is_registered() -> None:
    from airflow.listeners.listener import get_listener_manager

    registered = {type(plugin).__name__ for plugin in get_listener_manager().pm.get_plugins()}
    assert "RunNoteListener" in registered
