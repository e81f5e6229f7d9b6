"""The lines of every invoice: net amounts and ``InvoiceLine`` records, in bulk.

Rounding follows docs/sources.md, Amounts and rounding.

Done in one pass over the table, not per invoice, because a loop per invoice costs several times
more per line: in the usual case (every line readable, no discount) the nets are computed at C speed.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from itertools import repeat

from chorusflow.invoice import CENT, InvoiceLine, round_cents
from chorusflow.rules.checks.numbers import NumberChecks
from chorusflow.rules.grouping import InvoiceGroups

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Lines:
    """Each row's net, and each invoice's lines."""

    nets: list[Decimal | None]  # per row; None when its amounts cannot be read
    by_invoice: list[list[InvoiceLine | None]]  # per invoice, in export order (None: unreadable line)


def build_lines(columns: Mapping[str, list[str]], numbers: NumberChecks, groups: InvoiceGroups) -> Lines:
    """The net and the ``InvoiceLine`` of every readable row, grouped by invoice."""
    nets = line_nets(numbers)
    values = numbers.values
    units = columns["line_unit"]
    if "" in units:
        units = [unit or None for unit in units]  # type: ignore[misc]
    # A zero discount, however written, is stored as 0 (the export's "0,00" is no discount).
    discounts = (
        [discount or ZERO for discount in values["line_discount"]]
        if numbers.has_discounts
        else [ZERO] * len(nets)
    )
    line_values = zip(
        groups.line_numbers,
        columns["line_description"],
        values["quantity"],
        units,
        values["unit_price"],
        discounts,
        numbers.rates.plain,
        nets,
        strict=True,
    )
    new_line = tuple.__new__  # a NamedTuple built at C speed, without its Python __new__
    lines: list[InvoiceLine | None] = (
        list(map(new_line, repeat(InvoiceLine), line_values))
        if numbers.all_lines_readable
        else [new_line(InvoiceLine, line) if line[-1] is not None else None for line in line_values]
    )
    # Each invoice's lines as one slice of the lines in invoice order (a list per invoice costs more).
    in_order = lines if groups.contiguous else list(map(lines.__getitem__, groups.ordered_rows))
    return Lines(nets, list(map(in_order.__getitem__, groups.bounds)))


def line_nets(numbers: NumberChecks) -> list[Decimal | None]:
    """Each row's net, ``round_cents(quantity × price − discount)``; None when it cannot be computed."""
    values = numbers.values
    if numbers.all_lines_readable and not numbers.has_discounts:
        # The usual case, at C speed: round_cents(quantity × price) without a Python call per line.
        products = map(operator.mul, values["quantity"], values["unit_price"])
        return list(map(Decimal.quantize, products, repeat(CENT), repeat(ROUND_HALF_UP)))
    return [
        round_cents(quantity * price - discount if discount else quantity * price)  # type: ignore[operator]
        if readable
        else None
        for readable, quantity, price, discount in zip(
            numbers.readable_lines,
            values["quantity"],
            values["unit_price"],
            values["line_discount"],
            strict=True,
        )
    ]
