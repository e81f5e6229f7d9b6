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


def _run_notes_module():  # type: ignore[no-untyped-def]
    path = REPO_ROOT / "plugins" / "chorusflow_run_notes.py"
    spec = importlib.util.spec_from_file_location("chorusflow_run_notes_under_test", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_new_summary_replaces_an_earlier_one_but_never_a_persons_note() -> None:
    from airflow.models.dagrun import DagRun, DagRunNote

    set_note = _run_notes_module()._set_note
    run = DagRun(dag_id="chorus_sync_statuses", run_id="manual__1")

    set_note(run, "first summary")
    set_note(run, "summary of the rerun")
    assert run.note == "summary of the rerun" and run.dag_run_note.user_id is None

    run.dag_run_note = DagRunNote("Vu avec l'acheteur", user_id="admin")
    set_note(run, "summary of another rerun")
    assert run.note == "Vu avec l'acheteur"


def test_the_plugins_web_apps_never_share_a_url_prefix() -> None:
    """Two FastAPI apps mounted under one prefix (or one inside the other) hide each other's routes."""
    prefixes = []
    for path in sorted((REPO_ROOT / "plugins").glob("*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for plugin in vars(module).values():
            if isinstance(plugin, type) and plugin.__module__ == path.stem:
                apps = getattr(plugin, "fastapi_apps", [])
                prefixes += [app["url_prefix"].rstrip("/") + "/" for app in apps]
    assert len(prefixes) >= 2
    assert not [(a, b) for a in prefixes for b in prefixes if a != b and b.startswith(a)]
    assert len(set(prefixes)) == len(prefixes)
