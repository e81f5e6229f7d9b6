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
it has a protocol of its own (:class:`FacturxChannel`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from chorusflow.invoice import Invoice
from chorusflow.platforms.chorus_pro.channels.base import DepositChannel, PdfKeeper
from chorusflow.platforms.chorus_pro.channels.facturx import FacturxChannel
from chorusflow.platforms.chorus_pro.channels.pdf import PdfChannel
from chorusflow.platforms.chorus_pro.channels.saisie import SaisieChannel
from chorusflow.platforms.chorus_pro.client import ChorusProClient
from chorusflow.rules.profiles import BuyerProfile
from chorusflow.storage import StoredPath
from chorusflow.suppliers import DepositChannel as ChannelName
from chorusflow.suppliers import SupplierIdentity

AnyChannel = DepositChannel | FacturxChannel


def channel_for(
    name: ChannelName,
    client: ChorusProClient,
    supplier: SupplierIdentity | None = None,
    keep_pdf: PdfKeeper | None = None,
    documents: StoredPath | None = None,
) -> AnyChannel:
    """The channel called ``name`` over ``client`` (``facturx`` builds files for ``supplier``; ``pdf``
    keeps each deposited PDF with ``keep_pdf``; both read kept attachments from ``documents``)."""
    if name == "saisie":
        return SaisieChannel(client)
    if name == "facturx":
        return FacturxChannel(client, supplier, documents)
    return PdfChannel(client, keep_pdf, documents)


def channel_chooser(
    default: ChannelName,
    client: ChorusProClient,
    by_buyer: Mapping[str, ChannelName],
    supplier: SupplierIdentity | None = None,
    keep_pdf: PdfKeeper | None = None,
    documents: StoredPath | None = None,
) -> Callable[[Invoice], AnyChannel]:
    """Each invoice's channel: its buyer profile's (``by_buyer``, by SIRET), else ``default``."""
    channels = {
        name: channel_for(name, client, supplier, keep_pdf, documents)
        for name in {default, *by_buyer.values()}
    }
    return lambda invoice: channels[by_buyer.get(invoice.buyer_siret, default)]


def buyer_channels(profiles: Mapping[str, BuyerProfile]) -> dict[str, ChannelName]:
    """The channels buyer profiles choose, by buyer SIRET."""
    return {siret: profile.deposit_channel for siret, profile in profiles.items() if profile.deposit_channel}
