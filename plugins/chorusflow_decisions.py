"""Airflow plugin: ``/chorusflow-decisions/NUMBER`` leads to the form asking about that invoice.

The blocked-invoice alert is sent before the decision task exists, so it links here; this page finds
the newest ``decide`` task of ``chorus_resolve_invoices`` labelled with the number and redirects to its
form in the Airflow UI (which asks the person to log in). No decision open: a short page says so.
"""

from __future__ import annotations

from typing import Any

from airflow.plugins_manager import AirflowPlugin
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse, RedirectResponse

RESOLVE_DAG = "chorus_resolve_invoices"
DECIDE_TASK = "decide"

app = FastAPI(title="chorusflow decisions")


def decision_path(invoice_number: str) -> str | None:
    """The UI path of the open decision about ``invoice_number`` (newest first), or ``None``."""
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from airflow.utils.state import TaskInstanceState
    from sqlalchemy import select

    label = TaskInstance.__table__.c.rendered_map_index  # the property hides the column
    statement = (
        select(TaskInstance.run_id, TaskInstance.map_index)
        .where(
            TaskInstance.dag_id == RESOLVE_DAG,
            TaskInstance.task_id == DECIDE_TASK,
            label == invoice_number,
            TaskInstance.state == TaskInstanceState.AWAITING_INPUT,
        )
        .order_by(TaskInstance.queued_dttm.desc())
        .limit(1)
    )
    with create_session() as session:
        found: Any = session.execute(statement).first()
    if found is None:
        return None
    task = f"/dags/{RESOLVE_DAG}/runs/{found.run_id}/tasks/{DECIDE_TASK}"
    return f"{task}/mapped/{found.map_index}/required_actions"


@app.get("/{invoice_number}", response_model=None)
def decision(invoice_number: str) -> RedirectResponse | PlainTextResponse:
    """Redirect to the open decision's form."""
    path = decision_path(invoice_number)
    if path is None:
        from chorusflow.messages import text

        return PlainTextResponse(text("resolution.no_open_decision", number=invoice_number), status_code=404)
    return RedirectResponse(path, status_code=307)


class ChorusflowDecisionsPlugin(AirflowPlugin):
    """Serves the stable links of blocked-invoice alerts."""

    name = "chorusflow_decisions"
    fastapi_apps = [{"app": app, "url_prefix": "/chorusflow-decisions", "name": "chorusflow decisions"}]
