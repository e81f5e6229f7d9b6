"""The rules Chorus Pro and the law apply (issue #11 §4): each code fails once and passes once.

"Today" is injected (``validate_export(..., today=...)``): it decides ``INVOICE_DATE_FUTURE`` and
whether the 2026 reform's mentions are warnings (before the supplier's ``reform_mentions_from``) or
errors (from that date).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from pydantic import BaseModel

from chorusflow.platforms.chorus_pro.models import (
    InvoiceRecipient,
    InvoiceReferences,
    MainAttachment,
    SubmitInvoiceRequest,
)
from chorusflow.rules import SEVERITIES, finding, validate_export
from chorusflow.rules.codes import REFORM_CODES
from chorusflow.rules.engine import (
    FIELD_LIMITS,
    invoice_number_is_a_date,
    paris_today,
    postal_address_is_usable,
)
from chorusflow.suppliers import SupplierIdentity, load_supplier
from chorusflow_dev.testing.exports import write_export
from tests.rules.builders import MAIN_CONTRACTOR, codes, row

TODAY = date(2026, 12, 3)  # before 2027-09-01, the reform date of the configured (sme) supplier
REFORM_DAY = date(2027, 9, 1)
ADDRESS = "12 rue de la Paix, 75002 Paris"


def verdict_of(path: Path, **options: object):  # type: ignore[no-untyped-def]
    report = validate_export(path, lang="fr", **options)  # type: ignore[arg-type]
    assert not report.file_errors and len(report.invoices) == 1, report
    return report.invoices[0]


def warning_codes(path: Path, **options: object) -> set[str]:
    return {item.code for item in verdict_of(path, **options).warnings}


def supplier(size: str) -> SupplierIdentity:
    return load_supplier().model_copy(update={"company_size": size})


# -- INVOICE_DATE_FUTURE -----------------------------------------------------------------------------


def test_invoice_dated_after_today_is_refused(tmp_path: Path) -> None:
    path = write_export(tmp_path / "e.csv", [row(issue_date="04/12/2026", due_date="2027-01-03")])
    assert codes(path, today=TODAY) == {"F2026-0001": {"INVOICE_DATE_FUTURE"}}
    message = verdict_of(path, today=TODAY).errors[0].message
    assert "2026-12-04" in message and "2026-12-03" in message and "Chorus Pro" in message


def test_invoice_dated_today_or_before_passes(tmp_path: Path) -> None:
    path = write_export(tmp_path / "e.csv", [row(issue_date="2026-12-03", due_date="2027-01-02")])
    assert codes(path, today=TODAY) == {"F2026-0001": set()}
    assert codes(path, today=TODAY + timedelta(days=400)) == {"F2026-0001": set()}


def test_today_defaults_to_the_date_in_paris(tmp_path: Path) -> None:
    tomorrow = paris_today() + timedelta(days=1)
    rows = [row(issue_date=tomorrow.isoformat(), due_date=(tomorrow + timedelta(days=30)).isoformat())]
    path = write_export(tmp_path / "e.csv", rows)
    assert codes(path) == {"F2026-0001": {"INVOICE_DATE_FUTURE"}}


# -- VALIDATOR_REQUIRED and the validator's SIRET -----------------------------------------------------


@pytest.mark.parametrize(
    ("framework", "shown"), [("A9", "A9"), ("a12", "A12"), ("A9_FACTURE_SOUSTRAITANT", "A9")]
)
def test_subcontractor_and_cotractor_invoices_need_a_validator(
    tmp_path: Path, framework: str, shown: str
) -> None:
    path = write_export(tmp_path / "e.csv", [row(billing_framework=framework)])
    assert codes(path) == {"F2026-0001": {"VALIDATOR_REQUIRED"}}
    error = verdict_of(path).errors[0]
    assert error.field == "validator_siret" and f"cadre de facturation {shown} " in error.message


def test_validator_given_passes_and_is_normalised(tmp_path: Path) -> None:
    path = write_export(
        tmp_path / "e.csv",
        [row(billing_framework="A12", validator_siret="732 829 320 00074"), row(invoice_number="F2")],
    )
    assert codes(path) == {"F2026-0001": set(), "F2": set()}  # F2 is A1: no validator needed
    invoice = validate_export(path).invoices[0].invoice
    assert invoice is not None and invoice.validator_siret == MAIN_CONTRACTOR


def test_invalid_validator_siret_is_refused(tmp_path: Path) -> None:
    path = write_export(tmp_path / "e.csv", [row(billing_framework="A9", validator_siret="73282932000079")])
    assert codes(path) == {"F2026-0001": {"SIRET_INVALID"}}
    error = verdict_of(path).errors[0]
    assert error.field == "validator_siret" and "73282932000079" in error.message


# -- VAT_EXEMPTION_REASON_MISSING ---------------------------------------------------------------------


def test_zero_rated_line_without_exemption_reason_is_refused(tmp_path: Path) -> None:
    rows = [
        row(),
        row(line_description="Débours", quantity="1", unit_price="15", vat_rate="0,00"),
        row(invoice_number="F2"),  # only 20 %: no reason needed
    ]
    result = codes(write_export(tmp_path / "e.csv", rows))
    assert result == {"F2026-0001": {"VAT_EXEMPTION_REASON_MISSING"}, "F2": set()}


def test_zero_rated_line_with_exemption_reason_passes(tmp_path: Path) -> None:
    reason = "TVA non applicable, art. 293 B du CGI"
    path = write_export(tmp_path / "e.csv", [row(vat_rate="0", vat_exemption_reason=reason)])
    verdict = verdict_of(path)
    assert verdict.valid and verdict.invoice is not None
    assert verdict.invoice.vat_exemption_reason == reason and verdict.invoice.total_vat == 0


def test_zero_rated_credit_note_needs_a_reason_too(tmp_path: Path) -> None:
    path = write_export(
        tmp_path / "e.csv", [row(invoice_type="AVOIR", original_invoice_number="F0", vat_rate="0")]
    )
    assert codes(path) == {"F2026-0001": {"VAT_EXEMPTION_REASON_MISSING"}}


# -- OPERATION_NATURE_MISSING (reform) ------------------------------------------------------------------


def test_missing_operation_nature_is_a_warning_before_the_reform_date(tmp_path: Path) -> None:
    path = write_export(tmp_path / "e.csv", [row(operation_nature="")])
    verdict = verdict_of(path, today=REFORM_DAY - timedelta(days=1))
    assert verdict.valid and [item.code for item in verdict.warnings] == ["OPERATION_NATURE_MISSING"]
    assert "2027-09-01" in verdict.warnings[0].message


def test_missing_operation_nature_is_an_error_from_the_reform_date(tmp_path: Path) -> None:
    path = write_export(tmp_path / "e.csv", [row(operation_nature=""), row(invoice_number="F2")])
    assert codes(path, today=REFORM_DAY) == {"F2026-0001": {"OPERATION_NATURE_MISSING"}, "F2": set()}
    verdict = verdict_of(write_export(tmp_path / "one.csv", [row(operation_nature="")]), today=REFORM_DAY)
    assert not verdict.valid and verdict.errors[0].severity == "error" and verdict.warnings == []


def test_reform_date_follows_the_company_size(tmp_path: Path) -> None:
    path = write_export(tmp_path / "e.csv", [row(operation_nature="")])
    assert codes(path, today=TODAY, supplier=supplier("large")) == {
        "F2026-0001": {"OPERATION_NATURE_MISSING"}
    }
    assert codes(path, today=TODAY, supplier=supplier("micro")) == {"F2026-0001": set()}


def test_an_export_without_the_column_gets_the_warning_on_every_invoice(tmp_path: Path) -> None:
    rows = [
        {k: v for k, v in row(invoice_number=f"F{n}").items() if k != "operation_nature"} for n in range(3)
    ]
    report = validate_export(write_export(tmp_path / "e.csv", rows), today=TODAY)
    assert [[item.code for item in verdict.warnings] for verdict in report.invoices] == [
        ["OPERATION_NATURE_MISSING"]
    ] * 3


@pytest.mark.parametrize(
    ("text", "nature"),
    [("biens", "goods"), ("S", "services"), ("Prestations de services", "services"), ("mixte", "mixed")],
)
def test_operation_nature_given_passes(tmp_path: Path, text: str, nature: str) -> None:
    verdict = verdict_of(write_export(tmp_path / "e.csv", [row(operation_nature=text)]), today=REFORM_DAY)
    assert verdict.valid and verdict.warnings == []
    assert verdict.invoice is not None and verdict.invoice.operation_nature == nature


# -- DELIVERY_ADDRESS_INVALID (reform) -----------------------------------------------------------------

UNUSABLE_ADDRESSES = [
    "voir bon",
    "Paris",
    "12",
    "75001 Paris",  # no street line
    "12, 75001 Paris",  # a lone number is no street line
    "12 rue de la Paix",  # no postal code nor city
    "12 rue de la Paix, 7500 Paris",  # 4 digits
    "12 rue de la Paix, 75002",  # no city
    "12 rue de la Paix 750021 Paris",  # 6 digits
]
USABLE_ADDRESSES = [
    ADDRESS,
    "12 rue de la Paix 75002 Paris",
    "Bâtiment B\n12 rue de la Paix\n75002 Paris CEDEX 02\nFrance",
    "ZI Nord - Quai 4; 97122 Baie-Mahault",
    "Rue de la Loi 16, B-1000 Bruxelles",
]


@pytest.mark.parametrize("address", UNUSABLE_ADDRESSES)
def test_unusable_delivery_address(tmp_path: Path, address: str) -> None:
    assert not postal_address_is_usable(address)
    path = write_export(tmp_path / "e.csv", [row(delivery_address=address)])
    before = verdict_of(path, today=TODAY)
    assert before.valid and [item.code for item in before.warnings] == ["DELIVERY_ADDRESS_INVALID"]
    assert codes(path, today=REFORM_DAY) == {"F2026-0001": {"DELIVERY_ADDRESS_INVALID"}}


@pytest.mark.parametrize("address", USABLE_ADDRESSES)
def test_usable_delivery_address(tmp_path: Path, address: str) -> None:
    assert postal_address_is_usable(address)
    path = write_export(tmp_path / "e.csv", [row(delivery_address=address)])
    verdict = verdict_of(path, today=REFORM_DAY)
    assert verdict.valid and verdict.warnings == []
    assert verdict.invoice is not None and verdict.invoice.delivery_address == address


def test_no_delivery_address_is_no_finding(tmp_path: Path) -> None:
    verdict = verdict_of(write_export(tmp_path / "e.csv", [row(delivery_address="")]), today=REFORM_DAY)
    assert verdict.valid and verdict.warnings == []


def test_delivery_address_is_quoted_on_one_line(tmp_path: Path) -> None:
    path = write_export(tmp_path / "e.csv", [row(delivery_address="Quai 4\nvoir bon\n")])
    message = verdict_of(path, today=TODAY).warnings[0].message
    assert "« Quai 4, voir bon »" in message and "2027-09-01" in message


# -- INVOICE_NUMBER_DATE_LIKE ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number", ["2026-11-02", "02/11/2026", "20261102", "2026_11_02", "02112026", "2-11-2026"]
)
def test_invoice_number_that_is_only_a_date_gets_a_warning(tmp_path: Path, number: str) -> None:
    assert invoice_number_is_a_date(number)
    path = write_export(tmp_path / "e.csv", [row(invoice_number=number), row(invoice_number="F2")])
    report = validate_export(path, lang="en")
    by_number = {verdict.invoice_number: verdict for verdict in report.invoices}
    assert by_number[number].valid
    assert [item.code for item in by_number[number].warnings] == ["INVOICE_NUMBER_DATE_LIKE"]
    assert number in by_number[number].warnings[0].message
    assert by_number["F2"].warnings == []


@pytest.mark.parametrize(
    "number", ["F2026-0001", "20260001", "2026-0001", "12345678", "2026-13-02", "F20261102"]
)
def test_sequence_numbers_get_no_date_warning(tmp_path: Path, number: str) -> None:
    assert not invoice_number_is_a_date(number)
    verdict = verdict_of(write_export(tmp_path / "e.csv", [row(invoice_number=number)]))
    assert verdict.valid and verdict.warnings == []


# -- BANK_ACCOUNT_UNKNOWN (checked at deposit time) ----------------------------------------------------


def test_bank_account_unknown_renders_in_both_languages() -> None:
    iban = "FR7630006000011234567890189"
    french = finding("BANK_ACCOUNT_UNKNOWN", "fr", iban=iban)
    english = finding("BANK_ACCOUNT_UNKNOWN", "en", "supplier_iban", iban=iban)
    assert french.message == (
        f"L'IBAN {iban} du fournisseur ne figure pas parmi les coordonnées bancaires enregistrées sur "
        "Chorus Pro ; ajoutez-le sur le portail ou corrigez supplier.yaml."
    )
    assert iban in english.message and "Chorus Pro" in english.message and "supplier.yaml" in english.message
    assert french.severity == english.severity == "error"


# -- severities decided per run ---------------------------------------------------------------------


def test_only_the_reform_codes_take_another_severity() -> None:
    assert REFORM_CODES == {"OPERATION_NATURE_MISSING", "DELIVERY_ADDRESS_INVALID"}
    for code in REFORM_CODES:
        assert SEVERITIES[code] == "error"
        assert finding(code, "en", "operation_nature", severity="warning", since="x").severity == "warning"
    assert finding("FIELD_MISSING", "fr", "due_date", severity="error").severity == "error"
    with pytest.raises(ValueError, match="FIELD_MISSING"):
        finding("FIELD_MISSING", "fr", "due_date", severity="warning")


# -- no silent truncation: Chorus Pro's limits are errors -------------------------------------------------


def _max_length(model: type[BaseModel], field: str) -> int:
    """The ``max_length`` a request model gives one of its fields."""
    limits = [getattr(item, "max_length", None) for item in model.model_fields[field].metadata]
    return next(limit for limit in limits if isinstance(limit, int))


def test_field_limits_cover_the_request_models() -> None:
    assert FIELD_LIMITS["service_code"] <= _max_length(InvoiceRecipient, "code_service_executant")
    assert FIELD_LIMITS["engagement_number"] <= _max_length(InvoiceReferences, "numero_bon_commande")
    assert FIELD_LIMITS["comment"] <= _max_length(SubmitInvoiceRequest, "commentaire")
    assert FIELD_LIMITS["line_description"] == 512


@pytest.mark.parametrize(
    ("column", "limit", "start"),
    [
        ("line_description", 512, ""),
        ("buyer_address", 500, ""),
        ("delivery_address", 500, ADDRESS + " "),  # a usable address, its city made longer
        ("vat_exemption_reason", 500, ""),
        ("service_code", 100, ""),
        ("engagement_number", 50, ""),
    ],
)
def test_text_over_its_limit_is_refused_never_cut(
    tmp_path: Path, column: str, limit: int, start: str
) -> None:
    at_limit = start + "x" * (limit - len(start))
    rows = [row(**{column: at_limit}), row(invoice_number="F2", **{column: at_limit + "x"})]
    result = codes(write_export(tmp_path / "e.csv", rows), today=REFORM_DAY)
    assert result == {"F2026-0001": set(), "F2": {"FIELD_TOO_LONG"}}


def test_attachment_name_over_50_characters_is_refused(tmp_path: Path) -> None:
    assert _max_length(MainAttachment, "designation") >= 50
    (tmp_path / "pdf").mkdir()
    short, long = "F2026-0001.pdf", "Facture-F2026-0001-Commune-de-Demoville-novembre.pdf"
    assert len(long) == 52
    for name in (short, long):
        (tmp_path / "pdf" / name).write_bytes(b"%PDF-1.4\n%%EOF\n")
    rows = [row(attachment=f"pdf/{short}"), row(invoice_number="F2", attachment=f"pdf/{long}")]
    path = write_export(tmp_path / "e.csv", rows)
    assert codes(path) == {"F2026-0001": set(), "F2": {"FIELD_TOO_LONG"}}
    error = validate_export(path, lang="fr").invoices[1].errors[0]
    assert error.field == "attachment"
    assert error.message == (
        "Le champ « nom du fichier de la pièce jointe » est trop long (52 caractères, maximum 50)."
    )


def test_lines_agreeing_on_the_nature_and_validator_in_other_spellings_do_not_conflict(
    tmp_path: Path,
) -> None:
    rows = [
        row(operation_nature="biens", billing_framework="A9", validator_siret=MAIN_CONTRACTOR),
        row(operation_nature="B", billing_framework="A9", validator_siret="732 829 320 00074"),
        row(invoice_number="F2", operation_nature="biens"),
        row(invoice_number="F2", operation_nature="services"),
    ]
    result = codes(write_export(tmp_path / "e.csv", rows))
    assert result == {"F2026-0001": set(), "F2": {"HEADER_CONFLICT"}}
