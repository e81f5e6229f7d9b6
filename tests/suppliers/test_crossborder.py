"""Suppliers outside France: identifiers by type, cross-border VAT treatments, currencies."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from chorusflow.documents.invoice_pdf import invoice_language
from chorusflow.documents.pdf import missing_mentions, render_invoice_pdf
from chorusflow.facturx.export import with_facturx_checks
from chorusflow.platforms.chorus_pro.accounts import SupplierAccount
from chorusflow.platforms.chorus_pro.channels.base import build_submit_request
from chorusflow.rules import validate_export
from chorusflow.rules.checks.crossborder import supplier_identifier_findings
from chorusflow.rules.profiles import BuyerProfile
from chorusflow.suppliers import SupplierIdentity, load_supplier
from chorusflow_dev.testing.exports import write_export
from tests.documents.builders import pdf_text
from tests.rules.builders import COMMUNE, row
from tests.suppliers.builders import COMMUNE_VAT, eu_supplier, non_eu_supplier


def verdicts(
    tmp_path: Path, supplier: SupplierIdentity, *rows: dict[str, str], **options: object
) -> dict[str, set[str]]:
    report = validate_export(
        write_export(tmp_path / "e.csv", list(rows)), supplier=supplier, lang="en", **options
    )  # type: ignore[arg-type]
    assert not report.file_errors
    return {v.invoice_number: {f.code for f in [*v.errors, *v.warnings]} for v in report.invoices}


REVERSE = {"vat_rate": "0", "vat_treatment": "reverse_charge", "buyer_vat_number": COMMUNE_VAT}


def test_each_identifier_is_checked_by_its_type() -> None:
    assert supplier_identifier_findings(eu_supplier(), "en") == ()
    assert supplier_identifier_findings(non_eu_supplier(), "en") == ()
    wrong_vat = eu_supplier().model_copy(update={"identifier": "DE291838474"})
    assert [f.code for f in supplier_identifier_findings(wrong_vat, "en")] == ["SUPPLIER_IDENTIFIER_INVALID"]
    french_as_eu = eu_supplier().model_copy(update={"identifier": "FR53219900016", "country": "FR"})
    assert supplier_identifier_findings(french_as_eu, "fr")
    ridet = SupplierIdentity(name="N", identifier_type="RIDET", identifier="1234567001", country="NC")
    tahiti = SupplierIdentity(name="T", identifier_type="TAHITI", identifier="A12345", country="PF")
    assert (
        supplier_identifier_findings(ridet, "en") == () and supplier_identifier_findings(tahiti, "en") == ()
    )
    assert supplier_identifier_findings(ridet.model_copy(update={"identifier": "12AB"}), "en")
    swiss_in_eu = non_eu_supplier().model_copy(update={"country": "AT"})
    assert supplier_identifier_findings(swiss_in_eu, "en")


def test_a_supplier_without_siret_is_not_asked_for_one(tmp_path: Path) -> None:
    found = verdicts(tmp_path, eu_supplier(), row(invoice_number="A", **REVERSE))
    assert found == {"A": set()}


def test_reverse_charge_rules(tmp_path: Path) -> None:
    found = verdicts(
        tmp_path,
        eu_supplier(),
        row(invoice_number="RATE", vat_treatment="reverse_charge", buyer_vat_number=COMMUNE_VAT),
        row(invoice_number="NOVAT", vat_rate="0", vat_treatment="reverse_charge"),
        row(invoice_number="BADVAT", **{**REVERSE, "buyer_vat_number": "FR00219900016"}),
        row(invoice_number="GOODS", operation_nature="goods", **REVERSE),
        row(invoice_number="FRVAT"),
        row(invoice_number="WHAT", vat_rate="0", vat_treatment="exempt"),
    )
    assert found["RATE"] == {"VAT_TREATMENT_RATE"}
    assert found["NOVAT"] == {"VAT_NUMBER_MISSING"}
    assert found["BADVAT"] == {"VAT_NUMBER_INVALID"}
    assert found["GOODS"] == {"VAT_TREATMENT_NOT_APPLICABLE"}
    assert found["FRVAT"] == {"FRENCH_VAT_BY_FOREIGN_SUPPLIER"}  # a warning: still valid
    assert "VAT_TREATMENT_INVALID" in found["WHAT"]
    french = validate_export(
        write_export(tmp_path / "f.csv", [row(**REVERSE)]), supplier=load_supplier(), lang="fr"
    )
    (error,) = french.invoices[0].errors
    assert error.code == "VAT_TREATMENT_NOT_APPLICABLE" and "établi en France" in error.message


def test_a_supplier_outside_the_eu_needs_no_vat_number_of_its_own_under_reverse_charge(
    tmp_path: Path,
) -> None:
    """CGI art. 286 ter A, II-1°: not identified for VAT in France when the customer owes all the tax."""
    unregistered = non_eu_supplier().model_copy(update={"vat_number": None})
    found = verdicts(
        tmp_path,
        unregistered,
        row(invoice_number="RC", **REVERSE),
        row(invoice_number="NOBUYER", vat_rate="0", vat_treatment="reverse_charge"),
    )
    assert found == {"RC": set(), "NOBUYER": {"VAT_NUMBER_MISSING"}}
    report = validate_export(
        write_export(tmp_path / "b.csv", [row(vat_rate="0", vat_treatment="reverse_charge")]),
        supplier=unregistered,
        lang="fr",
    )
    (missing,) = report.invoices[0].errors
    assert missing.field == "buyer_vat_number" and "242 nonies A" in missing.message
    # Kept for an EU supplier (identified in its member state) and for any other treatment.
    eu_unregistered = eu_supplier().model_copy(update={"vat_number": None})
    assert verdicts(tmp_path, eu_unregistered, row(invoice_number="EU", **REVERSE)) == {
        "EU": {"VAT_NUMBER_MISSING"}
    }
    goods = {**REVERSE, "vat_treatment": "intra_eu_goods", "operation_nature": "goods"}
    assert "VAT_NUMBER_MISSING" in verdicts(tmp_path, unregistered, row(invoice_number="IC", **goods))["IC"]


def test_its_invoice_is_deposited_as_pdf_and_refused_for_facturx_with_a_code(tmp_path: Path) -> None:
    unregistered = non_eu_supplier().model_copy(update={"vat_number": None})
    export = write_export(tmp_path / "e.csv", [row(operation_nature="services", **REVERSE)])
    verdict = validate_export(export, supplier=unregistered, lang="en").invoices[0]
    assert verdict.valid, verdict.errors
    invoice = verdict.invoice
    assert invoice is not None
    assert "supplier.vat_number" not in missing_mentions(invoice)
    with_number = invoice.model_copy(update={"vat_treatment": "export"})
    assert "supplier.vat_number" in missing_mentions(with_number)
    pdf = render_invoice_pdf(invoice, lang="en")
    assert "Autoliquidation" in pdf_text(pdf) and unregistered.name in pdf_text(pdf)
    references = build_submit_request(invoice, SupplierAccount(1, 2), attachment_id=3).references
    assert references.type_tva == "EXONERATION"
    # Factur-X: no SIRET to put in the seller block, and EN 16931 BR-AE-02 would want a seller VAT id.
    (refused,) = (
        with_facturx_checks(validate_export(export, supplier=unregistered, lang="en"), "en")
        .invoices[0]
        .errors
    )
    assert refused.code == "FACTURX_SUPPLIER_WITHOUT_SIRET"
    profile = BuyerProfile.model_validate(
        {
            "schema_version": 1,
            "version": "1",
            "buyer": {"siret": COMMUNE, "name": "C"},
            "deposit_channel": "facturx",
        }
    )
    assert verdicts(
        tmp_path, unregistered, row(invoice_number="FX", **REVERSE), profiles={COMMUNE: profile}
    ) == {"FX": {"FACTURX_SUPPLIER_WITHOUT_SIRET"}}


def test_goods_treatments_follow_where_the_supplier_is(tmp_path: Path) -> None:
    goods = {"vat_rate": "0", "operation_nature": "goods", "buyer_vat_number": COMMUNE_VAT}
    eu = verdicts(
        tmp_path,
        eu_supplier(),
        row(invoice_number="IC", vat_treatment="intra_eu_goods", **goods),
        row(invoice_number="IMP", vat_treatment="import", **goods),
    )
    assert eu == {"IC": set(), "IMP": {"VAT_TREATMENT_NOT_APPLICABLE"}}
    outside = verdicts(
        tmp_path,
        non_eu_supplier(),
        row(invoice_number="IC", vat_treatment="intra_eu_goods", **goods),
        row(invoice_number="IMP", vat_treatment="import", **goods),
        row(invoice_number="EXP", vat_treatment="export", **{**goods, "operation_nature": "services"}),
    )
    assert outside == {
        "IC": {"VAT_TREATMENT_NOT_APPLICABLE"},
        "IMP": set(),
        "EXP": {"VAT_TREATMENT_NOT_APPLICABLE"},
    }


def test_currencies_are_iso_4217_and_a_buyer_may_require_euros(tmp_path: Path) -> None:
    profile = BuyerProfile.model_validate(
        {"schema_version": 1, "version": "1", "buyer": {"siret": COMMUNE, "name": "C"}, "currencies": ["EUR"]}
    )
    found = verdicts(
        tmp_path,
        non_eu_supplier(),
        row(invoice_number="CHF", currency="CHF", **REVERSE),
        row(invoice_number="BAD", currency="EURO", **REVERSE),
        row(invoice_number="VAT", currency="USD", total_vat_eur=""),
        row(invoice_number="VATEUR", currency="USD", total_vat_eur="37,12"),
    )
    assert found["CHF"] == set()
    assert found["BAD"] == {"CURRENCY_INVALID"}
    assert found["VAT"] == {"CURRENCY_VAT_IN_EUR_MISSING", "FRENCH_VAT_BY_FOREIGN_SUPPLIER"}
    assert found["VATEUR"] == {"FRENCH_VAT_BY_FOREIGN_SUPPLIER"}
    with_profile = verdicts(
        tmp_path,
        non_eu_supplier(),
        row(invoice_number="CHF", currency="CHF", **REVERSE),
        profiles={COMMUNE: profile},
    )
    assert with_profile["CHF"] == {"CURRENCY_NOT_ACCEPTED"}


@pytest.mark.parametrize(
    ("supplier", "treatment", "nature", "type_tva", "reason"),
    [
        (eu_supplier(), "reverse_charge", "services", "EXONERATION", "Autoliquidation"),
        (eu_supplier(), "intra_eu_goods", "goods", "EXONERATION", "262 ter"),
        (non_eu_supplier(), "export", "goods", "EXONERATION", "art. 262, I"),
        (non_eu_supplier(), "import", "goods", "SANS_TVA", None),
    ],
)
def test_each_treatment_maps_to_chorus_pro_and_to_the_pdf(
    tmp_path: Path, supplier: SupplierIdentity, treatment: str, nature: str, type_tva: str, reason: str | None
) -> None:
    export = write_export(
        tmp_path / "e.csv",
        [
            row(
                vat_rate="0",
                vat_treatment=treatment,
                operation_nature=nature,
                buyer_vat_number=COMMUNE_VAT,
                currency="CHF",
            )
        ],
    )
    verdict = validate_export(export, supplier=supplier, lang="en").invoices[0]
    assert verdict.valid, verdict.errors
    invoice = verdict.invoice
    assert invoice is not None and invoice.vat_treatment == treatment
    references = build_submit_request(invoice, SupplierAccount(1, 2), attachment_id=3).references
    assert references.type_tva == type_tva and references.devise_facture == "CHF"
    assert (
        (references.motif_exoneration_tva is None)
        if reason is None
        else reason in str(references.motif_exoneration_tva)
    )
    assert invoice_language(invoice) == "en"
    pdf = render_invoice_pdf(invoice, lang="en")
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000
    assert invoice.total_vat == Decimal("0.00")
