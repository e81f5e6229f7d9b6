"""``prepare``: extract, validate and plan in one task; the plan itself is
:func:`chorusflow.submission.plan.plan_submission`'s."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from airflow.sdk import get_current_context

from chorusflow.airflow.connections import get_ledger
from chorusflow.airflow.dag_settings import VALIDATED_KEY
from chorusflow.airflow.tasks.submit.inbox import extract
from chorusflow.airflow.tasks.submit.validation import validate
from chorusflow.rules.profiles import buyer_channels, load_profiles
from chorusflow.settings import settings
from chorusflow.submission.plan import plan_submission
from chorusflow.suppliers import load_suppliers

log = logging.getLogger(__name__)

RETRY_KEY = "retry_request"  # pushed by plan, read by report: how the numbers asked for again were sorted


def plan(retry_numbers: list[str], context: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """Batches of every invoice waiting in the ledger, plus the failed ones asked for again
    (:func:`chorusflow.submission.plan.plan_submission`); how the numbers asked for again were
    sorted is pushed under :data:`RETRY_KEY` for the report."""

    configured = settings()
    planned = plan_submission(
        get_ledger(),
        load_suppliers(),
        retry_numbers,
        buyer_channels=buyer_channels(load_profiles()),
        concurrency=configured.pool_size,
        flux_batch_size=configured.flux_max_invoices,
    )
    if retry_numbers:
        retry = {
            supplier_id: request.model_dump(mode="json") for supplier_id, request in planned.retry.items()
        }
        _push(context, RETRY_KEY, retry)
    total = sum(len(batch.invoice_numbers) for batch in planned.batches)
    log.info("Planned %d invoice(s) in %d submission batch(es)", total, len(planned.batches))
    return [batch.model_dump(mode="json") for batch in planned.batches]


def prepare(
    export_path: str | None, *, dry_run: bool, retry_numbers: list[str], run_id: str
) -> list[dict[str, Any]]:
    """:func:`extract`, :func:`validate` and :func:`plan` in one task: returns the batches (the
    submit task maps over them), pushes what validate returned under :data:`VALIDATED_KEY`.

    One task instead of three spares two task starts and two scheduler hand-overs before the first
    deposit (docs/performance.md, "Submission"). A dry run plans nothing. A retried ``prepare``
    reports the exports it validated itself: one a failed try recorded is skipped as already
    processed (as a retried ``validate`` did), its invoices are in the ledger and the waiting ones
    are planned all the same.
    """
    validated = validate(extract(export_path), dry_run=dry_run, run_id=run_id)
    _push(None, VALIDATED_KEY, validated)
    return [] if dry_run else plan(retry_numbers)


def _push(context: Mapping[str, Any] | None, key: str, value: Any) -> None:
    """Push ``value`` under ``key`` from the running task (its context, or Airflow's current one)."""
    if context is None:
        context = get_current_context()
    context["ti"].xcom_push(key=key, value=value)
