"""``chorusflow ledger`` run as a real subprocess against SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect

from chorusflow.cli.ledger import STATE_NAMES
from chorusflow.ledger import InvoiceState, Ledger, resolve_ledger_url
from chorusflow.ledger.migrate import alembic_config, head_revision
from chorusflow.messages import REGISTRY, text
from tests.fixtures.ledger import airflow_conn_uri
from tests.ledger.helpers import SUPPLIER, owner, record, verdict

CHORUSFLOW = Path(sys.executable).with_name("chorusflow")


def run_cli(
    *args: str,
    conn: str | None,
    lang: str = "fr",
    home: Path | None = None,
    user_home: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``chorusflow ledger ARGS``; ``user_home`` is ``HOME`` with no ``CHORUSFLOW_HOME`` at all."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AIRFLOW_CONN_")}
    env["CHORUSFLOW_LANG"] = lang
    if conn is not None:
        env["AIRFLOW_CONN_CHORUSFLOW_LEDGER"] = conn
    if home is not None:
        env["CHORUSFLOW_HOME"] = str(home)
    if user_home is not None:
        env.pop("CHORUSFLOW_HOME", None)
        env["HOME"] = str(user_home)
    return subprocess.run(
        [str(CHORUSFLOW), "ledger", *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def populate(ledger: Ledger) -> None:
    record(ledger, "F-001", "F-002")
    ledger.record_validated(SUPPLIER, "export.csv", [verdict("F-003", valid=False)])
    claim = ledger.claim_for_submission(SUPPLIER, ["F-001"], owner())[0]
    attempt = ledger.start_attempt(claim, owner())
    ledger.finish_attempt(attempt, "succeeded")
    ledger.mark_submitted(
        claim.invoice_id,
        4242,
        numero_flux_depot="CPP0010000000000000000042",
        status_at=datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
    )
    ledger.record_status(
        claim.invoice_id,
        "SUSPENDUE",
        datetime(2026, 11, 22, 8, 0, tzinfo=UTC),
        "Pièce justificative manquante",
        InvoiceState.BLOCKED,
    )


def test_list_json_and_tables(ledger: Ledger, ledger_conn_uri: str) -> None:
    populate(ledger)
    result = run_cli("list", "--json", conn=ledger_conn_uri)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [(row["invoice_number"], row["state"]) for row in rows] == [
        ("F-001", "blocked"),
        ("F-002", "pending"),
        ("F-003", "invalid"),
    ]
    assert rows[0]["identifiant_facture_cpp"] == 4242 and rows[0]["chorus_status"] == "SUSPENDUE"
    assert rows[0]["total_ttc"] == "120.00"

    french = run_cli("list", conn=ledger_conn_uri)
    header, rule, *table = french.stdout.splitlines()
    assert french.returncode == 0 and header.split()[:2] == ["Numéro", "Acheteur"]
    assert "120,00 EUR" in french.stdout and "CPP0010000000000000000042" in french.stdout
    # Aligned: every state sits under the header's "État" column, in French.
    column = header.index("État")
    assert [row[column:].split("  ")[0] for row in table] == ["bloquée", "en attente", "invalide"]
    assert set(rule) == {"-", " "}
    # The last error: the buyer's comment on the blocked one, the first error finding of the invalid one.
    error = header.index("Dernière erreur")
    assert [row[error:] for row in table] == [
        "Pièce justificative manquante",
        "",
        "[FR-SIRET-01] SIRET invalide",
    ]

    english = run_cli("list", conn=ledger_conn_uri, lang="en")
    header, _, *table = english.stdout.splitlines()
    column = header.index("State")
    assert [row[column:].split("  ")[0] for row in table] == ["blocked", "pending", "invalid"]
    error = header.index("Last error")
    assert [row[error:] for row in table] == [
        "Pièce justificative manquante",
        "",
        "[FR-SIRET-01] SIRET invalide",
    ]
    blocked = json.loads(run_cli("list", "--state", "blocked", "--json", conn=ledger_conn_uri).stdout)
    assert [(row["invoice_number"], row["state"]) for row in blocked] == [("F-001", "blocked")]


def test_show_text_and_unknown(ledger: Ledger, ledger_conn_uri: str) -> None:
    populate(ledger)
    shown = run_cli("show", "F-001", conn=ledger_conn_uri)
    assert shown.returncode == 0, shown.stderr
    for expected in (
        "4242",
        "SUSPENDUE",
        "Pièce justificative manquante",
        "succeeded",
        "DEPOSEE (submission)",
    ):
        assert expected in shown.stdout
    state_line = next(line for line in shown.stdout.splitlines() if line.startswith("État"))
    assert state_line.split()[-1] == "bloquée"
    error_line = next(line for line in shown.stdout.splitlines() if line.startswith("Dernière erreur"))
    assert error_line.endswith("Pièce justificative manquante")
    unknown = run_cli("show", "F-404", conn=ledger_conn_uri)
    assert unknown.returncode == 1 and unknown.stderr.strip() == "Facture F-404 inconnue du registre."
    assert unknown.stdout == ""


def test_default_database_migrate_english_list_and_show_json(tmp_path: Path) -> None:
    # No connection defined: the embedded SQLite file in CHORUSFLOW_HOME, created and migrated on demand.
    migrated = run_cli("migrate", conn=None, home=tmp_path)
    assert migrated.returncode == 0 and head_revision() in migrated.stdout
    assert (tmp_path / "ledger.sqlite").exists()
    ledger = Ledger(resolve_ledger_url({"CHORUSFLOW_HOME": str(tmp_path)}))
    try:
        populate(ledger)
    finally:
        ledger.dispose()
    english = run_cli("list", "--state", "pending", conn=None, home=tmp_path, lang="en")
    assert english.returncode == 0 and english.stdout.startswith("Number")
    assert "F-002" in english.stdout and "F-001" not in english.stdout and "120.00 EUR" in english.stdout
    as_json = json.loads(run_cli("show", "F-003", "--json", conn=None, home=tmp_path).stdout)
    assert as_json["state"] == "invalid" and as_json["findings"][0]["code"] == "FR-SIRET-01"
    assert as_json["attempts"] == [] and as_json["history"] == []


@pytest.mark.parametrize(
    ("conn", "expected"),
    [
        ("{oops", "Connexion au registre invalide"),
        ("postgres://ledger:hunter2@127.0.0.1:1/chorus", "Registre inaccessible"),
    ],
)
def test_bad_or_unreachable_database_is_one_line_exit_2(conn: str, expected: str) -> None:
    result = run_cli("list", conn=conn)
    assert result.returncode == 2
    assert result.stderr.startswith(expected) and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr and "hunter2" not in result.stderr


def test_state_names_and_labels_cover_every_state() -> None:
    assert STATE_NAMES == tuple(state.value for state in InvoiceState)  # needs_review included
    assert {key.removeprefix("state.") for key in REGISTRY if key.startswith("state.")} == set(STATE_NAMES)
    assert text("state.needs_review", "fr") == "à vérifier" and text("state.submitted", "fr") == "déposée"
    assert text("state.needs_review", "en") == "needs review"


def test_needs_review_in_both_languages(ledger: Ledger, ledger_conn_uri: str) -> None:
    record(ledger, "F-100")
    claim = ledger.claim_for_submission(SUPPLIER, ["F-100"], owner())[0]
    ledger.mark_needs_review(claim.invoice_id, "two candidate invoices on Chorus Pro")
    french = run_cli("list", "--state", "needs_review", conn=ledger_conn_uri)
    assert french.returncode == 0, french.stderr
    assert "à vérifier" in french.stdout and "two candidate invoices on Chorus Pro" in french.stdout
    english = run_cli("list", "--state", "needs_review", conn=ledger_conn_uri, lang="en")
    assert "needs review" in english.stdout
    rows = json.loads(run_cli("list", "--json", conn=ledger_conn_uri).stdout)
    assert [row["state"] for row in rows] == ["needs_review"]


def test_no_ledger_yet_creates_nothing(tmp_path: Path) -> None:
    # A machine where chorusflow never ran: no CHORUSFLOW_HOME, no ~/.chorusflow.
    user_home = tmp_path / "home"
    user_home.mkdir()
    default = user_home / ".chorusflow" / "ledger.sqlite"
    listed = run_cli("list", conn=None, user_home=user_home)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.startswith("Pas encore de registre") and str(default) in listed.stdout
    as_json = run_cli("list", "--json", conn=None, user_home=user_home, lang="en")
    assert as_json.returncode == 0 and json.loads(as_json.stdout) == []
    assert as_json.stderr.startswith("No ledger yet") and str(default) in as_json.stderr
    shown = run_cli("show", "F-001", conn=None, user_home=user_home)
    assert shown.returncode == 1 and shown.stdout == ""
    assert str(default) in shown.stderr and "Facture F-001 inconnue du registre." in shown.stderr
    assert list(user_home.iterdir()) == []
    # The same with CHORUSFLOW_HOME pointing at a folder that does not exist.
    home = tmp_path / "chorusflow-home"
    listed = run_cli("list", conn=None, home=home)
    assert listed.returncode == 0 and str(home / "ledger.sqlite") in listed.stdout
    assert not home.exists()
    # A SQLite connection to a file that does not exist: not created either.
    missing = tmp_path / "nowhere" / "ledger.sqlite"
    listed = run_cli("list", conn=airflow_conn_uri(f"sqlite:///{missing}"))
    assert listed.returncode == 0 and str(missing) in listed.stdout
    assert not missing.parent.exists()
    assert run_cli("migrate", conn=None, home=home).returncode == 0  # the command that creates it
    assert (home / "ledger.sqlite").exists()


def test_empty_database_is_no_ledger_and_stays_empty(ledger_url: str, tmp_path: Path) -> None:
    engine = create_engine(ledger_url)
    with engine.connect():  # SQLite: the file exists, empty; PostgreSQL: the database has no table
        pass
    try:
        listed = run_cli("list", conn=airflow_conn_uri(ledger_url))
        assert listed.returncode == 0, listed.stderr
        assert listed.stdout.startswith("Pas encore de registre")
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


def test_an_older_schema_is_reported_not_upgraded(ledger_url: str) -> None:
    engine = create_engine(ledger_url)
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "0001_initial")
        listed = run_cli("list", conn=airflow_conn_uri(ledger_url))
        assert listed.returncode == 2 and listed.stdout == ""
        assert "0001_initial" in listed.stderr and "chorusflow ledger migrate" in listed.stderr
        assert len(listed.stderr.strip().splitlines()) == 1 and "Traceback" not in listed.stderr
        ledger = Ledger(ledger_url)
        try:
            assert ledger.revision() == "0001_initial"
        finally:
            ledger.dispose()
    finally:
        engine.dispose()
