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
    forbidden = {"pandas", "requests", "sqlalchemy", "chorusflow.ledger", "chorusflow.platforms.chorus_pro"}
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
        if not hasattr(inner, "timezone"):  # asset events only (chorus_resolve_invoices): no clock
            continue
        assert str(inner.timezone) == "Europe/Paris", dag_id


# The trigger form of chorus_submit_invoices. Airflow 3.3's form marks a Param as required unless its
# JSON Schema type includes "null", keeps *Trigger* disabled while a required field is empty, and
# sends an emptied field as null. The API server then validates the conf against the serialized
# DAG's params (``params.deep_merge(conf).validate()`` in ``create_dagrun``), as these tests do.
SUBMIT_DAG = "chorus_submit_invoices"
EMPTY_FORM = {"export_path": None, "invoice_numbers": [], "dry_run": False}


@pytest.fixture(scope="module")
def submit_params(dag_bag):  # type: ignore[no-untyped-def]
    """The submission DAG's params as the API server holds them (serialized and read back)."""
    from airflow.serialization.serialized_objects import DagSerialization

    dag = dag_bag.dags[SUBMIT_DAG]
    return DagSerialization.from_dict(DagSerialization.to_dict(dag)).params


def test_no_submit_param_is_required_by_the_trigger_form(dag_bag) -> None:  # type: ignore[no-untyped-def]
    params = dag_bag.dags[SUBMIT_DAG].params
    assert set(params) == {"export_path", "invoice_numbers", "dry_run"}
    for name in params:
        param = params.get_param(name)
        schema = param.schema
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        assert "null" in types, f"the trigger form requires {name!r} (its type has no 'null')"
        assert schema.get("title"), f"{name!r} has no title in the form"
        assert param.description, f"{name!r} has no description in the form"


@pytest.mark.parametrize(
    ("conf", "expected"),
    [
        pytest.param({}, EMPTY_FORM, id="no-conf"),
        pytest.param(EMPTY_FORM, EMPTY_FORM, id="empty-form"),
        pytest.param(
            {"export_path": None, "invoice_numbers": None, "dry_run": None},
            {"export_path": None, "invoice_numbers": None, "dry_run": None},
            id="emptied-fields",
        ),
        pytest.param(
            {"invoice_numbers": ["F2026-0101"]},
            {**EMPTY_FORM, "invoice_numbers": ["F2026-0101"]},
            id="retry-only",
        ),
        pytest.param(
            {**EMPTY_FORM, "invoice_numbers": ["F2026-0101"]},
            {**EMPTY_FORM, "invoice_numbers": ["F2026-0101"]},
            id="retry-only-from-the-form",
        ),
    ],
)
def test_trigger_confs_the_form_sends_are_valid(  # type: ignore[no-untyped-def]
    submit_params, conf: dict[str, object], expected: dict[str, object]
) -> None:
    assert submit_params.deep_merge(conf).validate() == expected


@pytest.mark.parametrize(
    "conf",
    [
        pytest.param({"invoice_numbers": "F2026-0101"}, id="number-not-in-a-list"),
        pytest.param({"invoice_numbers": [101]}, id="number-not-a-string"),
        pytest.param({"dry_run": "yes"}, id="dry-run-not-a-boolean"),
        pytest.param({"export_path": 3}, id="export-path-not-a-string"),
    ],
)
def test_malformed_trigger_confs_are_refused(submit_params, conf: dict[str, object]) -> None:  # type: ignore[no-untyped-def]
    from airflow.sdk.exceptions import ParamValidationError

    with pytest.raises(ParamValidationError):
        submit_params.deep_merge(conf).validate()
