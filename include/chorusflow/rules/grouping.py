"""Rows into invoices: an invoice is the rows sharing an invoice number; a row without one is its own.

Invoices are numbered (their "group") in order of first appearance; lines need not be contiguous.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from chorusflow.exports.reader import ExportTable


@dataclass(frozen=True, slots=True)
class InvoiceGroups:
    """Which rows make each invoice, worked out once for the whole table."""

    codes: np.ndarray  # per row: its invoice's group
    keys: list[object]  # per invoice: its key (number, or ("row", n) for a row without number)
    first_rows: list[int]  # per invoice: its first row, where its header values are read
    line_numbers: list[int]  # per row: its line number within its invoice, from 1
    contiguous: bool  # each invoice's rows follow one another (ordered_rows is the identity)
    ordered_rows: list[int]  # the rows in invoice order (stable)
    bounds: list[slice]  # per invoice: its slice of ordered_rows
    row_numbers: list[list[int]]  # per invoice: the export row numbers of its rows
    readable: list[bool]  # per invoice: every line's amounts are readable

    def rows(self, group: int) -> list[int]:
        """The rows of invoice ``group``, in export order."""
        return self.ordered_rows[self.bounds[group]]


def invoice_keys(table: ExportTable) -> list[object]:
    """Each row's invoice key: its invoice number, or ``("row", n)`` for a row without one."""
    numbers = table.columns["invoice_number"]
    if "" not in numbers:
        return list(numbers)
    row_numbers = table.row_numbers
    return [number if number else ("row", row_numbers[index]) for index, number in enumerate(numbers)]


def group_invoices(keys: list[object], row_numbers: list[int], readable_lines: list[bool]) -> InvoiceGroups:
    """Group the rows by key, in order of first appearance; see ``InvoiceGroups``."""
    # fromiter keeps one dimension: np.asarray would make a 2-D array of ("row", n) keys when no row
    # has an invoice number, and factorize would fail on it.
    codes, _ = pd.factorize(np.fromiter(keys, dtype=object, count=len(keys)))
    order = np.argsort(codes, kind="stable")
    counts = np.bincount(codes)
    ends = np.cumsum(counts)
    starts = ends - counts
    first_rows: list[int] = order[starts].tolist()
    line_numbers = np.empty(len(codes), dtype=np.int64)
    line_numbers[order] = np.arange(1, len(codes) + 1) - np.repeat(starts, counts)
    contiguous = bool((order == np.arange(len(order))).all())
    ordered_rows: list[int] = order.tolist()
    ordered_numbers = row_numbers if contiguous else list(map(row_numbers.__getitem__, ordered_rows))
    bounds = list(map(slice, starts.tolist(), ends.tolist()))
    # An invoice's amounts can be computed when every one of its lines is readable.
    unreadable = np.bincount(codes, weights=~np.asarray(readable_lines, dtype=bool), minlength=len(counts))
    return InvoiceGroups(
        codes=codes,
        keys=list(map(keys.__getitem__, first_rows)),
        first_rows=first_rows,
        line_numbers=line_numbers.tolist(),
        contiguous=contiguous,
        ordered_rows=ordered_rows,
        bounds=bounds,
        row_numbers=list(map(ordered_numbers.__getitem__, bounds)),
        readable=(unreadable == 0).tolist(),
    )
