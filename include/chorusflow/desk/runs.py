"""The submission runs the desk lists: Airflow's record of each run joined to its stored report.

Airflow knows a run's date and state, its report task's summary knows the counts; the shared storage
knows which runs left a report. A run is listed from either side (a run still going has no report
yet; a report may outlive Airflow's cleaned-up run).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from chorusflow.storage import safe_name


class RunRow(BaseModel):
    """One submission run as the Runs page shows it."""

    run_id: str | None = None
    #: The run's report folder in shared storage (None: no report stored).
    folder: str | None = None
    started_at: datetime | None = None
    state: str | None = None
    #: Invoices per report outcome (``chorusflow.reporting.run_report.OUTCOMES``), when the report task ran.
    counts: dict[str, int] | None = None
    #: How many export files the run read (0: another run had taken them, or the inbox was empty).
    exports: int | None = None
    suppliers: list[str] = Field(default_factory=list)


def airflow_run(run_id: str, started_at: datetime | None, state: str | None, summary: Any) -> RunRow:
    """A run from Airflow's record and its report task's summary (``run_summary`` XCom, or None)."""
    counts = summary.get("counts") if isinstance(summary, dict) else None
    exports = summary.get("exports") if isinstance(summary, dict) else None
    return RunRow(
        run_id=run_id,
        started_at=started_at,
        state=state,
        counts={str(key): int(value) for key, value in counts.items()} if isinstance(counts, dict) else None,
        exports=int(exports) if isinstance(exports, int) else None,
    )


def join_runs(
    known: Iterable[RunRow], stored: Iterable[str], suppliers: Mapping[str, list[str]] | None = None
) -> list[RunRow]:
    """Airflow's runs (newest first) with their report folder, then the stored reports of runs
    Airflow no longer knows."""
    folders = list(stored)
    left = set(folders)
    rows = []
    for run in known:
        folder = safe_name(run.run_id or "", fallback="run")
        found = folder if folder in left else None
        left.discard(folder)
        rows.append(run.model_copy(update={"folder": found, "suppliers": (suppliers or {}).get(folder, [])}))
    rows += [
        RunRow(folder=folder, suppliers=(suppliers or {}).get(folder, []))
        for folder in folders
        if folder in left
    ]
    return rows
