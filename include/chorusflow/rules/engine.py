"""Validate the rows of an export table and turn each invoice into a verdict.

Column checks run once per distinct value (exports repeat dates, rates and SIRETs on every line)
and only look at individual rows when a value is wrong. The per-invoice loop then computes totals
in ``Decimal`` and builds the pydantic objects without re-validating values already checked. One
root cause gives one code: an amount that cannot be read is ``FIELD_FORMAT`` only, never also
``AMOUNT_MISMATCH``; an impossible date is never also ``DATE_ORDER``.
"""

from __future__ import annotations

import gc
import operator
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from itertools import repeat
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict
from stdnum import iban as stdnum_iban
from stdnum.fr import siret as stdnum_siret

from chorusflow.config import SupplierIdentity
from chorusflow.exports.attachments import check_attachment
from chorusflow.exports.columns import HEADER_COLUMNS, REQUIRED_COLUMNS
from chorusflow.exports.parsing import (
    NumberColumn,
    compact_identifier,
    distinct_values,
    holds_one_value,
    operation_nature,
    parse_date,
    parse_numbers,
    parse_unique,
)
from chorusflow.exports.reader import ExportTable
from chorusflow.model import (
    CENT,
    HUNDRED,
    Invoice,
    InvoiceLine,
    VatBreakdown,
    construct_checked,
    plain_rate,
    round_cents,
)
from chorusflow.rules.codes import EXPECTED_FORMATS, Finding, Severity, field_label, finding
from chorusflow.rules.directory import (
    BuyerDirectory,
    BuyerRecord,
    DirectoryUnavailableError,
    directory_findings,
)
from chorusflow.rules.profiles import BuyerProfile

# Rates in force in metropolitan France, Corsica and the overseas departments (invoice-rules §2.7).
FRENCH_VAT_RATES = frozenset(
    Decimal(rate) for rate in ("0", "0.9", "1.05", "1.75", "2.1", "5.5", "8.5", "10", "13", "20")
)
ALLOWED_RATES_TEXT = " ; ".join(format(rate, "f") for rate in sorted(FRENCH_VAT_RATES))
INVOICE_TYPES = frozenset({"FACTURE", "AVOIR"})
BILLING_FRAMEWORKS = {
    "A1": "A1",
    "A1_FACTURE_FOURNISSEUR": "A1",
    "A2": "A2",
    "A2_FACTURE_FOURNISSEUR_DEJA_PAYEE": "A2",
    "A9": "A9",
    "A9_FACTURE_SOUSTRAITANT": "A9",
    "A12": "A12",
    "A12_FACTURE_COTRAITANT": "A12",
}
PAYMENT_MEANS = frozenset({"CHEQUE", "PRELEVEMENT", "VIREMENT", "ESPECE", "AUTRE", "REPORT"})
INVOICE_NUMBER_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_/+")
INVOICE_NUMBER_MAX = 20
# Valid invoice numbers, one per line: the rule of ``invoice_number_is_valid`` for many numbers at once.
_INVOICE_NUMBER = f"[{re.escape(''.join(sorted(INVOICE_NUMBER_CHARACTERS)))}]{{1,{INVOICE_NUMBER_MAX}}}+"
_INVOICE_NUMBERS = re.compile(f"{_INVOICE_NUMBER}(?:\n{_INVOICE_NUMBER})*+")
# Text limits, refused rather than cut (docs/rule-codes.md, FIELD_TOO_LONG): Chorus Pro's (api-reference
# §4.3, §9; invoice-rules §2.2, §2.3; the request models of chorusflow.chorus.models) and chorusflow's own.
FIELD_LIMITS = {
    "line_description": 512,  # lignePosteDenomination: no maxLength in the Swagger; the platform limit kept
    "comment": 2000,  # commentaire
    "service_code": 100,  # codeServiceExecutant
    "engagement_number": 50,  # numeroBonCommande
    "market_number": 50,
    "buyer_name": 200,
    "buyer_address": 500,
    "delivery_address": 500,
    "vat_exemption_reason": 500,
    "original_invoice_number": 50,
    "line_unit": 50,
    "attachment": 1000,
}
# An attachment's file name, sent as its designation: 50 characters with the extension (api-reference §9).
ATTACHMENT_NAME_MAX = 50
# Billing frameworks where the main contractor validates the invoice (codeStructureValideur).
VALIDATED_FRAMEWORKS = frozenset({"A9", "A12"})
# Invoice numbers that may be only a date (2026-11-02, 2026/11/02, 20261102, 02/11/2026, 02112026), one
# per line: a pass over all the distinct numbers at once; each candidate is then read as a date.
_DATE_LIKE_NUMBERS = re.compile(r"^(?:20\d\d[-/_]?\d\d[-/_]?\d\d|\d\d?[-/_]?\d\d?[-/_]?20\d\d)$", re.M)
_DATE_NUMBER_FORMS = (
    (re.compile(r"(20\d\d)([-/_]?)(\d\d)\2(\d\d)"), (1, 3, 4)),  # year, month, day
    (re.compile(r"(\d\d?)([-/_])(\d\d?)\2(20\d\d)"), (4, 3, 1)),  # day/month/year, separated
    (re.compile(r"(\d\d)()(\d\d)(20\d\d)"), (4, 3, 1)),  # ddmmyyyy
)
# A usable postal address: a street line (text with a letter), then, on the same line or a later one, a
# postal code (5 digits, or a foreign one with its country prefix: B-1000, CH-1201) and a city name.
_POSTAL_ADDRESS = re.compile(
    r"[\W\d_]*+[^\W\d_].*?(?<!\w)(?:\d{5}|[A-Z]{1,3}-[0-9A-Z]{3,8})[ \t]+[^\W\d_]", re.S
)
PARIS = ZoneInfo("Europe/Paris")
NUMBER_COLUMNS = (
    "quantity",
    "unit_price",
    "vat_rate",
    "line_discount",
    "line_net_amount",
    "total_ht",
    "total_vat",
    "total_ttc",
)
SIGNED_COLUMNS = frozenset(NUMBER_COLUMNS) - {"vat_rate"}
LINE_AMOUNT_COLUMNS = ("quantity", "unit_price", "vat_rate")
TOTAL_COLUMNS = ("total_ht", "total_vat", "total_ttc")
DATE_COLUMNS = ("issue_date", "due_date", "delivery_date")
LEGAL_PAYMENT_DAYS = 60
ZERO = Decimal(0)
ZERO_CENTS = Decimal("0.00")
# Errors after which the values cannot make a well-formed Invoice object.
STRUCTURAL_CODES = frozenset(
    {
        "FIELD_MISSING",
        "FIELD_FORMAT",
        "SIRET_INVALID",
        "INVOICE_TYPE_INVALID",
        "BILLING_FRAMEWORK_INVALID",
        "PAYMENT_MEANS_INVALID",
        "HEADER_CONFLICT",
        "ROW_MALFORMED",
        "INVOICE_NUMBER_FORMAT",
    }
)


def _holds_none(values: Iterable[object]) -> bool:
    """Whether ``None`` is among ``values``, by identity (``None in`` compares every ``Decimal`` slowly)."""
    return any(map(operator.is_, values, repeat(None)))


class InvoiceVerdict(BaseModel):
    """The outcome for one invoice of the export (or one row that names no invoice)."""

    model_config = ConfigDict(frozen=True)

    invoice_number: str
    rows: list[int]
    valid: bool
    errors: list[Finding]
    warnings: list[Finding]
    invoice: Invoice | None = None


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


def postal_address_is_usable(address: str) -> bool:
    """A street line (some text with a letter), then a postal code and a city, on that line or a later one.

    The postal code is 5 digits (France), or a foreign one behind its country prefix (``B-1000``,
    ``CH-1201``); the city starts with a letter. ``voir bon``, ``Paris``, ``12`` and ``75001 Paris``
    (no street line) are not usable.
    """
    return _POSTAL_ADDRESS.match(address) is not None


def paris_today() -> date:
    """Today in France (Europe/Paris): the day Chorus Pro dates a deposit made now."""
    return datetime.now(PARIS).date()


def reform_severity(supplier: SupplierIdentity, today: date) -> Severity:
    """The severity of the 2026 reform's mentions (``REFORM_CODES``) for ``supplier`` on ``today``."""
    return "error" if today >= supplier.reform_mentions_from else "warning"


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while hundreds of thousands of small acyclic objects are made.

    Without this, the collector rescans the growing heap again and again, for nothing (about 2×).
    On the way out the objects made are moved to the oldest generation (``freeze`` then ``unfreeze``):
    the first young collection would otherwise scan all of them once (0.08 s for 100,000 lines) only
    to promote them there. They stay collectable; a full collection sees them like any old object.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        if collecting:
            gc.enable()


def _plain_rate_or_none(rate: Decimal | None) -> Decimal | None:
    return None if rate is None else plain_rate(rate)


def _shown(text: str, limit: int = 60) -> str:
    """A value quoted in a message: printable characters only, at most ``limit`` long."""
    cleaned = "".join(char if char.isprintable() else "?" for char in text[: limit + 1])
    return cleaned if len(cleaned) <= limit else cleaned[:limit] + "…"


class _Collector:
    """Findings per invoice key, without duplicates, in the order found."""

    def __init__(self) -> None:
        self.items: dict[object, dict[tuple[str, str | None, str], Finding]] = {}

    def add(self, key: object, item: Finding) -> None:
        self.items.setdefault(key, {}).setdefault((item.code, item.field, item.message), item)

    def get(self, key: object) -> list[Finding]:
        found = self.items.get(key)
        return list(found.values()) if found else []


class TableValidator:
    """Validates one export table; ``run()`` returns one verdict per invoice."""

    def __init__(
        self,
        table: ExportTable,
        *,
        supplier: SupplierIdentity,
        lang: str,
        profiles: dict[str, BuyerProfile],
        directory: BuyerDirectory | None,
        today: date | None = None,
    ) -> None:
        self.table = table
        self.columns = table.columns
        self.supplier = supplier
        self.lang = lang
        # "Today" decides INVOICE_DATE_FUTURE and whether the reform's mentions are errors yet.
        self.today = today if today is not None else paris_today()
        self.reform_severity = reform_severity(supplier, self.today)
        self.nature_missing: Finding | None = None  # OPERATION_NATURE_MISSING, once made
        self.zero_rated: list[bool] | None = None  # per invoice: a 0 % line (None: no such line at all)
        self.profiles = profiles
        self.directory = directory
        self.findings = _Collector()
        self._buyers: dict[str, BuyerRecord | None | DirectoryUnavailableError] = {}
        self._attachments: dict[str, tuple[str | None, Path | None]] = {}
        self.supplier_iban_valid = supplier.iban is not None and iban_is_valid(supplier.iban)
        self._buyer_outcomes: dict[
            tuple[str, str, str], tuple[str | None, str | None, dict[str, str], list[Finding]]
        ] = {}
        self._distinct: dict[int, Collection[Any]] = {}  # distinct values per column list, by id()
        self._longest: dict[int, int] = {}  # longest text per column list, by id()
        row_numbers = table.row_numbers
        numbers = self.columns["invoice_number"]
        # An invoice's key is its number; a row without one is its own invoice.
        self.keys: list[object] = (
            list(numbers)
            if "" not in numbers
            else [number if number else ("row", row_numbers[index]) for index, number in enumerate(numbers)]
        )

    # -- column checks ------------------------------------------------------------------------------
    def _flag_values(
        self,
        values: Sequence[Any],
        is_wrong: Callable[[Any], bool],
        code: str,
        field: str | None,
        *,
        distinct: Collection[Any] | None = None,
        severity: Severity | None = None,
        **params: Callable[[int], object] | object,
    ) -> None:
        """Add ``code`` to the invoice of every row whose value ``is_wrong`` (tested once per value).

        ``distinct`` may give the distinct values when the caller already knows them. A callable
        parameter is called with the row index; text is shortened and made printable. ``severity``
        is for the codes whose severity is decided per run (``finding``).
        """
        if distinct is None:
            distinct = self._distinct.get(id(values))
        if distinct is None:
            distinct = self._distinct[id(values)] = distinct_values(values)
        wrong = {value for value in distinct if is_wrong(value)}
        self._flag_rows(values, wrong, code, field, severity=severity, **params)

    def _flag_rows(
        self,
        values: Sequence[Any],
        wrong: Collection[Any],
        code: str,
        field: str | None,
        *,
        severity: Severity | None = None,
        **params: Callable[[int], object] | object,
    ) -> None:
        """Add ``code`` to the invoice of every row whose value is one of ``wrong`` (see ``_flag_values``)."""
        if not wrong:
            return
        for row, value in enumerate(values):
            if value in wrong:
                shown = {name: param(row) if callable(param) else param for name, param in params.items()}
                shown = {
                    name: _shown(item) if isinstance(item, str) else item for name, item in shown.items()
                }
                self.findings.add(self.keys[row], finding(code, self.lang, field, severity=severity, **shown))

    def _raw(self, column: str) -> Callable[[int], str]:
        values = self.columns[column]
        return lambda row: values[row]

    def _flag_unreadable(self, column: str, unreadable: Collection[str], expected: str) -> None:
        """FIELD_FORMAT on every row of ``column`` whose text is one of ``unreadable``."""
        self._flag_rows(
            self.columns[column],
            unreadable,
            "FIELD_FORMAT",
            column,
            value=self._raw(column),
            expected=expected,
        )

    def _flag_too_long(self, column: str, limit: int) -> None:
        values = self.columns[column]
        longest = self._longest.get(id(values))  # absent columns share one list of empty texts
        if longest is None:
            longest = self._longest[id(values)] = max(map(len, values), default=0)
        if longest <= limit:
            return  # the usual case, decided at C speed without a set of (often unique) texts
        self._flag_values(
            values,
            lambda text: len(text) > limit,
            "FIELD_TOO_LONG",
            column,
            length=lambda row: len(values[row]),
            limit=limit,
        )

    def _check_columns(self) -> None:
        columns = self.columns
        english = self.lang == "en"
        for column in REQUIRED_COLUMNS:
            if "" in columns[column]:
                self._flag_rows(columns[column], {""}, "FIELD_MISSING", column)
        self.numbers: dict[str, list[Decimal | None]] = {}
        number_expected = EXPECTED_FORMATS["number"][1 if english else 0]
        read: dict[str, NumberColumn] = {}
        for column in NUMBER_COLUMNS:
            number_column = read[column] = parse_numbers(columns[column])
            values = self.numbers[column] = number_column.values
            self._flag_unreadable(column, number_column.unreadable, number_expected)
            if column in SIGNED_COLUMNS:
                self._flag_rows(
                    values, number_column.negatives, "AMOUNT_SIGN", column, value=values.__getitem__
                )
        rate_column = read["vat_rate"]
        rates = set(rate_column.table.values() if rate_column.table is not None else rate_column.values)
        self._flag_values(
            self.numbers["vat_rate"],
            lambda rate: rate is not None and rate not in FRENCH_VAT_RATES,
            "VAT_RATE_INVALID",
            "vat_rate",
            distinct=rates,
            value=self._raw("vat_rate"),
            allowed=ALLOWED_RATES_TEXT,
        )
        plain_rates = {rate: _plain_rate_or_none(rate) for rate in rates}  # equal rates print alike
        self.plain_rates = list(map(plain_rates.__getitem__, self.numbers["vat_rate"]))
        # Rates in increasing order (a breakdown lists them so); an unreadable rate ranks -1.
        self.rate_ranks: dict[Decimal | None, int] = {
            rate: rank
            for rank, rate in enumerate(sorted(set(plain_rates.values()) - {None}))  # type: ignore[type-var]
        }
        self.rate_ranks[None] = -1
        self.has_given_line_nets = read["line_net_amount"].given
        self.given_total_columns = [name for name in TOTAL_COLUMNS if read[name].given]
        self.amounts_to_compare = self.has_given_line_nets or bool(self.given_total_columns)
        # A line's amounts can be computed when quantity, price, rate (and a given discount) are readable.
        numbers = self.numbers
        # The usual case, known from the columns alone: every row is readable.
        if all(read[name].complete for name in LINE_AMOUNT_COLUMNS) and not read["line_discount"].unreadable:
            self.readable_lines = [True] * len(numbers["quantity"])
            self.all_lines_readable = True
        else:
            self.readable_lines = self._readable_lines()
            self.all_lines_readable = all(self.readable_lines)
        self.has_discounts = read["line_discount"].nonzero  # a zero discount is none
        # No discount and no minus sign in quantities, prices and rates: no net nor VAT is negative, not
        # even a negative zero.
        self.nets_unsigned = not self.has_discounts and not any(
            read[name].signed for name in LINE_AMOUNT_COLUMNS
        )
        # Dates are header values, read on each invoice's first row: a table per distinct text suffices.
        self.dates: dict[str, dict[str, date | None]] = {}
        date_expected = EXPECTED_FORMATS["date"][1 if english else 0]
        for column in DATE_COLUMNS:
            distinct = distinct_values(columns[column])
            dates = self.dates[column] = {text: parse_date(text) for text in distinct}
            self._distinct[id(columns[column])] = distinct
            if _holds_none(dates.values()):
                unreadable = {text for text, value in dates.items() if value is None and text != ""}
                self._flag_unreadable(column, unreadable, date_expected)
        # Chorus Pro refuses an invoice dated after its deposit (api-reference, Corrections 1).
        today = self.today
        future = {
            text: day.isoformat()
            for text, day in self.dates["issue_date"].items()
            if day is not None and day > today
        }
        if future:
            issue_texts = columns["issue_date"]
            self._flag_rows(
                issue_texts,
                future,
                "INVOICE_DATE_FUTURE",
                "issue_date",
                date=lambda row: future[issue_texts[row]],
                today=today.isoformat(),
            )
        invoice_numbers = set(columns["invoice_number"]) - {""}
        joined = "\n".join(invoice_numbers)
        # One regular expression checks all the distinct numbers (unless one holds a line break).
        if not (_INVOICE_NUMBERS.fullmatch(joined) and joined.count("\n") == len(invoice_numbers) - 1):
            self._flag_values(
                columns["invoice_number"],
                lambda number: number != "" and not invoice_number_is_valid(number),
                "INVOICE_NUMBER_FORMAT",
                "invoice_number",
                distinct=invoice_numbers,
                value=self._raw("invoice_number"),
            )
        # A number that is only a date is no chronological sequence (CGI ann. II art. 242 nonies A 7°).
        # An invoice's key is its number: the warning goes straight to it.
        if "20" in joined:  # every date-like number holds its year, 20xx
            for number in invoice_numbers.intersection(_DATE_LIKE_NUMBERS.findall(joined)):
                if invoice_number_is_a_date(number):
                    item = finding("INVOICE_NUMBER_DATE_LIKE", self.lang, "invoice_number", value=number)
                    self.findings.add(number, item)
        for column, limit in FIELD_LIMITS.items():
            self._flag_too_long(column, limit)
        self.sirets, sirets = parse_unique(columns["buyer_siret"], compact_identifier)
        self._flag_values(
            self.sirets,
            lambda siret: siret != "" and not siret_is_valid(siret),
            "SIRET_INVALID",
            "buyer_siret",
            distinct=set(sirets.values()),
            value=self._raw("buyer_siret"),
        )
        self.validator_sirets, validators = parse_unique(columns["validator_siret"], compact_identifier)
        self._flag_values(
            self.validator_sirets,
            lambda siret: siret != "" and not siret_is_valid(siret),
            "SIRET_INVALID",
            "validator_siret",
            distinct=set(validators.values()),
            value=self._raw("validator_siret"),
        )
        self.types, types = parse_unique(columns["invoice_type"], lambda text: text.upper() or "FACTURE")
        self._flag_values(
            self.types,
            lambda kind: kind not in INVOICE_TYPES,
            "INVOICE_TYPE_INVALID",
            "invoice_type",
            distinct=set(types.values()),
            value=self._raw("invoice_type"),
        )
        self.currencies, currencies = parse_unique(columns["currency"], lambda text: text.upper() or "EUR")
        self._flag_values(
            self.currencies,
            lambda currency: currency != "EUR",
            "CURRENCY_INVALID",
            "currency",
            distinct=set(currencies.values()),
            value=self._raw("currency"),
        )
        self.frameworks, frameworks = parse_unique(
            columns["billing_framework"], lambda text: BILLING_FRAMEWORKS.get(text.upper() or "A1")
        )
        self._flag_values(
            self.frameworks,
            lambda framework: framework is None,
            "BILLING_FRAMEWORK_INVALID",
            "billing_framework",
            distinct=set(frameworks.values()),
            value=self._raw("billing_framework"),
        )
        # VALIDATOR_REQUIRED is looked for per invoice only when some invoice is A9 or A12.
        self.validators_required = not VALIDATED_FRAMEWORKS.isdisjoint(frameworks.values())
        self.payment_means, means = parse_unique(columns["payment_means"], str.upper)
        self._flag_values(
            self.payment_means,
            lambda means: means != "" and means not in PAYMENT_MEANS,
            "PAYMENT_MEANS_INVALID",
            "payment_means",
            distinct=set(means.values()),
            value=self._raw("payment_means"),
        )
        self.operation_natures, natures = parse_unique(columns["operation_nature"], operation_nature)
        self._flag_values(
            self.operation_natures,
            lambda nature: nature is None,
            "FIELD_FORMAT",
            "operation_nature",
            distinct=set(natures.values()),
            value=self._raw("operation_nature"),
            expected=EXPECTED_FORMATS["operation_nature"][1 if english else 0],
        )
        # The 2026 reform's mentions: warnings before the supplier's date, errors from it.
        since = self.supplier.reform_mentions_from.isoformat()
        if "" in natures:  # some invoice gives no nature: one finding, shared by those invoices
            self.nature_missing = finding(
                "OPERATION_NATURE_MISSING",
                self.lang,
                "operation_nature",
                severity=self.reform_severity,
                since=since,
            )
        addresses = columns["delivery_address"]
        self._flag_values(
            addresses,
            lambda text: text != "" and not postal_address_is_usable(text),
            "DELIVERY_ADDRESS_INVALID",
            "delivery_address",
            severity=self.reform_severity,
            value=lambda row: ", ".join(filter(None, map(str.strip, addresses[row].splitlines()))),
            since=since,
        )
        self.ibans, ibans = parse_unique(columns["supplier_iban"], compact_identifier)
        self._flag_values(
            self.ibans,
            lambda iban: iban != "" and not iban_is_valid(iban),
            "IBAN_INVALID",
            "supplier_iban",
            distinct=set(ibans.values()),
            value=self._raw("supplier_iban"),
        )
        for number, _width in self.table.malformed:
            self.findings.add(number if number else ("row", 0), finding("ROW_MALFORMED", self.lang, None))

    def _readable_lines(self) -> list[bool]:
        """Per row: quantity, price, rate (and a given discount) are readable."""
        numbers, columns = self.numbers, self.columns
        return [
            quantity is not None
            and price is not None
            and rate is not None
            and (discount is not None or not raw)
            for quantity, price, rate, discount, raw in zip(
                numbers["quantity"],
                numbers["unit_price"],
                numbers["vat_rate"],
                numbers["line_discount"],
                columns["line_discount"],
                strict=True,
            )
        ]

    def _header_conflicts(self, codes: np.ndarray, keys: list[object]) -> None:
        """HEADER_CONFLICT when the lines of one invoice disagree on a header field (compared normalised).

        Neighbouring lines of the same invoice are compared as exported text first: identical texts
        cannot disagree, so only the invoices whose texts differ are compared normalised.
        """
        ordered = np.asarray(self.ordered_rows)
        ordered_codes = codes[ordered]
        same_invoice = ordered_codes[1:] == ordered_codes[:-1]
        if not same_invoice.any():
            return  # one line per invoice: nothing to compare
        derived: dict[str, Sequence[object]] = {
            "buyer_siret": self.sirets,
            "validator_siret": self.validator_sirets,
            "invoice_type": self.types,
            "currency": self.currencies,
        }
        empty = "(empty)" if self.lang == "en" else "(vide)"
        for column in HEADER_COLUMNS:
            raw = self.columns[column]
            # Lines are grouped by invoice number, and a column holding one value cannot disagree.
            if column == "invoice_number" or holds_one_value(raw):
                continue
            texts = np.asarray(raw, dtype=object)
            if not self.contiguous:
                texts = texts[ordered]
            differs = same_invoice & (texts[1:] != texts[:-1])
            if not differs.any():
                continue
            normalised = self._normaliser(column, derived)
            for group in sorted(set(ordered_codes[1:][differs].tolist())):
                rows = self._rows(group)
                values = [normalised(row) for row in rows]
                if all(value == values[0] for value in values):
                    continue
                distinct = list(dict.fromkeys(map(str, values)))
                shown = ", ".join(f"'{_shown(value, 30)}'" if value else empty for value in distinct[:4])
                self.findings.add(keys[group], finding("HEADER_CONFLICT", self.lang, column, values=shown))

    def _normaliser(self, column: str, derived: Mapping[str, Sequence[object]]) -> Callable[[int], object]:
        """A row's value of a header column as compared for conflicts (a parsed date, a compact SIRET…)."""
        raw = self.columns[column]
        if column in DATE_COLUMNS:
            dates = self.dates[column]
            return lambda row: dates[raw[row]] or raw[row]
        if column in TOTAL_COLUMNS:
            totals = self.numbers[column]
            return lambda row: totals[row] if totals[row] is not None else raw[row]
        if column == "operation_nature":
            natures = self.operation_natures
            return lambda row: natures[row] if natures[row] is not None else raw[row]
        return derived.get(column, raw).__getitem__

    # -- per invoice --------------------------------------------------------------------------------
    def _buyer(self, siret: str) -> BuyerRecord | None | DirectoryUnavailableError:
        if siret not in self._buyers:
            assert self.directory is not None
            try:
                self._buyers[siret] = self.directory.lookup(siret)
            except DirectoryUnavailableError as error:
                self._buyers[siret] = error
        return self._buyers[siret]

    def _directory_address(self, first: int) -> str | None:
        """The buyer's address in the Chorus Pro directory, for the invoice PDF (looked up once)."""
        if self.directory is None:
            return None
        record = self._buyers.get(self.sirets[first])
        return record.address if isinstance(record, BuyerRecord) else None

    def _attachment(self, value: str) -> tuple[str | None, Path | None]:
        if value not in self._attachments:
            try:
                self._attachments[value] = check_attachment(self.table.folder, value)
            except OSError:
                self._attachments[value] = ("ATTACHMENT_NOT_FOUND", None)
        return self._attachments[value]

    def _groups(self) -> tuple[np.ndarray, list[object], list[int]]:
        """Invoice code of each row, and each invoice's key and first row, in order of first appearance.

        Also numbers each row within its invoice (``self.line_numbers``), lists the rows in invoice
        order (``self.ordered_rows``, each invoice's rows being ``self.group_bounds``) and the export row
        numbers of each invoice (``self.group_row_numbers``).
        """
        codes, _ = pd.factorize(np.asarray(self.keys, dtype=object))
        order = np.argsort(codes, kind="stable")
        counts = np.bincount(codes)
        ends = np.cumsum(counts)
        starts = ends - counts
        first_rows: list[int] = order[starts].tolist()
        line_numbers = np.empty(len(codes), dtype=np.int64)
        line_numbers[order] = np.arange(1, len(codes) + 1) - np.repeat(starts, counts)
        self.line_numbers: list[int] = line_numbers.tolist()
        self.contiguous = bool((order == np.arange(len(order))).all())  # each invoice's lines together
        self.ordered_rows: list[int] = order.tolist()
        row_numbers = self.table.row_numbers
        ordered_numbers = (
            row_numbers if self.contiguous else list(map(row_numbers.__getitem__, self.ordered_rows))
        )
        bounds = self.group_bounds = list(map(slice, starts.tolist(), ends.tolist()))
        self.group_row_numbers = list(map(ordered_numbers.__getitem__, bounds))
        keys = list(map(self.keys.__getitem__, first_rows))
        # An invoice's amounts can be computed when every one of its lines is readable.
        unreadable = np.bincount(
            codes, weights=~np.asarray(self.readable_lines, dtype=bool), minlength=len(counts)
        )
        self.group_readable: list[bool] = (unreadable == 0).tolist()
        return codes, keys, first_rows

    def _find_zero_rated(self, codes: np.ndarray) -> None:
        """Per invoice, whether one of its lines is at 0 % VAT (only when some line of the export is)."""
        zero_rank = self.rate_ranks.get(ZERO)
        if zero_rank is None:
            return  # the usual case: no 0 % line, nothing to look for per invoice
        rates = self.plain_rates
        ranks = np.fromiter(map(self.rate_ranks.__getitem__, rates), dtype=np.int64, count=len(rates))
        counts = np.bincount(codes, weights=ranks == zero_rank, minlength=len(self.group_readable))
        self.zero_rated = (counts > 0).tolist()

    def _rows(self, group: int) -> list[int]:
        """The rows of invoice ``group``, in export order."""
        return self.ordered_rows[self.group_bounds[group]]

    def _build_lines(self) -> None:
        """Net amount (§2.8) and ``InvoiceLine`` of every readable row, in one pass over the table.

        ``None`` for a row whose amounts cannot be read. Done in bulk because a loop per invoice
        costs several times more per line.
        """
        numbers, columns = self.numbers, self.columns
        self.line_nets: list[Decimal | None]
        if self.all_lines_readable and not self.has_discounts:
            # The usual case, at C speed: round_cents(quantity × price) without a Python call per line.
            products = map(operator.mul, numbers["quantity"], numbers["unit_price"])
            self.line_nets = list(map(Decimal.quantize, products, repeat(CENT), repeat(ROUND_HALF_UP)))
        else:
            self.line_nets = [
                round_cents(quantity * price - discount if discount else quantity * price)  # type: ignore[operator]
                if readable
                else None
                for readable, quantity, price, discount in zip(
                    self.readable_lines,
                    numbers["quantity"],
                    numbers["unit_price"],
                    numbers["line_discount"],
                    strict=True,
                )
            ]
        units = columns["line_unit"]
        if "" in units:
            units = [unit or None for unit in units]  # type: ignore[misc]
        # A zero discount, however written, is stored as 0 (the export's "0,00" is no discount).
        discounts = (
            [discount or ZERO for discount in numbers["line_discount"]]
            if self.has_discounts
            else [ZERO] * len(self.line_nets)
        )
        line_values = zip(
            self.line_numbers,
            columns["line_description"],
            numbers["quantity"],
            units,
            numbers["unit_price"],
            discounts,
            self.plain_rates,
            self.line_nets,
            strict=True,
        )
        new_line = tuple.__new__
        self.line_objects: list[InvoiceLine | None] = (
            list(map(new_line, repeat(InvoiceLine), line_values))
            if self.all_lines_readable
            else [new_line(InvoiceLine, values) if values[-1] is not None else None for values in line_values]
        )
        # Each invoice's lines as one slice of the lines in invoice order (a list per invoice costs more).
        in_order = (
            self.line_objects
            if self.contiguous
            else list(map(self.line_objects.__getitem__, self.ordered_rows))
        )
        self.group_lines = list(map(in_order.__getitem__, self.group_bounds))

    def _build_totals(self, codes: np.ndarray) -> None:
        """VAT breakdown and totals (§2.8) of every invoice whose lines are all readable, in bulk.

        Lines are sorted by (invoice, rate); each run of one rate in one invoice gives a base, summed
        at C speed, and its VAT. An invoice's breakdown is then a slice of those, in rate order.
        """
        nets, rates = self.line_nets, self.plain_rates
        ordered = np.asarray(self.ordered_rows, dtype=np.int64)
        ordered_codes = codes[ordered]
        kept = np.asarray(self.group_readable, dtype=bool)[ordered_codes]
        if not kept.all():
            ordered, ordered_codes = ordered[kept], ordered_codes[kept]
        rank_of_row = map(self.rate_ranks.__getitem__, rates)
        ranks = np.fromiter(rank_of_row, dtype=np.int64, count=len(rates))[ordered]
        by_rate = np.lexsort((ranks, ordered_codes))
        rows, row_codes, row_ranks = ordered[by_rate], ordered_codes[by_rate], ranks[by_rate]
        new_run = (row_codes[1:] != row_codes[:-1]) | (row_ranks[1:] != row_ranks[:-1])
        run_starts = np.concatenate(([0], np.flatnonzero(new_run) + 1)).astype(np.int64)
        groups = len(self.group_readable)
        self.group_breakdowns: list[list[VatBreakdown]] = [[]] * groups
        # Unreadable invoices keep zero totals: they get no Invoice.
        self.group_totals: list[tuple[Decimal, Decimal, Decimal]] = [
            (ZERO_CENTS, ZERO_CENTS, ZERO_CENTS)
        ] * groups
        if not len(rows):
            return
        # Each run's base: its nets added left to right (np.add.reduceat on objects, at C speed), then
        # ZERO + that, as ``sum(nets, ZERO)`` would give it; adding zero changes nothing, not even the
        # exponent (nets are in cents), unless some net is a negative zero.
        sorted_nets = np.fromiter(map(nets.__getitem__, rows.tolist()), dtype=object, count=len(rows))
        bases = np.add.reduceat(sorted_nets, run_starts).tolist()
        if not self.nets_unsigned:
            bases = list(map(operator.add, repeat(ZERO), bases))
        run_rates = list(map(rates.__getitem__, rows[run_starts].tolist()))
        # round_cents(base × rate / 100), mapped at C speed
        vats = list(
            map(
                Decimal.quantize,
                map(operator.truediv, map(operator.mul, bases, run_rates), repeat(HUNDRED)),
                repeat(CENT),
                repeat(ROUND_HALF_UP),
            )
        )
        breakdowns = list(map(tuple.__new__, repeat(VatBreakdown), zip(run_rates, bases, vats, strict=True)))
        invoice_of_run = row_codes[run_starts]
        starts = np.concatenate(([0], np.flatnonzero(invoice_of_run[1:] != invoice_of_run[:-1]) + 1))
        invoices = invoice_of_run[starts].tolist()  # the readable invoices, in group order
        ends = np.append(starts[1:], len(run_starts)).tolist()
        slices = list(map(slice, starts.tolist(), ends))
        # Totals: ZERO_CENTS + the invoice's bases (or VAT), as ``sum(..., ZERO_CENTS)`` would give them.
        totals_ht = np.add.reduceat(np.array(bases, dtype=object), starts).tolist()
        totals_vat = np.add.reduceat(np.array(vats, dtype=object), starts).tolist()
        if not self.nets_unsigned:
            totals_ht = list(map(operator.add, repeat(ZERO_CENTS), totals_ht))
            totals_vat = list(map(operator.add, repeat(ZERO_CENTS), totals_vat))
        totals = list(zip(totals_ht, totals_vat, map(operator.add, totals_ht, totals_vat), strict=True))
        invoice_breakdowns = list(map(breakdowns.__getitem__, slices))
        if len(invoices) == groups:  # every invoice readable: the usual case
            self.group_breakdowns, self.group_totals = invoice_breakdowns, totals
            return
        for group, breakdown, invoice_totals in zip(invoices, invoice_breakdowns, totals, strict=True):
            self.group_breakdowns[group], self.group_totals[group] = breakdown, invoice_totals

    def run(self) -> list[InvoiceVerdict]:
        """Check every row and return one verdict per invoice, in the order of the export."""
        with gc_paused():
            self._check_columns()
            codes, keys, first_rows = self._groups()
            self._find_zero_rated(codes)
            self._header_conflicts(codes, keys)
            self._build_lines()
            self._build_totals(codes)
            return [
                self._verdict(key, group, first, row_numbers, readable)
                for group, (key, first, row_numbers, readable) in enumerate(
                    zip(keys, first_rows, self.group_row_numbers, self.group_readable, strict=True)
                )
            ]

    def _verdict(
        self, key: object, group: int, first: int, row_numbers: list[int], readable: bool
    ) -> InvoiceVerdict:
        columns, lang, found = self.columns, self.lang, self.findings
        number = key if isinstance(key, str) else ""
        dates = self.dates
        issue = dates["issue_date"][columns["issue_date"][first]]
        due = dates["due_date"][columns["due_date"][first]]
        if issue is not None and due is not None:
            if due < issue:
                found.add(
                    key, finding("DATE_ORDER", lang, "due_date", due=due.isoformat(), issue=issue.isoformat())
                )
            elif (due - issue).days > LEGAL_PAYMENT_DAYS:
                found.add(key, finding("PAYMENT_TERMS_LONG", lang, "due_date", days=(due - issue).days))
        if columns["delivery_date"][first] == "":
            found.add(key, finding("DELIVERY_DATE_MISSING", lang, "delivery_date"))
        invoice_type = self.types[first]
        given_means = self.payment_means[first]
        means: str | None = given_means or "VIREMENT"
        if invoice_type == "AVOIR":
            if not columns["original_invoice_number"][first]:
                found.add(key, finding("CREDIT_NOTE_ORIGIN_MISSING", lang, "original_invoice_number"))
            if given_means:
                found.add(key, finding("CREDIT_NOTE_PAYMENT_MEANS", lang, "payment_means", value=given_means))
            means = None  # a credit note carries no payment means (api-reference §10.11)
        iban = self.ibans[first] or None
        if means == "VIREMENT" and iban is None:
            if self.supplier.iban is None:
                found.add(key, finding("FIELD_MISSING", lang, "supplier_iban"))
            elif not self.supplier_iban_valid:
                found.add(key, finding("IBAN_INVALID", lang, "supplier_iban", value=self.supplier.iban))
        attachment: Path | None = None
        if columns["attachment"][first]:
            code, attachment = self._attachment(columns["attachment"][first])
            if code:
                found.add(key, finding(code, lang, "attachment", value=_shown(columns["attachment"][first])))
            elif attachment is not None and len(attachment.name) > ATTACHMENT_NAME_MAX:
                found.add(
                    key,
                    finding(
                        "FIELD_TOO_LONG",
                        lang,
                        "attachment",
                        label=field_label("attachment_name", lang),
                        length=len(attachment.name),
                        limit=ATTACHMENT_NAME_MAX,
                    ),
                )
        framework = self.frameworks[first]
        # Both looked for only when the export holds some A9/A12 invoice, some 0 % line.
        if self.validators_required and framework in VALIDATED_FRAMEWORKS:
            if not self.validator_sirets[first]:
                found.add(key, finding("VALIDATOR_REQUIRED", lang, "validator_siret", framework=framework))
        if self.zero_rated is not None and self.zero_rated[group]:
            if not columns["vat_exemption_reason"][first]:
                found.add(key, finding("VAT_EXEMPTION_REASON_MISSING", lang, "vat_exemption_reason"))
        totals: tuple[Decimal, Decimal, Decimal] | None = None
        if readable:
            totals = self.group_totals[group]
            if self.amounts_to_compare or totals[2] < 0:
                self._compare_amounts(key, self._rows(group), *totals)
        # The profile and directory rules depend only on (SIRET, service code, engagement): once each.
        combination = (
            self.sirets[first],
            columns["service_code"][first],
            columns["engagement_number"][first],
        )
        outcome = self._buyer_outcomes.get(combination)
        if outcome is None:
            outcome = self._buyer_outcomes[combination] = self._buyer_outcome(*combination)
        service_code, engagement, filled_in, buyer_findings = outcome
        for item in buyer_findings:
            found.add(key, item)
        all_findings = found.get(key)
        if self.nature_missing is not None and not columns["operation_nature"][first]:
            all_findings.append(self.nature_missing)
        if all_findings:
            errors = [item for item in all_findings if item.severity == "error"]
            warnings = [item for item in all_findings if item.severity == "warning"]
        else:
            errors, warnings = [], []  # the usual case, without two comprehensions and a generator
        invoice = None
        if (
            totals is not None
            and number
            and not (errors and any(item.code in STRUCTURAL_CODES for item in errors))
        ):
            total_ht, total_vat, total_ttc = totals
            invoice = construct_checked(
                Invoice,
                {
                    "invoice_number": number,
                    "invoice_type": invoice_type,
                    "issue_date": issue,
                    "due_date": due,
                    "delivery_date": dates["delivery_date"][columns["delivery_date"][first]],
                    "currency": self.currencies[first],
                    "buyer_siret": self.sirets[first],
                    "buyer_name": columns["buyer_name"][first] or None,
                    "buyer_address": columns["buyer_address"][first] or self._directory_address(first),
                    "delivery_address": columns["delivery_address"][first] or None,
                    "operation_nature": self.operation_natures[first] or None,
                    "validator_siret": self.validator_sirets[first] or None,
                    "vat_exemption_reason": columns["vat_exemption_reason"][first] or None,
                    "service_code": service_code,
                    "engagement_number": engagement,
                    "market_number": columns["market_number"][first] or None,
                    "billing_framework": framework,
                    "payment_means": means,
                    "supplier": self.supplier,
                    "supplier_iban": iban or (self.supplier.iban if means == "VIREMENT" else None),
                    "original_invoice_number": columns["original_invoice_number"][first] or None,
                    "attachment": attachment,
                    "comment": columns["comment"][first] or None,
                    "lines": self.group_lines[group],
                    "vat_breakdown": self.group_breakdowns[group],
                    "total_ht": total_ht,
                    "total_vat": total_vat,
                    "total_ttc": total_ttc,
                    "filled_in": dict(filled_in) if filled_in else {},
                },
            )
        return construct_checked(
            InvoiceVerdict,
            {
                "invoice_number": number,
                "rows": row_numbers,
                "valid": not errors,
                "errors": errors,
                "warnings": warnings,
                "invoice": invoice,
            },
        )

    def _buyer_outcome(
        self, siret: str, given_service_code: str, given_engagement: str
    ) -> tuple[str | None, str | None, dict[str, str], list[Finding]]:
        """Apply the buyer's profile (may fill in the service code), then the directory rules.

        Returns the service code, engagement, filled-in values and findings of one combination.
        """
        lang = self.lang
        service_code = given_service_code or None
        engagement = given_engagement or None
        filled_in: dict[str, str] = {}
        found: list[Finding] = []
        if not siret_is_valid(siret):
            return service_code, engagement, filled_in, found
        profile = self.profiles.get(siret)
        if profile is not None:
            if engagement and not profile.engagement_matches(engagement) and profile.engagement_number:
                found.append(
                    finding(
                        "ENGAGEMENT_FORMAT",
                        lang,
                        "engagement_number",
                        value=_shown(engagement),
                        buyer=profile.buyer.name,
                        rule=profile.engagement_number.rule.get(lang),
                    ),
                )
            if not service_code:
                default = profile.default_service_code(engagement)
                if default:
                    service_code = filled_in["service_code"] = default
        if self.directory is not None:
            buyer = self._buyer(siret)
            try:
                if isinstance(buyer, DirectoryUnavailableError):
                    raise buyer
                found.extend(directory_findings(buyer, siret, service_code, engagement, lang))
            except DirectoryUnavailableError as error:
                found.append(
                    finding(
                        "DIRECTORY_UNAVAILABLE",
                        lang,
                        "buyer_siret",
                        siret=siret,
                        detail=_shown(str(error), 200),
                    ),
                )
        return service_code, engagement, filled_in, found

    def _compare_amounts(
        self, key: object, rows: list[int], total_ht: Decimal, total_vat: Decimal, total_ttc: Decimal
    ) -> None:
        """Report the line nets and totals given by the export that disagree with the computed ones."""
        numbers, lang, nets = self.numbers, self.lang, self.line_nets
        if self.has_given_line_nets:
            given_nets = numbers["line_net_amount"]
            for row in rows:
                given, net = given_nets[row], nets[row]
                if given is not None and abs(given - net) > CENT:  # type: ignore[operator]
                    found = finding("AMOUNT_MISMATCH", lang, "line_net_amount", given=given, computed=net)
                    self.findings.add(key, found)
        if self.given_total_columns:  # some total is given somewhere in the export
            first = rows[0]
            computed_totals = {"total_ht": total_ht, "total_vat": total_vat, "total_ttc": total_ttc}
            for name in self.given_total_columns:
                given, computed = numbers[name][first], computed_totals[name]
                # ERPs may round per line: allow a cent per line (invoice-rules §5.3).
                if given is not None and abs(given - computed) > CENT * len(rows):
                    found = finding("AMOUNT_MISMATCH", lang, name, given=given, computed=computed)
                    self.findings.add(key, found)
        if total_ttc < 0 and not any(
            (numbers[name][row] or ZERO) < 0 for name in SIGNED_COLUMNS for row in rows
        ):
            self.findings.add(key, finding("AMOUNT_SIGN", lang, "total_ttc", value=total_ttc))
