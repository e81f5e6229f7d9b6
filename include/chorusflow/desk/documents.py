"""The PDF an invoice was deposited with, when the desk can read it.

The submission keeps each PDF it deposits in shared storage (``invoices/<supplier key>/<number>.pdf``,
:mod:`chorusflow.storage`): that copy, the very bytes Chorus Pro received, is what the desk shows
first. Without it (an invoice deposited before the copy was kept, or from the command line), the PDF
is rebuilt: the ``pdf`` channel deposits either the ERP's own PDF or one chorusflow renders from the
validated invoice, which the ledger never changes once deposited, and the rendering is deterministic,
so a rendered PDF is rebuilt by the channel's own function. An ERP PDF the submission DAG validated
was kept in shared storage (the invoice's ``attachment_stored``) and is read from there; one named as
a local file (older records) is only readable where the worker read it, elsewhere the desk says so.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from pydantic import ValidationError

from chorusflow.documents.invoice_pdf import attachment_name, has_erp_pdf, invoice_pdf
from chorusflow.invoice import Invoice
from chorusflow.ledger import InvoiceDetail, InvoiceState
from chorusflow.storage import StoredPath, invoice_pdf_path

log = logging.getLogger(__name__)

#: Ledger states of an invoice that reached Chorus Pro.
DEPOSITED: frozenset[InvoiceState] = frozenset(
    {InvoiceState.SUBMITTED, InvoiceState.BLOCKED, InvoiceState.PAID, InvoiceState.CLOSED}
)


@dataclass(frozen=True)
class DepositedPdf:
    """The PDF (``content``), or why there is none (``reason``: a key of the desk's texts)."""

    filename: str
    content: bytes | None = None
    reason: str | None = None
    values: dict[str, str] = field(default_factory=dict)
    #: Rebuilt now by the renderer (no kept copy, no ERP PDF): the page says so.
    rendered: bool = False
    #: The copy kept at the deposit, the very bytes Chorus Pro received.
    kept: bool = False


def deposited_pdf(
    detail: InvoiceDetail, *, read: bool = True, documents: StoredPath | None = None
) -> DepositedPdf:
    """The deposited PDF of ``detail``; with ``read=False`` only whether it can be offered (no bytes).

    ``documents`` is the shared storage (the reports root) an export's attachment was kept in."""
    fallback = f"{detail.invoice_number}.pdf"
    if (detail.deposit_channel or "pdf") != "pdf":
        return DepositedPdf(fallback, reason="pdf_other_channel")
    if InvoiceState(detail.state) not in DEPOSITED or detail.normalized is None:
        return DepositedPdf(fallback, reason="pdf_not_deposited")
    try:
        invoice = Invoice.model_validate(detail.normalized)
    except ValidationError:
        log.warning("Invoice %s: the ledger's document no longer reads as an invoice", detail.invoice_number)
        return DepositedPdf(fallback, reason="pdf_unreadable")
    name = attachment_name(invoice)
    rendered = not has_erp_pdf(invoice)
    kept = _kept_copy(documents, detail) if documents is not None else None
    if kept is not None:
        return DepositedPdf(name, content=kept.read_bytes() if read else None, kept=True)
    attachment = invoice.attachment
    if attachment is not None and not attachment.is_file():
        return DepositedPdf(name, reason="pdf_on_worker", values={"name": attachment.name})
    if not read:
        return DepositedPdf(name, rendered=rendered)
    try:
        return DepositedPdf(name, content=invoice_pdf(invoice, documents), rendered=rendered)
    except OSError:
        return DepositedPdf(
            name, reason="pdf_on_worker", values={"name": attachment.name if attachment else name}
        )


def _kept_copy(documents: StoredPath, detail: InvoiceDetail) -> StoredPath | None:
    """The copy of the deposited PDF the submission kept in shared storage, when there is one."""
    path = invoice_pdf_path(documents, detail.supplier_siret, detail.invoice_number)
    try:
        return path if path.exists() else None
    except OSError:  # storage unreachable: fall back to rebuilding the PDF
        log.warning("Invoice %s: the shared storage of deposited PDFs cannot be read", detail.invoice_number)
        return None
