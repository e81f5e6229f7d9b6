"""``chorusflow facturx`` writes one checked file; ``chorusflow validate --facturx`` checks them all."""

from __future__ import annotations

from pathlib import Path

import pytest
from facturx import get_xml_from_pdf

from chorusflow.cli import main
from chorusflow.facturx.schematron import SchematronProcess
from tests.facturx.conftest import SAMPLE_EXPORT


def test_facturx_writes_a_conformant_file(
    tmp_path: Path, saxon: SchematronProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "invoice.pdf"
    assert (
        main(["facturx", str(SAMPLE_EXPORT), "--invoice", "F2026-0102", "-o", str(output), "--lang", "en"])
        == 0
    )
    assert "conformant" in capsys.readouterr().out
    assert get_xml_from_pdf(output.read_bytes(), check_xsd=False)[0] == "factur-x.xml"


def test_facturx_xml_only(tmp_path: Path, saxon: SchematronProcess) -> None:
    output = tmp_path / "invoice.xml"
    assert main(["facturx", str(SAMPLE_EXPORT), "--invoice", "F2026-0102", "-o", str(output), "--xml"]) == 0
    assert output.read_bytes().startswith(b"<?xml")


def test_facturx_refuses_an_invalid_invoice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "invoice.pdf"
    assert main(["facturx", str(SAMPLE_EXPORT), "--invoice", "F2026-0129", "-o", str(output)]) == 1
    assert "AMOUNT_MISMATCH" in capsys.readouterr().err and not output.exists()


def test_validate_facturx_checks_every_valid_invoice(
    saxon: SchematronProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(SAMPLE_EXPORT), "--offline", "--facturx", "--lang", "en"]) == 1  # 2 invalid
    out = capsys.readouterr().out
    assert "28 valid, 2 invalid" in out and "FACTURX_" not in out
