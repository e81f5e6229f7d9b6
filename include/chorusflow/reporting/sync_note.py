"""A status sync run's summary: the counts, the alerts sent, then each change (invoice, new status, the
buyer's reason, what to do), bounded as a run note (:func:`~chorusflow.reporting.run_report.bounded_note`).
Nothing here imports Airflow: the DAG's ``report`` task hands these the sync's and the alerts' results.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from chorusflow.ledger import Ledger
from chorusflow.reporting.run_report import StatusChange, bounded_note, status_change_items
from chorusflow.suppliers import Suppliers


def status_changes(ledger: Ledger, suppliers: Suppliers, changed: Mapping[str, str]) -> list[StatusChange]:
    """The sync's changes (invoice number, ``<supplier id>: <number>`` with several suppliers -> new
    status) with the buyer's comment the ledger recorded for that status."""
    if not changed:
        return []
    rows = {}
    for supplier in suppliers:
        prefix = f"{supplier.id}: " if suppliers.several else ""
        for row in ledger.list_invoices(supplier_siret=supplier.key):
            if f"{prefix}{row.invoice_number}" in changed:
                rows[f"{prefix}{row.invoice_number}"] = row
    return [
        StatusChange(
            invoice_number=number,
            status=status,
            comment=rows[number].chorus_status_comment
            if number in rows and rows[number].chorus_status == status
            else None,
        )
        for number, status in changed.items()
    ]


def sync_note(
    sync_result: Mapping[str, Any], alerts: Mapping[str, Any], changes: Sequence[StatusChange]
) -> str:
    """The run note: what the flux follow-up (when it polled), the sync and the alerts said, then
    one item per change."""
    flux = sync_result.get("flux") or {}
    flux_line = flux.get("summary", "") if flux.get("polled") else ""
    head = f"{flux_line} {sync_result.get('summary', '')} {alerts.get('summary', '')}".strip()
    return bounded_note(head, status_change_items(changes))


def sync_summary(sync_result: Mapping[str, Any], alerts: Mapping[str, Any], note: str) -> dict[str, Any]:
    """What the sync's ``report`` task returns: the note and the run's counts."""
    return {
        "note": note,
        "complete": sync_result.get("complete"),
        "changed": len(sync_result.get("changed", {})),
        "api_calls": sync_result.get("total_api_calls"),
        "alerts": alerts.get("new_count", 0),
    }
