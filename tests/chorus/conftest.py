"""Fixtures of the Chorus Pro client tests, on top of the shared sandbox fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from chorusflow.chorus import ChorusProClient, ChorusProConfig
from chorusflow.chorus.models import (
    InvoiceLine,
    InvoiceRecipient,
    InvoiceReferences,
    InvoiceSupplier,
    InvoiceTotals,
    SubmitInvoiceRequest,
    VatLine,
)
from chorusflow.sandbox import SandboxServer
from tests.fixtures.sandbox import COMMUNE, IFPEN, SUPPLIER_ID, SandboxAdmin, sandbox_admin

PLAIN_BUYER_SIRET = COMMUNE  # no service code nor engagement needed
IFPEN_SIRET = IFPEN


@pytest.fixture
def admin(sandbox: SandboxServer) -> SandboxAdmin:
    """Admin access to the (fresh) sandbox of this test."""
    return sandbox_admin(sandbox)


@pytest.fixture
def connection(sandbox: SandboxServer) -> dict[str, Any]:
    """The Airflow connection JSON form reaching the sandbox."""
    return sandbox.connection()


@pytest.fixture
def config(connection: dict[str, Any]) -> ChorusProConfig:
    """Client settings for the sandbox."""
    return ChorusProConfig.from_connection(connection)


@pytest.fixture
def client(config: ChorusProConfig) -> Iterator[ChorusProClient]:
    """A client talking to the sandbox over real sockets."""
    with ChorusProClient(config) as chorus:
        yield chorus


def make_invoice(
    number: str, *, buyer_siret: str = PLAIN_BUYER_SIRET, **changes: Any
) -> SubmitInvoiceRequest:
    """A valid SAISIE_API invoice of 100 € + 20 % VAT."""
    fields: dict[str, Any] = {
        "mode_depot": "SAISIE_API",
        "numero_facture_saisi": number,
        "date_facture": date(2026, 11, 2),
        "destinataire": InvoiceRecipient(code_destinataire=buyer_siret),
        "fournisseur": InvoiceSupplier(id_fournisseur=SUPPLIER_ID),
        "references": InvoiceReferences(),
        "ligne_poste": [
            InvoiceLine(
                numero=1,
                denomination="Prestation de conseil",
                quantite=Decimal("2"),
                unite="HEURE",
                montant_unitaire_ht=Decimal("50"),
                taux_tva_manuel=Decimal("20"),
            )
        ],
        "ligne_tva": [
            VatLine(taux_manuel=Decimal("20"), montant_base_ht=Decimal("100"), montant_tva=Decimal("20"))
        ],
        "montant_total": InvoiceTotals(
            montant_ht_total=Decimal("100"),
            montant_tva=Decimal("20"),
            montant_ttc_total=Decimal("120"),
            montant_a_payer=Decimal("120"),
        ),
    }
    fields.update(changes)
    return SubmitInvoiceRequest(**fields)
