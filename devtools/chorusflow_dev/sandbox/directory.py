"""The sandbox's directory of structures (the supplier of the technical account and public buyers).

The file format (JSON or YAML) is documented in docs/sandbox.md; the default lives next to this
module in ``default_directory.yaml``.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, model_validator


class ServiceEntry(BaseModel):
    """One service of a buyer structure."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: int
    code: str
    name: str
    active: bool = True
    engagement_required: bool = False


def _iban_checksum_ok(iban: str) -> bool:
    """ISO 13616 check: move the first four characters to the end, letters to numbers, mod 97 == 1."""
    rearranged = iban[4:] + iban[:4]
    return rearranged.isalnum() and int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


class BankAccountEntry(BaseModel):
    """One bank account registered on Chorus Pro for a structure (``recuperer/coordbanc/valides``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: int = Field(description="idCoordonneeBancaire, what codeCoordonneesBancairesFournisseur carries")
    name: str = Field(description="nomCoordonneeBancaire, the name given on the portal")
    iban: str

    @model_validator(mode="after")
    def _valid_iban(self) -> BankAccountEntry:
        # A typo in a directory file would otherwise only show up as a puzzling refusal much later.
        if not (15 <= len(self.iban) <= 34 and _iban_checksum_ok(self.iban.upper())):
            raise ValueError(f"bank account {self.id}: {self.iban!r} is not a valid IBAN")
        return self


class TechnicalAccount(BaseModel):
    """A supplier's Chorus Pro technical account (the ``cpro-account`` header's login and password)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    login: str = Field(min_length=1)
    # At least 12 characters, so Airflow's secret masker hides it in logs.
    password: str = Field(min_length=12)


class StructureEntry(BaseModel):
    """One Chorus Pro structure: its identity, what it requires on invoices, its services.

    ``siret`` is its ``identifiantStructure`` (``identifier`` in a file, for a structure identified
    otherwise than by a SIRET: an EU VAT number for ``UE_HORS_FRANCE``…).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    id: int = Field(description="idStructureCPP, stable")
    siret: str = Field(validation_alias=AliasChoices("siret", "identifier"))
    identifier_type: Literal["SIRET", "UE_HORS_FRANCE", "HORS_UE", "RIDET", "TAHITI", "AUTRE"] = "SIRET"
    vat_number: str | None = None
    name: str
    kind: Literal["PUBLIQUE", "PRIVEE"] = "PUBLIQUE"
    #: INSEE's legal-form code (``categorieJuridique`` of ``consulter/information/siret``), e.g. 7364.
    legal_form: str | None = None
    active: bool = True
    service_code_required: bool = False
    engagement_required: bool = False
    service_or_engagement_required: bool = False
    payment_status_not_reported: bool = False
    technical_password_expires: str | None = None
    address: dict[str, str] = Field(default_factory=dict)
    services: tuple[ServiceEntry, ...] = ()
    bank_accounts: tuple[BankAccountEntry, ...] = ()
    # Other suppliers than the first: the technical account that acts for this structure.
    technical_account: TechnicalAccount | None = None

    def service_by_code(self, code: str) -> ServiceEntry | None:
        """The service with this code, or None."""
        return next((service for service in self.services if service.code == code), None)

    def bank_account(self, account_id: int) -> BankAccountEntry | None:
        """The bank account with this idCoordonneeBancaire, or None."""
        return next((account for account in self.bank_accounts if account.id == account_id), None)


class Directory(BaseModel):
    """The whole directory: the suppliers (each with its technical account) and the buyers.

    ``supplier`` is the structure of the default technical account (the sandbox's credentials);
    ``suppliers`` are other supplier structures, each with a ``technical_account`` of its own.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    supplier: StructureEntry
    suppliers: tuple[StructureEntry, ...] = ()
    buyers: tuple[StructureEntry, ...] = ()

    @model_validator(mode="after")
    def _unique_ids(self) -> Directory:
        ids = [s.id for s in self.structures]
        sirets = [s.siret for s in self.structures]
        if len(set(ids)) != len(ids) or len(set(sirets)) != len(sirets):
            raise ValueError("structure ids and SIRETs must be unique in the directory")
        service_ids = [service.id for s in self.structures for service in s.services]
        if len(set(service_ids)) != len(service_ids):
            raise ValueError("service ids must be unique in the directory")
        account_ids = [account.id for s in self.structures for account in s.bank_accounts]
        if len(set(account_ids)) != len(account_ids):
            raise ValueError("bank account ids must be unique in the directory")
        logins = [s.technical_account.login for s in self.suppliers if s.technical_account]
        if len(logins) != len(self.suppliers) or len(set(logins)) != len(logins):
            raise ValueError("every other supplier needs a technical account of its own login")
        return self

    @property
    def supplier_structures(self) -> tuple[StructureEntry, ...]:
        """Every supplier structure, the default one first."""
        return (self.supplier, *self.suppliers)

    @property
    def structures(self) -> tuple[StructureEntry, ...]:
        """Suppliers first, then buyers."""
        return (*self.supplier_structures, *self.buyers)

    def supplier_of_login(self, login: str) -> StructureEntry | None:
        """The other supplier whose technical account has this login, or None."""
        return next(
            (s for s in self.suppliers if s.technical_account and s.technical_account.login == login), None
        )

    def by_id(self, structure_id: int) -> StructureEntry | None:
        """The structure with this idStructureCPP, or None."""
        return next((s for s in self.structures if s.id == structure_id), None)

    def by_siret(self, siret: str) -> StructureEntry | None:
        """The structure with this SIRET, or None."""
        return next((s for s in self.structures if s.siret == siret), None)


def load_directory(path: Path | None = None) -> Directory:
    """Load a directory file (JSON or YAML by extension); the packaged default when ``path`` is None."""
    if path is None:
        text = (
            resources.files("chorusflow_dev.sandbox")
            .joinpath("default_directory.yaml")
            .read_text(encoding="utf-8")
        )
        return Directory.model_validate(yaml.safe_load(text))
    text = Path(path).read_text(encoding="utf-8")
    data = json.loads(text) if Path(path).suffix.lower() == ".json" else yaml.safe_load(text)
    return Directory.model_validate(data)
