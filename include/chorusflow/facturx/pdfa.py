"""``build_facturx``: the CII embedded in a PDF/A-3 as ``factur-x.xml`` (first version)."""

from __future__ import annotations

from chorusflow.config import SupplierIdentity
from chorusflow.facturx.cii import build_cii
from chorusflow.model import Invoice


def build_facturx(invoice: Invoice, supplier: SupplierIdentity, pdf: bytes | None = None) -> bytes:
    """The Factur-X PDF of ``invoice``: ``pdf`` when given, else the PDF chorusflow renders."""
    from facturx import generate_from_binary

    from chorusflow.documents.pdf import render_invoice_pdf

    visible = pdf if pdf is not None else render_invoice_pdf(invoice, lang="fr")
    xml = build_cii(invoice, supplier)
    result: bytes = generate_from_binary(
        visible, xml, flavor="factur-x", level="en16931", check_xsd=False, afrelationship="alternative"
    )
    return result
