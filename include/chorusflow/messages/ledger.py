"""Notes the ledger writes about an invoice while recording an export (``ledger.``)."""

from __future__ import annotations

from chorusflow.messages.catalogue import Message

MESSAGES: dict[str, Message] = {
    "ledger.changed_after_deposit": Message(
        fr="La facture a changé dans l'export après son dépôt sur Chorus Pro ; la modification est ignorée "
        "(émettre un avoir ou une nouvelle facture si nécessaire).",
        en="The invoice changed in the export after it was deposited on Chorus Pro; the change is ignored "
        "(issue a credit note or a new invoice if needed).",
    ),
    "ledger.duplicate_number": Message(
        fr="Numéro de facture présent plusieurs fois dans l'export : "
        "seule la première ligne est enregistrée.",
        en="Invoice number appears several times in the export: only the first row is recorded.",
    ),
}
