"""HEADER_CONFLICT: the lines of one invoice disagree on a header field (compared normalised).

Neighbouring lines of the same invoice are compared as exported text first: identical texts cannot
disagree, so only the invoices whose texts differ are compared normalised (a date in either format,
a SIRET with or without spaces, a type in any case…).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from chorusflow.exports.columns import HEADER_COLUMNS
from chorusflow.exports.parsing import holds_one_value
from chorusflow.messages import text
from chorusflow.rules.checks.columns import ColumnChecks
from chorusflow.rules.checks.dates import DATE_COLUMNS
from chorusflow.rules.checks.flags import Flag, shown
from chorusflow.rules.checks.numbers import TOTAL_COLUMNS
from chorusflow.rules.codes import finding
from chorusflow.rules.grouping import InvoiceGroups


def check_header_conflicts(
    columns: Mapping[str, list[str]], checked: ColumnChecks, groups: InvoiceGroups, lang: str
) -> list[Flag]:
    """HEADER_CONFLICT per invoice and header column that disagree, column by column."""
    ordered = np.asarray(groups.ordered_rows)
    ordered_codes = groups.codes[ordered]
    same_invoice = ordered_codes[1:] == ordered_codes[:-1]
    if not same_invoice.any():
        return []  # one line per invoice: nothing to compare
    flags: list[Flag] = []
    for column in HEADER_COLUMNS:
        raw = columns[column]
        # Lines are grouped by invoice number, and a column holding one value cannot disagree.
        if column == "invoice_number" or holds_one_value(raw):
            continue
        texts = np.asarray(raw, dtype=object)
        if not groups.contiguous:
            texts = texts[ordered]
        differs = same_invoice & (texts[1:] != texts[:-1])
        if differs.any():
            candidates = sorted(set(ordered_codes[1:][differs].tolist()))
            flags += _conflicts(column, _normaliser(column, raw, checked), candidates, groups, lang)
    return flags


def _conflicts(
    column: str, normalised: Callable[[int], object], candidates: list[int], groups: InvoiceGroups, lang: str
) -> list[Flag]:
    """HEADER_CONFLICT on each of the ``candidates`` invoices whose normalised values differ."""
    empty = text("rule.empty_value", lang)
    flags: list[Flag] = []
    for group in candidates:
        values = [normalised(row) for row in groups.rows(group)]
        if all(value == values[0] for value in values):
            continue
        distinct = list(dict.fromkeys(map(str, values)))
        quoted = ", ".join(f"'{shown(value, 30)}'" if value else empty for value in distinct[:4])
        flags.append((groups.keys[group], finding("HEADER_CONFLICT", lang, column, values=quoted)))
    return flags


def _normaliser(column: str, raw: list[str], checked: ColumnChecks) -> Callable[[int], object]:
    """A row's value of a header column as compared for conflicts (a parsed date, a compact SIRET…)."""
    if column in DATE_COLUMNS:
        dates = checked.dates.tables[column]
        return lambda row: dates[raw[row]] or raw[row]
    if column in TOTAL_COLUMNS:
        totals = checked.numbers.values[column]
        return lambda row: totals[row] if totals[row] is not None else raw[row]
    if column == "operation_nature":
        natures = checked.codes.operation_natures
        return lambda row: natures[row] if natures[row] is not None else raw[row]
    derived: dict[str, Sequence[object]] = {
        "buyer_siret": checked.sirets.buyer,
        "validator_siret": checked.sirets.validator,
        "invoice_type": checked.codes.types,
        "currency": checked.codes.currencies,
    }
    return derived.get(column, raw).__getitem__
