"""The sync's side of decisions: which changes open a decision, and the blocked alert's link to its form."""

from __future__ import annotations

from decimal import Decimal

import pytest

from chorusflow.airflow.tasks.sync import new_blocking_events, with_decision_link
from chorusflow.alerts.events import AlertEvent, AlertKind


def blocked_event(status: str) -> AlertEvent:
    return AlertEvent(
        kind=AlertKind.BLOCKED,
        event_key=f"blocked:1:{status}:-",
        invoice_id=1,
        invoice_number="F 1/2",
        amount_ttc=Decimal("120.00"),
        status=status,
    )


def test_only_statuses_answered_from_airflow_open_decisions() -> None:
    changed = {"F-3": "REJETEE", "F-1": "SUSPENDUE", "F-2": "MISE_A_DISPOSITION", "F-4": "A_RECYCLER"}
    assert new_blocking_events({"changed": changed}) == ["F-1", "F-3", "F-4"]
    assert new_blocking_events({"changed": {"F-5": "ERREUR_FOURNISSEUR_SUR_VALIDEUR"}}) == []


def test_the_blocked_alert_links_to_the_decision_when_the_ui_address_is_known(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AIRFLOW__API__BASE_URL", raising=False)
    assert "decision_url" not in with_decision_link(blocked_event("SUSPENDUE")).details
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", "https://airflow.example/")
    linked = with_decision_link(blocked_event("SUSPENDUE"))
    assert linked.details["decision_url"] == "https://airflow.example/chorusflow-decisions/F%201%2F2"
    assert "decision_url" not in with_decision_link(blocked_event("REFUSEE_MOA")).details
