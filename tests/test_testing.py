"""The shared test and benchmark helpers (``chorusflow_dev.testing``) give what they promise."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from chorusflow.exports import CANONICAL_COLUMNS
from chorusflow.rules import validate_export
from chorusflow_dev.sandbox import validate_request_body
from chorusflow_dev.testing.deposits import submit_request
from chorusflow_dev.testing.exports import EXPORT_COLUMNS, invoice_numbers, write_export, write_sample_export
from tests.conftest import REPO_ROOT


def test_export_columns_are_canonical_in_the_sample_exports_order() -> None:
    assert set(EXPORT_COLUMNS) <= set(CANONICAL_COLUMNS)
    sample = (REPO_ROOT / "examples" / "sample-export.csv").read_text(encoding="utf-8")
    assert tuple(sample.splitlines()[0].split(";")) == EXPORT_COLUMNS


def test_sample_export_is_valid_invoice_by_invoice(tmp_path: Path) -> None:
    numbers = invoice_numbers("T", 3)
    report = validate_export(write_sample_export(tmp_path / "out" / "e.csv", numbers))
    assert not report.file_errors and all(verdict.valid for verdict in report.invoices)
    assert [(verdict.invoice_number, verdict.errors) for verdict in report.invoices] == [
        (n, []) for n in numbers
    ]
    assert [str(v.invoice.total_ttc) for v in report.invoices if v.invoice] == ["120.00", "120.01", "120.02"]


def test_write_export_heads_with_the_rows_keys_unless_told(tmp_path: Path) -> None:
    path = write_export(tmp_path / "e.csv", [{"b": "1"}, {"a": "2", "b": "3"}])
    assert path.read_bytes() == b"b;a\r\n1;\r\n3;2\r\n"
    path = write_export(tmp_path / "e.csv", iter([{"b": "1", "c": "x"}]), ["a", "b"], sep=",")
    assert path.read_bytes() == b"a,b\r\n,1\r\n"


def test_submit_request_is_swagger_valid_and_takes_changes() -> None:
    request = submit_request("T-1", service="SERV_FIN", numero_facture_saisi="T-2")
    body = request.to_body()
    assert validate_request_body("/cpro/factures/v1/soumettre", body) == []
    assert body["numeroFactureSaisi"] == "T-2" and body["destinataire"]["codeServiceExecutant"] == "SERV_FIN"


def test_the_export_helpers_stay_light() -> None:
    # The validation benchmark measures memory: its helpers must not pull in the ledger or the client.
    code = (
        "import sys, chorusflow_dev.testing.exports; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('airflow', 'pytest', 'sqlalchemy')"
        " or m.startswith(('chorusflow.ledger', 'chorusflow.platforms.chorus_pro'))))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
