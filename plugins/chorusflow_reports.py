"""Airflow plugin: the API server serves each run's report and each deposited PDF from shared storage.

Reports and PDFs are written by whichever worker ran the task, to ``CHORUSFLOW_REPORTS`` (object
storage or a shared folder), so the API server reads them there even when that worker is gone.
Routes (behind Airflow's login, with the DAG run read permission of the auth manager):

- ``GET /chorusflow-files/reports/{dag_id}/{run_id}/{name}``: ``report.html`` or ``report.csv``;
- ``GET /chorusflow-files/reports/{dag_id}/{run_id}/{supplier_id}/{name}``: one supplier's own report
  (several suppliers, docs/suppliers.md);
- ``GET /chorusflow-files/invoices/{supplier_siret}/{invoice_number}.pdf``: the PDF deposited with an
  invoice (read permission on ``chorus_submit_invoices``).

Both read through :mod:`chorusflow.storage`, which a UI (the invoice desk) may call directly.
"""

from __future__ import annotations

from typing import Any

from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity
from airflow.api_fastapi.core_api.security import requires_access_dag
from airflow.plugins_manager import AirflowPlugin
from fastapi import Depends, FastAPI, HTTPException
from fastapi.responses import Response

from chorusflow.airflow.desk import REPORTS_PREFIX, SUBMIT_DAG

MEDIA_TYPES = {"report.html": "text/html; charset=utf-8", "report.csv": "text/csv; charset=utf-8"}

app = FastAPI(title="chorusflow reports", description="Run reports and deposited PDFs from shared storage")


@app.get(
    "/reports/{dag_id}/{run_id}/{name}",
    dependencies=[Depends(requires_access_dag("GET", DagAccessEntity.RUN))],
)
def run_report(dag_id: str, run_id: str, name: str) -> Response:
    """A run's report file, as the report task wrote it."""
    from chorusflow.airflow.connections import reports_root
    from chorusflow.storage import NotStored, read_report

    if name not in MEDIA_TYPES:
        raise HTTPException(status_code=404, detail="no such report file")
    try:
        content = read_report(reports_root(), dag_id, run_id, name)
    except NotStored:
        raise HTTPException(status_code=404, detail="no report stored for this run") from None
    return Response(content=content, media_type=MEDIA_TYPES[name])


@app.get(
    "/reports/{dag_id}/{run_id}/{supplier_id}/{name}",
    dependencies=[Depends(requires_access_dag("GET", DagAccessEntity.RUN))],
)
def supplier_report(dag_id: str, run_id: str, supplier_id: str, name: str) -> Response:
    """One supplier's own report of a run, in its language."""
    from chorusflow.airflow.connections import reports_root
    from chorusflow.storage import NotStored, read_report

    if name not in MEDIA_TYPES:
        raise HTTPException(status_code=404, detail="no such report file")
    try:
        content = read_report(reports_root(), dag_id, run_id, name, supplier_id)
    except NotStored:
        raise HTTPException(status_code=404, detail="no report stored for this supplier") from None
    return Response(content=content, media_type=MEDIA_TYPES[name])


@app.get(
    "/invoices/{supplier_siret}/{invoice_number}.pdf",
    dependencies=[Depends(requires_access_dag("GET", DagAccessEntity.RUN, param_dag_id=SUBMIT_DAG))],
)
def invoice_pdf(supplier_siret: str, invoice_number: str) -> Response:
    """The PDF deposited with an invoice."""
    from chorusflow.airflow.connections import reports_root
    from chorusflow.storage import NotStored, read_invoice_pdf

    try:
        content = read_invoice_pdf(reports_root(), supplier_siret, invoice_number)
    except NotStored:
        raise HTTPException(status_code=404, detail="no PDF stored for this invoice") from None
    return Response(content=content, media_type="application/pdf")


class ChorusflowReportsPlugin(AirflowPlugin):
    """Mounts :data:`app` on the API server under ``/chorusflow-files`` (the invoice desk holds
    ``/chorusflow``: two apps under one prefix would hide each other's routes)."""

    name = "chorusflow_reports"
    fastapi_apps: list[dict[str, Any]] = [
        {"app": app, "url_prefix": REPORTS_PREFIX, "name": "chorusflow reports"}
    ]
