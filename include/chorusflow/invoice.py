"""The invoice as chorusflow understands it: lines, VAT breakdown per rate and totals in ``Decimal``.

Amounts follow docs/sources.md#amounts-and-rounding: a line net is ``quantity × unit price −
discount`` rounded to cents (half up), VAT is computed per rate on that rate's base and rounded to
cents, TTC = HT + VAT.
``Invoice.model_dump(mode="json")`` round-trips through ``Invoice.model_validate`` (XCom, ledger).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple, TypeVar, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer
from typing_extensions import TypedDict

from chorusflow.suppliers import SupplierIdentity

InvoiceType = Literal["FACTURE", "AVOIR"]
BillingFramework = Literal["A1", "A2", "A9", "A12"]
PaymentMeans = Literal["CHEQUE", "PRELEVEMENT", "VIREMENT", "ESPECE", "AUTRE", "REPORT"]
#: The nature of the operation (2026 reform): goods only, services only, or both.
OperationNature = Literal["goods", "services", "mixed"]

Model = TypeVar("Model", bound=BaseModel)
_TypedDict: Any = TypedDict  # called with fields known only at run time

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


_set_attribute = object.__setattr__  # bypasses the frozen models' own __setattr__, on purpose
# One "every field was given" set per model class, shared by the objects ``construct_checked`` builds:
# a set per object is 200 bytes and one more object for the garbage collector to scan. Frozen models
# never change it in place (``model_copy`` copies it before updating it).
_ALL_FIELDS: dict[type[BaseModel], set[str]] = {}


def _all_fields(model: type[BaseModel]) -> set[str]:
    fields = _ALL_FIELDS.get(model)
    if fields is None:
        fields = _ALL_FIELDS[model] = set(model.model_fields)
    return fields


def construct_checked(model: type[Model], values: dict[str, Any]) -> Model:
    """Build ``model`` from values the caller has already checked, without validating them again.

    Like ``model_construct`` but without its per-field default handling, for the hot path that builds
    one object per invoice; ``values`` must name every field.
    """
    instance = model.__new__(model)
    _set_attribute(instance, "__dict__", values)
    _set_attribute(instance, "__pydantic_fields_set__", _ALL_FIELDS.get(model) or _all_fields(model))
    _set_attribute(instance, "__pydantic_extra__", None)
    _set_attribute(instance, "__pydantic_private__", None)
    return instance


def round_cents(value: Decimal) -> Decimal:
    """Round an amount to cents, half up (the French and EN 16931 practice)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def line_net_amount(quantity: Decimal, unit_price: Decimal, discount: Decimal = Decimal(0)) -> Decimal:
    """Net amount of one line: quantity × unit price − discount, rounded to cents."""
    return round_cents(quantity * unit_price - discount)


class InvoiceLine(NamedTuple):
    """One invoice line; ``net_amount`` is computed by chorusflow, never taken from the export.

    A typed record rather than a model: an export makes hundreds of thousands of them, and a tuple
    costs a fifth of a model object to build. ``Invoice`` validates lines read back from JSON.
    """

    number: int
    description: str
    quantity: Decimal
    unit: str | None
    unit_price: Decimal
    discount: Decimal
    vat_rate: Decimal
    net_amount: Decimal


class VatBreakdown(NamedTuple):
    """Taxable base and VAT for one VAT rate (a typed record, like ``InvoiceLine``)."""

    rate: Decimal
    base: Decimal
    vat: Decimal


def _lines_as_objects(lines: list[InvoiceLine]) -> list[dict[str, Any]]:
    # A dict display per line: twice as fast as dict(zip(fields, line)) for 100,000 lines.
    return [
        {
            "number": number,
            "description": description,
            "quantity": quantity,
            "unit": unit,
            "unit_price": unit_price,
            "discount": discount,
            "vat_rate": vat_rate,
            "net_amount": net_amount,
        }
        for number, description, quantity, unit, unit_price, discount, vat_rate, net_amount in lines
    ]


def _breakdown_as_objects(breakdown: list[VatBreakdown]) -> list[dict[str, Any]]:
    return [{"rate": rate, "base": base, "vat": vat} for rate, base, vat in breakdown]


def _as_objects(
    record: type[tuple[Any, ...]], serialise: Callable[[list[Any]], list[dict[str, Any]]]
) -> PlainSerializer:
    """Serialise a list of ``record`` tuples as objects keyed by field, as models are (a tuple alone
    would become an array), typed so that pydantic writes the values as it does in a model."""
    shape = _TypedDict(f"{record.__name__}Object", get_type_hints(record))
    return PlainSerializer(serialise, return_type=list[shape])  # type: ignore[valid-type]


InvoiceLines = Annotated[list[InvoiceLine], _as_objects(InvoiceLine, _lines_as_objects)]
VatBreakdowns = Annotated[list[VatBreakdown], _as_objects(VatBreakdown, _breakdown_as_objects)]


class Totals(BaseModel):
    """The computed VAT breakdown and totals of a set of lines."""

    model_config = ConfigDict(frozen=True)

    vat_breakdown: VatBreakdowns
    total_ht: Decimal
    total_vat: Decimal
    total_ttc: Decimal


def plain_rate(rate: Decimal) -> Decimal:
    """A VAT rate without trailing zeros nor exponent: ``20.00`` → ``20``, ``5.50`` → ``5.5``."""
    normal = rate.normalize()
    exponent = normal.as_tuple().exponent
    return normal.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else normal


def compute_totals(lines: Iterable[tuple[Decimal, Decimal]]) -> Totals:
    """Compute breakdown and totals from ``(vat_rate, net_amount)`` pairs (VAT per rate).

    See docs/sources.md#amounts-and-rounding.
    """
    bases: dict[Decimal, Decimal] = {}
    for rate, net in lines:
        key = plain_rate(rate)
        bases[key] = bases.get(key, Decimal(0)) + net
    breakdown = [
        VatBreakdown(rate, base, round_cents(base * rate / HUNDRED)) for rate, base in sorted(bases.items())
    ]
    total_ht = sum((item.base for item in breakdown), Decimal("0.00"))
    total_vat = sum((item.vat for item in breakdown), Decimal("0.00"))
    return construct_checked(
        Totals,
        {
            "vat_breakdown": breakdown,
            "total_ht": total_ht,
            "total_vat": total_vat,
            "total_ttc": total_ht + total_vat,
        },
    )


class Invoice(BaseModel):
    """A validated, normalised invoice ready to be turned into a Chorus Pro deposit."""

    model_config = ConfigDict(frozen=True)

    invoice_number: str
    invoice_type: InvoiceType = "FACTURE"
    issue_date: date
    due_date: date
    delivery_date: date | None = None
    currency: str = "EUR"
    buyer_siret: str = Field(pattern=r"^\d{14}$")
    buyer_name: str | None = None
    buyer_address: str | None = None
    delivery_address: str | None = None
    operation_nature: OperationNature | None = None
    service_code: str | None = None
    engagement_number: str | None = None
    market_number: str | None = None
    billing_framework: BillingFramework = "A1"
    validator_siret: str | None = None
    payment_means: PaymentMeans | None = "VIREMENT"
    supplier: SupplierIdentity
    supplier_iban: str | None = None
    original_invoice_number: str | None = None
    vat_exemption_reason: str | None = None
    # Why no French VAT is charged, when the supplier is abroad or the goods cross a border
    # (chorusflow.rules.checks.crossborder): standard, reverse_charge, intra_eu_goods, export, import.
    vat_treatment: str = "standard"
    buyer_vat_number: str | None = None
    total_vat_eur: str | None = None  # the VAT in euros of an invoice in another currency (CGI 289 IV)
    attachment: Path | None = None  # the ERP's PDF as a file on this machine (``chorusflow validate``)
    # The ERP's PDF kept in shared storage at validation: its key under the reports root
    # (chorusflow.storage.store_attachment). Set instead of ``attachment`` by the submission DAG.
    attachment_stored: str | None = None
    comment: str | None = None
    lines: InvoiceLines
    vat_breakdown: VatBreakdowns
    total_ht: Decimal
    total_vat: Decimal
    total_ttc: Decimal
    filled_in: dict[str, str] = Field(default_factory=dict)
