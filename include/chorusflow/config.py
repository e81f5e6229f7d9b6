"""The supplier and the configuration folder (``include/config/``), and shortcuts to the settings.

Behaviour settings live in :mod:`chorusflow.settings` (every ``CHORUSFLOW_*`` variable); this module
reads what the configuration folder describes: the supplier (``supplier.yaml``), with its per-field
overrides ``CHORUSFLOW_SUPPLIER_<FIELD>``. Nothing here imports Airflow, so the CLI, the sandbox and
the DAGs resolve the configuration the same way.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict

from chorusflow.settings import settings

PACKAGE_DIR = Path(__file__).resolve().parent
SUPPLIER_OVERRIDE_PREFIX = "CHORUSFLOW_SUPPLIER_"  # + a field of SupplierIdentity, upper case


def config_dir() -> Path:
    """Folder holding ``supplier.yaml``, ``buyers/`` and ``mappings/`` (``CHORUSFLOW_CONFIG_DIR``)."""
    return settings().resolved_config_dir


def chorusflow_home() -> Path:
    """Folder for local state: the default SQLite ledger, reports, the inbox (``CHORUSFLOW_HOME``)."""
    return settings().home


VatRegime = Literal["debits", "receipts"]
DepositChannel = Literal["pdf", "saisie", "facturx"]
CompanySize = Literal["large", "mid", "sme", "micro"]

#: When the 2026 reform's invoice mentions become mandatory, by company size (décret 2024-266).
REFORM_MENTIONS_FROM: dict[CompanySize, date] = {
    "large": date(2026, 9, 1),
    "mid": date(2026, 9, 1),
    "sme": date(2027, 9, 1),
    "micro": date(2027, 9, 1),
}


class SupplierIdentity(BaseModel):
    """The invoicing company, as printed on every invoice it issues, and how it deposits.

    ``vat_regime``: ``debits`` when the supplier opted for VAT on debits (``TVA_SUR_DEBIT`` and the
    mention on the invoice), ``receipts`` otherwise (``TVA_SUR_ENCAISSEMENT``). ``deposit_channel``:
    ``pdf`` (``DEPOT_PDF_API``, the supplier's own number and date) or ``saisie`` (``SAISIE_API``, where
    Chorus Pro issues the invoice under its own number) or ``facturx`` (Factur-X files deposited in
    batches with ``deposer/flux``, see :mod:`chorusflow.flux`). ``company_size`` sets the date from which the
    2026 reform's mentions are errors rather than warnings.
    """

    model_config = ConfigDict(frozen=True)

    siret: str
    name: str
    iban: str | None = None
    bic: str | None = None
    vat_number: str | None = None
    # The name of the IBAN's account on the Chorus Pro portal, when that name does not hold the IBAN.
    chorus_bank_account: str | None = None
    legal_form: str | None = None
    share_capital: str | None = None
    registration: str | None = None
    address: str | None = None
    vat_regime: VatRegime = "receipts"
    late_penalty_rate: str | None = None
    early_payment_discount: str | None = None
    deposit_channel: DepositChannel = "pdf"
    company_size: CompanySize = "sme"

    @property
    def siren(self) -> str:
        """The SIREN: the SIRET's first nine digits."""
        return self.siret[:9]

    @property
    def reform_mentions_from(self) -> date:
        """The date from which the 2026 reform's mentions are mandatory for this supplier."""
        return REFORM_MENTIONS_FROM[self.company_size]


def load_supplier(path: Path | None = None) -> SupplierIdentity:
    """Read the supplier identity from ``CHORUSFLOW_SUPPLIER_FILE`` or ``<config>/supplier.yaml``.

    ``CHORUSFLOW_SUPPLIER_<FIELD>`` (``_SIRET``, ``_NAME``, ``_IBAN``, ``_DEPOSIT_CHANNEL`` …, one per
    field of :class:`SupplierIdentity`) overrides the file.
    """
    source = path or settings().supplier_file or config_dir() / "supplier.yaml"
    data: dict[str, str] = {}
    if source.exists():
        loaded = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
        data = {key: str(value) for key, value in loaded.items() if value not in (None, "")}
    for field in SupplierIdentity.model_fields:
        override = os.environ.get(SUPPLIER_OVERRIDE_PREFIX + field.upper())
        if override:
            data[field] = override
    return SupplierIdentity.model_validate(data)
