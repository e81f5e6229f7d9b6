"""Airflow plugin: ``/chorusflow-decisions/NUMBER``, the decision page about one blocked invoice.

The blocked-invoice alert is sent before the decision task exists, so it links here, and so does the
desk: the page shows the open decision as a form (upload of the PDF to attach, reasons of a refused
answer, read-only for a person who may not decide), or the invoice's state and how to reopen its
decision (``chorusflow.airflow.decisions``; docs/resolution.md).
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from chorusflow.airflow.decisions import URL_PREFIX, create_app


class ChorusflowDecisionsPlugin(AirflowPlugin):
    """Serves the decision pages (the stable links of alerts and of the desk)."""

    name = "chorusflow_decisions"
    fastapi_apps = [{"app": create_app(), "url_prefix": URL_PREFIX, "name": "chorusflow decisions"}]
