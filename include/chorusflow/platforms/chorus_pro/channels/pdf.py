"""``pdf``: ``DEPOT_PDF_API``, the invoice PDF uploaded, then deposited under the supplier's number."""

from __future__ import annotations

from chorusflow.crashpoints import crashpoint
from chorusflow.documents.invoice_pdf import attachment_name, invoice_pdf
from chorusflow.invoice import Invoice
from chorusflow.platforms.chorus_pro.accounts import SupplierAccounts
from chorusflow.platforms.chorus_pro.channels.base import (
    Expected,
    PdfKeeper,
    build_submit_request,
    deposited,
    judge_by_number,
)
from chorusflow.platforms.interface import Held, Reconciliation
from chorusflow.storage import StoredPath
from chorusflow.suppliers import ChannelName


class PdfChannel:
    """``DEPOT_PDF_API``: upload the invoice PDF, then deposit it under the supplier's number."""

    name: ChannelName = "pdf"

    def __init__(
        self,
        accounts: SupplierAccounts,
        keep_pdf: PdfKeeper | None = None,
        documents: StoredPath | None = None,
    ) -> None:
        self.accounts = accounts  # the supplier's structure and bank accounts, read once
        self.client = accounts.client
        self.keep_pdf = keep_pdf  # where the deposited PDF is kept for people (shared storage)
        self.documents = documents  # the shared storage the export's attachments were kept in

    def reconcile(self, invoice: Invoice, known_ids: set[int]) -> Reconciliation:
        """Numbers are unique per supplier and year: a lookup by number, checked against the invoice."""
        rows = self.client.find_invoices_by_number(invoice.invoice_number, year=invoice.issue_date.year)
        return judge_by_number(rows, Expected.of(invoice), known_ids)

    def deposit(self, invoice: Invoice) -> Held:
        """Upload the PDF (an orphan upload is harmless: it is not an invoice), then ``soumettre``."""
        pdf = invoice_pdf(invoice, self.documents)
        if self.keep_pdf is not None:
            self.keep_pdf(invoice, pdf)
        attachment_id = self.client.upload_attachment(attachment_name(invoice), pdf)
        request = build_submit_request(
            invoice, self.accounts.account_for(invoice), attachment_id=attachment_id
        )
        crashpoint("submission.before_call")
        return deposited(self.client.submit_invoice(request))
