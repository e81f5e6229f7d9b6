"""One sync run over several suppliers: each supplier's own watermark and event keys, and each
supplier's result (or failure) merged into the run's. A one-supplier run hands on its supplier's
result as it always was; with several, the changed invoices are named ``<supplier id>: <number>`` and
each supplier's own result is kept beside the totals. Nothing here imports Airflow or a platform.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chorusflow.suppliers import SupplierIdentity, Suppliers

Result = dict[str, Any]


def per_supplier_name(base: str, supplier: SupplierIdentity, suppliers: Suppliers) -> str:
    """A name each supplier has its own of (a watermark, an alert's event key): the default supplier
    keeps the historical one (``base``), every other one gets ``<base>:<supplier id>``."""
    if supplier.id == suppliers.default_id:
        return base
    return f"{base}:{supplier.id}"


def _tagged(texts: Mapping[str, str]) -> list[str]:
    return [f"[{supplier_id}] {text}" for supplier_id, text in texts.items()]


def merged_sync(results: Mapping[str, Result], failures: Mapping[str, str], several: bool) -> Result:
    """The status sync's result: a one-supplier sync's as it always was; with several suppliers (or a
    failure), their union, and per supplier."""
    if not several and not failures:
        return next(iter(results.values()))
    changed: dict[str, str] = {}
    for supplier_id, result in results.items():
        prefix = f"{supplier_id}: " if several else ""
        changed.update(
            {f"{prefix}{number}": status for number, status in (result.get("changed") or {}).items()}
        )
    summaries = _tagged({key: result.get("summary", "") for key, result in results.items()})
    return {
        "summary": " ".join([*summaries, *_tagged(failures)]),
        "changed": changed,
        "complete": not failures and all(result.get("complete") for result in results.values()),
        "total_api_calls": sum(int(result.get("total_api_calls") or 0) for result in results.values()),
        "suppliers": dict(results),
        "failed_suppliers": dict(failures),
    }


def merged_flux(results: Mapping[str, Result], failures: Mapping[str, str], several: bool) -> Result:
    """The Factur-X flux follow-up's result: a one-supplier pass's as it always was; with several,
    the counts summed, the summaries of those that polled something, and each supplier's own result."""
    if not several and not failures:
        return next(iter(results.values()))
    summaries = _tagged(
        {key: result.get("summary", "") for key, result in results.items() if result.get("polled")}
    )
    return {
        "polled": sum(int(result.get("polled") or 0) for result in results.values()),
        "closed": sum(int(result.get("closed") or 0) for result in results.values()),
        "summary": " ".join([*summaries, *_tagged(failures)]),
        "suppliers": dict(results),
        "failed_suppliers": dict(failures),
    }


def merged_alerts(reports: Mapping[str, Result], several: bool) -> Result:
    """The alerts' result: a one-supplier run's as it always was; with several, the summaries tagged,
    the new alerts summed, and each supplier's own report."""
    if not several:
        return next(iter(reports.values()))
    return {
        "summary": " ".join(_tagged({key: report.get("summary", "") for key, report in reports.items()})),
        "new_count": sum(int(report.get("new_count") or 0) for report in reports.values()),
        "suppliers": dict(reports),
    }


def failed_suppliers(sync_result: Mapping[str, Any]) -> str | None:
    """Why the run fails: the suppliers whose sync or Factur-X follow-up failed (the others were
    synced); None when none did."""
    flux = sync_result.get("flux") or {}
    failed = sync_result.get("failed_suppliers") or {}
    flux_failed = flux.get("failed_suppliers") or {}
    if not (failed or flux_failed):
        return None
    return (
        "The status sync or the Factur-X flux follow-up failed for supplier(s) "
        + ", ".join(sorted({*failed, *flux_failed}))
        + f" (the others were synced): sync {failed}, flux {flux_failed}"
    )
