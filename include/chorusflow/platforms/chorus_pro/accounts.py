"""The supplier's accounts on Chorus Pro: its structure, its bank accounts, its technical password.

A deposit names the supplier's structure (``idStructureCPP``) and, for a credit transfer, the
registered bank account to be paid on; both are read once per batch (:class:`SupplierAccounts`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from chorusflow.invoice import Invoice
from chorusflow.messages import language
from chorusflow.platforms.chorus_pro.client import ChorusProClient
from chorusflow.platforms.chorus_pro.errors import BankAccountUnknown, SupplierNotOnChorusPro
from chorusflow.platforms.chorus_pro.models import BankAccount
from chorusflow.rules.codes import finding
from chorusflow.suppliers import SupplierIdentity


@dataclass(frozen=True)
class SupplierAccount:
    """What the deposit needs of the supplier on Chorus Pro, resolved once per batch."""

    structure_id: int
    bank_account_id: int | None = None


def supplier_structure_id(client: ChorusProClient, supplier_siret: str) -> int:
    """The supplier's ``idStructureCPP``, among the structures the technical account may invoice for."""
    for structure in client.list_supplier_structures():
        if structure.identifiant == supplier_siret:
            return int(structure.id_structure_cpp)
    raise SupplierNotOnChorusPro(
        f"the Chorus Pro technical account may not invoice for SIRET {supplier_siret}: check the "
        "supplier configuration and the account's structures on the Chorus Pro portal"
    )


def registered_account_id(
    accounts: Sequence[BankAccount], iban: str, registered_name: str | None
) -> int | None:
    """The id of the Chorus Pro bank account for ``iban``: the account named ``registered_name`` (the
    name given on the portal), else the one whose name holds the IBAN; ``None`` when none does."""
    compact = "".join(iban.split()).upper()
    for account in accounts:
        name = account.nom_coordonnee_bancaire or ""
        if registered_name and name.strip() == registered_name.strip():
            return account.id_coordonnee_bancaire
        if compact and compact in "".join(name.split()).upper():
            return account.id_coordonnee_bancaire
    return None


def technical_password_expires_on(client: ChorusProClient, supplier_siret: str) -> date | None:
    """When the technical account's password expires (read from the supplier's structure)."""
    return client.get_structure(supplier_structure_id(client, supplier_siret)).technical_password_expires_on


class SupplierAccounts:
    """The supplier's structure and bank accounts, each read once (one call for a whole batch)."""

    def __init__(self, client: ChorusProClient, supplier: SupplierIdentity) -> None:
        self.client = client
        self.supplier = supplier
        self._structure_id: int | None = None
        self._bank_accounts: list[BankAccount] | None = None

    @property
    def structure_id(self) -> int:
        """The supplier's ``idStructureCPP`` (the ledger key is its SIRET)."""
        if self._structure_id is None:
            self._structure_id = supplier_structure_id(self.client, self.supplier.key)
        return self._structure_id

    def account_for(self, invoice: Invoice) -> SupplierAccount:
        """The supplier's structure and, for a credit transfer, the id of the account to be paid on.

        Raises :class:`BankAccountUnknown` when the IBAN is not among the accounts registered on
        Chorus Pro (listed once).
        """
        if invoice.payment_means != "VIREMENT":
            return SupplierAccount(self.structure_id)
        if self._bank_accounts is None:
            self._bank_accounts = self.client.list_bank_accounts(self.structure_id)
        iban = invoice.supplier_iban or self.supplier.iban or ""
        account_id = registered_account_id(self._bank_accounts, iban, self.supplier.chorus_bank_account)
        if account_id is None:
            raise BankAccountUnknown(finding("BANK_ACCOUNT_UNKNOWN", language(), iban=iban).message)
        return SupplierAccount(self.structure_id, account_id)
