"""The questions asked about blocked invoices, the reminder when nobody answers, and the digest's list."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from chorusflow.alerts import AlertSettings
from chorusflow.alerts.digest import build_digest, render_digest
from chorusflow.alerts.events import decision_reminder_event
from chorusflow.alerts.render import render
from chorusflow.ledger import Ledger
from chorusflow.platforms.chorus_pro import ChorusProClient
from chorusflow.resolution import Action, Decision, Kind, open_requests
from chorusflow.rules.profiles import load_profiles
from chorusflow_dev.sandbox import SandboxServer
from chorusflow_dev.testing import SUPPLIER_SIRET
from tests.fixtures.sandbox import sandbox_admin
from tests.resolution.helpers import DECIDER, attachments_folder, blocked, resolver


def test_one_question_per_waiting_invoice_until_someone_answers(
    ledger: Ledger, client: ChorusProClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    if ledger.dialect_name != "sqlite":
        pytest.skip("reads only; the decisions' writes run on both databases in test_resolver.py")
    admin = sandbox_admin(sandbox)
    blocked(
        ledger,
        client,
        admin,
        {
            "Q-1": ("SUSPENDUE", "Bon de livraison manquant"),
            "Q-2": ("A_RECYCLER", "Numéro de commande attendu"),
            "Q-3": ("REJETEE", "Montant erroné"),
        },
    )
    folder = attachments_folder(tmp_path)

    requests = {
        r.invoice_number: r for r in open_requests(ledger, SUPPLIER_SIRET, "fr", folder, load_profiles())
    }

    assert {number: request.kind for number, request in requests.items()} == {
        "Q-1": Kind.SUSPENDED,
        "Q-2": Kind.TO_RECYCLE,
        "Q-3": Kind.REJECTED,
    }
    suspended, recycle, rejected = requests["Q-1"], requests["Q-2"], requests["Q-3"]
    assert suspended.options == ["Compléter"] and list(suspended.params) == ["attachment", "comment"]
    assert "Bon de livraison manquant" in suspended.body and "120,00" in suspended.body
    assert str(folder) not in suspended.body and "téléversez le PDF" in suspended.body  # no server path
    assert "exactement 10 chiffres" in recycle.body  # IFPEN's rule, from its profile
    assert "(champ : numéro d'engagement)" in recycle.body  # which field the rule is about
    assert "- **Acheminement actuel** : Code service : " in recycle.body  # the current routing
    assert rejected.options[-1] == "Prendre acte du rejet" and "jamais redéposé" in rejected.body
    english = open_requests(ledger, SUPPLIER_SIRET, "en", folder, load_profiles(), ["Q-2"])
    assert [r.subject for r in english] == ["Invoice Q-2 to recycle"]

    done = resolver(ledger, client, folder).apply(
        Decision(invoice_number="Q-3", action=Action.ACKNOWLEDGE, decided_by=DECIDER)
    )
    assert done.ok
    remaining = open_requests(ledger, SUPPLIER_SIRET, "fr", folder, load_profiles())
    assert [r.invoice_number for r in remaining] == ["Q-1", "Q-2"]  # the acknowledged event is answered


def test_a_decision_not_taken_in_time_is_reminded_once_then_in_the_digest(
    ledger: Ledger, client: ChorusProClient, sandbox: SandboxServer
) -> None:
    if ledger.dialect_name != "sqlite":
        pytest.skip("alerts run on both databases in tests/alerts")
    blocked(ledger, client, sandbox_admin(sandbox), {"Q-9": ("SUSPENDUE", "Pièce manquante")})
    [request] = open_requests(ledger, SUPPLIER_SIRET, "fr", Path("/tmp"), load_profiles())
    detail = ledger.get_invoice("Q-9", SUPPLIER_SIRET)
    assert detail is not None
    link = (
        "http://airflow.example/dags/chorus_resolve_invoices/runs/r/tasks/decide/required_actions?map_index=0"
    )
    event = decision_reminder_event(detail, request.event_key, link)
    message = render(event, "fr")
    assert message.subject == "[chorusflow] Décision attendue : Q-9"
    assert link in message.text and f"href='{link}'" in message.html.replace("&amp;", "&")

    settings = AlertSettings.from_env()
    now = datetime.now(UTC)
    assert build_digest(ledger, SUPPLIER_SIRET, now, settings).awaited == []
    assert ledger.record_alert(event.event_key, event.kind.value, detail.id, "log", event.payload())
    assert not ledger.record_alert(event.event_key, event.kind.value, detail.id, "log", event.payload())
    digest = build_digest(ledger, SUPPLIER_SIRET, now, settings)
    assert [e.invoice_number for e in digest.awaited] == ["Q-9"]
    assert "Décisions attendues (rappel envoyé) : 1" in render_digest(digest, "fr").text
