"""Parsing of export text values: French or English numbers, dates, identifiers.

Exports repeat the same few values (dates, rates, SIRETs) on thousands of lines, so columns are
parsed once per distinct value (``parse_unique``) rather than once per line; a column of mostly
distinct numbers (prices) is read in one pass instead (``parse_numbers``).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from itertools import repeat
from typing import TypeVar

Parsed = TypeVar("Parsed")
Value = TypeVar("Value", bound=Hashable)

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")
_CANONICAL_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_SIMPLE_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")
# The same, one per line; possessive (never backtracks: digits, marks and line breaks cannot trade places),
# which makes checking 100,000 values 6 × faster.
_SIMPLE_NUMBERS = re.compile(r"-?\d++(?:[.,]\d++)?+(?:\n-?\d++(?:[.,]\d++)?+)*+")
_UNSIGNED_NUMBERS = re.compile(r"\d++(?:[.,]\d++)?+(?:\n\d++(?:[.,]\d++)?+)*+")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_FRENCH_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_IDENTIFIER_NOISE = re.compile(r"[\s\u00a0\u202f.\-]")


def parse_unique(
    values: Sequence[Value], parse: Callable[[Value], Parsed]
) -> tuple[list[Parsed], dict[Value, Parsed]]:
    """``[parse(value) for value in values]`` calling ``parse`` once per distinct value, and the table."""
    parsed = {value: parse(value) for value in distinct_values(values)}
    return _spread(values, parsed), parsed


def distinct_values(values: Sequence[Value]) -> set[Value]:
    """``set(values)``, without hashing every value of a column that holds one value (often absent)."""
    if holds_one_value(values):
        return {values[0]}
    return set(values)


def holds_one_value(values: Sequence[Hashable]) -> bool:
    """Whether every value equals the first; at C speed, comparing by identity first."""
    # The first and the last differ in most columns that vary: refused without a pass over them.
    return bool(values) and values[0] == values[-1] and values.count(values[0]) == len(values)


def _spread(values: Sequence[Value], parsed: dict[Value, Parsed]) -> list[Parsed]:
    """``[parsed[value] for value in values]``; a column holding one value (often absent) is one copy."""
    if len(parsed) == 1:
        return [next(iter(parsed.values()))] * len(values)
    return list(map(parsed.__getitem__, values))


@dataclass(frozen=True)
class NumberColumn:
    """A column read as numbers, with what the rules ask of its texts."""

    values: list[Decimal | None]  # one per row; None for an empty or unreadable text
    unreadable: frozenset[str]  # the non-empty texts that are not numbers
    negatives: frozenset[Decimal]  # the negative numbers read
    complete: bool  # every row holds a number: nothing empty, nothing unreadable
    given: bool  # some row holds a number
    nonzero: bool  # some row holds a number other than zero
    signed: bool  # some text carries a minus sign ('-' or parentheses), "-0" included
    table: dict[str, Decimal | None] | None  # number of each distinct text, when read through them


def parse_numbers(values: Sequence[str]) -> NumberColumn:
    """Read a column of numbers; empty text gives ``None``.

    A column of few distinct texts (rates, quantities) is read once per text. A column of mostly
    distinct texts (prices) in the common form (``1234,56``) is read row by row in one pass: one
    regular expression checks every row and ``Decimal`` is mapped over them at C speed, which beats
    a table of 100,000 texts.
    """
    distinct = distinct_values(values)
    if len(distinct) > len(values) // 4 and "" not in distinct:
        joined = "\n".join(values)
        parts = joined.replace(",", ".").split("\n") if _UNSIGNED_NUMBERS.fullmatch(joined) else []
        if len(parts) == len(values):  # a value holding a line break would shift the parts
            numbers: list[Decimal | None] = list(map(Decimal, parts))
            return NumberColumn(numbers, frozenset(), frozenset(), True, True, any(numbers), False, None)
    table: dict[str, Decimal | None] = dict.fromkeys(distinct)
    texts = [text for text in table if text]
    joined = "\n".join(texts)
    parts = joined.replace(",", ".").split("\n") if _SIMPLE_NUMBERS.fullmatch(joined) else []
    if texts and len(parts) == len(texts):
        table.update(zip(texts, map(Decimal, parts), strict=True))
    else:
        simple = _SIMPLE_NUMBER.fullmatch
        for text in texts:
            table[text] = Decimal(text.replace(",", ".")) if simple(text) else parse_number(text)
    # Only a text with '-' or '(' reads as a negative number: the others need no comparison.
    signed = "-" in joined or "(" in joined
    return NumberColumn(
        values=_spread(values, table),
        unreadable=frozenset(text for text, number in table.items() if number is None and text),
        negatives=frozenset(
            number
            for text, number in table.items()
            if signed and ("-" in text or "(" in text) and number is not None and number < 0
        ),
        complete=not any(map(operator.is_, table.values(), repeat(None))),
        given=any(number is not None for number in table.values()),
        nonzero=any(table.values()),
        signed=signed,
        table=table,
    )


def parse_number(text: str) -> Decimal | None:
    """A number as ``Decimal``, or ``None`` when unreadable (empty text is the caller's business).

    Accepts ``1 234,56`` (space, NBSP or narrow NBSP thousands), ``1.234,56``, ``1,234.56``,
    ``1234.56``, ``-12,50``, ``(12,50)`` and ``12,50-``. NaN, Infinity, exponents and anything else
    are unreadable: they are reported, never guessed.
    """
    if _SIMPLE_NUMBER.fullmatch(text):  # the common case: 1234,56 or 1234.56
        return Decimal(text.replace(",", "."))
    value = _SPACES.sub("", text)
    if (value.startswith("(") and value.endswith(")")) or value.endswith("-"):
        value = "-" + value.strip("()-")
    comma, dot = value.rfind(","), value.rfind(".")
    commas = value.count(",")
    # The last of ',' and '.' is the decimal mark when both appear; a lone ',' is decimal; repeated marks
    # are thousands separators.
    if commas == 1 and comma > dot:
        value = value.replace(".", "").replace(",", ".")
    elif commas:
        value = value.replace(",", "")
    if value.count(".") > 1:
        value = value.replace(".", "")
    if not _CANONICAL_NUMBER.fullmatch(value):
        return None
    try:
        return Decimal(value)
    except InvalidOperation:  # pragma: no cover - the pattern already guarantees a finite number
        return None


def parse_date(text: str) -> date | None:
    """A ``YYYY-MM-DD`` or ``DD/MM/YYYY`` date, or ``None`` when unreadable or impossible (31/02)."""
    match = _ISO_DATE.fullmatch(text)
    if match:
        year, month, day = match.groups()
    else:
        match = _FRENCH_DATE.fullmatch(text)
        if not match:
            return None
        day, month, year = match.groups()
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def compact_identifier(text: str) -> str:
    """An identifier (SIRET, IBAN) without spaces, dots or dashes, upper case."""
    return _IDENTIFIER_NOISE.sub("", text).upper()


# Spellings of the operation's nature (2026 reform, EN16931 BT-23 letters B, S, M) → the model's value.
_OPERATION_NATURES = {
    "goods": "goods",
    "biens": "goods",
    "b": "goods",
    "livraison de biens": "goods",
    "services": "services",
    "prestations de services": "services",
    "s": "services",
    "mixed": "mixed",
    "mixte": "mixed",
    "both": "mixed",
    "les deux": "mixed",
    "m": "mixed",
}


def operation_nature(text: str) -> str | None:
    """``goods``, ``services`` or ``mixed`` from its French or English spelling; ``""`` when empty,
    ``None`` when unreadable."""
    if not text:
        return ""
    return _OPERATION_NATURES.get(" ".join(text.split()).casefold())
