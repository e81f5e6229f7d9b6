"""Airflow plugin: write each chorusflow run's summary as the run's note in the UI.

Tasks cannot set their own run's note through the Task SDK, so this scheduler-side listener copies
the summary that the `report` task pushes (``note``) onto the finished DAG run, failed runs included.
Each time the run finishes again (a cleared `report` task, or a cleared task with its downstream),
the note is replaced by the new summary; a note a person wrote in the UI is never replaced.
"""

from __future__ import annotations

import logging
from typing import Any

from airflow.listeners import hookimpl
from airflow.plugins_manager import AirflowPlugin

log = logging.getLogger(__name__)

REPORT_TASKS = {"chorus_submit_invoices": "report", "chorus_sync_statuses": "report"}
NOTE_LIMIT = 1000
# A report that fails its task (invoices failed for good) pushes its summary under "run_summary".
SUMMARY_KEYS = ("run_summary", "return_value")


def _summary_note(session: Any, dag_id: str, run_id: str) -> str | None:
    from airflow.models.xcom import XComModel

    for key in SUMMARY_KEYS:
        query = XComModel.get_many(run_id=run_id, dag_ids=dag_id, task_ids=REPORT_TASKS[dag_id], key=key)
        row = session.scalars(query).first()
        value = XComModel.deserialize_value(row) if row is not None else None
        note = value.get("note") if isinstance(value, dict) else None
        if note:
            return str(note)[:NOTE_LIMIT]
    return None


class RunNoteListener:
    """Sets the note of finished chorusflow runs from their report."""

    @hookimpl
    def on_dag_run_success(self, dag_run: Any, msg: str) -> None:
        self._annotate(dag_run)

    @hookimpl
    def on_dag_run_failed(self, dag_run: Any, msg: str) -> None:
        self._annotate(dag_run)

    @staticmethod
    def _annotate(dag_run: Any) -> None:
        from sqlalchemy.orm import object_session

        dag_id, run_id = dag_run.dag_id, dag_run.run_id
        if dag_id not in REPORT_TASKS:
            return
        try:
            session = object_session(dag_run)
            if session is not None:
                # The scheduler's own session: set the note, let the scheduler commit it with the
                # run's new state (committing here would break its locks).
                note = _summary_note(session, dag_id, run_id)
                if note:
                    _set_note(dag_run, note)
                return
            _annotate_detached(dag_id, run_id)
        except Exception:  # a note is a nicety: never let it break scheduling
            log.exception("chorusflow could not set the run note of %s", run_id)


def _annotate_detached(dag_id: str, run_id: str) -> None:
    """``dag.test()`` hands listeners a detached run: write the note in a session of our own."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        note = _summary_note(session, dag_id, run_id)
        run = session.scalar(select(DagRun).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id))
        if note and run is not None:
            _set_note(run, note)


def _set_note(dag_run: Any, note: str) -> None:
    """Write ``note`` on the run, over an earlier summary but never over a person's note.

    A note written in the UI or through the REST API records its author (``user_id``); ours has none.
    """
    current = dag_run.dag_run_note
    if current is not None and current.user_id is not None and (current.content or "").strip():
        return
    if dag_run.note != note:
        dag_run.note = note


class ChorusflowRunNotesPlugin(AirflowPlugin):
    """Registers the run-note listener."""

    name = "chorusflow_run_notes"
    listeners = [RunNoteListener()]
