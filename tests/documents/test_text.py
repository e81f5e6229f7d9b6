"""French numbers, dates and text the standard PDF fonts can draw."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from chorusflow.documents.text import NBSP, amount, day, number, price, printable, rate


def plain(text: str) -> str:
    return text.replace(NBSP, " ")


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        ("41029.64", "EUR", "41 029,64 €"),
        ("0.5", "EUR", "0,50 €"),
        ("-1234567.8", "EUR", "-1 234 567,80 €"),
        ("90", "USD", "90,00 USD"),
    ],
)
def test_amounts_are_french_with_no_break_spaces(value: str, currency: str, expected: str) -> None:
    text = amount(Decimal(value), currency)
    assert plain(text) == expected
    assert text.encode("cp1252")  # U+202F of the shared money format is drawn as a WinAnsi NBSP


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        ("12500", 0, "12 500"),
        ("6.5", 0, "6,5"),
        ("1.000", 0, "1"),
        ("0.1845", 2, "0,1845"),
        ("450", 2, "450,00"),
    ],
)
def test_numbers_keep_every_decimal_they_have(value: str, places: int, expected: str) -> None:
    assert plain(number(Decimal(value), places)) == expected


def test_prices_rates_and_dates() -> None:
    assert plain(price(Decimal("0.1845"))) == "0,1845 €"
    assert plain(price(Decimal("78"), "CHF")) == "78,00 CHF"
    assert plain(rate(Decimal("5.50"))) == "5,5 %" and plain(rate(Decimal("20.00"))) == "20 %"
    assert day(date(2026, 12, 3)) == "03/12/2026"


def test_printable_maps_to_winansi_and_leaves_the_rest_visible() -> None:
    assert printable("e\u0301te\u0301") == "été"  # decomposed accents composed
    assert printable("ﬁnal") == "final"  # a ligature as its letters
    assert printable("1\u202f000") == f"1{NBSP}000"
    assert printable("Łódź 中") == "Łódź 中"  # left to reportlab, which draws a black square
    assert printable("œ’€«»") == "œ’€«»"
