"""Airflow plugin: the invoice desk, served by the API server and shown in the UI's navigation.

The app (``chorusflow.airflow.desk``) answers under ``/chorusflow``; the navigation's "Bureau des
factures" / "Invoice desk" button shows it inside the UI. Every route needs a logged-in Airflow user.
docs/desk.md describes the pages.
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from chorusflow.airflow.desk import URL_PREFIX, create_app, external_view


class ChorusflowDeskPlugin(AirflowPlugin):
    """Mounts the desk's FastAPI app and adds its navigation entry."""

    name = "chorusflow_desk"
    fastapi_apps = [{"app": create_app(), "url_prefix": URL_PREFIX, "name": "chorusflow invoice desk"}]
    external_views = [external_view()]
