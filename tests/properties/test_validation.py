"""Validation is total: every row of any export gets a verdict with documented codes, never a traceback;
and every invoice drawn valid is accepted, with the amounts computed independently."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.properties.conftest import examples, ran
from tests.properties.strategies import (
    SUPPLIER_IDS,
    Dialect,
    _totals,
    data_row_count,
    invoice_rows,
    mixed_exports,
    valid_exports,
    write_export,
)
from tests.properties.support import unknown_codes, validate_bytes


def _check_total(rows: list[dict[str, str]], dialect: Dialect, supplier_id: str) -> None:
    outcome = validate_bytes(write_export(rows, dialect), supplier_id, dialect)
    findings = [*outcome.file_errors, *(f for v in outcome.verdicts for f in (*v.errors, *v.warnings))]
    findings += [refusal for refusal, _ in outcome.refused]
    assert unknown_codes(findings) == []
    for item in findings:
        assert item.message and "Traceback" not in item.message
    if outcome.file_errors:
        assert outcome.verdicts == []  # a refused file judges no invoice
        return
    covered = [row for verdict in outcome.verdicts for row in verdict.rows]
    covered += [row for _, rows_ in outcome.refused for row in rows_]
    assert len(covered) == len(set(covered)), "a row judged twice"
    assert len(covered) == data_row_count(rows), "a row without a verdict"
    for verdict in outcome.verdicts:
        assert verdict.valid == (not verdict.errors)
        assert verdict.invoice is not None or not verdict.valid


@settings(max_examples=examples("validation"))
@given(mixed_exports(), st.sampled_from(SUPPLIER_IDS))
def test_validation_is_total_on_any_export(
    export: tuple[Dialect, list[dict[str, str]]], supplier_id: str
) -> None:
    ran("validation")
    dialect, rows = export
    _check_total(rows, dialect, supplier_id)


@settings(max_examples=examples("valid"))
@given(valid_exports())
def test_every_invoice_drawn_valid_is_accepted_with_its_amounts(export: tuple) -> None:
    ran("valid")
    dialect, invoices = export
    rows = invoice_rows(invoices)
    outcome = validate_bytes(write_export(rows, dialect), invoices[0].supplier_id, dialect)
    assert outcome.file_errors == [] and outcome.refused == []
    verdicts = {verdict.invoice_number: verdict for verdict in outcome.verdicts}
    assert set(verdicts) == {invoice.number for invoice in invoices}
    for generated in invoices:
        verdict = verdicts[generated.number]
        assert verdict.errors == [], [(f.code, f.message) for f in verdict.errors]
        invoice = verdict.invoice
        assert invoice is not None and len(invoice.lines) == len(generated.lines)
        ht, vat = _totals(generated.lines)
        assert (invoice.total_ht, invoice.total_vat, invoice.total_ttc) == (ht, vat, ht + vat)
        for line, drawn in zip(invoice.lines, generated.lines, strict=True):
            assert line.quantity == drawn.quantity and line.unit_price == drawn.unit_price
            assert line.net_amount == drawn.net and line.discount == (drawn.discount or Decimal(0))
            assert line.description == drawn.description.strip()
