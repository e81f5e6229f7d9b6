"""``chorusflow validate`` with several suppliers: the DAG's routing and verdicts, as a subprocess.

The command routes an export as ``chorus_submit_invoices`` does (``validate_routed_export``): these
tests run the real command on real files and compare its verdicts with that function's.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from chorusflow.platforms.chorus_pro import ChorusProClient, ChorusProConfig
from chorusflow.platforms.chorus_pro.config import connection_variable
from chorusflow.rules.directory import ChorusDirectory
from chorusflow.rules.validate import RoutedReport, validate_routed_export
from chorusflow.suppliers import SupplierIdentity, load_suppliers
from chorusflow_dev.testing.exports import write_export
from tests.rules.builders import row
from tests.suppliers.builders import EU_ID, EU_IDENTIFIER, FRENCH_ID, NON_EU_ID, NON_EU_IDENTIFIER

REPO = Path(__file__).resolve().parents[2]
CHORUSFLOW = Path(sys.executable).with_name("chorusflow")
EXAMPLE = REPO / "examples" / "several-suppliers"
MIXED = EXAMPLE / "mixed-export.csv"
SUPPLIERS_DIR = EXAMPLE / "config" / "suppliers"


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``chorusflow validate`` with the example's three suppliers and no connection unless given."""
    environment = {
        **{key: value for key, value in os.environ.items() if not key.startswith("AIRFLOW_CONN_")},
        "CHORUSFLOW_SUPPLIERS_DIR": str(SUPPLIERS_DIR),
        **(env or {}),
    }
    result = subprocess.run(
        [str(CHORUSFLOW), "validate", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
        check=False,
    )
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    return result


@pytest.fixture(autouse=True)
def example_suppliers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same three suppliers for the in-process ``validate_routed_export`` the command is compared to."""
    monkeypatch.setenv("CHORUSFLOW_SUPPLIERS_DIR", str(SUPPLIERS_DIR))


def per_supplier(routed: RoutedReport) -> dict[str, tuple[int, int]]:
    return {
        part.supplier.id: (part.report.summary.valid, part.report.summary.invalid) for part in routed.parts
    }


def per_invoice(routed: RoutedReport) -> dict[str, tuple[str, bool, list[str]]]:
    return {
        verdict.invoice_number: (part.supplier.id, verdict.valid, [item.code for item in verdict.errors])
        for part in routed.parts
        for verdict in part.report.invoices
    }


def document_per_supplier(document: dict[str, Any]) -> dict[str, tuple[int, int]]:
    return {
        item["id"]: (item["summary"]["valid"], item["summary"]["invalid"]) for item in document["suppliers"]
    }


def document_per_invoice(document: dict[str, Any]) -> dict[str, tuple[str, bool, list[str]]]:
    return {
        item["invoice_number"]: (item["supplier"], item["valid"], [error["code"] for error in item["errors"]])
        for item in document["invoices"]
    }


def faulty_mixed(path: Path) -> Path:
    """The example's mixed export, and invoices that are invalid for one supplier or refused."""
    extra = [
        # a reverse charge without the buyer's VAT number: invalid for rheinwerk (VAT_NUMBER_MISSING)
        "INV-0503;rheinwerk;2026-11-02;2026-12-02;2026-10-30;21990001600011;Commune de Démoville;"
        "services;reverse_charge;;Audit;1;500,00;0",
        # named by its identifier: alpenlicht's, invalid (an unknown operation nature)
        f"CH-1;{NON_EU_IDENTIFIER};2026-11-02;2026-12-02;2026-10-30;21990001600011;Commune de Démoville;"
        "repairs;import;;Lamps;1;100,00;0",
        # no supplier: the default's, and invalid there (a French supplier cannot reverse-charge)
        "F2026-0502;;2026-11-02;2026-12-02;2026-10-30;21990001600011;Commune de Démoville;services;"
        "reverse_charge;FR53219900016;Audit;1;100,00;0",
        # unknown supplier: refused
        "X-1;acme_paris;2026-11-02;2026-12-02;2026-10-30;21990001600011;Commune de Démoville;services;"
        ";;Maintenance;1;100,00;20",
    ]
    path.write_text(MIXED.read_text(encoding="utf-8").rstrip("\n") + "\n" + "\n".join(extra) + "\n", "utf-8")
    return path


def test_the_examples_mixed_export_gets_the_dags_verdicts_per_supplier() -> None:
    routed = validate_routed_export(MIXED, load_suppliers(), lang="fr")
    assert per_supplier(routed) == {
        FRENCH_ID: (1, 0),
        EU_ID: (2, 0),
    }  # INV-0501 would be invalid as acme_lyon's

    result = run(str(MIXED), "--offline", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document_per_supplier(document) == per_supplier(routed)
    assert document_per_invoice(document) == per_invoice(routed)
    assert document["refused"] == [] and document["summary"]["refused"] == 0

    text = run(str(MIXED), "--offline")
    assert text.returncode == 0
    assert "Fournisseur acme_lyon (ACME Energie SAS) — 1 facture(s), 1 ligne(s) : 1 valide(s)" in text.stdout
    assert "Fournisseur rheinwerk (Rheinwerk Analytik GmbH) — 2 facture(s)" in text.stdout


def test_invalid_and_refused_invoices_match_the_dag_and_exit_1(tmp_path: Path) -> None:
    path = faulty_mixed(tmp_path / "mixed.csv")
    routed = validate_routed_export(path, load_suppliers(), lang="en")
    expected = per_supplier(routed)
    assert expected == {FRENCH_ID: (1, 1), EU_ID: (2, 1), NON_EU_ID: (0, 1)}

    result = run(str(path), "--offline", "--json", "--lang", "en")
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    assert set(document) == {"file_errors", "invoices", "refused", "suppliers", "summary"}
    assert document_per_supplier(document) == expected
    assert document_per_invoice(document) == per_invoice(routed)
    assert document_per_invoice(document)["CH-1"][0] == NON_EU_ID
    assert [(item["code"], item["invoices"], item["rows"]) for item in document["refused"]] == [
        ("SUPPLIER_UNKNOWN", ["X-1"], [8])
    ]
    assert document["refused"][0]["message"] == routed.refused[0].message
    summary = document["summary"]
    assert (summary["invoices"], summary["valid"], summary["invalid"], summary["refused"]) == (7, 3, 4, 1)
    assert summary["lines"] == 7 and summary["offline"] is True and summary["language"] == "en"


def test_an_unknown_supplier_alone_is_invalid_in_english(tmp_path: Path) -> None:
    path = write_export(
        tmp_path / "e.csv", [row(invoice_number="X-1", supplier_id="acme_paris"), row(invoice_number="X-2")]
    )
    for args, env in (
        ((str(path), "--offline", "--lang", "en"), {}),
        ((str(path), "--offline"), {"CHORUSFLOW_LANG": "en"}),
    ):
        result = run(*args, env=env)
        assert result.returncode == 1, result.stderr
        assert (
            "Refused invoices, without a certain supplier (nothing of them would be recorded):"
            in result.stdout
        )
        assert "[SUPPLIER_UNKNOWN] Supplier 'acme_paris' is not configured in chorusflow" in result.stdout
        assert (
            "Supplier acme_lyon (ACME Energie SAS) — 1 invoice(s), 1 line(s): 1 valid, 0 invalid"
            in result.stdout
        )
        assert "Total — 2 invoice(s), 2 line(s): 1 valid, 1 invalid of which 1 refused" in result.stdout
    french = run(str(path), "--offline", env={"CHORUSFLOW_LANG": "fr"})
    assert french.returncode == 1 and "Le fournisseur « acme_paris » n'est pas configuré" in french.stdout
    assert "dont 1 refusée(s) pour leur fournisseur" in french.stdout
    valid = write_export(tmp_path / "valid.csv", [row(invoice_number="X-2")])
    assert run(str(valid), "--offline").returncode == 0  # the refusal alone made it invalid


def test_an_export_in_a_suppliers_inbox_folder_is_that_suppliers(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    (inbox / NON_EU_ID).mkdir(parents=True)
    path = faulty_mixed(inbox / NON_EU_ID / "mixed.csv")
    result = run(str(path), "--offline", "--json", env={"CHORUSFLOW_INBOX": str(inbox)})
    document = json.loads(result.stdout)
    suppliers = load_suppliers()
    routed = validate_routed_export(path, suppliers, folder_supplier=suppliers.by_id(NON_EU_ID), lang="fr")
    assert result.returncode == 1
    assert document_per_supplier(document) == per_supplier(routed) == {NON_EU_ID: (2, 1)}
    assert {item["code"] for item in document["refused"]} == {"SUPPLIER_CONFLICT", "SUPPLIER_UNKNOWN"}
    elsewhere = shutil.copy(path, tmp_path / "mixed.csv")  # outside the inbox: the default's
    moved = json.loads(
        run(str(elsewhere), "--offline", "--json", env={"CHORUSFLOW_INBOX": str(inbox)}).stdout
    )
    assert {item["id"] for item in moved["suppliers"]} == {FRENCH_ID, EU_ID, NON_EU_ID}


def test_supplier_option_still_validates_everything_as_one_supplier() -> None:
    result = run(str(MIXED), "--offline", "--json", "--supplier", EU_ID)
    document = json.loads(result.stdout)
    assert set(document) == {"file_errors", "invoices", "summary"}  # the one-supplier document
    assert all("supplier" not in item for item in document["invoices"])
    assert {item["invoice"]["supplier"]["id"] for item in document["invoices"]} == {EU_ID}
    assert result.returncode == 0 and document["summary"]["invoices"] == 3
    french_vat = next(item for item in document["invoices"] if item["invoice_number"] == "F2026-0501")
    assert [item["code"] for item in french_vat["warnings"]] == ["FRENCH_VAT_BY_FOREIGN_SUPPLIER"]


def test_facturx_checks_each_suppliers_valid_invoices() -> None:
    result = run(str(MIXED), "--offline", "--facturx", "--json", "--lang", "en")
    assert result.returncode == 1, result.stderr
    verdicts = document_per_invoice(json.loads(result.stdout))
    assert verdicts["F2026-0501"] == (FRENCH_ID, True, [])  # its Factur-X was built and passed the checks
    assert verdicts["INV-0501"] == (EU_ID, False, ["FACTURX_SUPPLIER_WITHOUT_SIRET"])


def test_a_broken_file_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_bytes(b"\x00\x01garbage\xff" * 50)
    result = run(str(path), "--offline", "--json")
    assert result.returncode == 2
    document = json.loads(result.stdout)
    assert document["file_errors"][0]["code"] == "EXPORT_UNREADABLE" and "EXPORT_UNREADABLE" in result.stderr


def connections(sandbox: Any) -> dict[str, str]:
    return {
        "AIRFLOW_CONN_CHORUS_PRO": sandbox.connection_json(),
        "AIRFLOW_CONN_CHORUS_PRO__RHEINWERK": sandbox.connection_json(EU_IDENTIFIER),
        "AIRFLOW_CONN_CHORUS_PRO__ALPENLICHT": sandbox.connection_json(NON_EU_IDENTIFIER),
    }


def test_online_each_supplier_reads_the_directory_with_its_own_account(
    sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = faulty_mixed(tmp_path / "mixed.csv")
    env = connections(sandbox)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    clients: dict[str, ChorusProClient] = {}

    def directory(supplier: SupplierIdentity) -> ChorusDirectory:
        variable = connection_variable(supplier.connection_id)
        clients.setdefault(variable, ChorusProClient(ChorusProConfig.from_env(variable)))
        return ChorusDirectory(clients[variable])

    routed = validate_routed_export(path, load_suppliers(), directories=directory, lang="en")
    for client in clients.values():
        client.close()
    assert sorted(clients) == sorted(env)

    result = run(str(path), "--json", env=env)
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    assert document["summary"]["offline"] is False
    assert all(item["summary"]["offline"] is False for item in document["suppliers"])
    assert document_per_supplier(document) == per_supplier(routed)
    assert document_per_invoice(document) == per_invoice(routed)

    # rheinwerk's buyers are read with rheinwerk's account: without it, the command says so
    missing = {key: value for key, value in env.items() if not key.endswith("__RHEINWERK")}
    result = run(str(path), env=missing)
    assert result.returncode == 2
    assert "AIRFLOW_CONN_CHORUS_PRO__RHEINWERK is not set" in result.stderr and "--offline" in result.stderr
    only_french = write_export(tmp_path / "fr.csv", [row(invoice_number="F-1")])
    result = run(
        str(only_french), "--lang", "en", env=missing
    )  # no rheinwerk invoice: its account is not needed
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Offline mode" not in result.stdout


IFPEN_ROWS = [
    # IFPEN's profile (buyers/ifpen.yaml): an engagement number is exactly 10 digits
    "F2026-0503;;2026-11-02;2026-12-02;2026-10-30;77572915500017;IFPEN;services;;;Maintenance;1;100,00;20;4500012340",
    "F2026-0504;;2026-11-02;2026-12-02;2026-10-30;77572915500017;IFPEN;services;;;Maintenance;1;100,00;20;EJ-42",
]


def with_ifpen_invoices(path: Path) -> Path:
    """The example's mixed export with an ``engagement_number`` column and two IFPEN invoices."""
    header, *rows = MIXED.read_text(encoding="utf-8").splitlines()
    lines = [f"{header};engagement_number", *(f"{line};" for line in rows), *IFPEN_ROWS]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_example_config_dir_keeps_the_buyer_profiles(tmp_path: Path) -> None:
    """With CHORUSFLOW_CONFIG_DIR at the example's folder (as its README exports it), IFPEN's rule applies."""
    env = {"CHORUSFLOW_CONFIG_DIR": str(EXAMPLE / "config"), "CHORUSFLOW_LANG": "en"}
    example = run(str(MIXED), "--offline", env=env)
    assert example.returncode == 0 and "buyer profile" not in example.stderr, example.stderr
    result = run(str(with_ifpen_invoices(tmp_path / "mixed.csv")), "--offline", "--json", env=env)
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    verdicts = document_per_invoice(document)
    assert verdicts["F2026-0503"] == (FRENCH_ID, True, [])
    assert verdicts["F2026-0504"] == (FRENCH_ID, False, ["ENGAGEMENT_FORMAT"])
    filled = next(item for item in document["invoices"] if item["invoice_number"] == "F2026-0503")
    assert filled["invoice"]["service_code"] == "Facture_commande"  # filled in by the profile


@pytest.mark.parametrize(("lang", "words"), [("fr", "Aucun profil d'acheteur"), ("en", "No buyer profile")])
def test_a_config_dir_without_buyer_profiles_says_so_on_stderr(tmp_path: Path, lang: str, words: str) -> None:
    config = tmp_path / "config"
    shutil.copytree(SUPPLIERS_DIR, config / "suppliers")
    env = {"CHORUSFLOW_CONFIG_DIR": str(config), "CHORUSFLOW_LANG": lang}
    result = run(str(with_ifpen_invoices(tmp_path / "mixed.csv")), "--offline", "--json", env=env)
    assert result.stderr.count(words) == 1, result.stderr
    assert str(config / "buyers") in result.stderr
    # That is why: the buyer's own rule is off, the bad engagement number goes through.
    assert document_per_invoice(json.loads(result.stdout))["F2026-0504"] == (FRENCH_ID, True, [])
