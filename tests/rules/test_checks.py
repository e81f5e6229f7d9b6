"""The column checkers of chorusflow.rules.checks, one family at a time: typed results, no hidden state."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from chorusflow.exports.columns import CANONICAL_COLUMNS
from chorusflow.rules.checks.buyers import BuyerRules
from chorusflow.rules.checks.code_lists import check_code_lists
from chorusflow.rules.checks.dates import check_dates
from chorusflow.rules.checks.flags import FindingsByInvoice, Flag, RowFlagger
from chorusflow.rules.checks.identifiers import check_invoice_numbers, check_sirets
from chorusflow.rules.checks.numbers import check_numbers
from chorusflow.rules.checks.texts import check_lengths
from chorusflow.rules.codes import finding
from chorusflow.rules.grouping import group_invoices
from tests.rules.builders import COMMUNE, IFPEN, sandbox_directory

KEYS = ["F1", "F1", "F2"]
FLAGGER = RowFlagger(KEYS, "en")


def _columns(**given: list[str]) -> dict[str, list[str]]:
    """Every canonical column, empty unless given (absent ones share one list, as the reader makes them)."""
    empty = [""] * len(KEYS)
    return {name: given.get(name, empty) for name in CANONICAL_COLUMNS}


def _codes(flags: list[Flag]) -> list[tuple[object, str, str | None]]:
    return [(key, item.code, item.field) for key, item in flags]


def test_numbers_are_read_once_and_their_faults_keyed_by_invoice() -> None:
    columns = _columns(
        quantity=["2", "deux", "1"],
        unit_price=["10,00", "5", "-3"],
        vat_rate=["20", "20", "7"],
        line_discount=["", "", "0,50"],
    )
    checks = check_numbers(columns, FLAGGER)
    assert checks.values["quantity"] == [Decimal(2), None, Decimal(1)]
    assert _codes(checks.findings) == [
        ("F1", "FIELD_FORMAT", "quantity"),
        ("F2", "AMOUNT_SIGN", "unit_price"),
        ("F2", "VAT_RATE_INVALID", "vat_rate"),
    ]
    assert checks.readable_lines == [True, False, True] and not checks.all_lines_readable
    assert checks.has_discounts and not checks.nets_unsigned and not checks.amounts_to_compare
    assert checks.rates.plain == [Decimal(20), Decimal(20), Decimal(7)]
    assert checks.rates.ranks == {Decimal(7): 0, Decimal(20): 1, None: -1}


def test_dates_are_one_table_per_column_and_a_future_issue_date_is_flagged() -> None:
    columns = _columns(
        issue_date=["2026-11-02", "02/11/2026", "2027-01-05"],
        due_date=["31/02/2026", "31/02/2026", ""],
        delivery_date=["", "", ""],
    )
    checks = check_dates(columns, FLAGGER, today=date(2026, 12, 3))
    assert checks.tables["issue_date"]["02/11/2026"] == date(2026, 11, 2)
    assert checks.tables["due_date"] == {"31/02/2026": None, "": None}
    assert _codes(checks.findings) == [
        ("F1", "FIELD_FORMAT", "due_date"),  # one per row: the collector keeps one per invoice
        ("F1", "FIELD_FORMAT", "due_date"),
        ("F2", "INVOICE_DATE_FUTURE", "issue_date"),
    ]


def test_code_lists_fill_in_their_defaults_and_share_one_missing_nature_finding() -> None:
    columns = _columns(
        invoice_type=["", "avoir", "DEVIS"],
        currency=["", "eur", "EUR"],
        billing_framework=["", "a9_facture_soustraitant", "A1"],
        payment_means=["", "", "virement"],
        operation_nature=["", "biens", "S"],
    )
    checks = check_code_lists(columns, FLAGGER, "warning", "2027-09-01")
    assert checks.types == ["FACTURE", "AVOIR", "DEVIS"] and checks.currencies == ["EUR"] * 3
    assert checks.frameworks == ["A1", "A9", "A1"] and checks.validators_required
    assert checks.operation_natures == ["", "goods", "services"]
    assert _codes(checks.findings) == [("F2", "INVOICE_TYPE_INVALID", "invoice_type")]
    assert checks.nature_missing is not None and checks.nature_missing.severity == "warning"


def test_identifiers_are_compacted_and_a_date_like_number_warned_on_its_invoice() -> None:
    numbers = ["2026-11-02", "2026-11-02", "F 2"]
    flags = check_invoice_numbers(numbers, RowFlagger(numbers, "fr"))
    assert _codes(flags) == [("F 2", "INVOICE_NUMBER_FORMAT", "invoice_number")] + [
        ("2026-11-02", "INVOICE_NUMBER_DATE_LIKE", "invoice_number")
    ]
    sirets = check_sirets(_columns(buyer_siret=["219 900 016 00011", COMMUNE, "123"]), FLAGGER)
    assert sirets.buyer == [COMMUNE, COMMUNE, "123"] and sirets.validator == ["", "", ""]
    assert _codes(sirets.findings) == [("F2", "SIRET_INVALID", "buyer_siret")]


def test_too_long_texts_are_found_column_by_column() -> None:
    columns = _columns(line_description=["a", "b" * 513, "c"], comment=["", "", "d" * 2001])
    assert _codes(check_lengths(columns, FLAGGER)) == [
        ("F1", "FIELD_TOO_LONG", "line_description"),
        ("F2", "FIELD_TOO_LONG", "comment"),
    ]


def test_rows_of_one_invoice_need_not_be_contiguous() -> None:
    groups = group_invoices(["A", "B", "A"], [2, 3, 4], [True, True, False])
    assert groups.keys == ["A", "B"] and groups.first_rows == [0, 1]
    assert groups.row_numbers == [[2, 4], [3]] and groups.rows(0) == [0, 2]
    assert groups.line_numbers == [1, 1, 2] and not groups.contiguous
    assert groups.readable == [False, True]


def test_findings_merge_without_duplicates_and_without_being_stored() -> None:
    found = FindingsByInvoice()
    first, second = (
        finding("DATE_ORDER", "en", "due_date", due="a", issue="b"),
        finding("ROW_MALFORMED", "en"),
    )
    found.add_all([("F1", first), ("F1", first)])
    assert found.get("F1", [second, first, second]) == [first, second]
    assert found.get("F1") == [first] and found.get("F2") == []


def test_buyer_rules_look_each_buyer_up_once() -> None:
    directory = sandbox_directory()
    rules = BuyerRules({}, directory, "en")
    outcome = rules.outcome(IFPEN, "", "")
    assert [item.code for item in outcome.findings] == ["SERVICE_CODE_REQUIRED"]
    assert rules.outcome(IFPEN, "", "") is outcome
    rules.outcome(IFPEN, "Facture_sans_commande", "")
    assert directory.lookups == 1
    assert rules.outcome("123", "", "").findings == []  # an invalid SIRET: SIRET_INVALID says it all
