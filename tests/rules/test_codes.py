"""The rule-code catalogue: documented, bilingual, and the report survives JSON (XCom, ledger)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chorusflow.messages import REGISTRY
from chorusflow.rules import SEVERITIES, ValidationReport, finding, validate_export
from chorusflow_dev.testing.exports import write_export
from tests.rules.builders import row

REPO = Path(__file__).resolve().parents[2]


def test_every_code_is_documented() -> None:
    text = (REPO / "docs" / "rule-codes.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^## ([A-Z_]+)$", text, flags=re.M))
    assert documented == set(SEVERITIES)


@pytest.mark.parametrize("code", sorted(SEVERITIES))
def test_messages_exist_in_both_languages(code: str) -> None:
    message = REGISTRY[f"rule.{code}"]
    params = dict.fromkeys(set(re.findall(r"{(\w+)}", message.fr + message.en)) - {"label"}, "X")
    french = finding(code, "fr", "due_date", **params)
    english = finding(code, "en", "due_date", **params)
    assert french.message != english.message
    assert "{" not in french.message and "{" not in english.message
    assert french.severity == SEVERITIES[code]


def test_language_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_export(tmp_path / "e.csv", [row(due_date="31/02/2026")])
    monkeypatch.setenv("CHORUSFLOW_LANG", "en")
    assert "unreadable" in validate_export(path).invoices[0].errors[0].message
    monkeypatch.setenv("CHORUSFLOW_LANG", "fr")
    assert "illisible" in validate_export(path).invoices[0].errors[0].message
    assert "unreadable" in validate_export(path, lang="en").invoices[0].errors[0].message


def test_report_round_trips_through_json(tmp_path: Path) -> None:
    path = write_export(tmp_path / "e.csv", [row(), row(invoice_number="F2", quantity="x")])
    report = validate_export(path)
    again = ValidationReport.model_validate_json(report.model_dump_json())
    assert again == report
    assert again.invoices[0].invoice is not None and again.invoices[1].invoice is None
