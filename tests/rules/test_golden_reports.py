"""The rules give, byte for byte, the reports they gave before they were split by column family.

The reports in tests/data/golden/ were written by the single-class engine (issue #12 §5): every
finding in the same order with the same message, every ``Invoice`` with the same values, in French
and English, with and without a directory, before and after the supplier's reform date.
"""

from __future__ import annotations

import pytest

from chorusflow.rules import validate_export
from tests.rules.golden import CASES, GOLDEN, options, report_json


@pytest.mark.parametrize("name", sorted(CASES))
def test_report_equals_the_golden_report(name: str) -> None:
    export, case = CASES[name]
    # The golden files were written in one checkout: attachment paths are compared from the folder on.
    actual = report_json(validate_export(GOLDEN / export, **options(case))).replace(str(GOLDEN), "<golden>")
    expected = (GOLDEN / name).read_text(encoding="utf-8")
    actual, expected = actual.splitlines(), expected.splitlines()
    # Line by line (one invoice a line): a difference names the first invoice that differs.
    assert actual == expected


def test_the_golden_reports_cover_the_invoice_rules() -> None:
    text = "".join((GOLDEN / name).read_text(encoding="utf-8") for name in CASES)
    for code in (
        "FIELD_FORMAT",
        "HEADER_CONFLICT",
        "AMOUNT_MISMATCH",
        "AMOUNT_SIGN",
        "DATE_ORDER",
        "CREDIT_NOTE_ORIGIN_MISSING",
        "VALIDATOR_REQUIRED",
        "VAT_EXEMPTION_REASON_MISSING",
        "ATTACHMENT_NOT_PDF",
        "DIRECTORY_UNAVAILABLE",
        "ENGAGEMENT_FORMAT",
        "OPERATION_NATURE_MISSING",
        "INVOICE_NUMBER_DATE_LIKE",
    ):
        assert f'"code": "{code}"' in text, code
    assert '"invoice": {' in text and '"invoice": null' in text
