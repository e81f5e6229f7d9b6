"""How an invoice reaches Chorus Pro: one deposit channel per supplier, or per buyer profile.

- ``pdf`` (the default): ``DEPOT_PDF_API``. The invoice PDF (the ERP's own, or one chorusflow
  renders) is uploaded first, then referenced; Chorus Pro keeps the supplier's own number and date,
  and the structured fields still go along so that its checks apply. An invoice number is unique per
  supplier and year, so an unknown outcome is reconciled by number within the invoice's year.
- ``facturx``: Factur-X files (PDF/A-3 with the CII embedded), checked before they leave, several
  invoices per ``deposer/flux`` call. Chorus Pro answers with a flux number only; the invoices wait
  in ``in_flux`` until :mod:`~chorusflow.platforms.chorus_pro.flux_follow` sees the flux integrated. An
  unknown outcome is
  reconciled by number within the invoice's year, like ``pdf``, once the flux could have been
  integrated (see :class:`FacturxChannel`).
- ``saisie``: ``SAISIE_API``, only when configured. Chorus Pro then issues the invoice itself under a
  number of its own (it ignores ``numeroFactureSaisi`` and ``dateFacture``), so a lookup by our number
  finds nothing. An unknown outcome is reconciled by buyer, deposit period, amount and engagement,
  and only a **unique** match is adopted: anything else is ambiguous and goes to a person.

A channel builds and sends one deposit; the :class:`~chorusflow.submission.submitter.Submitter` owns the
claim, the attempts and every ledger write. The Factur-X channel deposits a batch at a time, so
it is a batch channel (:class:`~chorusflow.platforms.interface.BatchChannel`).
"""

from __future__ import annotations

from collections.abc import Mapping

from chorusflow.invoice import Invoice
from chorusflow.platforms.chorus_pro.accounts import SupplierAccounts
from chorusflow.platforms.chorus_pro.channels.base import PdfKeeper
from chorusflow.platforms.chorus_pro.channels.facturx import FacturxChannel
from chorusflow.platforms.chorus_pro.channels.pdf import PdfChannel
from chorusflow.platforms.chorus_pro.channels.saisie import SaisieChannel
from chorusflow.platforms.chorus_pro.client import ChorusProClient
from chorusflow.platforms.interface import AnyChannel, ChannelChooser
from chorusflow.storage import StoredPath, store_invoice_pdf
from chorusflow.suppliers import ChannelName, SupplierIdentity


def channel_for(
    name: ChannelName,
    accounts: SupplierAccounts,
    keep_pdf: PdfKeeper | None = None,
    documents: StoredPath | None = None,
) -> AnyChannel:
    """The channel called ``name`` for the supplier of ``accounts`` (``facturx`` builds files for it;
    ``pdf`` keeps each deposited PDF with ``keep_pdf``; both read kept attachments from ``documents``)."""
    if name == "saisie":
        return SaisieChannel(accounts)
    if name == "facturx":
        return FacturxChannel(accounts.client, accounts.supplier, documents)
    return PdfChannel(accounts, keep_pdf, documents)


def channel_chooser(
    client: ChorusProClient,
    supplier: SupplierIdentity,
    by_buyer: Mapping[str, ChannelName] | None = None,
    documents: StoredPath | None = None,
) -> ChannelChooser:
    """Each invoice's channel: its buyer profile's (``by_buyer``, by SIRET), else the supplier's.

    ``documents``: the shared storage where the export's attachments were kept and where each
    deposited PDF is kept for people. The supplier's accounts are read once for all channels.
    """
    by_buyer = by_buyer or {}
    accounts = SupplierAccounts(client, supplier)
    keep_pdf = None if documents is None else _pdf_keeper(documents, supplier.key)
    default = supplier.deposit_channel
    channels = {
        name: channel_for(name, accounts, keep_pdf, documents) for name in {default, *by_buyer.values()}
    }
    return lambda invoice: channels[by_buyer.get(invoice.buyer_siret, default)]


def _pdf_keeper(documents: StoredPath, supplier_key: str) -> PdfKeeper:
    def keep(invoice: Invoice, pdf: bytes) -> None:
        store_invoice_pdf(documents, supplier_key, invoice.invoice_number, pdf)

    return keep
