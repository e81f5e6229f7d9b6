"""The PISTE quota with several suppliers: one ``api_quota`` row per client id, whatever the supplier.

Suppliers whose connections use one PISTE application (the same ``client_id``) share its quota, so a
429 met by one holds the others; a supplier with an application of its own keeps its own quota.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chorusflow.airflow import connections
from chorusflow.ledger.quota import SharedPacer
from chorusflow.suppliers import load_suppliers
from tests.fixtures.ledger import airflow_conn_uri
from tests.suppliers.builders import EU_ID, FRENCH_ID, NON_EU_ID, three_suppliers


def connection(login: str, client_id: str) -> str:
    return json.dumps(
        {
            "conn_type": "http",
            "host": "http://127.0.0.1:9",  # never called: only the pacing is looked at
            "login": login,
            "password": f"password-of-{login}",
            "extra": {"token_url": "http://127.0.0.1:9/token", "client_id": client_id, "client_secret": "s"},
        }
    )


def test_suppliers_share_the_quota_of_their_piste_application_only(
    ledger_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHORUSFLOW_CONFIG_DIR", str(three_suppliers(tmp_path / "config")))
    monkeypatch.setenv("AIRFLOW_CONN_CHORUSFLOW_LEDGER", airflow_conn_uri(ledger_url))
    monkeypatch.setenv("AIRFLOW_CONN_CHORUS_PRO", connection("acme", "editor-application"))
    monkeypatch.setenv(
        f"AIRFLOW_CONN_CHORUS_PRO__{EU_ID.upper()}", connection("rheinwerk", "editor-application")
    )
    monkeypatch.setenv(f"AIRFLOW_CONN_CHORUS_PRO__{NON_EU_ID.upper()}", connection("alpenlicht", "own-app"))
    suppliers = {supplier.id: supplier for supplier in load_suppliers()}
    pacers = {}
    for supplier_id, supplier in suppliers.items():
        client = connections.supplier_client(supplier)
        pacer = client._pacer
        assert isinstance(pacer, SharedPacer), supplier_id
        pacers[supplier_id] = pacer
    assert pacers[FRENCH_ID].key == pacers[EU_ID].key == "editor-application"
    assert pacers[NON_EU_ID].key == "own-app"

    pacers[FRENCH_ID].acquire()
    pacers[FRENCH_ID].hold_off(0.6)  # a 429 met with the French supplier's account
    assert pacers[NON_EU_ID].acquire() < 0.1, "a supplier with its own PISTE application keeps its quota"
    assert pacers[EU_ID].acquire() >= 0.45, "the 429 holds every supplier of that PISTE application"
