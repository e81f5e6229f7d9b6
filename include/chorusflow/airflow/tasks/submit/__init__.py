"""Task bodies of ``chorus_submit_invoices``, once Airflow has given them their context, one module
per step of the DAG:

- ``prepare``: :mod:`.inbox` (extract, archive), :mod:`.validation` (validate), :mod:`.planning` (plan);
- ``submit``: :mod:`.deposit`;
- ``report``: :mod:`.summary`.

Validation, the ledger, planning, submission and reports are the domain's
(:mod:`chorusflow.submission`, :mod:`chorusflow.reporting`); these modules find the files, resolve the
connections and the run identity, and map outcomes to task states.
"""

from __future__ import annotations

from chorusflow.airflow.tasks.submit.deposit import submit
from chorusflow.airflow.tasks.submit.inbox import extract
from chorusflow.airflow.tasks.submit.planning import RETRY_KEY, plan, prepare
from chorusflow.airflow.tasks.submit.summary import RUN_SUMMARY_KEY, report
from chorusflow.airflow.tasks.submit.validation import validate

__all__ = ["RETRY_KEY", "RUN_SUMMARY_KEY", "extract", "plan", "prepare", "report", "submit", "validate"]
