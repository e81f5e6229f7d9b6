"""How a column check reports: the findings of the rows whose value is wrong, keyed by their invoice.

Column checks test each distinct value once (exports repeat dates, rates and SIRETs on every line)
and only walk the rows of a column when some value is wrong. They return ``Flag`` lists; the engine
gathers them, in the order of the report, into one ``FindingsByInvoice``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from chorusflow.exports.parsing import distinct_values
from chorusflow.rules.codes import Finding, Severity, finding

Flag = tuple[object, Finding]  # (invoice key, finding): an invoice's key is its number, or ("row", n)
# A message parameter: a value, or a callable given the row index (the row's own text, length…).
Param = Callable[[int], object] | object


def shown(text: str, limit: int = 60) -> str:
    """A value quoted in a message: printable characters only, at most ``limit`` long."""
    cleaned = "".join(char if char.isprintable() else "?" for char in text[: limit + 1])
    return cleaned if len(cleaned) <= limit else cleaned[:limit] + "…"


class FindingsByInvoice:
    """Findings per invoice key, without duplicates, in the order found."""

    def __init__(self) -> None:
        self.items: dict[object, dict[tuple[str, str | None, str], Finding]] = {}

    def add(self, key: object, item: Finding) -> None:
        self.items.setdefault(key, {}).setdefault((item.code, item.field, item.message), item)

    def add_all(self, flags: Iterable[Flag]) -> None:
        for key, item in flags:
            self.add(key, item)

    def get(self, key: object, more: list[Finding] | None = None) -> list[Finding]:
        """The findings of ``key``, then those of ``more`` it does not hold yet (nothing is stored)."""
        found = self.items.get(key)
        if not more:
            return list(found.values()) if found else []
        merged = dict(found) if found else {}
        for item in more:
            merged.setdefault((item.code, item.field, item.message), item)
        return list(merged.values())


@dataclass(frozen=True, slots=True)
class RowFlagger:
    """Turns the wrong values of a column into findings on the invoices of their rows."""

    keys: Sequence[object]  # the invoice key of each row
    lang: str

    def values(
        self,
        values: Sequence[Any],
        is_wrong: Callable[[Any], bool],
        code: str,
        field: str | None,
        *,
        distinct: Collection[Any] | None = None,
        severity: Severity | None = None,
        **params: Param,
    ) -> list[Flag]:
        """``code`` on every row whose value ``is_wrong``, tested once per distinct value.

        ``distinct`` may give the distinct values when the caller already knows them. ``severity``
        is for the codes whose severity is decided per run (``finding``).
        """
        if distinct is None:
            distinct = distinct_values(values)
        wrong = {value for value in distinct if is_wrong(value)}
        return self.rows(values, wrong, code, field, severity=severity, **params)

    def rows(
        self,
        values: Sequence[Any],
        wrong: Collection[Any],
        code: str,
        field: str | None,
        *,
        severity: Severity | None = None,
        **params: Param,
    ) -> list[Flag]:
        """``code`` on every row whose value is one of ``wrong``, in row order.

        A callable parameter is called with the row index; text is shortened and made printable.
        """
        if not wrong:
            return []  # the usual case: no pass over the rows
        flags: list[Flag] = []
        for row, value in enumerate(values):
            if value in wrong:
                given = {name: param(row) if callable(param) else param for name, param in params.items()}
                texts = {name: shown(item) if isinstance(item, str) else item for name, item in given.items()}
                flags.append((self.keys[row], finding(code, self.lang, field, severity=severity, **texts)))
        return flags

    def unreadable(
        self, values: Sequence[str], unreadable: Collection[str], column: str, expected: str
    ) -> list[Flag]:
        """FIELD_FORMAT on every row of ``column`` whose text is one of ``unreadable``."""
        return self.rows(
            values, unreadable, "FIELD_FORMAT", column, value=values.__getitem__, expected=expected
        )
