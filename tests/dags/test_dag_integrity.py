"""Every DAG file imports cleanly, is documented, tagged, owned and retried, and uses known pools."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

DAG_FILES = sorted(p for p in (REPO_ROOT / "dags").glob("*.py") if not p.name.startswith("_"))
KNOWN_POOLS = {"default_pool", "chorus_pro_api"}


@pytest.fixture(scope="module")
def dag_bag():  # type: ignore[no-untyped-def]
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(REPO_ROOT / "dags"))


def test_there_is_at_least_one_dag_file() -> None:
    assert DAG_FILES, "dags/ holds no DAG file"


def test_no_import_errors(dag_bag) -> None:  # type: ignore[no-untyped-def]
    assert dag_bag.import_errors == {}


def test_every_file_defines_a_dag(dag_bag) -> None:  # type: ignore[no-untyped-def]
    files_with_dags = {Path(dag.fileloc).name for dag in dag_bag.dags.values()}
    assert files_with_dags == {p.name for p in DAG_FILES}


def test_dags_have_tags_owner_docs_and_retries(dag_bag) -> None:  # type: ignore[no-untyped-def]
    assert dag_bag.dags
    for dag_id, dag in dag_bag.dags.items():
        assert dag.tags, f"{dag_id} has no tags"
        assert dag.doc_md and dag.doc_md.strip(), f"{dag_id} has no doc_md"
        assert dag.default_args.get("owner") not in (None, "", "airflow"), f"{dag_id} has no owner"
        assert dag.default_args.get("retries", 0) >= 1, f"{dag_id} sets no retries"
        for task in dag.tasks:
            assert task.retries >= 1 or task.task_id.startswith("report"), f"{dag_id}.{task.task_id}"
            assert task.pool in KNOWN_POOLS, f"{dag_id}.{task.task_id} uses unknown pool {task.pool}"


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.name)
def test_dag_files_do_no_work_at_import(path: Path) -> None:
    """Heavy or I/O-doing modules are imported inside tasks, never at the top of a DAG file."""
    forbidden = {"pandas", "requests", "sqlalchemy", "chorusflow.ledger", "chorusflow.chorus"}
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        for name in names:
            assert not any(name == f or name.startswith(f + ".") for f in forbidden), (
                f"{path.name} imports {name} at module level"
            )


def test_every_schedule_runs_in_paris_time(dag_bag) -> None:  # type: ignore[no-untyped-def]
    for dag_id, dag in dag_bag.dags.items():
        timetable = dag.timetable
        inner = getattr(timetable, "timetable", timetable)  # an asset-or-time schedule wraps its cron
        assert str(inner.timezone) == "Europe/Paris", dag_id
