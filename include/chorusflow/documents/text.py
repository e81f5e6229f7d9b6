"""Text as printed on the invoice PDF: French numbers and dates, text the standard fonts can draw.

Amounts go through ``chorusflow.money.money`` (the project's French money format); this
module adds what it does not cover: quantities and unit prices with more than two decimals, VAT
rates, and the mapping of text to what Helvetica's WinAnsi encoding can draw.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from decimal import Decimal
from functools import lru_cache

from chorusflow.invoice import plain_rate
from chorusflow.money import money

NBSP = "\xa0"  # WinAnsi 0xA0: keeps "41 029,64 €" on one line, and text extraction reads a space
# Spaces WinAnsi lacks, which ``money`` (U+202F) and word processors produce: drawn as NBSP.
_THIN_SPACES = dict.fromkeys(map(ord, "\u202f\u2009\u2007\u2008\u200a\u2002\u2003\u2004\u2005\u2006"), NBSP)


def amount(value: Decimal, currency: str = "EUR") -> str:
    """``41 029,64 €`` (``41 029,64 USD`` in another currency), always French: the legal amounts."""
    return money(value, currency, "fr").translate(_THIN_SPACES)


def number(value: Decimal, min_places: int = 0) -> str:
    """A quantity or unit price in French: ``12 500``, ``6,5``, ``0,1845``; never rounded.

    ``min_places`` pads the decimals (2 for prices: ``450,00``) but never cuts any.
    """
    plain = value.normalize()
    exponent = plain.as_tuple().exponent
    places = max(-exponent if isinstance(exponent, int) and exponent < 0 else 0, min_places)
    text = f"{value:,.{places}f}"
    return text.replace(",", NBSP).replace(".", ",")


def price(value: Decimal, currency: str = "EUR") -> str:
    """A unit price with all its decimals and at least two: ``0,1845 €``, ``450,00 €``."""
    symbol = "€" if currency == "EUR" else currency
    return f"{number(value, 2)}{NBSP}{symbol}"


def rate(value: Decimal) -> str:
    """A VAT rate: ``20 %``, ``5,5 %`` (French typography: a space before the sign)."""
    return f"{number(plain_rate(value))}{NBSP}%"


def day(value: date) -> str:
    """``03/12/2026``."""
    return value.strftime("%d/%m/%Y")


def printable(text: str) -> str:
    """``text`` as Helvetica can draw it, in the same words.

    Composed accents (NFC: macOS exports decompose them) and compatibility forms (ligatures,
    full-width digits, thin spaces) become WinAnsi characters. Anything else is left to reportlab,
    which draws it from its Symbol or ZapfDingbats font (Greek, arrows) or as a black square ■: a
    visible mark, never a crash nor a silent gap.
    """
    if text.isascii():
        return text
    text = unicodedata.normalize("NFC", text)
    if _encodable(text):
        return text
    return "".join(_printable_char(char) for char in text)


def _encodable(text: str) -> bool:
    try:
        text.encode("cp1252")  # WinAnsiEncoding, the standard fonts' encoding
    except UnicodeEncodeError:
        return False
    return True


@lru_cache(maxsize=1024)
def _printable_char(char: str) -> str:
    if _encodable(char):
        return char
    if ord(char) in _THIN_SPACES:
        return NBSP
    compatible = unicodedata.normalize("NFKC", char)
    return compatible if _encodable(compatible) else char
