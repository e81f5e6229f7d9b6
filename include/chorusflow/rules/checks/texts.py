"""Free texts: their lengths (FIELD_TOO_LONG) and the delivery address (DELIVERY_ADDRESS_INVALID).

Texts over a limit are refused rather than cut (docs/rule-codes.md, FIELD_TOO_LONG). A delivery
address, when given, must be a usable postal address (a 2026 reform mention).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from chorusflow.rules.checks.flags import Flag, RowFlagger
from chorusflow.rules.codes import Severity

# Text limits: Chorus Pro's (docs/sources.md, Field limits; the request models of
# chorusflow.platforms.chorus_pro.models) and chorusflow's own.
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
# A usable postal address: a street line (text with a letter), then, on the same line or a later one, a
# postal code (5 digits, or a foreign one with its country prefix: B-1000, CH-1201) and a city name.
_POSTAL_ADDRESS = re.compile(
    r"[\W\d_]*+[^\W\d_].*?(?<!\w)(?:\d{5}|[A-Z]{1,3}-[0-9A-Z]{3,8})[ \t]+[^\W\d_]", re.S
)


def postal_address_is_usable(address: str) -> bool:
    """A street line (some text with a letter), then a postal code and a city, on that line or a later one.

    The postal code is 5 digits (France), or a foreign one behind its country prefix (``B-1000``,
    ``CH-1201``); the city starts with a letter. ``voir bon``, ``Paris``, ``12`` and ``75001 Paris``
    (no street line) are not usable.
    """
    return _POSTAL_ADDRESS.match(address) is not None


def check_lengths(columns: Mapping[str, list[str]], flagger: RowFlagger) -> list[Flag]:
    """FIELD_TOO_LONG on every row whose text is over its column's limit, column by column."""
    longest: dict[int, int] = {}  # per column list, by id(): absent columns share one list of empty texts
    flags: list[Flag] = []
    for column, limit in FIELD_LIMITS.items():
        values = columns[column]
        if id(values) not in longest:
            longest[id(values)] = max(map(len, values), default=0)
        if longest[id(values)] <= limit:
            continue  # the usual case, decided at C speed without a set of (often unique) texts
        flags += _too_long(values, column, limit, flagger)
    return flags


def _too_long(values: list[str], column: str, limit: int, flagger: RowFlagger) -> list[Flag]:
    return flagger.values(
        values,
        lambda text: len(text) > limit,
        "FIELD_TOO_LONG",
        column,
        length=lambda row: len(values[row]),
        limit=limit,
    )


def check_delivery_addresses(
    addresses: list[str], flagger: RowFlagger, reform_severity: Severity, reform_since: str
) -> list[Flag]:
    """DELIVERY_ADDRESS_INVALID on every row whose delivery address is given but not usable."""
    return flagger.values(
        addresses,
        lambda text: text != "" and not postal_address_is_usable(text),
        "DELIVERY_ADDRESS_INVALID",
        "delivery_address",
        severity=reform_severity,
        value=lambda row: ", ".join(filter(None, map(str.strip, addresses[row].splitlines()))),
        since=reform_since,
    )
