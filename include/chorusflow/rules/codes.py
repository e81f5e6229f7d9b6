"""The stable rule codes, their severities, and the findings built from them.

Every code is documented in ``docs/rule-codes.md``. Its message is ``rule.<CODE>`` in the message
catalogue (:mod:`chorusflow.messages.rules`): a ``str.format`` template filled with the finding's
parameters, written for an accountant, not a developer.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from chorusflow.messages import REGISTRY, text
from chorusflow.money import format_amount

Severity = Literal["error", "warning"]

# code -> severity; its message is ``rule.<CODE>`` in chorusflow.messages.rules.
SEVERITIES: dict[str, Severity] = {
    # File level: nothing can be read as invoices.
    "EXPORT_UNREADABLE": "error",
    "EXPORT_EMPTY": "error",
    "EXPORT_MISSING_COLUMN": "error",
    "EXPORT_DUPLICATE_COLUMN": "error",
    "MAPPING_INVALID": "error",
    "BUYER_PROFILE_INVALID": "error",
    # Routing to a supplier (docs/suppliers.md): the invoices named are refused, nothing is recorded.
    "SUPPLIER_UNKNOWN": "error",
    "SUPPLIER_MISSING": "error",
    "SUPPLIER_CONFLICT": "error",
    # Invoice level.
    "ROW_MALFORMED": "error",
    "FIELD_MISSING": "error",
    "FIELD_FORMAT": "error",
    "FIELD_TOO_LONG": "error",
    "INVOICE_NUMBER_FORMAT": "error",
    "INVOICE_TYPE_INVALID": "error",
    "HEADER_CONFLICT": "error",
    "SIRET_INVALID": "error",
    "IBAN_INVALID": "error",
    "DATE_ORDER": "error",
    "VAT_RATE_INVALID": "error",
    "AMOUNT_MISMATCH": "error",
    "AMOUNT_SIGN": "error",
    "CREDIT_NOTE_ORIGIN_MISSING": "error",
    "CURRENCY_INVALID": "error",
    "CURRENCY_NOT_ACCEPTED": "error",
    "CURRENCY_VAT_IN_EUR_MISSING": "error",
    "BILLING_FRAMEWORK_INVALID": "error",
    "PAYMENT_MEANS_INVALID": "error",
    "ATTACHMENT_NOT_FOUND": "error",
    "ATTACHMENT_OUTSIDE_EXPORT": "error",
    "ATTACHMENT_TOO_LARGE": "error",
    "ATTACHMENT_NOT_PDF": "error",
    "INVOICE_DATE_FUTURE": "error",
    "VALIDATOR_REQUIRED": "error",
    "VAT_EXEMPTION_REASON_MISSING": "error",
    "ENGAGEMENT_FORMAT": "error",
    # Suppliers outside France and cross-border VAT (rules.checks.crossborder, docs/suppliers.md).
    "SUPPLIER_IDENTIFIER_INVALID": "error",
    "VAT_TREATMENT_INVALID": "error",
    "VAT_TREATMENT_NOT_APPLICABLE": "error",
    "VAT_TREATMENT_RATE": "error",
    "VAT_NUMBER_MISSING": "error",
    "VAT_NUMBER_INVALID": "error",
    # Directory rules (the buyer's Chorus Pro structure).
    "BUYER_UNKNOWN": "error",
    "BUYER_INACTIVE": "error",
    "SERVICE_CODE_REQUIRED": "error",
    "SERVICE_CODE_UNKNOWN": "error",
    "ENGAGEMENT_REQUIRED": "error",
    "SERVICE_OR_ENGAGEMENT_REQUIRED": "error",
    "DIRECTORY_UNAVAILABLE": "error",
    # Checked when the invoice is deposited (the supplier's bank details on Chorus Pro).
    "BANK_ACCOUNT_UNKNOWN": "error",
    # The 2026 reform's mentions (REFORM_CODES): errors here, warnings before the supplier's date.
    "OPERATION_NATURE_MISSING": "error",
    "DELIVERY_ADDRESS_INVALID": "error",
    # Warnings: never blocking.
    "DELIVERY_DATE_MISSING": "warning",
    "PAYMENT_TERMS_LONG": "warning",
    "CREDIT_NOTE_PAYMENT_MEANS": "warning",
    "INVOICE_NUMBER_DATE_LIKE": "warning",
    "FRENCH_VAT_BY_FOREIGN_SUPPLIER": "warning",
    # Factur-X conformance (chorusflow.facturx, docs/facturx.md): one file checked before its deposit.
    "FACTURX_XSD": "error",
    "FACTURX_RULE": "error",
    "FACTURX_RULE_WARNING": "warning",
    "FACTURX_PDFA": "error",
    "FACTURX_CHECK_UNAVAILABLE": "error",
    "FACTURX_BUILD_FAILED": "error",
    # Decisions about blocked invoices (chorusflow.resolution): the answer is refused, nothing is sent.
    "RESOLUTION_INVOICE_UNKNOWN": "error",
    "RESOLUTION_NOT_EXPECTED": "error",
    "RESOLUTION_COMMENT_MISSING": "error",
    "RESOLUTION_ATTACHMENT_OUTSIDE_FOLDER": "error",
    "RESOLUTION_ATTACHMENT_NOT_FOUND": "error",
    "RESOLUTION_DOCUMENT_NOT_FOUND": "error",
    "RESOLUTION_ROUTING_MISSING": "error",
    "RESOLUTION_NEW_NUMBER_MISSING": "error",
    "RESOLUTION_SAME_NUMBER": "error",
    "RESOLUTION_CHORUS_ID_MISSING": "error",
    "RESOLUTION_ADOPT_MISMATCH": "error",
    "RESOLUTION_OPTION_UNKNOWN": "error",
    "RESOLUTION_REFUSED_BY_CHORUS_PRO": "error",
    "RESOLUTION_SUPPLIER_UNKNOWN": "error",
    "RESOLUTION_SUPPLIER_AMBIGUOUS": "error",
    "FACTURX_SUPPLIER_WITHOUT_SIRET": "error",
}

#: Codes whose severity is decided per run: the 2026 reform's mentions are warnings before the
#: supplier's ``reform_mentions_from`` date and errors from that date. SEVERITIES holds the error;
#: ``finding(..., severity="warning")`` gives the warning.
REFORM_CODES: frozenset[str] = frozenset({"OPERATION_NATURE_MISSING", "DELIVERY_ADDRESS_INVALID"})


def field_label(field: str, lang: str) -> str:
    """Human label of a canonical field in ``lang``."""
    key = f"rule.field.{field}"
    return text(key, lang) if key in REGISTRY else field


def render(code: str, lang: str, **params: object) -> str:
    """The message of ``code`` in ``lang`` with its parameters filled in."""
    try:
        return text(f"rule.{code}", lang, **params)
    except (KeyError, IndexError):  # a missing parameter must not hide the finding itself
        if code not in SEVERITIES:
            raise
        return text(f"rule.{code}", lang)


class Finding(BaseModel):
    """One problem found in an export: a stable code, the field concerned and a readable message."""

    model_config = ConfigDict(frozen=True)

    code: str
    field: str | None = None
    message: str
    severity: Severity = "error"


def finding(
    code: str, lang: str, field: str | None = None, *, severity: Severity | None = None, **params: object
) -> Finding:
    """Build the finding ``code`` about ``field``; the field's label is available as ``{label}``.

    ``severity`` overrides the catalogue's only for the codes whose severity is decided per run
    (``REFORM_CODES``); any other code keeps its catalogue severity, and asking otherwise is a bug.
    A ``label`` parameter names a part of the field instead (the attachment's file name, not its path).
    """
    if severity is None:
        severity = SEVERITIES[code]
    elif severity != SEVERITIES[code] and code not in REFORM_CODES:
        raise ValueError(f"{code} is always a {SEVERITIES[code]}, never a {severity}")
    given_label = params.pop("label", None)
    label = str(given_label) if given_label is not None else field_label(field, lang) if field else ""
    shown = {
        name: format_amount(value, lang) if isinstance(value, Decimal) else value
        for name, value in params.items()
    }
    if code == "EXPORT_UNREADABLE":
        reason = f"rule.unreadable.{shown.get('detail')}"
        if reason in REGISTRY:
            shown["detail"] = text(reason, lang)
        technical = shown.pop("technical", None)
        if technical:
            shown["detail"] = f"{shown['detail']} ({technical})"
    message = render(code, lang, label=label, **shown)
    return Finding.model_construct(code=code, field=field, message=message, severity=severity)
