"""``chorusflow render`` end to end, as a subprocess, as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from chorusflow_dev.testing.exports import sample_invoice, write_export
from tests.documents.builders import SUPPLIER, page_count, pdf_text

REPO = Path(__file__).resolve().parents[2]
CHORUSFLOW = Path(sys.executable).with_name("chorusflow")
SAMPLE = REPO / "examples" / "sample-export.csv"


@pytest.fixture
def supplier_file(tmp_path: Path) -> Path:
    """The tests' supplier as a supplier.yaml, so that the project's own configuration plays no part."""
    path = tmp_path / "supplier.yaml"
    path.write_text(yaml.safe_dump(SUPPLIER.model_dump(), allow_unicode=True), encoding="utf-8")
    return path


def render(supplier_file: Path, *args: str, lang: str = "fr") -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "CHORUSFLOW_SUPPLIER_FILE": str(supplier_file), "CHORUSFLOW_LANG": lang}
    return subprocess.run(
        [str(CHORUSFLOW), "render", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


def test_renders_one_invoice_of_the_sample_export(tmp_path: Path, supplier_file: Path) -> None:
    output = tmp_path / "F2026-0103.pdf"
    result = render(supplier_file, str(SAMPLE), "--invoice", "F2026-0103", "-o", str(output))
    assert result.returncode == 0, result.stderr
    assert "Facture F2026-0103" in result.stdout and str(output) in result.stdout
    assert "Traceback" not in result.stderr
    text = pdf_text(output.read_bytes())
    assert "F2026-0103" in text and "IFP Energies nouvelles (IFPEN)" in text
    assert "Net à payer 9 848,40 €" in text and "Numéro d'engagement 4500012342" in text
    assert page_count(output.read_bytes()) == 1


def test_english_pdf_and_messages(tmp_path: Path, supplier_file: Path) -> None:
    output = tmp_path / "credit.pdf"
    result = render(supplier_file, str(SAMPLE), "--invoice", "AV2026-0125", "-o", str(output), "--lang", "en")
    assert result.returncode == 0, result.stderr
    assert "Invoice AV2026-0125" in result.stdout and "bytes" in result.stdout
    text = pdf_text(output.read_bytes())
    assert "Credit note" in text and "Original invoice F2026-0111" in text


def test_messages_follow_chorusflow_lang_but_the_pdf_stays_french(
    tmp_path: Path, supplier_file: Path
) -> None:
    output = tmp_path / "f.pdf"
    result = render(supplier_file, str(SAMPLE), "--invoice", "F2026-0101", "-o", str(output), lang="en")
    assert result.returncode == 0, result.stderr
    assert "Offline mode" in result.stderr
    assert "Net à payer" in pdf_text(output.read_bytes())


def test_warns_of_mandatory_mentions_without_data(tmp_path: Path) -> None:
    supplier_file = tmp_path / "supplier.yaml"
    identity = SUPPLIER.model_dump(exclude={"vat_number", "registration"})
    supplier_file.write_text(yaml.safe_dump(identity, allow_unicode=True), encoding="utf-8")
    output = tmp_path / "f.pdf"
    result = render(supplier_file, str(SAMPLE), "--invoice", "F2026-0101", "-o", str(output))
    assert result.returncode == 0, result.stderr
    assert "supplier.registration : mention obligatoire absente du PDF" in result.stderr
    assert "supplier.vat_number" in result.stderr and output.exists()


def test_unknown_invoice_exits_1(tmp_path: Path, supplier_file: Path) -> None:
    output = tmp_path / "none.pdf"
    result = render(supplier_file, str(SAMPLE), "--invoice", "F1999-0001", "-o", str(output))
    assert result.returncode == 1
    assert "Facture F1999-0001 absente de l'export" in result.stderr and "F2026-0101" in result.stderr
    assert not output.exists() and "Traceback" not in result.stderr
    english = render(supplier_file, str(SAMPLE), "--invoice", "F1999-0001", "-o", str(output), "--lang", "en")
    assert english.returncode == 1 and "Invoice F1999-0001 is not in the export" in english.stderr


def test_invalid_invoice_exits_1_with_its_rule_codes(tmp_path: Path, supplier_file: Path) -> None:
    bad = {**sample_invoice("F2026-0002"), "due_date": "31/02/2026"}
    export = write_export(tmp_path / "e.csv", [sample_invoice("F2026-0001"), bad])
    output = tmp_path / "bad.pdf"
    result = render(supplier_file, str(export), "--invoice", "F2026-0002", "-o", str(output))
    assert result.returncode == 1
    assert "[FIELD_FORMAT]" in result.stderr and "Facture F2026-0002 invalide" in result.stderr
    assert not output.exists() and "Traceback" not in result.stderr
    good = render(supplier_file, str(export), "--invoice", "F2026-0001", "-o", str(output))
    assert good.returncode == 0, good.stderr


@pytest.mark.parametrize("content", [b"", b"\x00\x01\x02garbage\xff" * 100, b"a;b\n1;2\n"])
def test_unreadable_export_exits_2(tmp_path: Path, supplier_file: Path, content: bytes) -> None:
    export = tmp_path / "broken.csv"
    export.write_bytes(content)
    result = render(supplier_file, str(export), "--invoice", "F1", "-o", str(tmp_path / "x.pdf"))
    assert result.returncode == 2
    assert "Fichier refusé [" in result.stderr and "Traceback" not in result.stderr


def test_missing_export_and_unwritable_output_exit_2(tmp_path: Path, supplier_file: Path) -> None:
    missing = render(
        supplier_file, str(tmp_path / "absent.csv"), "--invoice", "F1", "-o", str(tmp_path / "x.pdf")
    )
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    folder = tmp_path / "no" / "such" / "folder" / "x.pdf"
    unwritable = render(supplier_file, str(SAMPLE), "--invoice", "F2026-0101", "-o", str(folder))
    assert unwritable.returncode == 2
    assert "Impossible d'écrire" in unwritable.stderr and "Traceback" not in unwritable.stderr


def test_missing_arguments_exit_2(supplier_file: Path) -> None:
    result = render(supplier_file, str(SAMPLE))
    assert result.returncode == 2 and "--invoice" in result.stderr
