"""The one place that picks a destination platform; the steps reach a platform through it.

Every supplier deposits on Chorus Pro today. A second destination is a package beside
``chorus_pro/`` implementing :mod:`chorusflow.platforms.interface`; only this module and the
adapters that open its connections (``chorusflow.airflow``) learn its name.
"""

from __future__ import annotations

from collections.abc import Mapping

from chorusflow.platforms.chorus_pro.channels import channel_chooser
from chorusflow.platforms.chorus_pro.client import ChorusProClient
from chorusflow.platforms.chorus_pro.statuses import VOCABULARY
from chorusflow.platforms.interface import ChannelChooser, StatusVocabulary
from chorusflow.storage import StoredPath
from chorusflow.suppliers import ChannelName, SupplierIdentity


def deposit_channels(
    client: ChorusProClient,
    supplier: SupplierIdentity,
    by_buyer: Mapping[str, ChannelName] | None = None,
    *,
    documents: StoredPath | None = None,
) -> ChannelChooser:
    """Each of ``supplier``'s invoices' channel (``by_buyer``: a buyer profile's, by buyer SIRET)."""
    return channel_chooser(client, supplier, by_buyer, documents)


def status_vocabulary() -> StatusVocabulary:
    """The statuses invoices have on their platform, read by the desk, the alerts and the reports."""
    return VOCABULARY
