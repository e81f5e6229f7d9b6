"""Task bodies of ``chorus_resolve_invoices``, once Airflow has given them their context, one module
per step of the DAG: ``ask`` in :mod:`.requests`, ``from_form`` and ``decide`` in :mod:`.answers`
(its reminder in :mod:`.reminders`).

The decisions live in :mod:`chorusflow.resolution`; these modules resolve the ledger, the client, the
settings and who is running, and maps a result to the task's end: a refused answer (a rule code,
nothing sent) raises :class:`DecisionRefused`, which the decision task answers by asking again without
using up a try; an answer Chorus Pro refused, or a passing error, fails the try.
"""

from __future__ import annotations

from chorusflow.airflow.tasks.resolve.answers import (
    DecisionNotApplied,
    DecisionRefused,
    FormDecisionRefused,
    apply_answer,
    apply_form,
)
from chorusflow.airflow.tasks.resolve.reminders import remind
from chorusflow.airflow.tasks.resolve.requests import plan_requests

__all__ = [
    "DecisionNotApplied",
    "DecisionRefused",
    "FormDecisionRefused",
    "apply_answer",
    "apply_form",
    "plan_requests",
    "remind",
]
