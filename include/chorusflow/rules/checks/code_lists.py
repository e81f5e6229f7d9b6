"""Code lists: invoice type, currency, billing framework, payment means and the nature of the operation.

Columns: INVOICE_TYPE_INVALID, CURRENCY_INVALID, BILLING_FRAMEWORK_INVALID, PAYMENT_MEANS_INVALID,
FIELD_FORMAT for an unknown operation nature, and OPERATION_NATURE_MISSING (a 2026 reform mention).
Per invoice: what a credit note must and must not say (CREDIT_NOTE_ORIGIN_MISSING, CREDIT_NOTE_PAYMENT_MEANS).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, NamedTuple

from iso4217 import Currency

from chorusflow.exports.parsing import operation_nature, parse_unique
from chorusflow.messages import text
from chorusflow.rules.checks.flags import Flag, RowFlagger
from chorusflow.rules.codes import Finding, Severity, finding

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
# Billing frameworks where the main contractor validates the invoice (codeStructureValideur).
VALIDATED_FRAMEWORKS = frozenset({"A9", "A12"})
PAYMENT_MEANS = frozenset({"CHEQUE", "PRELEVEMENT", "VIREMENT", "ESPECE", "AUTRE", "REPORT"})


@dataclass(frozen=True, slots=True)
class CodeChecks:
    """The coded columns, normalised (upper case, defaults filled in), one value per row."""

    types: list[str]  # "FACTURE" when empty
    currencies: list[str]  # "EUR" when empty
    frameworks: list[str | None]  # A1, A2, A9 or A12 ("A1" when empty); None when unknown
    payment_means: list[str]  # "" when empty
    operation_natures: list[str | None]  # goods, services, mixed; "" when empty; None when unknown
    validators_required: bool  # some invoice is A9 or A12: VALIDATOR_REQUIRED is looked for
    # OPERATION_NATURE_MISSING, made once and shared by the invoices that give no nature (None: all do).
    nature_missing: Finding | None
    findings: list[Flag]


class _CodeList(NamedTuple):
    """A coded column: how its text is normalised (once per distinct text) and which values it refuses."""

    column: str
    normalise: Callable[[str], Any]
    is_wrong: Callable[[Any], bool]
    code: str


@cache
def is_iso_4217(code: str) -> bool:
    """Whether ``code`` is an active ISO 4217 currency code, as Chorus Pro's ``deviseFacture`` expects."""
    try:
        Currency(code)
    except ValueError:
        return False
    return True


# In the order of the report.
_CODE_LISTS = (
    _CodeList(
        "invoice_type",
        lambda text: text.upper() or "FACTURE",
        lambda kind: kind not in INVOICE_TYPES,
        "INVOICE_TYPE_INVALID",
    ),
    _CodeList(
        "currency",
        lambda text: text.upper() or "EUR",
        lambda currency: not is_iso_4217(currency),
        "CURRENCY_INVALID",
    ),
    _CodeList(
        "billing_framework",
        lambda text: BILLING_FRAMEWORKS.get(text.upper() or "A1"),
        lambda framework: framework is None,
        "BILLING_FRAMEWORK_INVALID",
    ),
    _CodeList(
        "payment_means",
        str.upper,
        lambda means: means != "" and means not in PAYMENT_MEANS,
        "PAYMENT_MEANS_INVALID",
    ),
)


def check_code_lists(
    columns: Mapping[str, list[str]], flagger: RowFlagger, reform_severity: Severity, reform_since: str
) -> CodeChecks:
    """Normalise and check each coded column, in the order of the report; see ``CodeChecks``."""
    parsed: dict[str, tuple[list[Any], dict[str, Any]]] = {}
    flags: list[Flag] = []
    for column, normalise, is_wrong, code in _CODE_LISTS:
        texts = columns[column]
        values, table = parsed[column] = parse_unique(texts, normalise)
        distinct = set(table.values())
        flags += flagger.values(values, is_wrong, code, column, distinct=distinct, value=texts.__getitem__)
    natures, nature_table = parse_unique(columns["operation_nature"], operation_nature)
    flags += _unknown_natures(columns["operation_nature"], natures, set(nature_table.values()), flagger)
    nature_missing = None
    if "" in nature_table:  # some invoice gives no nature: one finding, shared by those invoices
        nature_missing = finding(
            "OPERATION_NATURE_MISSING",
            flagger.lang,
            "operation_nature",
            severity=reform_severity,
            since=reform_since,
        )
    return CodeChecks(
        types=parsed["invoice_type"][0],
        currencies=parsed["currency"][0],
        frameworks=parsed["billing_framework"][0],
        payment_means=parsed["payment_means"][0],
        operation_natures=natures,
        validators_required=not VALIDATED_FRAMEWORKS.isdisjoint(parsed["billing_framework"][1].values()),
        nature_missing=nature_missing,
        findings=flags,
    )


def _unknown_natures(
    texts: list[str], natures: list[str | None], distinct: set[str | None], flagger: RowFlagger
) -> list[Flag]:
    """FIELD_FORMAT, saying what is expected, on every row whose operation nature is not known."""
    return flagger.values(
        natures,
        lambda nature: nature is None,
        "FIELD_FORMAT",
        "operation_nature",
        distinct=distinct,
        value=texts.__getitem__,
        expected=text("rule.expected.operation_nature", flagger.lang),
    )


def credit_note_findings(original_invoice_number: str, given_means: str, lang: str) -> list[Finding]:
    """A credit note names the invoice it corrects, and carries no payment means (a warning if given)."""
    found: list[Finding] = []
    if not original_invoice_number:
        found.append(finding("CREDIT_NOTE_ORIGIN_MISSING", lang, "original_invoice_number"))
    if given_means:
        found.append(finding("CREDIT_NOTE_PAYMENT_MEANS", lang, "payment_means", value=given_means))
    return found
