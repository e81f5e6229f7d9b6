"""``build_facturx``: the CII embedded in a PDF/A-3 as ``factur-x.xml``, a Factur-X file.

The visible invoice is the ERP's PDF when it is already PDF/A (its XMP says ``pdfaid:part``), else
chorusflow's own render drawn with embedded TrueType fonts (``documents.pdf``, Bitstream Vera).
The ``factur-x`` library embeds the XML, declares it in the catalogue's ``/AF`` with
``AFRelationship /Alternative`` and writes the XMP (``pdfaid:part 3``, conformance ``B``, the
Factur-X extension schema and level); pikepdf then adds the sRGB OutputIntent, whose ICC profile is
LittleCMS's built-in sRGB (through Pillow). The library only adds; it does not convert a PDF to
PDF/A: that is why the visible invoice must already embed its fonts.
"""

from __future__ import annotations

import io
from functools import cache
from typing import Any

import pikepdf
from facturx import generate_from_binary
from PIL import ImageCms

from chorusflow.documents.pdf import render_invoice_pdf
from chorusflow.facturx.cii import build_cii
from chorusflow.invoice import Invoice
from chorusflow.suppliers import SupplierIdentity

XML_FILENAME = "factur-x.xml"
AF_RELATIONSHIP = "alternative"  # EN 16931 and above: the XML is an alternative to the PDF
OUTPUT_CONDITION = "sRGB IEC61966-2.1"


def build_facturx(invoice: Invoice, supplier: SupplierIdentity, pdf: bytes | None = None) -> bytes:
    """The Factur-X PDF/A-3 of ``invoice``: ``pdf`` when it is PDF/A, else chorusflow's render."""

    visible = pdf if pdf is not None and is_pdfa(pdf) else render_visible_invoice(invoice)
    xml = build_cii(invoice, supplier)
    metadata = {
        "author": supplier.name,
        "keywords": "Factur-X, Invoice",
        "title": f"{supplier.name}: {invoice.invoice_type.capitalize()} {invoice.invoice_number}",
        "subject": f"Factur-X {invoice.invoice_number}",
    }
    combined: bytes = generate_from_binary(
        visible,
        xml,
        flavor="factur-x",
        level="en16931",
        check_xsd=False,  # check_facturx checks, and reports findings rather than raising
        pdf_metadata=metadata,
        lang="fr-FR",
        afrelationship=AF_RELATIONSHIP,
    )
    return with_output_intent(combined)


def render_visible_invoice(invoice: Invoice) -> bytes:
    """chorusflow's invoice PDF drawn with embedded fonts, in French (an invoice issued in France)."""

    return render_invoice_pdf(invoice, lang="fr", embed_fonts=True)


def is_pdfa(pdf: bytes) -> bool:
    """Whether ``pdf``'s XMP declares a PDF/A part (it is not proof: ``check_facturx`` checks more)."""

    try:
        with pikepdf.open(io.BytesIO(pdf)) as document:
            return bool(document.open_metadata().get("pdfaid:part"))
    except pikepdf.PdfError:
        return False


@cache
def srgb_profile() -> bytes:
    """An sRGB ICC profile (LittleCMS's built-in one, through Pillow): the OutputIntent's."""

    profile: bytes = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return profile


def with_output_intent(pdf: bytes) -> bytes:
    """``pdf`` with a PDF/A sRGB OutputIntent (kept as is when it has one already), and without the
    fonts its pages declare but never use (reportlab declares a standard Helvetica in every PDF)."""

    with pikepdf.open(io.BytesIO(pdf)) as document:
        _drop_unused_fonts(document)
        if "/OutputIntents" not in document.Root:
            profile = document.make_stream(srgb_profile())
            profile.N = 3
            intent = pikepdf.Dictionary(
                Type=pikepdf.Name.OutputIntent,
                S=pikepdf.Name.GTS_PDFA1,
                OutputConditionIdentifier=OUTPUT_CONDITION,
                Info=OUTPUT_CONDITION,
                RegistryName="http://www.color.org",
                DestOutputProfile=profile,
            )
            document.Root.OutputIntents = pikepdf.Array([document.make_indirect(intent)])
        output = io.BytesIO()
        document.save(output, deterministic_id=True)
    return output.getvalue()


def _drop_unused_fonts(document: Any) -> None:
    """Remove from each page's resources the fonts no text operator (``Tf``) of the page selects."""

    for page in document.pages:
        fonts = page.obj.get("/Resources", {}).get("/Font")
        if not fonts:
            continue
        used = {str(instruction.operands[0]) for instruction in pikepdf.parse_content_stream(page, "Tf")}
        if any(key not in used for key in fonts.keys()):
            page.obj.Resources.Font = pikepdf.Dictionary(
                {key: fonts[key] for key in fonts.keys() if key in used}
            )
