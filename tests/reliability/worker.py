"""A submission worker in a process of its own, running exactly what the DAG's ``submit`` task runs.

``python -m tests.reliability.worker LEDGER_URL RUN_ID`` claims every ``pending``/``submitting``
invoice of the supplier and deposits it through :meth:`Submitter.submit_batch` with the owner
``reliability|RUN_ID|submit|-1``. The Chorus Pro connection comes from ``AIRFLOW_CONN_CHORUS_PRO``;
``CHORUSFLOW_CLAIM_LEASE_SECONDS`` sets the lease and ``CHORUSFLOW_CRASHPOINT`` where to die.
Exit 0 when every claimed invoice ended (submitted, adopted or failed for good), 3 when some must
be retried, 4 when nothing could be claimed while work remains (a live lease of a dead worker).
"""

from __future__ import annotations

import os
import socket
import sys

from chorusflow.ledger import ClaimOwner, InvoiceState, Ledger
from chorusflow.platforms.chorus_pro import ChorusProClient, ChorusProConfig
from chorusflow.platforms.registry import deposit_channels
from chorusflow.rules.profiles import buyer_channels, load_profiles
from chorusflow.submission.submitter import DepositResult, Submitter
from chorusflow.suppliers import load_supplier

SUPPLIER_SIRET = load_supplier().siret


def main(argv: list[str]) -> int:
    """Run one batch over every waiting invoice; the exit code says what is left."""
    ledger_url, run_id = argv[0], argv[1]
    ledger = Ledger(ledger_url)
    waiting = [
        row.invoice_number
        for state in (InvoiceState.PENDING, InvoiceState.SUBMITTING)
        for row in ledger.list_invoices(state, SUPPLIER_SIRET)
    ]
    if not waiting:
        return 0
    owner = ClaimOwner(
        dag_id="reliability",
        run_id=run_id,
        task_id="submit",
        hostname=socket.gethostname(),
        pid=os.getpid(),
    )
    client = ChorusProClient(ChorusProConfig.from_env())
    supplier = load_supplier()
    submitter = Submitter(
        ledger,
        deposit_channels(client, supplier, buyer_channels(load_profiles())),
        supplier,
        owner,
        lease_seconds=float(os.environ.get("CHORUSFLOW_CLAIM_LEASE_SECONDS", "900")),
    )
    result = submitter.submit_batch(waiting)
    if result.count(DepositResult.RETRY):
        return 3
    if result.count(DepositResult.SKIPPED) == len(waiting):
        return 4
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
