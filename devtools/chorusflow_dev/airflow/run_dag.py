"""Run one chorusflow DAG in this process with ``dag.test()`` and print its final state.

``python -m chorusflow_dev.airflow.run_dag DAG_ID [CONF_JSON]``: used by ``make demo`` and by tests that
need a DAG run in a process of its own (two runs at once, a worker to kill). The environment
(AIRFLOW_HOME, connections, CHORUSFLOW_*) says where everything is.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path


def dags_folder() -> Path:
    """The project's ``dags/`` folder (``AIRFLOW__CORE__DAGS_FOLDER`` when set)."""
    configured = os.environ.get("AIRFLOW__CORE__DAGS_FOLDER")
    return Path(configured) if configured else Path(__file__).resolve().parents[3] / "dags"


def run(dag_id: str, conf: dict[str, object] | None = None) -> str:
    """Parse the DAGs, run ``dag_id`` to the end and return the run's state."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(dags_folder()))
    if bag.import_errors:
        raise SystemExit(f"DAG import errors: {bag.import_errors}")
    dag_run = bag.dags[dag_id].test(run_after=datetime.now(UTC), run_conf=conf or {})
    return str(dag_run.state)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; exit 0 when the run succeeded, 1 otherwise."""
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    conf = json.loads(args[1]) if len(args) > 1 else {}
    state = run(args[0], conf)
    print(f"DAG_RUN_STATE {state}", flush=True)
    return 0 if state == "success" else 1


if __name__ == "__main__":
    sys.exit(main())
