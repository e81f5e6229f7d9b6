"""Identifiers: invoice numbers, the buyer's and the validator's SIRET, the supplier's IBAN.

Columns: INVOICE_NUMBER_FORMAT, INVOICE_NUMBER_DATE_LIKE (warning), SIRET_INVALID, IBAN_INVALID.
Per invoice: the supplier IBAN a credit transfer needs (FIELD_MISSING, IBAN_INVALID), and the main
contractor's SIRET an A9 / A12 invoice needs (VALIDATOR_REQUIRED).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from stdnum import iban as stdnum_iban
from stdnum.fr import siret as stdnum_siret

from chorusflow.exports.parsing import compact_identifier, parse_unique
from chorusflow.rules.checks.flags import Flag, RowFlagger
from chorusflow.rules.codes import Finding, finding
from chorusflow.suppliers import SupplierIdentity

INVOICE_NUMBER_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_/+")
INVOICE_NUMBER_MAX = 20
# Valid invoice numbers, one per line: the rule of ``invoice_number_is_valid`` for many numbers at once.
_INVOICE_NUMBER = f"[{re.escape(''.join(sorted(INVOICE_NUMBER_CHARACTERS)))}]{{1,{INVOICE_NUMBER_MAX}}}+"
_INVOICE_NUMBERS = re.compile(f"{_INVOICE_NUMBER}(?:\n{_INVOICE_NUMBER})*+")
# Invoice numbers that may be only a date (2026-11-02, 2026/11/02, 20261102, 02/11/2026, 02112026), one
# per line: a pass over all the distinct numbers at once; each candidate is then read as a date.
_DATE_LIKE_NUMBERS = re.compile(r"^(?:20\d\d[-/_]?\d\d[-/_]?\d\d|\d\d?[-/_]?\d\d?[-/_]?20\d\d)$", re.M)
_DATE_NUMBER_FORMS = (
    (re.compile(r"(20\d\d)([-/_]?)(\d\d)\2(\d\d)"), (1, 3, 4)),  # year, month, day
    (re.compile(r"(\d\d?)([-/_])(\d\d?)\2(20\d\d)"), (4, 3, 1)),  # day/month/year, separated
    (re.compile(r"(\d\d)()(\d\d)(20\d\d)"), (4, 3, 1)),  # ddmmyyyy
)


@dataclass(frozen=True, slots=True)
class Sirets:
    """The SIRET columns, compacted (no spaces, dots or dashes)."""

    buyer: list[str]
    validator: list[str]
    findings: list[Flag]  # SIRET_INVALID


@dataclass(frozen=True, slots=True)
class Ibans:
    """The supplier IBAN column, compacted."""

    values: list[str]
    findings: list[Flag]  # IBAN_INVALID


@lru_cache(maxsize=4096)
def siret_is_valid(siret: str) -> bool:
    """14 digits with a valid check (stdnum handles the La Poste exception)."""
    return len(siret) == 14 and siret.isdigit() and stdnum_siret.is_valid(siret)


@lru_cache(maxsize=1024)
def iban_is_valid(iban: str) -> bool:
    """ISO 13616 IBAN with correct check digits."""
    return stdnum_iban.is_valid(compact_identifier(iban))


def invoice_number_is_valid(number: str) -> bool:
    """At most 20 characters from ``A-Z a-z 0-9 - _ / +`` (Chorus Pro)."""
    return 0 < len(number) <= INVOICE_NUMBER_MAX and INVOICE_NUMBER_CHARACTERS.issuperset(number)


def invoice_number_is_a_date(number: str) -> bool:
    """Whether ``number`` is only a calendar date: 2026-11-02, 2026/11/02, 20261102, 02/11/2026, 02112026."""
    for form, (year, month, day) in _DATE_NUMBER_FORMS:
        match = form.fullmatch(number)
        if match:
            try:
                date(int(match[year]), int(match[month]), int(match[day]))
            except ValueError:
                continue
            return True
    return False


def check_invoice_numbers(numbers: list[str], flagger: RowFlagger) -> list[Flag]:
    """INVOICE_NUMBER_FORMAT on every row of a number Chorus Pro refuses, then INVOICE_NUMBER_DATE_LIKE."""
    distinct = set(numbers) - {""}
    joined = "\n".join(distinct)
    flags: list[Flag] = []
    # One regular expression checks all the distinct numbers (unless one holds a line break).
    if not (_INVOICE_NUMBERS.fullmatch(joined) and joined.count("\n") == len(distinct) - 1):
        flags += flagger.values(
            numbers,
            lambda number: number != "" and not invoice_number_is_valid(number),
            "INVOICE_NUMBER_FORMAT",
            "invoice_number",
            distinct=distinct,
            value=numbers.__getitem__,
        )
    # A number that is only a date is no chronological sequence (CGI ann. II art. 242 nonies A 7°).
    # An invoice's key is its number: the warning goes straight to it.
    if "20" in joined:  # every date-like number holds its year, 20xx
        for number in distinct.intersection(_DATE_LIKE_NUMBERS.findall(joined)):
            if invoice_number_is_a_date(number):
                flags.append(
                    (
                        number,
                        finding("INVOICE_NUMBER_DATE_LIKE", flagger.lang, "invoice_number", value=number),
                    )
                )
    return flags


def check_sirets(columns: Mapping[str, list[str]], flagger: RowFlagger) -> Sirets:
    """SIRET_INVALID on the buyer's, then on the validator's SIRET."""
    flags: list[Flag] = []
    compacted: list[list[str]] = []
    for column in ("buyer_siret", "validator_siret"):
        sirets, table = parse_unique(columns[column], compact_identifier)
        compacted.append(sirets)
        flags += flagger.values(
            sirets,
            lambda siret: siret != "" and not siret_is_valid(siret),
            "SIRET_INVALID",
            column,
            distinct=set(table.values()),
            value=columns[column].__getitem__,
        )
    return Sirets(compacted[0], compacted[1], flags)


def check_ibans(texts: list[str], flagger: RowFlagger) -> Ibans:
    """IBAN_INVALID on every row whose supplier IBAN has wrong check digits."""
    ibans, table = parse_unique(texts, compact_identifier)
    flags = flagger.values(
        ibans,
        lambda iban: iban != "" and not iban_is_valid(iban),
        "IBAN_INVALID",
        "supplier_iban",
        distinct=set(table.values()),
        value=texts.__getitem__,
    )
    return Ibans(ibans, flags)


def supplier_iban_findings(supplier: SupplierIdentity, lang: str) -> list[Finding]:
    """What a credit transfer whose row gives no IBAN gets: the supplier's own must be known and valid.

    The same for every such invoice of an export: worked out once.
    """
    if supplier.iban is None:
        return [finding("FIELD_MISSING", lang, "supplier_iban")]
    if not iban_is_valid(supplier.iban):
        return [finding("IBAN_INVALID", lang, "supplier_iban", value=supplier.iban)]
    return []


def validator_findings(framework: str | None, validator_siret: str, lang: str) -> list[Finding]:
    """VALIDATOR_REQUIRED: an A9 / A12 invoice names the main contractor who validates it."""
    if validator_siret:
        return []
    return [finding("VALIDATOR_REQUIRED", lang, "validator_siret", framework=framework)]
