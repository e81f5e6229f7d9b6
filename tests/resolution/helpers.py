"""Builders for the resolution tests: invoices really deposited on the sandbox, blocked by its recipient
side, brought into the ledger by the real status sync, and a resolver like the one the DAG builds."""

from __future__ import annotations

import os
from pathlib import Path

from chorusflow.ledger import ClaimOwner, Ledger
from chorusflow.platforms.chorus_pro import ChorusProClient
from chorusflow.platforms.chorus_pro.statuses import StatusSync
from chorusflow.resolution import Resolver, build_resolver
from chorusflow_dev.testing import SUPPLIER_SIRET
from tests.fixtures.sandbox import IFPEN, SandboxAdmin, plain_pdf
from tests.platforms.chorus_pro.statuses.helpers import deposit

DECIDER = "comptable@example.fr"
OWNER = ClaimOwner(
    dag_id="tests", run_id="manual__resolve", task_id="decide", hostname="test", pid=os.getpid()
)


def blocked(
    ledger: Ledger,
    client: ChorusProClient,
    admin: SandboxAdmin,
    blocks: dict[str, tuple[str, str]],
    *,
    buyer_siret: str = IFPEN,
    service: str | None = "Facture_sans_commande",
) -> dict[str, int]:
    """Deposit each invoice, let the recipient move it to (status, comment), sync: number -> Chorus Pro id."""
    ids = deposit(ledger, client, list(blocks), buyer_siret=buyer_siret, service=service)
    for number, (status, comment) in blocks.items():
        admin.set_status(ids[number], status, comment)
    StatusSync(ledger, client, SUPPLIER_SIRET).run()
    return ids


def resolver(ledger: Ledger, client: ChorusProClient, folder: Path, owner: ClaimOwner = OWNER) -> Resolver:
    """The resolver the DAG and the CLI build, on ``folder`` as the attachments folder."""
    return build_resolver(ledger, client, SUPPLIER_SIRET, owner, attachments_folder=folder)


def attachments_folder(tmp_path: Path) -> Path:
    """An attachments folder holding one good PDF, ``BL-1.pdf``."""
    folder = tmp_path / "attachments"
    folder.mkdir()
    (folder / "BL-1.pdf").write_bytes(plain_pdf("Bon de livraison 1"))
    return folder
