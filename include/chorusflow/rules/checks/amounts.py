"""Amounts of an invoice as a whole: given nets and totals against the computed ones, signs, 0 % VAT.

Per invoice: AMOUNT_MISMATCH (a given line net or total that disagrees with chorusflow's), AMOUNT_SIGN
(a negative total that no negative line explains), VAT_EXEMPTION_REASON_MISSING (a 0 % line without
the reason of the exemption). Only invoices whose lines are all readable are compared: an unreadable
amount is FIELD_FORMAT only, never also AMOUNT_MISMATCH.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import numpy as np

from chorusflow.invoice import CENT
from chorusflow.rules.checks.numbers import SIGNED_COLUMNS, NumberChecks, VatRates
from chorusflow.rules.codes import Finding, finding
from chorusflow.rules.grouping import InvoiceGroups

ZERO = Decimal(0)


def zero_rated_invoices(rates: VatRates, groups: InvoiceGroups) -> list[bool] | None:
    """Per invoice, whether one of its lines is at 0 % VAT; None when no line of the export is."""
    zero_rank = rates.ranks.get(ZERO)
    if zero_rank is None:
        return None  # the usual case: nothing to look for per invoice
    ranks = np.fromiter(map(rates.ranks.__getitem__, rates.plain), dtype=np.int64, count=len(rates.plain))
    counts = np.bincount(groups.codes, weights=ranks == zero_rank, minlength=len(groups.readable))
    return (counts > 0).tolist()


def exemption_findings(exemption_reason: str, lang: str) -> list[Finding]:
    """VAT_EXEMPTION_REASON_MISSING, for an invoice with a 0 % line: the reason must be given."""
    if exemption_reason:
        return []
    return [finding("VAT_EXEMPTION_REASON_MISSING", lang, "vat_exemption_reason")]


def amount_findings(
    rows: list[int],
    totals: tuple[Decimal, Decimal, Decimal],
    numbers: NumberChecks,
    nets: list[Decimal | None],
    lang: str,
) -> list[Finding]:
    """The given line nets and totals that disagree with the computed ones, then a negative total."""
    values = numbers.values
    found: list[Finding] = []
    if numbers.has_given_line_nets:
        given_nets = values["line_net_amount"]
        for row in rows:
            given, net = given_nets[row], nets[row]
            if given is not None and abs(given - net) > CENT:  # type: ignore[operator]
                found.append(finding("AMOUNT_MISMATCH", lang, "line_net_amount", given=given, computed=net))
    if numbers.given_total_columns:  # some total is given somewhere in the export
        found += _total_mismatches(rows, totals, numbers.given_total_columns, values, lang)
    total_ttc = totals[2]
    if total_ttc < 0 and not any((values[name][row] or ZERO) < 0 for name in SIGNED_COLUMNS for row in rows):
        found.append(finding("AMOUNT_SIGN", lang, "total_ttc", value=total_ttc))
    return found


def _total_mismatches(
    rows: list[int],
    totals: tuple[Decimal, Decimal, Decimal],
    given_columns: list[str],
    values: Mapping[str, list[Decimal | None]],
    lang: str,
) -> list[Finding]:
    """AMOUNT_MISMATCH for each total given on the invoice's first row that differs from the computed one."""
    computed_totals = dict(zip(("total_ht", "total_vat", "total_ttc"), totals, strict=True))
    found: list[Finding] = []
    for name in given_columns:
        given, computed = values[name][rows[0]], computed_totals[name]
        # ERPs may round per line: allow a cent per line (docs/sources.md, Amounts and rounding).
        if given is not None and abs(given - computed) > CENT * len(rows):
            found.append(finding("AMOUNT_MISMATCH", lang, name, given=given, computed=computed))
    return found
