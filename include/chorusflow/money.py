"""Amounts as people read them, and cells a spreadsheet cannot take for a formula.

One place for the documents, alerts, the desk, resolution pages, run reports and rule messages:
``money`` writes an amount with its currency (``1 234,56 €``), ``format_amount`` a bare amount for a
CSV cell or a rule message (``1708,00``), and ``spreadsheet_safe`` neutralises a leading ``=``, ``+``,
``-`` or ``@`` (export content is data, never code).
"""

from __future__ import annotations

import re
from decimal import Decimal

from chorusflow.messages import Language, text

_FORMULA_START = re.compile(r"^[=+\-@\t\r\uff1d\uff0b\uff0d\uff20]")


def money(amount: Decimal | str | None, currency: str | None, lang: Language) -> str:
    """``1 234,56 €`` in French, ``EUR 1,234.56`` in English."""
    if amount is None:
        return "-"
    value = Decimal(str(amount)).quantize(Decimal("0.01"))
    code = currency or "EUR"
    grouped = f"{value:,.2f}".replace(",", "\0").replace(".", text("format.decimal_mark", lang))
    shown = grouped.replace("\0", text("format.thousands_separator", lang))
    return text(
        "format.money", lang, amount=shown, currency=text("format.euro", lang) if code == "EUR" else code
    )


def format_amount(value: Decimal, lang: str) -> str:
    """An amount as an accountant reads it: ``1708,00`` in French, ``1708.00`` in English."""
    return format(value, "f").replace(".", text("format.decimal_mark", lang))


def spreadsheet_safe(value: object) -> str:
    """The cell text, with a leading quote when a spreadsheet would take it for a formula."""
    cell = "" if value is None else str(value)
    return "'" + cell if _FORMULA_START.match(cell) else cell
