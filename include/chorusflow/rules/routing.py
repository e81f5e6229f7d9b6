"""Routing an export's invoices to their suppliers, when a deployment invoices for several.

An invoice names its supplier in the ``supplier`` column (``supplier_id``, ``supplier_siret``: the
supplier's id in the configuration, or its identifier), or gets the supplier of the inbox folder the
export was dropped in (``<inbox>/<supplier id>/``), else the default supplier. An invoice is routed
as a whole, by the first of its rows that names a supplier (rows that disagree are a HEADER_CONFLICT).

Invoices whose supplier is unknown, missing or contradicts the folder are refused with a file-level
finding (SUPPLIER_UNKNOWN, SUPPLIER_MISSING, SUPPLIER_CONFLICT) and nothing of them is recorded: the
ledger is keyed by supplier, and recording them under a guessed supplier would deposit them with the
wrong technical account. See docs/suppliers.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict

from chorusflow.exports.reader import ExportTable
from chorusflow.rules.codes import Finding, finding
from chorusflow.suppliers import SupplierIdentity, Suppliers

#: How many invoice numbers a refusal names (the count is always given).
NAMED_INVOICES = 10


@dataclass
class RoutedTable:
    """The rows of one supplier's invoices."""

    supplier: SupplierIdentity
    rows: list[int] = field(default_factory=list)  # positions in the export table


class Refusal(BaseModel):
    """Invoices refused together (one unknown supplier …): the finding and which invoices it covers."""

    model_config = ConfigDict(frozen=True)

    finding: Finding
    invoices: list[str]  # their numbers, in the export's order ("?" for a row without one)
    rows: list[int]  # their rows in the file, as the verdicts count them


@dataclass
class Routing:
    """Where each invoice of an export goes: one table per supplier, and the refusals."""

    parts: list[RoutedTable] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)


def route_table(
    table: ExportTable, suppliers: Suppliers, folder_supplier: SupplierIdentity | None, lang: str
) -> Routing:
    """Split ``table`` by supplier; refuse the invoices whose supplier cannot be known for sure."""
    named = table.columns.get("supplier") or [""] * len(table)
    numbers = table.columns["invoice_number"]
    first_named: dict[str, str] = {}
    for position, number in enumerate(numbers):
        if number and named[position].strip() and number not in first_named:
            first_named[number] = named[position].strip()
    parts: dict[str, RoutedTable] = {}
    unknown: dict[str, list[int]] = {}
    conflicting: dict[str, list[int]] = {}
    missing: list[int] = []
    fallback = folder_supplier or suppliers.default
    for position, number in enumerate(numbers):
        value = first_named.get(number, "") if number else named[position].strip()
        if not value:
            if fallback is None:
                missing.append(position)
                continue
            supplier = fallback
        else:
            found = suppliers.find(value)
            if found is None:
                unknown.setdefault(value, []).append(position)
                continue
            if folder_supplier is not None and found.id != folder_supplier.id:
                conflicting.setdefault(value, []).append(position)
                continue
            supplier = found
        parts.setdefault(supplier.id, RoutedTable(supplier)).rows.append(position)
    routing = Routing(parts=list(parts.values()))
    for value, rows in unknown.items():
        routing.refusals.append(_refusal("SUPPLIER_UNKNOWN", table, rows, lang, value=value))
    for value, rows in conflicting.items():
        folder = folder_supplier.id if folder_supplier else ""
        routing.refusals.append(_refusal("SUPPLIER_CONFLICT", table, rows, lang, value=value, folder=folder))
    if missing:
        routing.refusals.append(_refusal("SUPPLIER_MISSING", table, missing, lang))
    return routing


def _refusal(code: str, table: ExportTable, rows: list[int], lang: str, **params: str) -> Refusal:
    numbers = list(dict.fromkeys(table.columns["invoice_number"][row] or "?" for row in rows))
    named = ", ".join(numbers[:NAMED_INVOICES]) + (" …" if len(numbers) > NAMED_INVOICES else "")
    found = finding(code, lang, "supplier", severity=None, count=len(numbers), invoices=named, **params)
    return Refusal(finding=found, invoices=numbers, rows=[table.row_numbers[row] for row in rows])


def sub_table(table: ExportTable, rows: list[int]) -> ExportTable:
    """The export table restricted to ``rows`` (positions), in their order."""
    if len(rows) == len(table):
        return table
    kept_numbers = {table.columns["invoice_number"][row] for row in rows}
    return ExportTable(
        columns={name: [values[row] for row in rows] for name, values in table.columns.items()},
        row_numbers=[table.row_numbers[row] for row in rows],
        folder=table.folder,
        separator=table.separator,
        encoding=table.encoding,
        mapping_file=table.mapping_file,
        malformed=[item for item in table.malformed if item[0] in kept_numbers],
    )
