"""CDAR lifecycle messages (UN/CEFACT D22B CrossDomainAcknowledgementAndResponse): build, check, read.

The shape follows the XP Z12-012 Annex B examples ("Cycle de Vie - CDAR"); the status codes and
the reason codes allowed per status are FNFE-MPE's CDAR schematron 1.4.0 (``BR-FR-CDV-CL-06`` and
``BR-FR-CDV-CL-09``). Every message is checked against the D22B XSD and the schematron, both
vendored beside this module (README.md here; docs/approved-platform.md, "CDAR"). The PA sandbox
uses this same module and the same files.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from lxml import etree

from chorusflow.facturx.schematron import Stylesheet, shared_process
from chorusflow.platforms.approved_platform.statuses import (
    BUYER_STATUSES,
    REASONS,
    STATUSES,
    SUPPLIER_STATUSES,
    LifecycleClass,
    classify,
    label,
)

__all__ = [
    "BUYER_STATUSES",
    "REASONS",
    "STATUSES",
    "SUPPLIER_STATUSES",
    "InvoiceReference",
    "Lifecycle",
    "Party",
    "StatusEvent",
    "build_cdar",
    "build_completee",
    "build_encaissee",
    "read_cdar",
    "read_status_event",
    "schematron_failures",
    "xsd_errors",
]

CDAR_DIR = Path(__file__).resolve().parent
XSD_PATH = CDAR_DIR / "xsd" / "CrossDomainAcknowledgementAndResponse_100pD22B.xsd"
SCHEMATRON_PATH = CDAR_DIR / "schematron" / "BR-FR-CDV-Schematron-CDAR.xslt"
NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
}
#: MDT-77 phase (305 transmission, 23 processing) and MDT-88 document status per status, as the
#: XP Z12-012 Annex B examples give them; MDT-88 is left out where no example gives it (optional).
PHASES: dict[int, tuple[str, str | None]] = {
    200: ("305", "10"),
    202: ("305", "43"),
    213: ("305", "8"),
    204: ("23", "45"),
    205: ("23", "1"),
    207: ("23", "46"),
    211: ("23", "47"),
    212: ("23", "47"),
}


@dataclass(frozen=True)
class Party:
    """A party of the message: SIREN (scheme 0002), name, role code (SE, BY, WK...)."""

    siren: str
    name: str
    role: str


@dataclass(frozen=True)
class Lifecycle:
    """What a CDAR says about one invoice."""

    invoice_number: str
    invoice_date: str  # YYYYMMDD (BT-2)
    invoice_type: str  # BT-3
    status: int
    seller_siren: str
    issuer: Party
    recipient: Party
    reason_code: str | None = None
    reason: str | None = None
    paid_amount: Decimal | None = None
    paid_vat_rate: Decimal | None = None
    document_id: str = ""


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%d%H%M%S")


def build_cdar(lifecycle: Lifecycle, issued_at: datetime, received_at: datetime) -> bytes:
    """The CDAR (profile ``urn.cpro.gouv.fr:1p0:CDV:invoice``) of one status of one invoice."""
    label = STATUSES[lifecycle.status]
    status_block = ""
    if lifecycle.reason_code is not None:
        status_block = (
            "<ram:SpecifiedDocumentStatus>"
            f"<ram:ReasonCode>{escape(lifecycle.reason_code)}</ram:ReasonCode>"
            f"<ram:Reason>{escape(lifecycle.reason or lifecycle.reason_code)}</ram:Reason>"
            "<ram:SequenceNumeric>1</ram:SequenceNumeric>"
            "</ram:SpecifiedDocumentStatus>"
        )
    elif lifecycle.paid_amount is not None:
        status_block = (
            "<ram:SpecifiedDocumentStatus><ram:SequenceNumeric>1</ram:SequenceNumeric>"
            "<ram:SpecifiedDocumentCharacteristic>"
            "<ram:TypeCode>MEN</ram:TypeCode>"
            "<ram:ValueChangedIndicator><udt:IndicatorString>false</udt:IndicatorString></ram:ValueChangedIndicator>"
            f'<ram:ValueAmount currencyID="EUR">{lifecycle.paid_amount:.2f}</ram:ValueAmount>'
            f"<ram:ValuePercent>{lifecycle.paid_vat_rate or Decimal(0):.2f}</ram:ValuePercent>"
            "</ram:SpecifiedDocumentCharacteristic></ram:SpecifiedDocumentStatus>"
        )
    document_id = lifecycle.document_id or (
        f"{lifecycle.invoice_number}_{lifecycle.status}_{_stamp(issued_at)}"
        f"#{lifecycle.invoice_type}_{lifecycle.invoice_date}"
    )
    phase, status_code = PHASES.get(lifecycle.status, ("23", None))
    document_status = "" if status_code is None else f"<ram:StatusCode>{status_code}</ram:StatusCode>\n"
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossDomainAcknowledgementAndResponse
 xmlns:rsm="{NS["rsm"]}"
 xmlns:ram="{NS["ram"]}"
 xmlns:udt="{NS["udt"]}"
 xmlns:qdt="{NS["qdt"]}">
<rsm:ExchangedDocumentContext>
<ram:BusinessProcessSpecifiedDocumentContextParameter>
<ram:ID>REGULATED</ram:ID></ram:BusinessProcessSpecifiedDocumentContextParameter>
<ram:GuidelineSpecifiedDocumentContextParameter>
<ram:ID>urn.cpro.gouv.fr:1p0:CDV:invoice</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>
</rsm:ExchangedDocumentContext>
<rsm:ExchangedDocument>
<ram:ID>{escape(document_id)}</ram:ID>
<ram:Name>CDV-{lifecycle.status}_{escape(label)}</ram:Name>
<ram:IssueDateTime>
<udt:DateTimeString format="204">{_stamp(issued_at)}</udt:DateTimeString></ram:IssueDateTime>
<ram:SenderTradeParty><ram:RoleCode>WK</ram:RoleCode></ram:SenderTradeParty>
<ram:IssuerTradeParty>
<ram:GlobalID schemeID="0002">{lifecycle.issuer.siren}</ram:GlobalID>
<ram:Name>{escape(lifecycle.issuer.name)}</ram:Name>
<ram:RoleCode>{lifecycle.issuer.role}</ram:RoleCode></ram:IssuerTradeParty>
<ram:RecipientTradeParty>
<ram:GlobalID schemeID="0002">{lifecycle.recipient.siren}</ram:GlobalID>
<ram:Name>{escape(lifecycle.recipient.name)}</ram:Name>
<ram:RoleCode>{lifecycle.recipient.role}</ram:RoleCode>
<ram:URIUniversalCommunication>
<ram:URIID schemeID="0225">{lifecycle.recipient.siren}_STATUTS</ram:URIID>
</ram:URIUniversalCommunication>
</ram:RecipientTradeParty>
</rsm:ExchangedDocument>
<rsm:AcknowledgementDocument>
<ram:MultipleReferencesIndicator>
<udt:Indicator>false</udt:Indicator></ram:MultipleReferencesIndicator>
<ram:TypeCode>{phase}</ram:TypeCode>
<ram:IssueDateTime>
<udt:DateTimeString format="204">{_stamp(issued_at)}</udt:DateTimeString></ram:IssueDateTime>
<ram:ReferenceReferencedDocument>
<ram:IssuerAssignedID>{escape(lifecycle.invoice_number)}</ram:IssuerAssignedID>
{document_status}<ram:TypeCode>{lifecycle.invoice_type}</ram:TypeCode>
<ram:ReceiptDateTime>
<udt:DateTimeString format="204">{_stamp(received_at)}</udt:DateTimeString></ram:ReceiptDateTime>
<ram:FormattedIssueDateTime>
<qdt:DateTimeString format="102">{lifecycle.invoice_date}</qdt:DateTimeString></ram:FormattedIssueDateTime>
<ram:ProcessConditionCode>{lifecycle.status}</ram:ProcessConditionCode>
<ram:ProcessCondition>{escape(label)}</ram:ProcessCondition>
<ram:IssuerTradeParty>
<ram:GlobalID schemeID="0002">{lifecycle.seller_siren}</ram:GlobalID></ram:IssuerTradeParty>
{status_block}
</ram:ReferenceReferencedDocument>
</rsm:AcknowledgementDocument>
</rsm:CrossDomainAcknowledgementAndResponse>
"""
    return xml.encode("utf-8")


@lru_cache(maxsize=1)
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD_PATH)))


def xsd_errors(xml: bytes) -> list[str]:
    """The D22B XSD's complaints about ``xml`` (empty when valid; a parse error is one complaint)."""
    try:
        document = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as error:
        return [f"not well-formed XML: {error}"]
    schema = _schema()
    if schema.validate(document):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


def schematron_failures(xml: bytes) -> list[str]:
    """The fatal failures of FNFE-MPE's CDAR schematron (warnings left out), run by chorusflow's
    saxonche child process (``chorusflow.facturx.schematron``)."""

    failures = shared_process().check(xml, [Stylesheet("BR-FR-CDV", SCHEMATRON_PATH)])
    return [f"{f.id}: {' '.join(f.text.split())}" for f in failures if f.flag != "warning"]


def _text(node: etree._Element, path: str) -> str | None:
    found = node.find(path, NS)
    return None if found is None or found.text is None else found.text.strip()


def read_cdar(xml: bytes) -> Lifecycle:
    """The lifecycle an XSD-valid CDAR carries (its first referenced document); ValueError if absent."""
    root = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    reference = root.find("rsm:AcknowledgementDocument/ram:ReferenceReferencedDocument", NS)
    document = root.find("rsm:ExchangedDocument", NS)
    if reference is None or document is None:
        raise ValueError("no referenced document")
    code = _text(reference, "ram:ProcessConditionCode") or ""
    if not code.isdigit():
        raise ValueError(f"status code {code!r} is not a number")
    issuer = document.find("ram:IssuerTradeParty", NS)
    recipient = document.find("ram:RecipientTradeParty", NS)
    characteristic = "ram:SpecifiedDocumentStatus/ram:SpecifiedDocumentCharacteristic"
    amount = _text(reference, f"{characteristic}/ram:ValueAmount")
    rate = _text(reference, f"{characteristic}/ram:ValuePercent")

    def party(node: etree._Element | None) -> Party:
        if node is None:
            return Party("", "", "")
        return Party(
            _text(node, "ram:GlobalID") or "",
            _text(node, "ram:Name") or "",
            _text(node, "ram:RoleCode") or "",
        )

    return Lifecycle(
        invoice_number=_text(reference, "ram:IssuerAssignedID") or "",
        invoice_date=_text(reference, "ram:FormattedIssueDateTime/qdt:DateTimeString") or "",
        invoice_type=_text(reference, "ram:TypeCode") or "",
        status=int(code),
        seller_siren=_text(reference, "ram:IssuerTradeParty/ram:GlobalID") or "",
        issuer=party(issuer),
        recipient=party(recipient),
        reason_code=_text(reference, "ram:SpecifiedDocumentStatus/ram:ReasonCode"),
        reason=_text(reference, "ram:SpecifiedDocumentStatus/ram:Reason"),
        paid_amount=Decimal(amount) if amount else None,
        paid_vat_rate=Decimal(rate) if rate else None,
        document_id=_text(document, "ram:ID") or "",
    )


# -- the supplier's side: read a status event, build its own statuses --------------------------------

ENCAISSEE = 212
COMPLETEE = 209
SUSPENDUE = 208


@dataclass(frozen=True)
class StatusEvent:
    """A lifecycle status of one of our invoices, as the sync records it."""

    invoice_number: str
    invoice_date: str  # YYYYMMDD
    seller_siren: str
    status: int
    label: str
    status_class: LifecycleClass
    issuer_role: str  # WK a platform, BY the buyer, SE the seller
    reason_codes: tuple[str, ...]
    reasons: tuple[str, ...]  # the buyer's or platform's words: shown to people, never read to decide
    paid_amount: Decimal | None
    document_id: str


def read_status_event(xml: bytes) -> StatusEvent:
    """The typed status event of a lifecycle CDAR; ``ValueError`` when it is not XSD-valid or has none.

    Every ``SpecifiedDocumentStatus`` reason is kept (a refusal may give several).
    """
    problems = xsd_errors(xml)
    if problems:
        raise ValueError(f"not a valid CDAR: {problems[0]}")
    lifecycle = read_cdar(xml)
    root = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    statuses = root.findall(
        "rsm:AcknowledgementDocument/ram:ReferenceReferencedDocument/ram:SpecifiedDocumentStatus", NS
    )
    codes = tuple(code for node in statuses if (code := _text(node, "ram:ReasonCode")))
    reasons = tuple(reason for node in statuses if (reason := _text(node, "ram:Reason")))
    return StatusEvent(
        invoice_number=lifecycle.invoice_number,
        invoice_date=lifecycle.invoice_date,
        seller_siren=lifecycle.seller_siren,
        status=lifecycle.status,
        label=label(lifecycle.status),
        status_class=classify(lifecycle.status),
        issuer_role=lifecycle.issuer.role,
        reason_codes=codes,
        reasons=reasons,
        paid_amount=lifecycle.paid_amount,
        document_id=lifecycle.document_id,
    )


@dataclass(frozen=True)
class InvoiceReference:
    """The invoice a supplier's lifecycle message is about (BT-1, BT-2 as YYYYMMDD, BT-3)."""

    number: str
    date: str
    type_code: str
    seller: Party  # role SE
    buyer: Party  # role BY


def build_encaissee(invoice: InvoiceReference, amount: Decimal, vat_rate: Decimal, *, at: datetime) -> bytes:
    """The supplier's *Encaissée* (212): ``amount`` received, at VAT rate ``vat_rate`` (BR-FR-CDV-14)."""
    if amount <= 0:
        raise ValueError("the amount received must be positive")
    return build_cdar(
        _supplier_lifecycle(invoice, ENCAISSEE, paid_amount=amount, paid_vat_rate=vat_rate), at, at
    )


def build_completee(invoice: InvoiceReference, *, at: datetime) -> bytes:
    """The supplier's *Complétée* (209), answering a *Suspendue* (208) once the document is sent."""
    return build_cdar(_supplier_lifecycle(invoice, COMPLETEE), at, at)


def _supplier_lifecycle(invoice: InvoiceReference, status: int, **amounts: Decimal) -> Lifecycle:
    return Lifecycle(
        invoice_number=invoice.number,
        invoice_date=invoice.date,
        invoice_type=invoice.type_code,
        status=status,
        seller_siren=invoice.seller.siren,
        issuer=invoice.seller,
        recipient=invoice.buyer,
        **amounts,  # type: ignore[arg-type]
    )
