"""Several suppliers: the configuration folder, its defaults, and routing an export to its supplier."""

from __future__ import annotations

from pathlib import Path

import pytest

from chorusflow.rules.validate import validate_routed_export
from chorusflow.suppliers import SupplierConfigError, load_supplier, load_suppliers
from chorusflow_dev.testing.exports import write_export
from tests.rules.builders import row
from tests.suppliers.builders import (
    EU_ID,
    EU_IDENTIFIER,
    EU_SUPPLIER,
    FRENCH_ID,
    NON_EU_ID,
    french_supplier,
    three_suppliers,
    write_suppliers,
)


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = three_suppliers(tmp_path / "config")
    monkeypatch.setenv("CHORUSFLOW_CONFIG_DIR", str(folder))
    return folder


def test_supplier_yaml_alone_is_the_one_supplier_on_chorus_pro() -> None:
    suppliers = load_suppliers()
    assert len(suppliers) == 1 and not suppliers.several
    assert suppliers.default is not None and suppliers.default.connection_id == "chorus_pro"
    assert load_supplier().key == "45218801400016"


def test_one_file_per_supplier_each_with_its_connection(config: Path) -> None:
    suppliers = load_suppliers()
    assert suppliers.ids == [FRENCH_ID, NON_EU_ID, EU_ID]  # file name order
    assert suppliers.default_id == FRENCH_ID and load_supplier().id == FRENCH_ID
    connections = {supplier.id: supplier.connection_id for supplier in suppliers}
    assert connections == {
        FRENCH_ID: "chorus_pro",
        EU_ID: "chorus_pro__rheinwerk",
        NON_EU_ID: "chorus_pro__alpenlicht",
    }
    eu = suppliers.by_id(EU_ID)
    assert eu is not None and eu.key == EU_IDENTIFIER and eu.siret is None and eu.language == "en"
    assert suppliers.find("de 291 838 473") is eu and suppliers.find("RHEINWERK") is eu


def test_several_suppliers_without_a_default_have_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = write_suppliers(
        tmp_path / "c", {"a": {**french_supplier(), "default": False}, EU_ID: EU_SUPPLIER}
    )
    monkeypatch.setenv("CHORUSFLOW_CONFIG_DIR", str(folder))
    assert load_suppliers().default is None
    assert {s.connection_id for s in load_suppliers()} == {"chorus_pro__a", "chorus_pro__rheinwerk"}
    with pytest.raises(SupplierConfigError, match="none says 'default: true'"):
        load_supplier()


def test_a_supplier_identified_otherwise_needs_an_identifier(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = write_suppliers(tmp_path / "c", {"x": {"name": "X", "identifier_type": "HORS_UE"}})
    monkeypatch.setenv("CHORUSFLOW_CONFIG_DIR", str(folder))
    with pytest.raises(SupplierConfigError, match="x.yaml.*needs 'identifier'"):
        load_suppliers()


def test_an_export_is_split_by_supplier_and_unknown_ones_are_refused(config: Path, tmp_path: Path) -> None:
    path = write_export(
        tmp_path / "mixed.csv",
        [
            row(invoice_number="FR-1"),  # no supplier: the default
            row(invoice_number="DE-1", supplier_id=EU_ID, vat_rate="0", vat_treatment="reverse_charge"),
            row(invoice_number="DE-1", supplier_id="", vat_rate="0", vat_treatment="reverse_charge"),
            row(invoice_number="X-1", supplier_id="acme_paris"),
            row(invoice_number="X-2", supplier_id="acme_paris"),
        ],
    )
    routed = validate_routed_export(path, load_suppliers(), lang="en")
    parts = {part.supplier.id: [v.invoice_number for v in part.report.invoices] for part in routed.parts}
    assert parts == {FRENCH_ID: ["FR-1"], EU_ID: ["DE-1"]}
    assert [(f.code, f.field) for f in routed.refused] == [("SUPPLIER_UNKNOWN", "supplier")]
    assert "'acme_paris'" in routed.refused[0].message and "X-1, X-2" in routed.refused[0].message


def test_a_supplier_folder_routes_and_a_contradicting_column_is_refused(config: Path, tmp_path: Path) -> None:
    path = write_export(
        tmp_path / "e.csv", [row(invoice_number="A"), row(invoice_number="B", supplier_id=FRENCH_ID)]
    )
    suppliers = load_suppliers()
    routed = validate_routed_export(path, suppliers, folder_supplier=suppliers.by_id(NON_EU_ID), lang="fr")
    assert [(part.supplier.id, len(part.report.invoices)) for part in routed.parts] == [(NON_EU_ID, 1)]
    assert [f.code for f in routed.refused] == ["SUPPLIER_CONFLICT"]


def test_without_a_default_an_export_naming_no_supplier_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = write_suppliers(
        tmp_path / "c", {"a": {**french_supplier(), "default": False}, EU_ID: EU_SUPPLIER}
    )
    monkeypatch.setenv("CHORUSFLOW_CONFIG_DIR", str(folder))
    path = write_export(tmp_path / "e.csv", [row()])
    routed = validate_routed_export(path, load_suppliers())
    assert routed.parts == [] and [f.code for f in routed.refused] == ["SUPPLIER_MISSING"]
