"""CDAR lifecycle messages (UN/CEFACT D22B CrossDomainAcknowledgementAndResponse): build, check, read.

The shape follows the XP Z12-012 Annex B examples ("Cycle de Vie - CDAR"); the status codes and
the reason codes allowed per status are FNFE-MPE's CDAR schematron 1.4.0 (``BR-FR-CDV-CL-06`` and
``BR-FR-CDV-CL-09``). Every message is checked against the D22B XSD and the schematron, both
vendored in ``cdar/`` (docs/pa-sandbox.md, "CDAR").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from lxml import etree

CDAR_DIR = Path(__file__).resolve().parent / "cdar"
XSD_PATH = CDAR_DIR / "xsd" / "CrossDomainAcknowledgementAndResponse_100pD22B.xsd"
SCHEMATRON_PATH = CDAR_DIR / "schematron" / "BR-FR-CDV-Schematron-CDAR.xslt"
NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
}
#: MDT-105 invoice status codes (XP Z12-012; the DGFiP external specifications' lifecycle table).
STATUSES: dict[int, str] = {
    200: "Déposée",
    201: "Émise par la plateforme",
    202: "Reçue par la plateforme",
    203: "Mise à disposition",
    204: "Prise en charge",
    205: "Approuvée",
    206: "Approuvée partiellement",
    207: "En litige",
    208: "Suspendue",
    209: "Complétée",
    210: "Refusée",
    211: "Paiement transmis",
    212: "Encaissée",
    213: "Rejetée",
    214: "Visée",
}
#: Reason codes (MDT-113) allowed per status, FNFE-MPE CDAR schematron 1.4.0 BR-FR-CDV-CL-09
#: (210: the B2B list). A status listed here requires a reason (BR-FR-CDV-15).
REASONS: dict[int, frozenset[str]] = {
    206: frozenset(
        "AUTRE CMD_ERR SIRET_ERR CODE_ROUTAGE_ERR REF_CT_ABSENT REF_ERR PU_ERR REM_ERR QTE_ERR ART_ERR "
        "MODPAI_ERR QUALITE_ERR LIVR_INCOMP".split()
    ),
    207: frozenset(
        "AUTRE COORD_BANC_ERR TX_TVA_ERR MONTANTTOTAL_ERR CALCUL_ERR NON_CONFORME DOUBLON DEST_INC DEST_ERR "
        "TRANSAC_INC EMMET_INC CONTRAT_TERM DOUBLE_FACT CMD_ERR ADR_ERR SIRET_ERR CODE_ROUTAGE_ERR "
        "REF_CT_ABSENT REF_ERR PU_ERR REM_ERR QTE_ERR ART_ERR MODPAI_ERR QUALITE_ERR LIVR_INCOMP".split()
    ),
    208: frozenset(
        "JUSTIF_ABS COORD_BANC_ERR CMD_ERR SIRET_ERR CODE_ROUTAGE_ERR REF_CT_ABSENT REF_ERR".split()
    ),
    210: frozenset(
        "TX_TVA_ERR MONTANTTOTAL_ERR CALCUL_ERR NON_CONFORME DOUBLON DEST_ERR TRANSAC_INC EMMET_INC "
        "CONTRAT_TERM DOUBLE_FACT CMD_ERR ADR_ERR REF_CT_ABSENT".split()
    ),
    213: frozenset(
        "MONTANTTOTAL_ERR CALCUL_ERR DOUBLON DEST_INC ADR_ERR REJ_SEMAN REJ_UNI REJ_COH REJ_ADR REJ_CONT_B2G "
        "REJ_REF_PJ REJ_ASS_PJ".split()
    ),
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
#: Statuses the buyer sets (through its platform) and those the supplier sends itself.
BUYER_STATUSES = frozenset({204, 205, 206, 207, 208, 210, 211})
SUPPLIER_STATUSES = frozenset({209, 212})


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
    from chorusflow.facturx.schematron import Stylesheet, shared_process

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
