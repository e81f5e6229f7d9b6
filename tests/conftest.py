"""Test-wide setup.

Airflow reads its configuration when it is first imported, so the environment is set here, at the
top, before any test module imports Airflow. Each pytest run gets its own AIRFLOW_HOME and
CHORUSFLOW_HOME under a temporary folder; nothing touches the developer's own.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
_RUN_DIR = Path(tempfile.mkdtemp(prefix="chorusflow-tests-"))

os.environ["AIRFLOW_HOME"] = str(_RUN_DIR / "airflow")
os.environ["CHORUSFLOW_HOME"] = str(_RUN_DIR / "chorusflow")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(REPO_ROOT / "dags")
os.environ["AIRFLOW__CORE__PLUGINS_FOLDER"] = str(REPO_ROOT / "plugins")
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "False"
os.environ.setdefault("CHORUSFLOW_LANG", "fr")
for _name in list(os.environ):
    # A developer's own connections must never leak into a test run.
    if _name.startswith(("AIRFLOW_CONN_", "AIRFLOW_VAR_")):
        del os.environ[_name]

pytest_plugins = [
    "tests.fixtures.sandbox",
    "tests.fixtures.ledger",
    "tests.fixtures.airflow",
    "tests.fixtures.local_airflow",
]
