"""The decision pages in Airflow's own API server app: login, who may decide, no dead end.

The plugin is mounted by Airflow's plugin manager from ``plugins/``; tokens come from the simple
auth manager with the users ``make airflow`` creates (``clerk``: role ``user``; ``viewer``). The
ledger is the desk's story (tests/desk/story.py); no decision task exists in this metadata database,
so every invoice shows the page that says so and, when it still waits for a decision, how to reopen it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from chorusflow.ledger import Ledger
from tests.desk.story import SUPPLIER, build_story
from tests.fixtures.ledger import airflow_conn_uri

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

PASSWORD = "decisions-test-password"
PAGE = "/chorusflow-decisions"


@pytest.fixture(scope="module")
def airflow_app(tmp_path_factory: pytest.TempPathFactory, airflow_db: None) -> Iterator[TestClient]:
    from fastapi.testclient import TestClient

    from chorusflow_dev.airflow.local import UI_USERS

    passwords = tmp_path_factory.mktemp("auth") / "passwords.json"
    passwords.write_text(json.dumps(dict.fromkeys(UI_USERS, PASSWORD)), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        users = ",".join(f"{name}:{role}" for name, role in UI_USERS.items())
        patch.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS", users)
        patch.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE", str(passwords))
        patch.setenv("AIRFLOW__API_AUTH__JWT_SECRET", "decisions-tests-" + "x" * 64)
        from airflow.api_fastapi.app import create_app

        with TestClient(create_app(apps="core")) as client:
            yield client


def headers(client: TestClient, user: str) -> dict[str, str]:
    answer = client.post("/auth/token", json={"username": user, "password": PASSWORD})
    assert answer.status_code == 201, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


@pytest.fixture
def story_ledger(ledger: Ledger, ledger_url: str, monkeypatch: pytest.MonkeyPatch) -> Ledger:
    if ledger.dialect_name != "sqlite":
        pytest.skip("the pages read the ledger as the desk does, tested on both databases there")
    build_story(ledger)
    monkeypatch.setenv("AIRFLOW_CONN_CHORUSFLOW_LEDGER", airflow_conn_uri(ledger_url))
    monkeypatch.setenv("CHORUSFLOW_SUPPLIER_SIRET", SUPPLIER)  # the story's supplier
    return ledger


def test_a_logged_out_link_goes_to_the_login_and_back(airflow_app: TestClient) -> None:
    answer = airflow_app.get(f"{PAGE}/F2026-0101", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/auth/login?next=")
    assert "chorusflow-decisions%2FF2026-0101" in answer.headers["location"]
    assert airflow_app.post(f"{PAGE}/F2026-0101", follow_redirects=False).status_code == 401


def test_a_closed_decision_says_how_to_reopen_it_to_a_decider_only(
    airflow_app: TestClient, story_ledger: Ledger
) -> None:
    clerk = airflow_app.get(f"{PAGE}/F2026-0101", headers=headers(airflow_app, "clerk"))
    assert clerk.status_code == 200
    page = clerk.text
    assert "Aucune décision n&#x27;est ouverte pour la facture F2026-0101." in page
    assert "statut Chorus Pro : SUSPENDUE" in page and 'id="reopen"' in page
    assert "/chorusflow/invoices/" in page  # the invoice's desk page, never a dead end

    viewer = airflow_app.get(f"{PAGE}/F2026-0101", headers=headers(airflow_app, "viewer")).text
    assert 'id="reopen"' not in viewer and "Seul un décideur peut décider" in viewer

    english = airflow_app.get(f"{PAGE}/F2026-0103?lang=en", headers=headers(airflow_app, "clerk")).text
    assert "The invoice does not wait for a decision." in english and 'id="reopen"' not in english


def test_reopening_without_rights_or_without_the_dag_changes_nothing(
    airflow_app: TestClient, story_ledger: Ledger
) -> None:
    for user in ("viewer", "clerk"):  # the viewer may not; the DAG is not deployed in this database
        answer = airflow_app.post(
            f"{PAGE}/F2026-0101/reopen", headers=headers(airflow_app, user), follow_redirects=False
        )
        assert answer.status_code == 303 and answer.headers["location"].endswith("/F2026-0101?lang=fr")


def test_a_viewer_cannot_answer(airflow_app: TestClient, story_ledger: Ledger) -> None:
    answer = airflow_app.post(
        f"{PAGE}/F2026-0101", headers=headers(airflow_app, "viewer"), data={"option": "Compléter"}
    )
    assert answer.status_code == 200 and "Seul un décideur peut décider" in answer.text


def test_another_sites_form_is_refused(airflow_app: TestClient, story_ledger: Ledger) -> None:
    for path in ("/F2026-0101", "/F2026-0101/reopen"):
        answer = airflow_app.post(
            f"{PAGE}{path}",
            headers={**headers(airflow_app, "clerk"), "Origin": "https://elsewhere.example"},
            data={"option": "Compléter"},
            follow_redirects=False,
        )
        assert answer.status_code == 403
