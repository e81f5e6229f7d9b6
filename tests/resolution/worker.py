"""One decision applied in a process of its own, as the DAG's task applies it (for kill -9 tests).

``python -m tests.resolution.worker LEDGER_URL FOLDER DECISION_JSON``: the Chorus Pro connection comes
from ``AIRFLOW_CONN_CHORUS_PRO``, ``CHORUSFLOW_CRASHPOINT`` says where to die. Exit 0 when the decision
is (or already was) applied, 3 otherwise.
"""

from __future__ import annotations

import sys
from pathlib import Path

from chorusflow.ledger import Ledger
from chorusflow.platforms.chorus_pro import ChorusProClient, ChorusProConfig
from chorusflow.resolution import Decision, build_resolver
from chorusflow_dev.testing import SUPPLIER_SIRET
from tests.resolution.helpers import OWNER


def main(argv: list[str]) -> int:
    """Apply the decision; the exit code says whether it is applied."""
    ledger = Ledger(argv[0])
    with ChorusProClient(ChorusProConfig.from_env()) as client:
        resolver = build_resolver(ledger, client, SUPPLIER_SIRET, OWNER, attachments_folder=Path(argv[1]))
        result = resolver.apply(Decision.model_validate_json(argv[2]))
    print(result.to_xcom())
    return 0 if result.ok else 3


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
