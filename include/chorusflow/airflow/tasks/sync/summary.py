"""``announce`` and ``report``: the invoices newly blocked in a status a person answers from Airflow,
and the run note (:mod:`chorusflow.reporting.sync_note`)."""

from __future__ import annotations

import logging
from typing import Any

from airflow.sdk.exceptions import AirflowException

from chorusflow.airflow.connections import get_ledger
from chorusflow.reporting.sync_note import status_changes, sync_note, sync_summary
from chorusflow.resolution.decisions import KIND_OF_STATUS
from chorusflow.suppliers import load_suppliers
from chorusflow.sync.merge import failed_suppliers

log = logging.getLogger(__name__)


def new_blocking_events(sync_result: dict[str, Any]) -> list[str]:
    """Invoices this sync found newly blocked in a status a person can answer from Airflow (with
    several suppliers, each named ``<supplier id>: <number>``)."""

    changed = dict(sync_result.get("changed") or {})
    return sorted(number for number, status in changed.items() if status in KIND_OF_STATUS)


def report_sync(sync_result: dict[str, Any], alerts: dict[str, Any]) -> dict[str, Any]:
    """The run summary (:mod:`chorusflow.reporting.sync_note`): sync counts and failures, alerts sent,
    then each change; ``note`` becomes the run note. Fails the run when a supplier's sync failed."""

    changed = dict(sync_result.get("changed") or {})
    changes = status_changes(get_ledger(), load_suppliers(), changed) if changed else []
    note = sync_note(sync_result, alerts, changes)
    log.info("%s", note)
    result = sync_summary(sync_result, alerts, note)
    failed = failed_suppliers(sync_result)
    if failed:
        raise AirflowException(failed)
    return result
