"""The suppliers and the configuration folder (``include/config/``), and shortcuts to the settings.

Behaviour settings live in :mod:`chorusflow.settings` (every ``CHORUSFLOW_*`` variable); this module
reads what the configuration folder describes: the suppliers, one file each in ``suppliers/``
(docs/suppliers.md), or the one supplier of ``supplier.yaml`` with its per-field overrides
``CHORUSFLOW_SUPPLIER_<FIELD>``. Nothing here imports Airflow, so the CLI, the sandbox and the DAGs
resolve the configuration the same way.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from chorusflow.messages.language import Language
from chorusflow.settings import settings

PACKAGE_DIR = Path(__file__).resolve().parent
SUPPLIER_OVERRIDE_PREFIX = "CHORUSFLOW_SUPPLIER_"  # + a field of SupplierIdentity, upper case


def config_dir() -> Path:
    """Folder of ``supplier.yaml`` or ``suppliers/``, ``buyers/``, ``mappings/`` (CHORUSFLOW_CONFIG_DIR)."""
    return settings().resolved_config_dir


def chorusflow_home() -> Path:
    """Folder for local state: the default SQLite ledger, reports, the inbox (``CHORUSFLOW_HOME``)."""
    return settings().home


VatRegime = Literal["debits", "receipts"]
ChannelName = Literal["pdf", "saisie", "facturx"]
CompanySize = Literal["large", "mid", "sme", "micro"]
#: ``typeIdentifiantStructure`` of a supplier structure (Structures Swagger; PARTICULIER is for
#: private persons, who do not invoice public buyers through chorusflow).
IdentifierType = Literal["SIRET", "UE_HORS_FRANCE", "HORS_UE", "RIDET", "TAHITI", "AUTRE"]
IDENTIFIER_TYPES: tuple[IdentifierType, ...] = (
    "SIRET",
    "UE_HORS_FRANCE",
    "HORS_UE",
    "RIDET",
    "TAHITI",
    "AUTRE",
)
#: The member states of the European Union (ISO 3166-1 alpha-2; Greece is GR here, EL in VAT numbers).
EU_COUNTRIES: frozenset[str] = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()
)
DEFAULT_CONNECTION_ID = "chorus_pro"
DEFAULT_SUPPLIER_ID = "default"
SUPPLIER_ID_PATTERN = r"^[a-z0-9][a-z0-9_]{0,39}$"
#: Folder names of the inbox that are not suppliers.
RESERVED_SUPPLIER_IDS = frozenset({"archive", "staging"})

#: When the 2026 reform's invoice mentions become mandatory, by company size (décret 2024-266).
REFORM_MENTIONS_FROM: dict[CompanySize, date] = {
    "large": date(2026, 9, 1),
    "mid": date(2026, 9, 1),
    "sme": date(2027, 9, 1),
    "micro": date(2027, 9, 1),
}


class SupplierConfigError(ValueError):
    """A supplier configuration that cannot be used; ``str()`` names the file and the problem."""


def compact_identifier(value: str) -> str:
    """An identifier as Chorus Pro and the ledger hold it: no spaces, dots or dashes, upper case."""
    return re.sub(r"[\s.\-]", "", value).upper()


class SupplierIdentity(BaseModel):
    """The invoicing company, as printed on every invoice it issues, and how it deposits.

    ``identifier_type`` is its ``typeIdentifiantStructure`` on Chorus Pro: ``SIRET`` (``siret``) for a
    French company, ``UE_HORS_FRANCE`` for one of another EU country (``identifier``: its VAT number,
    by default ``vat_number``), ``HORS_UE``, ``RIDET``, ``TAHITI`` or ``AUTRE`` (``identifier``).
    ``vat_regime``: ``debits`` when the supplier opted for VAT on debits (``TVA_SUR_DEBIT`` and the
    mention on the invoice), ``receipts`` otherwise (``TVA_SUR_ENCAISSEMENT``). ``deposit_channel``:
    ``pdf`` (``DEPOT_PDF_API``, the supplier's own number and date) or ``saisie`` (``SAISIE_API``, where
    Chorus Pro issues the invoice under its own number) or ``facturx`` (Factur-X files deposited in
    batches with ``deposer/flux``, see :mod:`chorusflow.platforms.chorus_pro.flux`). ``company_size`` sets
    the date from which
    the 2026 reform's mentions are errors rather than warnings. ``connection_id`` names the Airflow
    connection of its technical account; ``lang`` the language of its alerts, reports and invoices.
    """

    model_config = ConfigDict(frozen=True)

    id: str = Field(DEFAULT_SUPPLIER_ID, pattern=SUPPLIER_ID_PATTERN)
    identifier_type: IdentifierType = "SIRET"
    siret: str | None = None
    identifier: str | None = None
    country: str = Field("FR", pattern=r"^[A-Z]{2}$")
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
    deposit_channel: ChannelName = "pdf"
    company_size: CompanySize = "sme"
    connection_id: str = Field(DEFAULT_CONNECTION_ID, pattern=r"^[A-Za-z0-9_\-]{1,250}$")
    lang: Language | None = None
    default: bool = False

    @model_validator(mode="after")
    def _identified(self) -> SupplierIdentity:
        if self.identifier_type == "SIRET" and not self.siret:
            raise ValueError("a supplier identified by its SIRET needs 'siret'")
        if self.identifier_type != "SIRET" and not (self.identifier or self.vat_number):
            raise ValueError(f"a supplier identified as {self.identifier_type} needs 'identifier'")
        if self.deposit_channel == "facturx" and self.identifier_type != "SIRET":
            # Chorus Pro finds a Factur-X's supplier by its SIRET (docs/suppliers.md#factur-x).
            raise ValueError(
                f"deposit_channel facturx needs a supplier identified by its SIRET, not "
                f"{self.identifier_type}: use pdf or saisie"
            )
        return self

    @property
    def structure_identifier(self) -> str:
        """``identifiantStructure`` on Chorus Pro, and the supplier's key in the ledger."""
        if self.identifier_type == "SIRET":
            return str(self.siret)
        return compact_identifier(self.identifier or self.vat_number or "")

    @property
    def key(self) -> str:
        """The ledger's key of this supplier (its ``supplier_siret`` column): the structure identifier."""
        return self.structure_identifier

    @property
    def siren(self) -> str | None:
        """The SIREN: the SIRET's first nine digits (None without a SIRET)."""
        return self.siret[:9] if self.siret else None

    @property
    def in_eu(self) -> bool:
        """Whether the supplier is established in the European Union (France included)."""
        return self.country in EU_COUNTRIES

    @property
    def french(self) -> bool:
        """Whether the supplier is a French company identified by its SIRET."""
        return self.identifier_type == "SIRET"

    def owes_its_vat_number(self, vat_treatment: str) -> bool:
        """Whether an invoice under ``vat_treatment`` must print this supplier's own VAT number.

        Not for a supplier outside the EU whose supply is reverse-charged: a taxable person whose only
        supplies in France are those for which the customer is liable need not be identified for VAT
        there (CGI art. 286 ter A, II-1°), and outside the EU it has no number of another member state
        (directive 2006/112/EC art. 214) to print under CGI ann. II art. 242 nonies A, I-4°. One it has
        (``vat_number``) is still printed. docs/suppliers.md#cross-border-vat.
        """
        return not (vat_treatment == "reverse_charge" and not self.in_eu)

    @property
    def reform_mentions_from(self) -> date:
        """The date from which the 2026 reform's mentions are mandatory for this supplier."""
        return REFORM_MENTIONS_FROM[self.company_size]

    @property
    def language(self) -> Language:
        """The language of this supplier's texts: its ``lang``, else ``CHORUSFLOW_LANG``."""
        return self.lang or settings().lang


@dataclass(frozen=True)
class Suppliers:
    """Every supplier of the deployment, and the default one (exports that name no supplier go to it)."""

    members: tuple[SupplierIdentity, ...]
    default_id: str | None

    def __iter__(self) -> Iterator[SupplierIdentity]:
        return iter(self.members)

    def __len__(self) -> int:
        return len(self.members)

    @property
    def several(self) -> bool:
        """Whether the deployment invoices for more than one supplier."""
        return len(self.members) > 1

    @property
    def default(self) -> SupplierIdentity | None:
        """The supplier of exports that name none, if the configuration has one."""
        return self.by_id(self.default_id) if self.default_id else None

    @property
    def ids(self) -> list[str]:
        """Every supplier id, in configuration order."""
        return [member.id for member in self.members]

    def by_id(self, supplier_id: str) -> SupplierIdentity | None:
        """The supplier with this id, or None."""
        return next((member for member in self.members if member.id == supplier_id), None)

    def by_key(self, key: str) -> SupplierIdentity | None:
        """The supplier whose ledger key (structure identifier) is ``key``, or None."""
        return next((member for member in self.members if member.key == key), None)

    def find(self, value: str) -> SupplierIdentity | None:
        """The supplier an export names: by id, or by its identifier (SIRET, VAT number …)."""
        wanted = value.strip()
        if not wanted:
            return None
        found = self.by_id(wanted.lower())
        return found or self.by_key(compact_identifier(wanted))


def _read_yaml(source: Path) -> dict[str, str]:
    try:
        loaded = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise SupplierConfigError(f"{source}: {type(error).__name__}: {error}") from None
    if not isinstance(loaded, dict):
        raise SupplierConfigError(f"{source}: a mapping of supplier fields is expected")
    return {str(key): str(value) for key, value in loaded.items() if value not in (None, "")}


def _validated(data: dict[str, str], source: Path) -> SupplierIdentity:
    try:
        return SupplierIdentity.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc']) or 'supplier'}: {item['msg']}"
            for item in error.errors(include_input=False, include_url=False)
        )
        raise SupplierConfigError(f"{source}: {problems}") from None


def _load_single(path: Path | None = None) -> SupplierIdentity:
    """The one supplier of ``supplier.yaml`` (or ``path``), with its ``CHORUSFLOW_SUPPLIER_<FIELD>``."""
    source = path or settings().supplier_file or config_dir() / "supplier.yaml"
    data = _read_yaml(source) if source.exists() else {}
    for field in SupplierIdentity.model_fields:
        override = os.environ.get(SUPPLIER_OVERRIDE_PREFIX + field.upper())
        if override:
            data[field] = override
    return _validated(data, source)


def suppliers_dir() -> Path:
    """The folder of supplier files: ``CHORUSFLOW_SUPPLIERS_DIR``, else ``<config>/suppliers``."""
    return settings().suppliers_dir or config_dir() / "suppliers"


def _supplier_files() -> list[Path]:
    folder = suppliers_dir()
    if settings().supplier_file or not folder.is_dir():
        return []
    return sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])


def load_suppliers() -> Suppliers:
    """Every supplier: one file each in ``suppliers/`` (file name = supplier id), else ``supplier.yaml``.

    In the folder, the supplier marked ``default: true`` (or the only one) gets the connection
    ``chorus_pro`` and the exports that name no supplier; every other one gets ``chorus_pro__<id>``
    unless its file names a ``connection_id``. ``CHORUSFLOW_SUPPLIER_FILE`` forces the one-file case.
    """
    files = _supplier_files()
    if not files:
        single = _load_single()
        return Suppliers((single,), single.id)
    members: list[SupplierIdentity] = []
    for source in files:
        data = _read_yaml(source)
        if data.get("id", source.stem) != source.stem:
            raise SupplierConfigError(f"{source}: 'id' must be the file name ({source.stem})")
        data["id"] = source.stem
        if source.stem in RESERVED_SUPPLIER_IDS:
            raise SupplierConfigError(f"{source}: '{source.stem}' is reserved, name the file otherwise")
        members.append(_validated(data, source))
    defaults = [member.id for member in members if member.default]
    if len(defaults) > 1:
        raise SupplierConfigError(f"{suppliers_dir()}: several suppliers say 'default: true' ({defaults})")
    default_id = defaults[0] if defaults else members[0].id if len(members) == 1 else None
    resolved = tuple(
        _with_connection(member, files[index], default_id) for index, member in enumerate(members)
    )
    keys = [member.key for member in resolved]
    if len(set(keys)) != len(keys):
        raise SupplierConfigError(f"{suppliers_dir()}: two suppliers have the same identifier")
    connections = [member.connection_id for member in resolved]
    if len(set(connections)) != len(connections):
        raise SupplierConfigError(f"{suppliers_dir()}: two suppliers use the same connection")
    return Suppliers(resolved, default_id)


def _with_connection(member: SupplierIdentity, source: Path, default_id: str | None) -> SupplierIdentity:
    if "connection_id" in _read_yaml(source):
        return member
    connection = DEFAULT_CONNECTION_ID if member.id == default_id else f"{DEFAULT_CONNECTION_ID}__{member.id}"
    return member.model_copy(update={"connection_id": connection})


def load_supplier(path: Path | None = None) -> SupplierIdentity:
    """The default supplier: from ``path``, ``CHORUSFLOW_SUPPLIER_FILE`` or ``<config>/supplier.yaml``
    (with the per-field overrides ``CHORUSFLOW_SUPPLIER_<FIELD>``: ``_SIRET``, ``_NAME``, ``_IBAN`` …),
    or the default one of ``<config>/suppliers/``.

    Raises :class:`SupplierConfigError` when several suppliers are configured and none is the default.
    """
    if path is not None:
        return _load_single(path)
    suppliers = load_suppliers()
    if suppliers.default is None:
        raise SupplierConfigError(
            f"{suppliers_dir()}: {len(suppliers)} suppliers and none says 'default: true'; name one"
        )
    return suppliers.default
