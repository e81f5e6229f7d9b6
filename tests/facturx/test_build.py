"""The files chorusflow builds from the sample export: conformant (XSD, EN 16931 and French
schematrons, PDF/A-3), with Chorus Pro's data where Chorus Pro reads it."""

from __future__ import annotations

import io
from decimal import Decimal

import pikepdf
import pytest
from facturx import generate_from_binary, get_xml_from_pdf
from lxml import etree

from chorusflow.documents.pdf import render_invoice_pdf
from chorusflow.facturx import build_cii, build_facturx, check_facturx
from chorusflow.facturx.cii import _without_nil, postal_address, unit_code
from chorusflow.facturx.schematron import SchematronProcess
from chorusflow.invoice import Invoice
from tests.documents.builders import invoice as full_invoice

NS = {
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
}


def test_every_sample_invoice_gives_a_conformant_facturx(
    sample_invoices: list[Invoice], saxon: SchematronProcess
) -> None:
    assert len(sample_invoices) > 20
    for invoice in sample_invoices:
        pdf = build_facturx(invoice, invoice.supplier)
        assert check_facturx(pdf, lang="en") == [], invoice.invoice_number


def _xml(invoice: Invoice) -> etree._Element:
    return etree.fromstring(build_cii(invoice, invoice.supplier))


def _text(root: etree._Element, path: str) -> list[str]:
    return [str(value) for value in root.xpath(path, namespaces=NS)]


def test_chorus_pro_data_goes_to_its_en16931_terms() -> None:
    invoice = full_invoice()
    root = _xml(invoice)
    agreement = "//ram:ApplicableHeaderTradeAgreement/"
    assert _text(root, "//ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID/text()") == ["A1"]
    assert _text(root, agreement + "ram:SellerTradeParty/ram:GlobalID[@schemeID='0009']/text()") == [
        invoice.supplier.siret
    ]
    assert _text(
        root, agreement + "ram:SellerTradeParty/ram:SpecifiedLegalOrganization/ram:ID/@schemeID"
    ) == ["0002"]
    assert _text(root, agreement + "ram:BuyerTradeParty/ram:GlobalID[@schemeID='0009']/text()") == [
        invoice.buyer_siret
    ]
    assert _text(root, agreement + "ram:BuyerReference/text()") == [invoice.service_code]
    assert _text(root, agreement + "ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID/text()") == [
        invoice.engagement_number
    ]
    assert _text(root, agreement + "ram:ContractReferencedDocument/ram:IssuerAssignedID/text()") == [
        invoice.market_number
    ]
    subjects = _text(root, "//rsm:ExchangedDocument/ram:IncludedNote/ram:SubjectCode/text()")
    assert {"PMT", "PMD", "AAB"} <= set(subjects)


def test_an_invoice_already_paid_is_a2_with_nothing_due(saxon: SchematronProcess) -> None:
    invoice = full_invoice(billing_framework="A2")
    root = _xml(invoice)
    summation = "//ram:SpecifiedTradeSettlementHeaderMonetarySummation/"
    assert _text(root, "//ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID/text()") == ["A2"]
    assert Decimal(_text(root, summation + "ram:TotalPrepaidAmount/text()")[0]) == invoice.total_ttc
    assert Decimal(_text(root, summation + "ram:DuePayableAmount/text()")[0]) == 0
    assert check_facturx(build_facturx(invoice, invoice.supplier), lang="en") == []


MEANS = "//ram:ApplicableHeaderTradeSettlement/ram:SpecifiedTradeSettlementPaymentMeans/"


@pytest.mark.parametrize("given", [None, "VIREMENT", "CHEQUE"])
def test_a_credit_note_is_381_with_its_invoice_and_the_suppliers_account(
    given: str | None, saxon: SchematronProcess
) -> None:
    """Chorus Pro rejects a flux without BT-81 (OCA/l10n-france#414, #612): a credit note has one too."""
    invoice = full_invoice(invoice_type="AVOIR", original_invoice_number="F2026-0001", payment_means=given)
    root = _xml(invoice)
    assert _text(root, "//rsm:ExchangedDocument/ram:TypeCode/text()") == ["381"]
    assert _text(root, "//ram:InvoiceReferencedDocument/ram:IssuerAssignedID/text()") == ["F2026-0001"]
    assert _text(root, MEANS + "ram:TypeCode/text()") == ["58"]
    assert _text(root, MEANS + "ram:PayeePartyCreditorFinancialAccount/ram:IBANID/text()") == [
        "".join(str(invoice.supplier.iban).split())
    ]
    assert check_facturx(build_cii(invoice, invoice.supplier), lang="en") == []


def test_a_credit_note_of_a_supplier_without_iban_is_cleared_between_the_parties(
    saxon: SchematronProcess,
) -> None:
    invoice = full_invoice(invoice_type="AVOIR", original_invoice_number="F2026-0001", payment_means=None)
    supplier = invoice.supplier.model_copy(update={"iban": None, "bic": None})
    root = etree.fromstring(build_cii(invoice, supplier))
    assert _text(root, MEANS + "ram:TypeCode/text()") == ["97"]
    assert _text(root, MEANS + "ram:PayeePartyCreditorFinancialAccount") == []
    assert check_facturx(build_cii(invoice, supplier), lang="en") == []


@pytest.mark.parametrize(
    ("given", "code", "iban"),
    [("VIREMENT", "58", True), (None, "58", True), ("CHEQUE", "20", False), ("PRELEVEMENT", "59", False)],
)
def test_every_invoice_has_its_payment_means(
    given: str | None, code: str, iban: bool, saxon: SchematronProcess
) -> None:
    invoice = full_invoice(payment_means=given)
    root = _xml(invoice)
    assert _text(root, MEANS + "ram:TypeCode/text()") == [code]
    assert bool(_text(root, MEANS + "ram:PayeePartyCreditorFinancialAccount/ram:IBANID/text()")) is iban
    assert check_facturx(build_cii(invoice, invoice.supplier), lang="en") == []


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"invoice_type": "AVOIR", "original_invoice_number": "F2026-0001", "payment_means": None},
    ],
    ids=["invoice", "credit-note"],
)
def test_without_delivery_date_or_address_the_invoice_date_stands_for_it(
    changes: dict[str, str | None], saxon: SchematronProcess
) -> None:
    invoice = full_invoice(delivery_date=None, delivery_address=None, **changes)
    xml = build_cii(invoice, invoice.supplier)
    assert b"xsi:nil" not in xml
    delivered = "//ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime/udt:DateTimeString/text()"
    assert _text(etree.fromstring(xml), delivered) == [invoice.issue_date.strftime("%Y%m%d")]
    assert _text(etree.fromstring(xml), "//ram:ShipToTradeParty") == []
    assert check_facturx(xml, lang="en") == []
    assert check_facturx(build_facturx(invoice, invoice.supplier), lang="en") == []


def test_a_nil_element_left_by_the_library_loses_its_nil(saxon: SchematronProcess) -> None:
    invoice = full_invoice()
    good = build_cii(invoice, invoice.supplier)
    delivery = etree.fromstring(good).xpath("//ram:ApplicableHeaderTradeDelivery", namespaces=NS)[0]
    for child in list(delivery):
        delivery.remove(child)
    delivery.text = None
    delivery.set("{http://www.w3.org/2001/XMLSchema-instance}nil", "true")
    nil = etree.tostring(delivery.getroottree(), xml_declaration=True, encoding="UTF-8")
    assert any(item.code == "FACTURX_XSD" for item in check_facturx(nil, lang="en"))
    cleaned = _without_nil(nil)
    assert b"nil" not in cleaned and b"<ram:ApplicableHeaderTradeDelivery/>" in cleaned
    # Empty, it is valid CII D16B; only the Factur-X schematron's warning on empty elements remains.
    assert [item.code for item in check_facturx(cleaned, lang="en")] == ["FACTURX_RULE_WARNING"]
    assert _without_nil(good) is good


@pytest.mark.parametrize(
    ("specs", "changes", "expected"),
    [
        (None, {"total_vat_eur": "1 234,56"}, "1234.56"),
        ([("Exonéré", "1", "forfait", "100", "0", "0")], {"vat_exemption_reason": "Exonération"}, "0.00"),
    ],
    ids=["vat-charged", "no-vat"],
)
def test_an_invoice_in_another_currency_gives_its_vat_in_euros(
    specs: list[tuple[str, str, str | None, str, str, str]] | None,
    changes: dict[str, str],
    expected: str,
    saxon: SchematronProcess,
) -> None:
    """French rule BR-FR-CO-12 (CGI art. 289 IV): BT-6 EUR and BT-111 when BT-5 is not EUR."""
    invoice = full_invoice(specs, currency="USD", **changes)
    root = _xml(invoice)
    assert _text(root, "//ram:ApplicableHeaderTradeSettlement/ram:TaxCurrencyCode/text()") == ["EUR"]
    assert _text(root, "//ram:TaxTotalAmount[@currencyID='EUR']/text()") == [expected]
    assert check_facturx(build_cii(invoice, invoice.supplier), lang="en") == []
    unreadable = full_invoice(specs, currency="USD", **{**changes, "total_vat_eur": "about 1000"})
    if invoice.total_vat:  # never a guessed amount: the check says what is missing
        assert "BR-FR-CO-12" in str(check_facturx(build_cii(unreadable, unreadable.supplier), lang="en"))


def test_the_french_rule_on_bt23_is_waived_only_for_a_chorus_framework(saxon: SchematronProcess) -> None:
    invoice = full_invoice()
    xml = build_cii(invoice, invoice.supplier).replace(b"<ram:ID>A1</ram:ID>", b"<ram:ID>Z9</ram:ID>", 1)
    assert "BR-FR-08" in " ".join(item.message for item in check_facturx(xml, lang="en"))


def test_the_pdf_is_pdfa3_with_the_xml_attached() -> None:
    invoice = full_invoice()
    pdf = build_facturx(invoice, invoice.supplier)
    with pikepdf.open(io.BytesIO(pdf)) as document:
        assert document.Root.OutputIntents[0].S == pikepdf.Name.GTS_PDFA1
        assert document.open_metadata()["{http://www.aiim.org/pdfa/ns/id/}part"] == "3"
        assert str(document.Root.AF[0].AFRelationship) == "/Alternative"
    name, xml = get_xml_from_pdf(pdf, check_xsd=False)
    assert name == "factur-x.xml" and xml == build_cii(invoice, invoice.supplier)


def test_a_pdf_with_standard_fonts_and_no_output_intent_is_refused(saxon: SchematronProcess) -> None:
    invoice = full_invoice()
    plain = render_invoice_pdf(invoice)  # Helvetica, not embedded; no OutputIntent
    pdf = generate_from_binary(plain, build_cii(invoice, invoice.supplier), check_xsd=False)
    details = [item.message for item in check_facturx(pdf, lang="en")]
    assert any("Helvetica" in detail for detail in details)
    assert any("OutputIntent" in detail for detail in details)
    assert all(item.code == "FACTURX_PDFA" for item in check_facturx(pdf, lang="en"))


def test_an_erp_pdf_that_is_not_pdfa_is_replaced_by_the_render() -> None:
    invoice = full_invoice()
    pdf = build_facturx(invoice, invoice.supplier, pdf=render_invoice_pdf(invoice))
    with pikepdf.open(io.BytesIO(pdf)) as document:
        fonts = document.pages[0].obj.Resources.Font
        assert all("/FontDescriptor" in font for font in fonts.values())


def test_a_pdf_without_xml_is_refused(saxon: SchematronProcess) -> None:
    found = check_facturx(render_invoice_pdf(full_invoice()), lang="en")
    assert any("factur-x.xml" in item.message for item in found)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "12 rue de l'Industrie\n69003 Lyon\nFrance",
            {"addr_l1": "12 rue de l'Industrie", "postcode": "69003"},
        ),
        (
            "Site C, Rond-point, 69360 Solaize",
            {"addr_l1": "Site C", "addr_l2": "Rond-point", "city": "Solaize"},
        ),
        (None, {"country_code": "FR"}),
    ],
)
def test_postal_address(text: str | None, expected: dict[str, str]) -> None:
    address = postal_address(text)
    assert address["country_code"] == "FR"
    assert expected.items() <= address.items()


def test_units() -> None:
    assert [unit_code(unit) for unit in ("h", "kWh", "forfait", None, "palette")] == [
        "HUR",
        "KWH",
        "LS",
        "C62",
        None,
    ]
