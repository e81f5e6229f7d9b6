"""The facturx channel needs a supplier identified by its SIRET (docs/suppliers.md#factur-x): refused
in a supplier's file, at validation for a buyer whose profile asks for it, and again at deposit."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from chorusflow.ledger import ClaimOwner, InvoiceState, Ledger
from chorusflow.platforms.chorus_pro import ChorusProClient, ChorusProConfig
from chorusflow.platforms.chorus_pro.channels.facturx import FacturxChannel
from chorusflow.rules import validate_export
from chorusflow.rules.profiles import BuyerProfile
from chorusflow.submission.intake import records_from_report
from chorusflow.submission.submitter import DepositResult, Submitter
from chorusflow.suppliers import SupplierIdentity
from chorusflow_dev.sandbox import SandboxServer
from chorusflow_dev.testing.exports import write_export
from tests.fixtures.sandbox import SandboxAdmin
from tests.rules.builders import COMMUNE, row
from tests.suppliers.builders import COMMUNE_VAT, EU_IDENTIFIER, EU_SUPPLIER, eu_supplier

REVERSE = {"vat_rate": "0", "vat_treatment": "reverse_charge", "buyer_vat_number": COMMUNE_VAT}
FACTURX_BUYER = BuyerProfile.model_validate(
    {
        "schema_version": 1,
        "version": "1",
        "buyer": {"siret": COMMUNE, "name": "C"},
        "deposit_channel": "facturx",
    }
)


def test_a_supplier_file_without_siret_cannot_choose_facturx() -> None:
    with pytest.raises(ValidationError, match="facturx needs a supplier identified by its SIRET"):
        SupplierIdentity.model_validate({"id": "rheinwerk", **EU_SUPPLIER, "deposit_channel": "facturx"})


def test_a_buyer_asking_for_facturx_refuses_a_foreign_suppliers_invoice_with_a_code(tmp_path: Path) -> None:
    export = write_export(tmp_path / "e.csv", [row(invoice_number="A", **REVERSE)])
    report = validate_export(export, supplier=eu_supplier(), lang="en", profiles={COMMUNE: FACTURX_BUYER})
    [verdict] = report.invoices
    assert not verdict.valid
    assert [finding.code for finding in verdict.errors] == ["FACTURX_SUPPLIER_WITHOUT_SIRET"]
    assert "UE_HORS_FRANCE" in verdict.errors[0].message and "pdf or saisie" in verdict.errors[0].message
    without_profile = validate_export(export, supplier=eu_supplier(), lang="en", profiles={})
    assert [v.valid for v in without_profile.invoices] == [True]


def test_a_profile_changed_after_validation_still_never_sends_a_foreign_suppliers_factur_x(
    sandbox: SandboxServer, ledger: Ledger, tmp_path: Path
) -> None:
    supplier = eu_supplier()
    report = validate_export(
        write_export(tmp_path / "e.csv", [row(invoice_number="EU-1", **REVERSE)]),
        supplier=supplier,
        profiles={},
        directory=None,
    )
    assert [v.valid for v in report.invoices] == [True]
    ledger.record_validated(supplier.key, "e.csv", records_from_report(report, "e.csv"))
    owner = ClaimOwner(dag_id="tests", run_id="run-1", task_id="submit")
    config = ChorusProConfig.from_connection(sandbox.connection(EU_IDENTIFIER))
    with ChorusProClient(config) as client:
        submitter = Submitter(ledger, lambda _: FacturxChannel(client, supplier), supplier, owner)
        result = submitter.submit_batch(["EU-1"])

    assert result.count(DepositResult.INVALID) == 1
    detail = ledger.get_invoice("EU-1", supplier.key)
    assert detail is not None and detail.state is InvoiceState.INVALID
    assert {str(item.get("code")) for item in detail.findings} == {"FACTURX_SUPPLIER_WITHOUT_SIRET"}
    assert SandboxAdmin(sandbox).flux() == [] and SandboxAdmin(sandbox).invoices() == []
