"""``follow_flux`` and ``sync``: each supplier's open Factur-X flux followed and statuses synced, with
its own technical account; one supplier's failure never stops the others (``report`` fails the run
afterwards). How their results merge is :mod:`chorusflow.sync.merge`'s."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from chorusflow.airflow.connections import get_ledger, supplier_client
from chorusflow.ledger import safe_error_text
from chorusflow.platforms.chorus_pro.flux_follow import follow_flux
from chorusflow.platforms.chorus_pro.statuses import WATERMARK_NAME, StatusSync
from chorusflow.settings import settings
from chorusflow.suppliers import load_suppliers
from chorusflow.sync.merge import merged_flux, merged_sync, per_supplier_name

log = logging.getLogger(__name__)


def sync_statuses() -> dict[str, Any]:
    """One status sync per supplier, each with its own technical account; the result goes to XCom.

    One supplier's failure (credentials refused, Chorus Pro unreachable) is recorded and the others
    are still synced; ``report`` fails the run afterwards, once the alerts are out.
    """
    configured = settings()
    suppliers = load_suppliers()
    results: dict[str, dict[str, Any]] = {}
    failures: dict[str, str] = {}
    for supplier in suppliers:
        try:
            sync = StatusSync(
                get_ledger(),
                supplier_client(supplier),
                supplier.key,
                overlap=timedelta(minutes=configured.sync_overlap_minutes),
                page_size=configured.sync_page_size,
                retry_delay_seconds=configured.sync_page_retry_delay,
                lookup_limit=configured.sync_lookup_limit,
                watermark_name=per_supplier_name(WATERMARK_NAME, supplier, suppliers),
            )
            results[supplier.id] = sync.run().to_xcom()
        except Exception as error:  # one supplier's trouble never stops the others
            failures[supplier.id] = failure_text(error)
            log.exception("Status sync of supplier %s failed", supplier.id)
    return merged_sync(results, failures, suppliers.several)


def follow_open_flux() -> dict[str, Any]:
    """One pass over each supplier's open Factur-X flux
    (:func:`chorusflow.platforms.chorus_pro.flux_follow.follow_flux`),
    each with its own technical account; one supplier's failure never stops the others (``report``
    fails the run afterwards)."""

    suppliers = load_suppliers()
    results: dict[str, dict[str, Any]] = {}
    failures: dict[str, str] = {}
    for supplier in suppliers:
        try:
            followed = follow_flux(get_ledger(), supplier_client(supplier), supplier.key)
            results[supplier.id] = followed.to_xcom()
        except Exception as error:  # credentials refused, Chorus Pro unreachable: this supplier only
            failures[supplier.id] = failure_text(error)
            log.exception("Following the Factur-X flux of supplier %s failed", supplier.id)
    return merged_flux(results, failures, suppliers.several)


def failure_text(error: Exception) -> str:
    """A supplier's failure as the run shows it (secrets scrubbed)."""
    return safe_error_text(f"{type(error).__name__}: {error}") or type(error).__name__
