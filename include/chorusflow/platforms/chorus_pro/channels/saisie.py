"""``saisie``: ``SAISIE_API``, Chorus Pro issues the invoice under a number of its own."""

from __future__ import annotations

from datetime import date

from chorusflow.crashpoints import crashpoint
from chorusflow.invoice import Invoice
from chorusflow.platforms.chorus_pro.channels.base import (
    Reconciliation,
    SupplierAccount,
    build_submit_request,
)
from chorusflow.platforms.chorus_pro.client import ChorusProClient
from chorusflow.platforms.chorus_pro.models import (
    SubmitInvoiceResponse,
    SupplierInvoiceRow,
    SupplierInvoiceSearch,
    platform_today,
)
from chorusflow.suppliers import DepositChannel as ChannelName


class SaisieChannel:
    """``SAISIE_API``: Chorus Pro issues the invoice under its own number and date."""

    name: ChannelName = "saisie"

    def __init__(self, client: ChorusProClient, today: date | None = None) -> None:
        self.client = client
        self.today = today

    def reconcile(self, invoice: Invoice, known_ids: set[int]) -> Reconciliation:
        """Search by deposit period, amount and engagement; adopt only a unique unknown match."""
        criteria = SupplierInvoiceSearch(
            mode_depot="SAISIE_API",
            deposited_from=invoice.issue_date,  # never deposited before it was issued
            deposited_to=self.today or platform_today(),  # Chorus Pro dates deposits in Paris time
            ttc_min=invoice.total_ttc,
            ttc_max=invoice.total_ttc,
            numero_bon_commande=invoice.engagement_number or None,
        )
        candidates = [
            row
            for row in self.client.search_supplier_invoices(criteria)
            if _same_invoice(row, invoice) and row.identifiant_facture_cpp not in known_ids
        ]
        if len(candidates) == 1:
            return Reconciliation(found=candidates[0], candidates=candidates)
        return Reconciliation(ambiguous=_ambiguity(candidates), candidates=candidates)

    def deposit(self, invoice: Invoice, account: SupplierAccount) -> SubmitInvoiceResponse:
        """One ``soumettre`` in ``SAISIE_API``; the answer carries Chorus Pro's own number."""
        request = build_submit_request(invoice, account)
        crashpoint("submission.before_call")
        return self.client.submit_invoice(request)


def _same_invoice(row: SupplierInvoiceRow, invoice: Invoice) -> bool:
    """Whether a search row could be ``invoice``: same buyer, type, amount and engagement."""
    return (
        row.code_destinataire in (None, invoice.buyer_siret)
        and row.type_facture in (None, invoice.invoice_type)
        and (row.montant_ttc is None or row.montant_ttc == invoice.total_ttc)
        and (row.numero_bon_commande or None) == (invoice.engagement_number or None)
    )


def _ambiguity(candidates: list[SupplierInvoiceRow]) -> str:
    if not candidates:
        return (
            "SAISIE_API deposit with an unknown outcome, and Chorus Pro's search finds no invoice of this "
            "buyer, amount and engagement: check on the portal whether it was deposited"
        )
    listed = ", ".join(f"{row.numero_facture} (id {row.identifiant_facture_cpp})" for row in candidates[:10])
    return (
        f"SAISIE_API deposit with an unknown outcome, and Chorus Pro holds {len(candidates)} invoices of "
        f"this buyer, amount and engagement that the ledger does not know: {listed}"
    )
