"""``chorusflow validate`` end to end, as a subprocess, as a user runs it; its JSON against the old path."""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic_core import PydanticSerializationError

from chorusflow.cli import main as chorusflow_main
from chorusflow.rules import validate
from chorusflow.rules.validate import ValidationReport, validate_export
from chorusflow_dev.testing.exports import sample_invoice, write_export
from tests.rules.builders import IFPEN, MINISTRY, UNKNOWN_VALID_SIRET, row

REPO = Path(__file__).resolve().parents[2]
CHORUSFLOW = Path(sys.executable).with_name("chorusflow")
SAMPLE = REPO / "examples" / "sample-export.csv"
HOSTILE = REPO / "tests" / "data" / "hostile"


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


# -- the streamed JSON is the document the command printed before ------------------------------------


def old_json(report: ValidationReport) -> bytes:
    """What ``chorusflow validate --json`` printed before it streamed: the whole document built, then
    ``json.dumps(indent=2)`` and ``print``. Kept here only to compare."""

    def findings(items: list[Any]) -> list[dict[str, Any]]:
        return [{"code": item.code, "field": item.field, "message": item.message} for item in items]

    document = {
        "file_errors": [{"code": item.code, "message": item.message} for item in report.file_errors],
        "invoices": [
            {
                "invoice_number": verdict.invoice_number,
                "rows": verdict.rows,
                "valid": verdict.valid,
                "errors": findings(verdict.errors),
                "warnings": findings(verdict.warnings),
                "invoice": verdict.invoice.model_dump(mode="json") if verdict.invoice is not None else None,
            }
            for verdict in report.invoices
        ],
        "summary": report.summary.model_dump(mode="json"),
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def streamed_json(report: ValidationReport) -> bytes:
    out = io.BytesIO()
    report.write_json(out)
    return out.getvalue() + b"\n"


def hostile_files() -> list[tuple[str, list[str]]]:
    """Every committed hostile CSV with its extra arguments (a mapping for some)."""
    manifest = yaml.safe_load((HOSTILE / "manifest.yaml").read_text(encoding="utf-8"))["files"]
    return [
        (
            path.name,
            [
                str(REPO / arg) if arg.endswith(".yaml") else arg
                for arg in manifest[path.name].get("args", [])
            ],
        )
        for path in sorted(HOSTILE.glob("*.csv"))
    ]


@pytest.mark.parametrize(("name", "args"), hostile_files(), ids=[name for name, _ in hostile_files()])
def test_json_is_unchanged_on_hostile_files(name: str, args: list[str]) -> None:
    mapping = Path(args[args.index("--mapping") + 1]) if "--mapping" in args else None
    for lang in ("fr", "en"):
        report = validate_export(HOSTILE / name, mapping=mapping, lang=lang)
        assert streamed_json(report) == old_json(report), f"{name} ({lang})"


def faulty_export(path: Path, invoices: int = 400, seed: int = 12) -> Path:
    """Invoices with one or two faults in most of them, and texts that JSON must escape."""
    rng = random.Random(seed)
    faults: list[dict[str, str]] = [
        {"due_date": "31/02/2026"},
        {"buyer_siret": "12345678901234"},
        {"quantity": "-3"},
        {"unit_price": "douze"},
        {"vat_rate": "7"},
        {"line_description": ""},
        {"total_ttc": "1,00"},
        {"issue_date": "2031-01-01"},
        {"invoice_number": "F 2026/é"},
        {"buyer_siret": MINISTRY, "service_code": "", "engagement_number": ""},
        {"buyer_siret": UNKNOWN_VALID_SIRET},
        {"operation_nature": ""},
        {"line_description": 'Guillemets " barre \\ tab \t ligne \u2028 emoji 🚀 fin \x7f'},
        {"line_description": "Prestation « spéciale » — œuvre"},
    ]
    rows = []
    for number in range(invoices):
        invoice = sample_invoice(f"F2026-{number:04d}", 1_000 + number * 37)
        for fault in rng.sample(faults, rng.choice([0, 1, 1, 2])):
            invoice = {**invoice, **fault}
        rows.extend([invoice] * rng.choice([1, 1, 2]))
    return write_export(path, rows)


def test_json_is_unchanged_on_the_sample_and_an_export_with_errors(tmp_path: Path) -> None:
    faulty = faulty_export(tmp_path / "faulty.csv")
    for path in (SAMPLE, faulty):
        for lang in ("fr", "en"):
            report = validate_export(path, lang=lang)
            assert streamed_json(report) == old_json(report), f"{path.name} ({lang})"
    report = validate_export(faulty, lang="fr")
    codes = {error.code for verdict in report.invoices for error in verdict.errors}
    assert len(codes) >= 8 and report.summary.valid and report.summary.invalid  # the faults do fire


def test_a_verdict_pydantic_refuses_goes_the_old_way(monkeypatch: pytest.MonkeyPatch) -> None:
    report = validate_export(SAMPLE, lang="fr")
    refused = report.invoices[3]

    class Refusing:
        def __init__(self, adapter: Any) -> None:
            self.adapter = adapter

        def dump_json(self, document: Any, **options: Any) -> bytes:
            if document["invoice_number"] == refused.invoice_number:
                raise PydanticSerializationError("refused")
            return bytes(self.adapter.dump_json(document, **options))

    refusing = Refusing(validate._verdict_adapter())
    monkeypatch.setattr(validate, "_verdict_adapter", lambda: refusing)
    assert streamed_json(report) == old_json(report)


def test_stdout_and_output_file_hold_the_same_bytes(tmp_path: Path) -> None:
    faulty = faulty_export(tmp_path / "faulty.csv", invoices=60)
    output = tmp_path / "out.json"
    printed = subprocess.run(
        [str(CHORUSFLOW), "validate", str(faulty), "--offline", "--json"],
        capture_output=True,
        env={**os.environ, "CHORUSFLOW_LANG": "fr"},
        timeout=120,
        check=False,
    )
    written = run(str(faulty), "--offline", "--json", "-o", str(output), env={"CHORUSFLOW_LANG": "fr"})
    assert printed.returncode == written.returncode == 1
    assert written.stdout == "" and output.read_bytes() == printed.stdout
    assert printed.stdout == old_json(validate_export(faulty, lang="fr"))


def test_output_file_in_process_and_for_a_refused_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "sample.json"
    assert chorusflow_main(["validate", str(SAMPLE), "--offline", "--json", "-o", str(output)]) == 1
    assert output.read_bytes() == old_json(validate_export(SAMPLE))
    assert capsys.readouterr().out == ""
    broken = tmp_path / "broken.csv"
    broken.write_bytes(b"a;b\n1;2\n")
    assert chorusflow_main(["validate", str(broken), "--offline", "--json", "-o", str(output)]) == 2
    assert json.loads(output.read_text(encoding="utf-8"))["file_errors"][0]["code"] == "EXPORT_MISSING_COLUMN"
    assert "EXPORT_MISSING_COLUMN" in capsys.readouterr().err


def test_text_report_to_a_file_and_an_unwritable_output(tmp_path: Path) -> None:
    output = tmp_path / "report.txt"
    result = run(str(SAMPLE), "--offline", "-o", str(output), env={"CHORUSFLOW_LANG": "en"})
    assert result.returncode == 1 and result.stdout == ""
    assert "30 invoice(s), 45 line(s)" in output.read_text(encoding="utf-8")
    missing = tmp_path / "no" / "such" / "folder" / "out.json"
    failed = run(str(SAMPLE), "--offline", "--json", "-o", str(missing))
    assert failed.returncode == 2 and "Impossible d'écrire" in failed.stderr
    assert "Traceback" not in failed.stderr and not missing.exists()
