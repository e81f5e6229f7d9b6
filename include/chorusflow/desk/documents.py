"""The PDF an invoice was deposited with, when the desk can read it.

The ``pdf`` channel deposits either the ERP's own PDF (a file the export names, read on the worker) or
one chorusflow renders from the validated invoice. The ledger keeps that validated invoice and never
changes it once deposited, and the rendering is deterministic, so a rendered PDF is rebuilt here by
the channel's own function. An ERP PDF the submission DAG validated was kept in shared storage (the
invoice's ``attachment_stored``) and is read from there; one named as a local file (older records)
is only readable where the worker read it, elsewhere the desk says so.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from pydantic import ValidationError

from chorusflow.ledger import InvoiceDetail, InvoiceState
from chorusflow.storage import StoredPath

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
    rendered: bool = False


def deposited_pdf(
    detail: InvoiceDetail, *, read: bool = True, documents: StoredPath | None = None
) -> DepositedPdf:
    """The deposited PDF of ``detail``; with ``read=False`` only whether it can be offered (no bytes).

    ``documents`` is the shared storage (the reports root) an export's attachment was kept in."""
    from chorusflow.channels import attachment_name, has_erp_pdf, invoice_pdf
    from chorusflow.model import Invoice

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
    attachment = invoice.attachment
    if attachment is not None and not attachment.is_file():
        return DepositedPdf(name, reason="pdf_on_worker", values={"name": attachment.name})
    rendered = not has_erp_pdf(invoice)
    if not read:
        return DepositedPdf(name, rendered=rendered)
    try:
        return DepositedPdf(name, content=invoice_pdf(invoice, documents), rendered=rendered)
    except OSError:
        return DepositedPdf(
            name, reason="pdf_on_worker", values={"name": attachment.name if attachment else name}
        )
