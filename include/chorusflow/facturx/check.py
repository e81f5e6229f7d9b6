"""``check_facturx``: the conformance findings of one Factur-X PDF or CII XML (first version: XSD)."""

from __future__ import annotations

from chorusflow.rules.codes import Finding


def check_facturx(data: bytes) -> list[Finding]:
    """The findings of ``data`` (a Factur-X PDF or a CII XML); empty when it is conformant."""
    from facturx import get_xml_from_pdf, xml_check_xsd

    xml = get_xml_from_pdf(data, check_xsd=False)[1] if data.startswith(b"%PDF") else data
    xml_check_xsd(xml, flavor="factur-x", level="en16931")
    return []
