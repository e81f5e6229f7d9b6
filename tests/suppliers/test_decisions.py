"""Whose technical account answers a decision about a blocked invoice, with several suppliers."""

from __future__ import annotations

from pathlib import Path

import pytest

from chorusflow.ledger import Ledger
from chorusflow.resolution import decision_label, decision_supplier
from chorusflow.rules.codes import Finding
from chorusflow.suppliers import SupplierIdentity, load_suppliers
from tests.ledger.helpers import record
from tests.suppliers.builders import (
    EU_ID,
    EU_IDENTIFIER,
    FRENCH_ID,
    NON_EU_ID,
    NON_EU_IDENTIFIER,
    three_suppliers,
)


def test_a_decision_goes_to_the_supplier_named_or_the_only_one_with_that_number(
    ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHORUSFLOW_CONFIG_DIR", str(three_suppliers(tmp_path / "config")))
    suppliers = load_suppliers()
    record(ledger, "INV-1", "INV-2", supplier=EU_IDENTIFIER)
    record(ledger, "INV-1", supplier=NON_EU_IDENTIFIER)

    def chosen(number: str, named: str | None = None) -> str:
        found = decision_supplier(ledger, suppliers, number, named, "en")
        return found.id if isinstance(found, SupplierIdentity) else found.code

    assert chosen("INV-2") == EU_ID  # the only supplier with that number
    assert chosen("INV-1") == "RESOLUTION_SUPPLIER_AMBIGUOUS"  # two have it: nothing is guessed
    assert chosen("INV-1", NON_EU_ID) == NON_EU_ID
    assert chosen("INV-1", EU_IDENTIFIER) == EU_ID  # named by its identifier
    assert chosen("INV-1", "acme_paris") == "RESOLUTION_SUPPLIER_UNKNOWN"
    assert chosen("NOBODY-1") == FRENCH_ID  # the default: the resolver then says the number is unknown
    refused = decision_supplier(ledger, suppliers, "INV-1", None, "fr")
    assert isinstance(refused, Finding) and f"({NON_EU_ID}, {EU_ID})" in refused.message


def test_a_decision_is_labelled_with_its_supplier_only_when_there_are_several() -> None:
    assert decision_label("F-1") == "F-1"
    assert decision_label("F-1", EU_ID) == "rheinwerk: F-1"
