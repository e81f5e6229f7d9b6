"""``saisie``: ``SAISIE_API``, Chorus Pro issues the invoice under a number of its own."""

from __future__ import annotations

from datetime import date

from chorusflow.crashpoints import crashpoint
from chorusflow.invoice import Invoice
from chorusflow.platforms.chorus_pro.accounts import SupplierAccounts
from chorusflow.platforms.chorus_pro.channels.base import build_submit_request, deposited, held
from chorusflow.platforms.chorus_pro.models import SupplierInvoiceRow, SupplierInvoiceSearch, platform_today
from chorusflow.platforms.interface import Held, Reconciliation
from chorusflow.suppliers import ChannelName


class SaisieChannel:
    """``SAISIE_API``: Chorus Pro issues the invoice under its own number and date."""

    name: ChannelName = "saisie"

    def __init__(self, accounts: SupplierAccounts, today: date | None = None) -> None:
        self.accounts = accounts  # the supplier's structure and bank accounts, read once
        self.client = accounts.client
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
            return Reconciliation(found=held(candidates[0]), candidates=[held(candidates[0])])
        return Reconciliation(ambiguous=_ambiguity(candidates), candidates=[held(row) for row in candidates])

    def deposit(self, invoice: Invoice) -> Held:
        """One ``soumettre`` in ``SAISIE_API``; the answer carries Chorus Pro's own number."""
        request = build_submit_request(invoice, self.accounts.account_for(invoice))
        crashpoint("submission.before_call")
        return deposited(self.client.submit_invoice(request))


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
