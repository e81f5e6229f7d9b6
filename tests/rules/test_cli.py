"""``chorusflow validate`` end to end, as a subprocess, as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from chorusflow.testing.exports import write_export
from tests.rules.builders import IFPEN, row

REPO = Path(__file__).resolve().parents[2]
CHORUSFLOW = Path(sys.executable).with_name("chorusflow")
SAMPLE = REPO / "examples" / "sample-export.csv"


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **(env or {})}
    return subprocess.run(
        [str(CHORUSFLOW), "validate", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


def test_valid_export_exits_0(tmp_path: Path) -> None:
    path = write_export(tmp_path / "e.csv", [row()])
    result = run(str(path), "--offline")
    assert result.returncode == 0, result.stderr
    assert "1 facture(s)" in result.stdout and "hors ligne" in result.stdout


def test_invalid_invoice_exits_1_with_json(tmp_path: Path) -> None:
    path = write_export(tmp_path / "e.csv", [row(), row(invoice_number="F2", due_date="31/02/2026")])
    result = run(str(path), "--offline", "--json", "--lang", "en")
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    assert set(document) == {"file_errors", "invoices", "summary"}
    assert document["summary"]["offline"] is True and document["summary"]["language"] == "en"
    by_number = {item["invoice_number"]: item for item in document["invoices"]}
    assert by_number["F2026-0001"]["valid"] is True
    assert by_number["F2026-0001"]["invoice"]["total_ttc"] == "240.00"
    bad = by_number["F2"]
    assert bad["valid"] is False and bad["invoice"] is None
    assert bad["errors"] == [
        {"code": "FIELD_FORMAT", "field": "due_date", "message": bad["errors"][0]["message"]}
    ]
    assert "unreadable" in bad["errors"][0]["message"]


@pytest.mark.parametrize(
    "content",
    [b"", b"\x00\x01\x02garbage\xff" * 100, b"a;b\n1;2\n", b'invoice_number;"unterminated\n' + b"x" * 1000],
    ids=["empty", "binary", "wrong columns", "unterminated quote"],
)
def test_broken_files_exit_2_without_traceback(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "e.csv"
    path.write_bytes(content)
    result = run(str(path), "--offline", "--json")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    document = json.loads(result.stdout)
    assert document["file_errors"] and document["file_errors"][0]["code"].startswith("EXPORT_")
    assert document["file_errors"][0]["code"] in result.stderr


def test_missing_file_and_bad_arguments_exit_2(tmp_path: Path) -> None:
    result = run(str(tmp_path / "absent.csv"), "--offline")
    assert (
        result.returncode == 2 and "EXPORT_UNREADABLE" in result.stderr and "Traceback" not in result.stderr
    )
    assert run("--lang", "de", str(tmp_path / "x.csv")).returncode == 2


def test_without_connection_says_to_use_offline(tmp_path: Path) -> None:
    path = write_export(tmp_path / "e.csv", [row()])
    env = {key: value for key, value in os.environ.items() if key != "AIRFLOW_CONN_CHORUS_PRO"}
    result = subprocess.run(
        [str(CHORUSFLOW), "validate", str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert "--offline" in result.stderr and "Traceback" not in result.stderr


def test_bundled_sample_against_the_sandbox(sandbox, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = run(str(SAMPLE), "--json", env={"AIRFLOW_CONN_CHORUS_PRO": sandbox.connection_json()})
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    assert document["summary"]["offline"] is False
    assert document["summary"]["invoices"] == 30
    invalid = {
        item["invoice_number"]: {error["code"] for error in item["errors"]}
        for item in document["invoices"]
        if not item["valid"]
    }
    assert invalid == {
        "F2026-0126": {"BUYER_UNKNOWN"},
        "F2026-0127": {"BUYER_INACTIVE"},
        "F2026-0128": {"ENGAGEMENT_FORMAT"},
        "F2026-0129": {"AMOUNT_MISMATCH"},
        "F2026-0130": {"ENGAGEMENT_REQUIRED"},
    }
    filled = {
        item["invoice_number"]: item["invoice"]["filled_in"]
        for item in document["invoices"]
        if item["invoice"] and item["invoice"]["buyer_siret"] == IFPEN
    }
    assert filled["F2026-0101"] == {"service_code": "Facture_commande"}
    assert filled["F2026-0106"] == {"service_code": "Facture_sans_commande"}
    assert "Traceback" not in result.stderr


def test_text_report_lists_invalid_invoices_in_english(sandbox) -> None:  # type: ignore[no-untyped-def]
    result = run(
        str(SAMPLE), env={"AIRFLOW_CONN_CHORUS_PRO": sandbox.connection_json(), "CHORUSFLOW_LANG": "en"}
    )
    assert result.returncode == 1
    assert "Invoice F2026-0127" in result.stdout and "[BUYER_INACTIVE]" in result.stdout
    assert "30 invoice(s), 45 line(s): 25 valid, 5 invalid" in result.stdout
