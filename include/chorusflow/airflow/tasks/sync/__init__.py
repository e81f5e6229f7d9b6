"""Task bodies of ``chorus_sync_statuses``, once Airflow has given them their context, one module per
step of the DAG:

- ``follow_flux`` and ``sync``: :mod:`.follow`;
- ``alert``: :mod:`.alerts`;
- ``announce`` and ``report``: :mod:`.summary`.

The sync and the alerts themselves live in :mod:`chorusflow.platforms.chorus_pro.statuses` and
:mod:`chorusflow.alerts`, how several suppliers' results merge in :mod:`chorusflow.sync.merge`, the
run note in :mod:`chorusflow.reporting.sync_note`; these modules resolve the ledger, the Chorus Pro
client, the channels and the settings.
"""

from __future__ import annotations

from chorusflow.airflow.tasks.sync.alerts import send_status_alerts, with_decision_link
from chorusflow.airflow.tasks.sync.follow import follow_open_flux, sync_statuses
from chorusflow.airflow.tasks.sync.summary import new_blocking_events, report_sync

__all__ = [
    "follow_open_flux",
    "new_blocking_events",
    "report_sync",
    "send_status_alerts",
    "sync_statuses",
    "with_decision_link",
]
