"""Suppliers outside France: their identifier, cross-border VAT treatments and the invoice's currency.

- The supplier's identifier is checked by its ``typeIdentifiantStructure`` (SUPPLIER_IDENTIFIER_INVALID):
  a SIRET by its Luhn key, an EU VAT number per country with python-stdnum (``stdnum.eu.vat``), a
  RIDET (New Caledonia) and a numéro TAHITI by their shape, a non-EU identifier with the country's
  python-stdnum VAT module when there is one. A supplier without a SIRET is never asked for one.
- ``vat_treatment`` says why an invoice charges no French VAT (docs/suppliers.md#cross-border-vat):
  ``reverse_charge`` (services by a supplier not established in France: the buyer pays the VAT,
  "Autoliquidation", art. 283-2 CGI and art. 196 of directive 2006/112/EC), ``intra_eu_goods`` (goods
  shipped from another EU country: exempt, art. 262 ter I CGI and art. 138 of the directive, both VAT
  numbers), ``export`` (goods shipped out of the EU: exempt, art. 262 I CGI, art. 146 of the
  directive) and ``import`` (goods a supplier outside the EU sends into France: the VAT is paid at
  import, art. 291 and 293 A CGI, none on the invoice).
- Currency: any ISO 4217 code Chorus Pro's ``deviseFacture`` takes (CURRENCY_INVALID otherwise), unless
  the buyer's profile lists the currencies it accepts (CURRENCY_NOT_ACCEPTED); an invoice charging
  French VAT in another currency gives that VAT in euros too (CGI art. 289 IV:
  CURRENCY_VAT_IN_EUR_MISSING).

Sources: docs/sources.md#cross-border-vat-and-currency.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Literal

from stdnum import get_cc_module
from stdnum.eu import vat as eu_vat

from chorusflow.messages import text
from chorusflow.rules.checks.code_lists import is_iso_4217
from chorusflow.rules.checks.identifiers import siret_is_valid
from chorusflow.rules.codes import Finding, finding
from chorusflow.suppliers import SupplierIdentity

VatTreatment = Literal["standard", "reverse_charge", "intra_eu_goods", "export", "import"]
VAT_TREATMENTS: tuple[VatTreatment, ...] = (
    "standard",
    "reverse_charge",
    "intra_eu_goods",
    "export",
    "import",
)
#: The treatments under which the invoice charges no French VAT.
NO_FRENCH_VAT: frozenset[str] = frozenset({"reverse_charge", "intra_eu_goods", "export", "import"})
#: The treatments whose mention needs the VAT numbers of both parties (CGI ann. II 242 nonies A 3° and 4°).
BOTH_VAT_NUMBERS: frozenset[str] = frozenset({"reverse_charge", "intra_eu_goods"})
ZERO = Decimal(0)

# New Caledonia's RIDET: 7 digits of the company, 3 of the establishment; French Polynesia's numéro
# TAHITI: a letter or digit then 5 digits, 3 of the establishment optional (ISPF).
_RIDET = re.compile(r"^\d{7}(\d{3})?$")
_TAHITI = re.compile(r"^[A-Z0-9]\d{5}(\d{3})?$")
_OTHER = re.compile(r"^[A-Z0-9]{1,32}$")
#: python-stdnum modules that may check a non-EU company's identifier (``stdnum.ch.uid`` …).
COUNTRY_MODULES = ("vat", "uid", "tin")


@dataclass(frozen=True)
class Treatment:
    """How a treatment reaches Chorus Pro (``typeTva``, ``motifExonerationTva``) and the invoice PDF."""

    type_tva: Literal["EXONERATION", "SANS_TVA"]
    mention_key: str  # the catalogue key of the legal mention printed and sent as the reason


TREATMENTS: dict[str, Treatment] = {
    "reverse_charge": Treatment("EXONERATION", "pdf.mention.vat.reverse_charge"),
    "intra_eu_goods": Treatment("EXONERATION", "pdf.mention.vat.intra_eu_goods"),
    "export": Treatment("EXONERATION", "pdf.mention.vat.export"),
    "import": Treatment("SANS_TVA", "pdf.mention.vat.import"),
}


def vat_treatment(text: str) -> VatTreatment | None:
    """The treatment a cell names (empty: ``standard``); None when it names none."""
    value = text.strip().lower().replace("-", "_").replace(" ", "_") or "standard"
    return next((treatment for treatment in VAT_TREATMENTS if treatment == value), None)


def eu_vat_number_is_valid(number: str) -> bool:
    """Whether ``number`` is a valid VAT number of an EU member state (check digits included)."""
    return bool(number) and eu_vat.is_valid(number)


@cache
def supplier_identifier_findings(supplier: SupplierIdentity, lang: str) -> tuple[Finding, ...]:
    """SUPPLIER_IDENTIFIER_INVALID when the supplier's identifier does not fit its type (once per run)."""
    if _identifier_is_valid(supplier):
        return ()
    return (
        finding(
            "SUPPLIER_IDENTIFIER_INVALID",
            lang,
            "supplier",
            value=supplier.structure_identifier,
            kind=supplier.identifier_type,
        ),
    )


def facturx_supplier_findings(supplier: SupplierIdentity, lang: str) -> list[Finding]:
    """FACTURX_SUPPLIER_WITHOUT_SIRET for a supplier without a SIRET: Chorus Pro finds a Factur-X's
    supplier by the SIRET of its seller block (docs/suppliers.md#factur-x)."""
    if supplier.french:
        return []
    return [finding("FACTURX_SUPPLIER_WITHOUT_SIRET", lang, "supplier", kind=supplier.identifier_type)]


def _identifier_is_valid(supplier: SupplierIdentity) -> bool:
    identifier = supplier.structure_identifier
    kind = supplier.identifier_type
    if kind == "SIRET":
        return siret_is_valid(identifier)
    if kind == "UE_HORS_FRANCE":
        return supplier.country != "FR" and supplier.in_eu and eu_vat_number_is_valid(identifier)
    if kind == "RIDET":
        return _RIDET.match(identifier) is not None
    if kind == "TAHITI":
        return _TAHITI.match(identifier) is not None
    if kind == "HORS_UE":
        if supplier.in_eu:
            return False  # an EU company is UE_HORS_FRANCE (or SIRET)
        modules = [get_cc_module(supplier.country.lower(), name) for name in COUNTRY_MODULES]
        known = [module for module in modules if module is not None]
        if known:  # the country's own company or VAT identifier, as python-stdnum checks it
            return any(module.is_valid(identifier) for module in known)
    return _OTHER.match(identifier) is not None


def crossborder_findings(
    supplier: SupplierIdentity,
    treatment: VatTreatment,
    *,
    nature: str | None,
    total_vat: Decimal | None,
    charged_rates: list[Decimal],
    buyer_vat_number: str,
    lang: str,
) -> list[Finding]:
    """The rules of one invoice's VAT treatment (``charged_rates``: its lines' VAT rates)."""
    found: list[Finding] = []
    if treatment == "standard":
        if not supplier.french and any(rate > ZERO for rate in charged_rates):
            found.append(finding("FRENCH_VAT_BY_FOREIGN_SUPPLIER", lang, "vat_treatment"))
        return found
    reason = _not_applicable(supplier, treatment, nature)
    if reason is not None:
        found.append(
            finding(
                "VAT_TREATMENT_NOT_APPLICABLE",
                lang,
                "vat_treatment",
                value=treatment,
                reason=text(reason, lang),
            )
        )
    if any(rate != ZERO for rate in charged_rates) or (total_vat is not None and total_vat != ZERO):
        found.append(finding("VAT_TREATMENT_RATE", lang, "vat_rate", value=treatment))
    if treatment in BOTH_VAT_NUMBERS:
        found += _vat_number_findings(supplier, treatment, buyer_vat_number, lang)
    return found


def _not_applicable(supplier: SupplierIdentity, treatment: str, nature: str | None) -> str | None:
    """The catalogue key of why ``treatment`` does not fit this supplier or operation, or None."""
    if treatment == "reverse_charge":
        if supplier.french:
            return "rule.reason.established_in_france"
        if nature == "goods":
            return "rule.reason.services_only"
    if treatment == "intra_eu_goods":
        if supplier.french or not supplier.in_eu:
            return "rule.reason.other_eu_country_only"
        if nature == "services":
            return "rule.reason.goods_only"
    if treatment == "import":
        if supplier.in_eu:
            return "rule.reason.outside_eu_only"
        if nature == "services":
            return "rule.reason.goods_only"
    if treatment == "export" and nature == "services":
        return "rule.reason.goods_only"
    return None


def _vat_number_findings(
    supplier: SupplierIdentity, treatment: str, buyer_vat_number: str, lang: str
) -> list[Finding]:
    found: list[Finding] = []
    own = supplier.vat_number or ""
    if not own and supplier.owes_its_vat_number(treatment):
        found.append(finding("VAT_NUMBER_MISSING", lang, "supplier_vat_number"))
    elif supplier.in_eu and not eu_vat_number_is_valid(own):
        found.append(finding("VAT_NUMBER_INVALID", lang, "supplier_vat_number", value=own))
    if not buyer_vat_number:
        found.append(finding("VAT_NUMBER_MISSING", lang, "buyer_vat_number"))
    elif not (buyer_vat_number.upper().startswith("FR") and eu_vat_number_is_valid(buyer_vat_number)):
        found.append(finding("VAT_NUMBER_INVALID", lang, "buyer_vat_number", value=buyer_vat_number))
    return found


def currency_findings(
    currency: str,
    accepted: list[str] | None,
    total_vat: Decimal | None,
    total_vat_eur: str,
    lang: str,
) -> list[Finding]:
    """CURRENCY_NOT_ACCEPTED (the buyer's profile lists its currencies) and, for French VAT charged in
    another currency, CURRENCY_VAT_IN_EUR_MISSING."""
    found: list[Finding] = []
    if accepted is not None and currency not in accepted:
        found.append(
            finding("CURRENCY_NOT_ACCEPTED", lang, "currency", value=currency, accepted=", ".join(accepted))
        )
    charged = total_vat is not None and total_vat != ZERO
    if currency != "EUR" and is_iso_4217(currency) and charged and not total_vat_eur.strip():
        found.append(finding("CURRENCY_VAT_IN_EUR_MISSING", lang, "total_vat_eur", value=currency))
    return found
