"""The PDF that goes with an invoice: the one the ERP exported, else the one chorusflow renders.

The deposit sends it, the desk shows it; it is named as the deposit names it.
"""

from __future__ import annotations

import re
from pathlib import Path

from chorusflow.invoice import Invoice
from chorusflow.storage import NotStored, StoredPath, read_attachment

ATTACHMENT_NAME_LIMIT = 50  # Chorus Pro refuses longer attachment names (the strictest platform)
_UNSAFE_IN_NAME = re.compile(r"[^A-Za-z0-9_.-]")


def attachment_name(invoice: Invoice) -> str:
    """The main attachment's name: the ERP file's, else ``<number>.pdf``; safe and ≤ 50 characters."""
    if invoice.attachment_stored:
        name = invoice.attachment_stored.rpartition("/")[2]
    else:
        name = invoice.attachment.name if invoice.attachment else f"{invoice.invoice_number}.pdf"
    stem, dot, extension = name.rpartition(".")
    safe = _UNSAFE_IN_NAME.sub("-", stem or name) + (dot + extension if stem else "")
    return safe[-ATTACHMENT_NAME_LIMIT:]


def has_erp_pdf(invoice: Invoice) -> bool:
    """Whether the export named a PDF for ``invoice`` (kept in shared storage, or a local file)."""
    return bool(invoice.attachment_stored) or invoice.attachment is not None


def erp_pdf(invoice: Invoice, documents: StoredPath | None = None) -> bytes | None:
    """The PDF the export named: read from shared storage (``documents``, the reports root) when
    validation kept it there, else from the local file; ``None`` when the export named none.

    Raises ``FileNotFoundError`` (an ``OSError``: the submission fails the invoice with the reason)
    when the PDF is not where the ledger says."""
    if invoice.attachment_stored:
        if documents is None:
            raise FileNotFoundError(
                f"attachment kept in shared storage, no storage given: {invoice.attachment_stored}"
            )
        try:
            return read_attachment(documents, invoice.attachment_stored)
        except NotStored as missing:
            raise FileNotFoundError(
                f"attachment not in shared storage: {invoice.attachment_stored}"
            ) from missing
    if invoice.attachment is not None:
        return Path(invoice.attachment).read_bytes()
    return None


def invoice_pdf(invoice: Invoice, documents: StoredPath | None = None) -> bytes:
    """The ERP's PDF when the export names one (:func:`erp_pdf`), else the PDF chorusflow renders
    (deterministic)."""
    erp = erp_pdf(invoice, documents)
    if erp is not None:
        return erp
    from chorusflow.documents.pdf import render_invoice_pdf  # reportlab only where a PDF is made

    return render_invoice_pdf(invoice, lang=invoice_language(invoice))


def invoice_language(invoice: Invoice) -> str:
    """The language of a rendered invoice: the supplier's ``lang``; without one, French for a French
    supplier (an invoice issued in France is in French) and ``CHORUSFLOW_LANG`` for a foreign one. The
    English render keeps the French legal mentions, glossed."""
    supplier = invoice.supplier
    if supplier.lang is not None:
        return supplier.lang
    return "fr" if supplier.french else supplier.language
