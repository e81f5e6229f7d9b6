"""VAT breakdown and totals of every invoice whose lines are all readable, in bulk.

Rounding follows docs/sources.md, Amounts and rounding.

Lines are sorted by (invoice, rate); each run of one rate in one invoice gives a base, summed at C
speed (``np.add.reduceat`` over the ``Decimal`` objects), and its VAT. An invoice's breakdown is then
a slice of those runs, in rate order, and its totals another ``reduceat``. The results equal
``chorusflow.invoice.compute_totals`` to the digit (tests/rules/test_bulk_paths.py).
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from itertools import repeat

import numpy as np

from chorusflow.invoice import CENT, HUNDRED, VatBreakdown
from chorusflow.rules.checks.numbers import NumberChecks, VatRates
from chorusflow.rules.grouping import InvoiceGroups

ZERO = Decimal(0)
ZERO_CENTS = Decimal("0.00")
Totals = tuple[Decimal, Decimal, Decimal]  # HT, VAT, TTC


@dataclass(frozen=True, slots=True)
class InvoiceTotals:
    """Per invoice; an invoice with an unreadable line keeps no breakdown and zero totals (no Invoice)."""

    breakdowns: list[list[VatBreakdown]]
    totals: list[Totals]


def build_totals(nets: list[Decimal | None], numbers: NumberChecks, groups: InvoiceGroups) -> InvoiceTotals:
    """The VAT breakdown and totals of every readable invoice; see the module's docstring."""
    count = len(groups.readable)
    breakdowns: list[list[VatBreakdown]] = [[]] * count
    totals: list[Totals] = [(ZERO_CENTS, ZERO_CENTS, ZERO_CENTS)] * count
    rows, row_codes, run_starts = _rate_runs(groups, numbers.rates)
    if not len(rows):
        return InvoiceTotals(breakdowns, totals)
    bases, rates, vats = _run_amounts(nets, numbers.rates.plain, rows, run_starts, numbers.nets_unsigned)
    runs = list(map(tuple.__new__, repeat(VatBreakdown), zip(rates, bases, vats, strict=True)))
    invoice_of_run = row_codes[run_starts]
    starts = np.concatenate(([0], np.flatnonzero(invoice_of_run[1:] != invoice_of_run[:-1]) + 1))
    invoices = invoice_of_run[starts].tolist()  # the readable invoices, in group order
    ends = np.append(starts[1:], len(run_starts)).tolist()
    invoice_breakdowns = list(map(runs.__getitem__, map(slice, starts.tolist(), ends)))
    invoice_totals = _invoice_totals(bases, vats, starts, numbers.nets_unsigned)
    if len(invoices) == count:  # every invoice readable: the usual case
        return InvoiceTotals(invoice_breakdowns, invoice_totals)
    for group, breakdown, group_totals in zip(invoices, invoice_breakdowns, invoice_totals, strict=True):
        breakdowns[group], totals[group] = breakdown, group_totals
    return InvoiceTotals(breakdowns, totals)


def _rate_runs(groups: InvoiceGroups, rates: VatRates) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The readable invoices' rows sorted by (invoice, rate rank), their invoices, where each run starts."""
    ordered = np.asarray(groups.ordered_rows, dtype=np.int64)
    ordered_codes = groups.codes[ordered]
    kept = np.asarray(groups.readable, dtype=bool)[ordered_codes]
    if not kept.all():
        ordered, ordered_codes = ordered[kept], ordered_codes[kept]
    rank_of_row = map(rates.ranks.__getitem__, rates.plain)
    ranks = np.fromiter(rank_of_row, dtype=np.int64, count=len(rates.plain))[ordered]
    by_rate = np.lexsort((ranks, ordered_codes))
    rows, row_codes, row_ranks = ordered[by_rate], ordered_codes[by_rate], ranks[by_rate]
    new_run = (row_codes[1:] != row_codes[:-1]) | (row_ranks[1:] != row_ranks[:-1])
    run_starts = np.concatenate(([0], np.flatnonzero(new_run) + 1)).astype(np.int64)
    return rows, row_codes, run_starts


def _run_amounts(
    nets: list[Decimal | None],
    plain_rates: list[Decimal | None],
    rows: np.ndarray,
    run_starts: np.ndarray,
    nets_unsigned: bool,
) -> tuple[list[Decimal], list[Decimal], list[Decimal]]:
    """Each run's base, rate and VAT, ``round_cents(base × rate / 100)``, mapped at C speed."""
    # Each run's base: its nets added left to right, then ZERO + that, as ``sum(nets, ZERO)`` would give
    # it; adding zero changes nothing, not even the exponent (nets are in cents), unless some net is a
    # negative zero, which only a minus sign or a discount can make.
    sorted_nets = np.fromiter(map(nets.__getitem__, rows.tolist()), dtype=object, count=len(rows))
    bases = np.add.reduceat(sorted_nets, run_starts).tolist()
    if not nets_unsigned:
        bases = list(map(operator.add, repeat(ZERO), bases))
    rates = list(map(plain_rates.__getitem__, rows[run_starts].tolist()))
    products = map(operator.truediv, map(operator.mul, bases, rates), repeat(HUNDRED))
    vats = list(map(Decimal.quantize, products, repeat(CENT), repeat(ROUND_HALF_UP)))
    return bases, rates, vats  # type: ignore[return-value]


def _invoice_totals(
    bases: list[Decimal], vats: list[Decimal], starts: np.ndarray, nets_unsigned: bool
) -> list[Totals]:
    """Each invoice's HT, VAT and TTC: ZERO_CENTS + its runs' bases (or VAT), like ``sum(…, ZERO_CENTS)``."""
    totals_ht = np.add.reduceat(np.array(bases, dtype=object), starts).tolist()
    totals_vat = np.add.reduceat(np.array(vats, dtype=object), starts).tolist()
    if not nets_unsigned:
        totals_ht = list(map(operator.add, repeat(ZERO_CENTS), totals_ht))
        totals_vat = list(map(operator.add, repeat(ZERO_CENTS), totals_vat))
    return list(zip(totals_ht, totals_vat, map(operator.add, totals_ht, totals_vat), strict=True))
