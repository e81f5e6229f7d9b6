"""``chorusflow ledger`` run as a real subprocess against SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from chorusflow.ledger import InvoiceState, Ledger, resolve_ledger_url
from tests.ledger.helpers import SUPPLIER, owner, record, verdict

CHORUSFLOW = Path(sys.executable).with_name("chorusflow")


def run_cli(
    *args: str, conn: str | None, lang: str = "fr", home: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("AIRFLOW_CONN_")}
    env["CHORUSFLOW_LANG"] = lang
    if conn is not None:
        env["AIRFLOW_CONN_CHORUSFLOW_LEDGER"] = conn
    if home is not None:
        env["CHORUSFLOW_HOME"] = str(home)
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
    # Aligned: every state sits under the header's "État" column.
    column = header.index("État")
    assert [row[column:].split()[0] for row in table] == ["blocked", "pending", "invalid"]
    assert set(rule) == {"-", " "}


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
    unknown = run_cli("show", "F-404", conn=ledger_conn_uri)
    assert unknown.returncode == 1 and unknown.stderr.strip() == "Facture F-404 inconnue du registre."
    assert unknown.stdout == ""


def test_default_database_migrate_english_list_and_show_json(tmp_path: Path) -> None:
    # No connection defined: the embedded SQLite file in CHORUSFLOW_HOME, created and migrated on demand.
    migrated = run_cli("migrate", conn=None, home=tmp_path)
    assert migrated.returncode == 0 and "0002_deposit_channel" in migrated.stdout
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
