"""``facturx``: checked Factur-X files, several invoices per ``deposer/flux`` call."""

from __future__ import annotations

from collections.abc import Iterable

from chorusflow.crashpoints import crashpoint
from chorusflow.documents.invoice_pdf import erp_pdf
from chorusflow.facturx import build_facturx, check_facturx_many
from chorusflow.invoice import Invoice
from chorusflow.ledger import utc_now
from chorusflow.platforms.chorus_pro.channels.base import Expected, judge_by_number
from chorusflow.platforms.chorus_pro.client import ChorusProClient
from chorusflow.platforms.chorus_pro.flux import (
    FACTURX_SYNTAX,
    FluxFile,
    FluxStage,
    flux_file,
    next_poll_at,
    pack,
)
from chorusflow.platforms.interface import BatchDeposited, BatchFile, Reconciliation
from chorusflow.rules.checks.crossborder import facturx_supplier_findings
from chorusflow.rules.codes import Finding
from chorusflow.settings import settings
from chorusflow.storage import StoredPath
from chorusflow.suppliers import ChannelName, SupplierIdentity


class FacturxChannel:
    """Factur-X through ``deposer/flux`` (``IN_DP_E2_CII_FACTURX``), several invoices per call.

    The file is built and checked by :mod:`chorusflow.facturx`; a file that fails its checks is
    never sent. The submitter asks for the :meth:`batches` and calls :meth:`deposit_batch` once per
    flux.
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

    def build(self, invoice: Invoice) -> tuple[BatchFile, list[Finding]]:
        """The invoice's Factur-X and the findings of its conformance checks (empty: it may go)."""
        built, refused = self.build_unchecked(invoice)
        return built, refused or self.check([built.content])[0]

    def build_unchecked(self, invoice: Invoice) -> tuple[BatchFile, list[Finding]]:
        """The invoice's Factur-X, to be :meth:`check`-ed, or the findings that refuse to build it.

        The visible invoice is the ERP's PDF when the export names one that says it is PDF/A, else
        chorusflow's render (:func:`chorusflow.facturx.build_facturx` decides).
        """

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

        return [
            [item for item in found if item.severity == "error"] for found in check_facturx_many(contents)
        ]

    @staticmethod
    def batches(files: list[BatchFile]) -> list[list[BatchFile]]:
        """The files packed into flux under the size and count limits (:func:`.flux.pack`)."""
        config = settings()
        return pack(files, max_invoices=config.flux_max_invoices, max_bytes=config.flux_max_bytes)

    def deposit_batch(self, files: list[BatchFile]) -> BatchDeposited:
        """One ``deposer/flux`` call; the crash point ``submission.before_call`` precedes it."""
        file_name, content = flux_file([FluxFile(item.invoice_number, item.content) for item in files])
        crashpoint("submission.before_call")
        answer = self.client.deposit_flux(file_name, content, FACTURX_SYNTAX)
        config = settings()
        first_poll = next_poll_at(
            utc_now(),
            0,
            base_seconds=config.flux_poll_base_seconds,
            max_seconds=config.flux_poll_max_seconds,
            stage=FluxStage.PENDING,
        )
        return BatchDeposited(answer.numero_flux_depot, file_name, FACTURX_SYNTAX, first_poll, len(content))
