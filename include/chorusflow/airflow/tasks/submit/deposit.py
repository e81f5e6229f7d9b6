"""``submit``: one batch deposited by the platform-neutral
:class:`~chorusflow.submission.submitter.Submitter`."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from airflow.sdk.exceptions import AirflowFailException

from chorusflow.airflow.connections import (
    claim_owner,
    get_ledger,
    in_charge,
    owner_alive,
    reports_root,
    supplier_client,
)
from chorusflow.platforms.registry import deposit_channels
from chorusflow.rules.profiles import buyer_channels, load_profiles
from chorusflow.settings import settings
from chorusflow.submission.plan import Batch
from chorusflow.submission.submitter import Submitter
from chorusflow.suppliers import SupplierIdentity, load_suppliers

log = logging.getLogger(__name__)


def submit(batch: dict[str, Any], context: Mapping[str, Any]) -> dict[str, Any]:
    """Deposit one batch; raise so Airflow retries passing errors and fails refusals at once."""

    planned = Batch.model_validate(batch)
    supplier = _supplier_of(planned.supplier_id)
    log.info("Submitting %d invoice(s) of %s: %s", len(planned.invoice_numbers), supplier.id, planned.label)
    channels = deposit_channels(
        supplier_client(supplier), supplier, buyer_channels(load_profiles()), documents=reports_root()
    )
    submitter = Submitter(
        get_ledger(),
        channels,
        supplier,
        claim_owner(context),
        lease_seconds=settings().claim_lease_seconds,
        owner_alive=owner_alive(context),
        in_charge=in_charge(),
    )
    result = submitter.submit_batch(planned.invoice_numbers, include_failed=planned.include_failed)
    log.info("Batch done: %s", ", ".join(f"{key} {value}" for key, value in result.counts().items() if value))
    result.raise_for_outcome()
    return result.to_xcom()


def _supplier_of(supplier_id: str | None) -> SupplierIdentity:
    """The supplier of a batch: by id, else the default one (a one-supplier deployment)."""
    suppliers = load_suppliers()
    supplier = suppliers.by_id(supplier_id) if supplier_id else suppliers.default
    if supplier is None:
        raise AirflowFailException(f"supplier {supplier_id!r} is not configured any more")
    return supplier
