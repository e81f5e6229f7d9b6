"""Every failing example the property search found, kept under tests/data/regressions/ and replayed
through every property (docs/testing.md, "Adding a regression case")."""

from __future__ import annotations

from pathlib import Path

import pytest

from chorusflow.documents.invoice_pdf import invoice_pdf
from tests.properties.support import (
    facturx_errors,
    missing_mentions_in_pdf,
    swagger_errors,
    unknown_codes,
    validate,
)

REGRESSIONS = Path(__file__).resolve().parents[1] / "data" / "regressions"
CASES = sorted(REGRESSIONS.glob("*.csv"))
# Cases of defects another branch fixes: strict, so that the merge of the fix shows (then remove them).
KNOWN_FAILURES: dict[str, str] = {}


def _case(path: Path) -> object:
    reason = KNOWN_FAILURES.get(path.name)
    marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
    return pytest.param(path, id=path.stem, marks=marks)


def test_every_case_is_listed_in_the_readme() -> None:
    readme = (REGRESSIONS / "README.md").read_text(encoding="utf-8")
    assert CASES and [case.name for case in CASES if f"`{case.name}`" not in readme] == []


@pytest.mark.parametrize("path", [_case(path) for path in CASES])
def test_regression_case_keeps_every_property(path: Path) -> None:
    outcome = validate(path, "several" if path.name.startswith("several-") else "default")
    findings = [*outcome.file_errors, *(f for v in outcome.verdicts for f in (*v.errors, *v.warnings))]
    assert unknown_codes(findings) == []
    for invoice in outcome.accepted:
        assert missing_mentions_in_pdf(invoice, invoice_pdf(invoice)) == []
        assert swagger_errors(invoice) == []
        assert facturx_errors(invoice) == []
