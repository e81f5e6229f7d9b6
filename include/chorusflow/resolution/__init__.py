"""Decisions about blocked invoices: complete, recycle, acknowledge a rejection, review (docs/resolution.md).

Nothing here imports Airflow; the DAG ``chorus_resolve_invoices`` and ``chorusflow resolve`` drive it.
"""

from chorusflow.resolution.decisions import (
    ACTIONS_OF_KIND,
    Action,
    Decision,
    Kind,
    action_from_answer,
    action_label,
    check_decision,
    decision_label,
    event_key,
    kind_of,
)
from chorusflow.resolution.requests import DecisionRequest, decision_supplier, open_requests
from chorusflow.resolution.resolver import DecisionResult, ResolutionResult, Resolver, build_resolver

__all__ = [
    "ACTIONS_OF_KIND",
    "Action",
    "Decision",
    "DecisionRequest",
    "Kind",
    "ResolutionResult",
    "Resolver",
    "DecisionResult",
    "action_from_answer",
    "build_resolver",
    "action_label",
    "check_decision",
    "decision_label",
    "decision_supplier",
    "event_key",
    "kind_of",
    "open_requests",
]
