"""``facturx``: checked Factur-X files, several invoices per ``deposer/flux`` call."""

from __future__ import annotations

from collections.abc import Iterable

from chorusflow.crashpoints import crashpoint
from chorusflow.invoice import Invoice
from chorusflow.platforms.chorus_pro.channels.base import Expected, Reconciliation, erp_pdf, judge_by_number
from chorusflow.platforms.chorus_pro.client import ChorusProClient
from chorusflow.platforms.chorus_pro.flux import FACTURX_SYNTAX, FluxFile
from chorusflow.platforms.chorus_pro.models import DepositFluxResponse
from chorusflow.rules.checks.crossborder import facturx_supplier_findings
from chorusflow.rules.codes import Finding
from chorusflow.storage import StoredPath
from chorusflow.suppliers import DepositChannel as ChannelName
from chorusflow.suppliers import SupplierIdentity


class FacturxChannel:
    """Factur-X through ``deposer/flux`` (``IN_DP_E2_CII_FACTURX``), several invoices per call.

    The file is built and checked by :mod:`chorusflow.facturx`; a file that fails its checks is
    never sent. The submitter packs the files (:func:`chorusflow.platforms.chorus_pro.flux.pack`) and calls
    :meth:`deposit_flux` once per flux.
    """

    name: ChannelName = "facturx"

    def __init__(
        self, client: ChorusProClient, supplier: SupplierIdentity | None, documents: StoredPath | None = None
    ) -> None:
        self.client = client
        self.supplier = supplier
        self.documents = documents  # the shared storage the export's attachments were kept in

    def reconcile(self, invoice: Invoice, known_ids: set[int]) -> Reconciliation:
        """By number within the invoice's year, as for ``pdf``: a flux keeps the supplier's number.

        The row found carries its ``numeroFluxDepot``. Not finding it only means "not integrated
        yet" until the grace period has passed; the submitter decides when to conclude.
        """
        rows = self.client.find_invoices_by_number(invoice.invoice_number, year=invoice.issue_date.year)
        return judge_by_number(rows, Expected.of(invoice), known_ids)

    def build(self, invoice: Invoice) -> tuple[FluxFile, list[Finding]]:
        """The invoice's Factur-X and the findings of its conformance checks (empty: it may go)."""
        built, refused = self.build_unchecked(invoice)
        return built, refused or self.check([built.content])[0]

    def build_unchecked(self, invoice: Invoice) -> tuple[FluxFile, list[Finding]]:
        """The invoice's Factur-X, to be :meth:`check`-ed, or the findings that refuse to build it.

        The visible invoice is the ERP's PDF when the export names one that says it is PDF/A, else
        chorusflow's render (:func:`chorusflow.facturx.build_facturx` decides).
        """
        from chorusflow.facturx import build_facturx  # lxml/pikepdf only where used

        if self.supplier is None:
            raise ValueError("the facturx channel needs the supplier's identity to build a Factur-X")
        refused = facturx_supplier_findings(self.supplier, self.supplier.language)
        if refused:  # a buyer profile changed since validation: the file is never built nor sent
            return FluxFile(invoice.invoice_number, b""), refused
        return FluxFile(
            invoice.invoice_number, build_facturx(invoice, self.supplier, erp_pdf(invoice, self.documents))
        ), []

    @staticmethod
    def check(contents: Iterable[bytes]) -> list[list[Finding]]:
        """The error findings of each file's conformance checks (empty: it may go), each file checked
        as it comes by a pool of validator processes (:func:`chorusflow.facturx.check_facturx_many`)."""
        from chorusflow.facturx import check_facturx_many

        return [
            [item for item in found if item.severity == "error"] for found in check_facturx_many(contents)
        ]

    def deposit_flux(self, file_name: str, content: bytes) -> DepositFluxResponse:
        """One ``deposer/flux`` call; the crash point ``submission.before_call`` precedes it."""
        crashpoint("submission.before_call")
        return self.client.deposit_flux(file_name, content, FACTURX_SYNTAX)
