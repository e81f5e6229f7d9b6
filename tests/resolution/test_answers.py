"""An answer from a form turned into a decision (``chorusflow.resolution.decisions.decision_from_answer``),
without Airflow: the action by its value or its label in either language, empty fields left out, an
unknown answer refused with its rule code."""

from __future__ import annotations

from chorusflow.resolution import Action, Decision, action_label
from chorusflow.resolution.decisions import blank_to_none, decision_from_answer
from chorusflow.rules.codes import Finding


def test_an_answer_by_value_or_label_becomes_a_decision_without_its_empty_fields() -> None:
    fields = {"service_code": "SERV_FIN", "engagement": "  ", "comment": None, "unrelated": "x"}
    decision = decision_from_answer("F-1", "evt", ["recycle"], fields, "alice", source="hitl", lang="fr")
    assert decision == Decision(
        invoice_number="F-1",
        action=Action.RECYCLE,
        decided_by="alice",
        source="hitl",
        event_key="evt",
        service_code="SERV_FIN",
    )
    for lang in ("fr", "en"):
        by_label = decision_from_answer(
            "F-1", None, [action_label(Action.ABANDON, lang)], {}, "bob", source="params", lang="en"
        )
        assert isinstance(by_label, Decision) and by_label.action is Action.ABANDON


def test_an_unknown_or_missing_answer_is_refused_with_its_code_in_the_persons_language() -> None:
    refused = decision_from_answer("F-1", None, ["pay me"], {}, "alice", source="hitl", lang="en")
    assert isinstance(refused, Finding) and refused.code == "RESOLUTION_OPTION_UNKNOWN"
    assert refused.message == "Unknown answer 'pay me'; the choices are: pay me."
    nothing = decision_from_answer("F-1", None, [], {}, "alice", source="hitl", lang="fr")
    assert isinstance(nothing, Finding) and nothing.message == "Réponse «  » inconnue ; choix possibles : -."


def test_blank_fields_are_none_and_others_kept() -> None:
    assert [blank_to_none(value) for value in (None, "", "  ", "0", 0, "A")] == [
        None,
        None,
        None,
        "0",
        0,
        "A",
    ]
