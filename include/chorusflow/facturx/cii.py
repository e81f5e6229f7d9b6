"""``build_cii``: the validated invoice as a Cross Industry Invoice in the Factur-X EN 16931 profile.

The XML is made by the ``factur-x`` library (Akretion) from a dict keyed by EN 16931 terms; this
module only says which datum goes to which term (docs/facturx.md lists them). Chorus Pro's
conventions for a public buyer (docs/sources.md#factur-x-and-en-16931):

- seller and buyer SIRET as ``GlobalID`` with scheme ``0009`` (BT-29, BT-46) and as electronic
  address (BT-34, BT-49); their SIREN as legal registration with scheme ``0002`` (BT-30, BT-47);
- the billing framework ``A1`` (``A2`` already paid, ``A9``, ``A12``) as business process (BT-23);
- service code → buyer reference (BT-10), engagement number → purchase order (BT-13), market
  number → contract (BT-12);
- the legal mentions as subject-coded notes (BG-1): ``PMT`` recovery indemnity, ``PMD`` late
  penalties, ``AAB`` early-payment discount, ``TXD`` the option for VAT on debits, ``AAI`` the
  nature of the operation and the comment.

The library checks nothing here (``check_xsd=False``, ``check_schematron=False``): the checks are
:func:`chorusflow.facturx.check.check_facturx`'s, which reports them as findings.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from facturx import generate_cii_xml
from lxml import etree

from chorusflow.documents import labels
from chorusflow.exports.parsing import parse_number
from chorusflow.invoice import Invoice, InvoiceLine, plain_rate
from chorusflow.suppliers import SupplierIdentity

#: BT-24 of the Factur-X EN 16931 profile (the same URN as plain EN 16931).
EN16931_GUIDELINE = "urn:cen.eu:en16931:2017"
INVOICE_TYPE_CODES = {"FACTURE": "380", "AVOIR": "381"}  # BT-3 (UNTDID 1001)
# BT-81 (UNTDID 4461). A transfer is a SEPA credit transfer (58): Chorus Pro only takes an IBAN.
PAYMENT_MEANS_CODES = {
    "VIREMENT": "58",
    "CHEQUE": "20",
    "PRELEVEMENT": "59",
    "ESPECE": "10",
    "AUTRE": "1",
    "REPORT": "97",
}
#: BT-81 of a credit note when the supplier has no IBAN: clearing between partners (UNTDID 4461).
CREDIT_NOTE_CLEARING_CODE = "97"
VAT_DEBITS_CODE = "5"  # BT-8: VAT due on the invoice date (option for VAT on debits)
SIRET_SCHEME, SIREN_SCHEME = "0009", "0002"  # ISO 6523 ICD; also EAS codes for BT-34 / BT-49
#: Units as accounting exports write them → UN/ECE Recommendation 20 (BT-130). Anything else is
#: ``C62`` (one) and its own text goes to the line's note, so nothing is lost.
UNIT_CODES = {
    "": "C62",
    "u": "C62",
    "un": "C62",
    "unite": "C62",
    "unité": "C62",
    "piece": "H87",
    "pièce": "H87",
    "pce": "H87",
    "forfait": "LS",
    "h": "HUR",
    "heure": "HUR",
    "heures": "HUR",
    "j": "DAY",
    "jour": "DAY",
    "jours": "DAY",
    "semaine": "WEE",
    "mois": "MON",
    "an": "ANN",
    "année": "ANN",
    "kwh": "KWH",
    "mwh": "MWH",
    "kg": "KGM",
    "t": "TNE",
    "l": "LTR",
    "m": "MTR",
    "km": "KMT",
    "m2": "MTK",
    "m²": "MTK",
    "m3": "MTQ",
    "m³": "MTQ",
}
_POSTCODE_CITY = re.compile(r"^(?P<postcode>\d{5})\s+(?P<city>.+)$")
_COUNTRY_LINES = {"france": "FR", "fr": "FR"}
FRANCHISE = "VATEX-FR-FRANCHISE"  # art. 293 B CGI
REVERSE_CHARGE = "VATEX-EU-AE"
NIL_ATTRIBUTE = "xsi:nil"
XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"


def build_cii(invoice: Invoice, supplier: SupplierIdentity) -> bytes:
    """The CII XML (Factur-X EN 16931 profile, UTF-8) of ``invoice`` issued by ``supplier``."""

    xml: bytes = generate_cii_xml(
        cii_terms(invoice, supplier), level="en16931", check_xsd=False, check_schematron=False
    )
    return _without_nil(xml)


def _without_nil(xml: bytes) -> bytes:
    """``xml`` without the ``xsi:nil`` lxml's objectify puts on an element built empty.

    No CII D16B element is nillable, so the attribute only ever makes the file fail its XSD; an
    element left empty is then judged by the XSD and the schematrons like any other.
    """
    if NIL_ATTRIBUTE.encode() not in xml:
        return xml

    root = etree.fromstring(xml)
    for element in root.iter():
        element.attrib.pop(XSI_NIL, None)
    etree.cleanup_namespaces(root)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def cii_terms(invoice: Invoice, supplier: SupplierIdentity) -> dict[str, Any]:
    """The dict of EN 16931 terms ``factur-x``'s ``generate_cii_xml`` turns into the XML."""
    is_credit_note = invoice.invoice_type == "AVOIR"
    already_paid = invoice.billing_framework == "A2"
    terms: dict[str, Any] = {
        "BT-24": EN16931_GUIDELINE,
        "BT-23": invoice.billing_framework,
        "BT-1": invoice.invoice_number,
        "BT-3": INVOICE_TYPE_CODES[invoice.invoice_type],
        "BT-2": invoice.issue_date,
        "BT-5": invoice.currency,
        "BG-1": _notes(invoice, supplier),
        "BG-4": _seller(supplier),
        "BG-7": _buyer(invoice),
        "BG-23": _vat_breakdown(invoice),
        "BG-25": [_line(line, invoice) for line in invoice.lines],
        "BT-106": _money(invoice.total_ht),
        "BT-109": _money(invoice.total_ht),
        "BT-110": _money(invoice.total_vat),
        "BT-112": _money(invoice.total_ttc),
        "BT-113": _money(invoice.total_ttc if already_paid else Decimal(0)),
        "BT-115": _money(Decimal(0) if already_paid else invoice.total_ttc),
    }
    optional: dict[str, Any] = {
        "BT-10": invoice.service_code,
        "BT-13": invoice.engagement_number,
        "BT-12": invoice.market_number,
        # No delivery date: the invoice date stands for it, as the PDF says (DELIVERY_DATE_MISSING);
        # it also keeps the mandatory ApplicableHeaderTradeDelivery from being empty (docs/facturx.md).
        "BT-72": invoice.delivery_date or invoice.issue_date,
        "BT-9": None if is_credit_note else invoice.due_date,
        "BT-8": VAT_DEBITS_CODE if supplier.vat_regime == "debits" and invoice.total_vat else None,
    }
    terms.update({term: value for term, value in optional.items() if value})
    terms.update(_vat_in_euros(invoice))
    if invoice.delivery_address:
        terms["BG-13"] = {"name": invoice.buyer_name or invoice.delivery_address.splitlines()[0]}
        terms["BG-13"].update(postal_address(invoice.delivery_address))
    if invoice.original_invoice_number:
        terms["BG-3"] = [{"BT-25": invoice.original_invoice_number}]
    # BT-81 on every document, credit notes included: Chorus Pro rejects a flux without it
    # (docs/facturx.md#payment-means-bt-81). BR-61 / CII-SR-470: a transfer names the IBAN.
    iban = invoice.supplier_iban or supplier.iban
    terms["BT-81"] = payment_means_code(invoice, iban)
    if terms["BT-81"] == PAYMENT_MEANS_CODES["VIREMENT"] and iban:
        terms["BT-84"] = "".join(iban.split())
        if supplier.bic:
            terms["BT-86"] = supplier.bic
    return terms


def payment_means_code(invoice: Invoice, iban: str | None) -> str:
    """BT-81 of ``invoice``: its payment means (a transfer by default, as deposited through the API).

    A credit note is settled on the supplier's account when it has one (a SEPA transfer, ``58``, with
    that IBAN, as the invoice it corrects), else by clearing between the parties (``97``): the buyer
    sets the amount against what it owes. A payment means given on a credit note is ignored
    (CREDIT_NOTE_PAYMENT_MEANS), as in the API's deposit.
    """
    if invoice.invoice_type == "AVOIR":
        return PAYMENT_MEANS_CODES["VIREMENT"] if iban else CREDIT_NOTE_CLEARING_CODE
    return PAYMENT_MEANS_CODES[invoice.payment_means or "VIREMENT"]


def _vat_in_euros(invoice: Invoice) -> dict[str, str]:
    """BT-6 ``EUR`` and BT-111, the VAT in euros, for an invoice in another currency (CGI art. 289
    IV; French rule BR-FR-CO-12): the export's ``total_vat_eur``, 0 when no VAT is charged. Nothing
    when that text is not a number: the check then reports BR-FR-CO-12 rather than a guessed amount."""
    if invoice.currency == "EUR":
        return {}
    vat_eur = parse_number(invoice.total_vat_eur or "") if invoice.total_vat else Decimal(0)
    return {} if vat_eur is None else {"BT-6": "EUR", "BT-111": _money(vat_eur)}


def _money(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.01")), "f")


def _plain(value: Decimal) -> str:
    """A quantity, price or rate without needless zeros: ``20``, ``6.5``, ``0.1845``."""
    return format(plain_rate(value), "f")


def postal_address(text: str | None) -> dict[str, str]:
    """A free-text French address as the library's address fields (country ``FR`` when unsaid).

    The line ``69003 Lyon`` gives postcode and city; a last line ``France`` the country; the other
    lines are the street lines (at most three, the rest joined to the third).
    """
    address: dict[str, str] = {"country_code": "FR"}
    if not text:
        return address
    parts = [part.strip() for part in re.split(r"[\n,]", text) if part.strip()]
    if parts and parts[-1].casefold() in _COUNTRY_LINES:
        address["country_code"] = _COUNTRY_LINES[parts.pop().casefold()]
    street: list[str] = []
    for part in parts:
        match = _POSTCODE_CITY.match(part)
        if match and "postcode" not in address:
            address["postcode"], address["city"] = match["postcode"], match["city"]
        else:
            street.append(part)
    if len(street) > 3:
        street = street[:2] + [", ".join(street[2:])]
    for key, line in zip(("addr_l1", "addr_l2", "addr_l3"), street, strict=False):
        address[key] = line
    return address


def _seller(supplier: SupplierIdentity) -> dict[str, Any]:
    legal_info = " — ".join(
        part
        for part in (
            " ".join(part for part in (supplier.legal_form, supplier.share_capital) if part),
            supplier.registration,
        )
        if part
    )
    seller: dict[str, Any] = {
        "name": supplier.name,
        "identifiers": {SIRET_SCHEME: supplier.siret},
        "legal_identifier": supplier.siren,
        "legal_identifier_schemeid": SIREN_SCHEME,
        "einvoicing_addr": supplier.siret,
        "einvoicing_addr_schemeid": SIRET_SCHEME,
    }
    if supplier.vat_number:
        seller["vat_identifier"] = "".join(supplier.vat_number.split())
    if legal_info:
        seller["legal_info"] = legal_info
    seller.update(postal_address(supplier.address))
    return seller


def _buyer(invoice: Invoice) -> dict[str, Any]:
    buyer: dict[str, Any] = {
        "name": invoice.buyer_name or invoice.buyer_siret,
        "identifiers": {SIRET_SCHEME: invoice.buyer_siret},
        "legal_identifier": invoice.buyer_siret[:9],
        "legal_identifier_schemeid": SIREN_SCHEME,
        "einvoicing_addr": invoice.buyer_siret,
        "einvoicing_addr_schemeid": SIRET_SCHEME,
    }
    buyer.update(postal_address(invoice.buyer_address))
    return buyer


def _notes(invoice: Invoice, supplier: SupplierIdentity) -> list[dict[str, str]]:
    """The legal mentions of the PDF as subject-coded notes (BG-1), French like the PDF."""
    penalty = supplier.late_penalty_rate or labels.legal("default_penalty_rate", "fr")
    notes = [
        {"BT-21": "PMT", "BT-22": labels.legal("recovery_indemnity", "fr")},
        {
            "BT-21": "PMD",
            "BT-22": f"{labels.legal('late_penalty', 'fr')} : {penalty} ({labels.PENALTY_ARTICLE})",
        },
        {
            "BT-21": "AAB",
            "BT-22": f"{labels.legal('early_payment', 'fr')} : {supplier.early_payment_discount}"
            if supplier.early_payment_discount
            else labels.legal("no_early_payment_discount", "fr"),
        },
    ]
    if supplier.vat_regime == "debits" and invoice.total_vat:
        notes.append({"BT-21": "TXD", "BT-22": labels.legal("debits_option", "fr")})
    if invoice.operation_nature:
        nature = labels.legal(f"operation_nature.{invoice.operation_nature}", "fr")
        notes.append(
            {"BT-21": "AAI", "BT-22": f"{labels.label('operation_nature', 'fr')}{labels.colon('fr')}{nature}"}
        )
    if invoice.comment:
        notes.append({"BT-21": "AAI", "BT-22": invoice.comment})
    return notes


def vat_category(rate: Decimal, exemption_reason: str | None) -> tuple[str, str | None]:
    """The VAT category (BT-118/BT-151) of a rate and, at 0 %, the exemption code (BT-121)."""
    if rate:
        return "S", None
    reason = (exemption_reason or "").casefold()
    if "autoliquidation" in reason:
        return "AE", REVERSE_CHARGE
    if "293 b" in reason:
        return "E", FRANCHISE
    return "E", None


def _vat_breakdown(invoice: Invoice) -> list[dict[str, str]]:
    breakdown = []
    for item in invoice.vat_breakdown:
        category, exemption_code = vat_category(item.rate, invoice.vat_exemption_reason)
        entry = {
            "BT-116": _money(item.base),
            "BT-117": _money(item.vat),
            "BT-118": category,
            "BT-119": _plain(item.rate),
        }
        if category != "S":
            entry["BT-120"] = invoice.vat_exemption_reason or ""
            if exemption_code:
                entry["BT-121"] = exemption_code
        breakdown.append(entry)
    return breakdown


def unit_code(unit: str | None) -> str | None:
    """The UN/ECE Rec. 20 code of an export's unit, or ``None`` when it has none."""
    return UNIT_CODES.get((unit or "").strip().casefold().rstrip("."))


def _line(line: InvoiceLine, invoice: Invoice) -> dict[str, Any]:
    category, _ = vat_category(line.vat_rate, invoice.vat_exemption_reason)
    code = unit_code(line.unit)
    entry: dict[str, Any] = {
        "BT-126": str(line.number),
        "BT-153": line.description,
        "BT-129": _plain(line.quantity),
        "BT-130": code or "C62",
        "BT-146": _plain(line.unit_price),
        "BT-151": category,
        "BT-152": _plain(line.vat_rate),
        "BT-131": _money(line.net_amount),
    }
    if code is None:
        entry["BT-127-00"] = [{"BT-127": f"Unité : {line.unit}"}]
    if line.discount:
        entry["BG-27"] = [{"amount": _money(line.discount), "reason": "Remise"}]
    return entry
