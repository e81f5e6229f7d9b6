"""Builders for the status-sync and alert tests: real deposits on the sandbox, recorded in the ledger."""

from __future__ import annotations

import os
from typing import Any

from chorusflow.ledger import ClaimOwner, Ledger
from chorusflow.platforms.chorus_pro import ChorusProClient
from chorusflow_dev.testing import COMMUNE, SUPPLIER_SIRET
from chorusflow_dev.testing.deposits import deposit as deposit_invoice
from chorusflow_dev.testing.deposits import record_deposits

SEARCH_PATH = "/cpro/factures/v1/rechercher/fournisseur"
HISTORY_PATH = "/cpro/factures/v1/consulter/historique"
OWNER = ClaimOwner(dag_id="tests", run_id="manual__tests", task_id="submit", hostname="test", pid=os.getpid())


def deposit(
    ledger: Ledger,
    client: ChorusProClient,
    numbers: list[str],
    buyer_siret: str = COMMUNE,
    service: str | None = None,
) -> dict[str, int]:
    """Record, claim and really submit each invoice like the submission step; number -> Chorus Pro id."""

    def submit(number: str) -> int:
        answer = deposit_invoice(client, number, buyer_siret=buyer_siret, service=service)
        assert answer.identifiant_facture_cpp is not None
        return answer.identifiant_facture_cpp

    return record_deposits(ledger, numbers, OWNER, submit, buyer_siret=buyer_siret)


def history(ledger: Ledger, number: str) -> list[tuple[str, Any]]:
    """(status, comment) of an invoice's ledger history, oldest first."""
    detail = ledger.get_invoice(number, SUPPLIER_SIRET)
    assert detail is not None
    return [(entry.status, entry.comment) for entry in detail.history]
