"""What the sandbox looks at in a main attachment: encryption and an embedded Factur-X invoice.

Chorus Pro refuses, as the main attachment of a ``soumettre``, a password-protected PDF and (since
August 2026) a Factur-X PDF, which must go through the flux channel instead (Loxya issue #427,
Dolibarr community-modules issue #562). Only these two properties are inspected; anything pypdf
cannot read is left to the platform's other checks, which the sandbox does not emulate.
"""

from __future__ import annotations

import io
import logging
from typing import Any, Literal

from pypdf import PdfReader

logger = logging.getLogger("chorusflow_dev.sandbox")

PdfRefusal = Literal["encrypted", "facturx"]
# File names the Factur-X / ZUGFeRD / XRechnung profiles give to the embedded CII XML.
INVOICE_XML_NAMES = frozenset({"factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml"})
# XMP namespaces of the Factur-X and ZUGFeRD extension schemas (lower case).
INVOICE_XMP_MARKERS = (b"urn:factur-x:", b"urn:zugferd:", b"urn:ferd:")
PDF_HEADER_WINDOW = 1024  # readers accept junk before "%PDF-" within the first kilobyte


def pdf_refusal(content: bytes) -> PdfRefusal | None:
    """``"encrypted"``, ``"facturx"``, or None for a plain PDF or a file that is not a readable PDF."""
    if b"%PDF-" not in content[:PDF_HEADER_WINDOW]:
        return None
    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted:  # checked first: an encrypted file's catalog cannot be read
            return "encrypted"
        return "facturx" if _embeds_invoice_xml(reader) else None
    except Exception as error:  # a broken PDF is not what this check is about
        logger.info("main attachment not inspected (unreadable PDF: %s)", type(error).__name__)
        return None


def _embeds_invoice_xml(reader: PdfReader) -> bool:
    """An embedded factur-x.xml (or sibling name), an /AF array in the catalog, or Factur-X XMP metadata."""
    if {name.casefold() for name in reader.attachments} & INVOICE_XML_NAMES:
        return True
    catalog: Any = reader.root_object
    if "/AF" in catalog:
        return True
    metadata = catalog.get("/Metadata")
    if metadata is None:
        return False
    xmp: bytes = metadata.get_object().get_data().lower()
    return any(marker in xmp for marker in INVOICE_XMP_MARKERS)
