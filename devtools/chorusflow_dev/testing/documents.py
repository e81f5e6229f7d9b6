"""The sample supplier whose invoices the PDF tests and the rendering benchmark draw."""

from __future__ import annotations

from chorusflow.suppliers import SupplierIdentity

#: The sandbox's supplier with every legal mention the invoice PDF prints.
SUPPLIER = SupplierIdentity(
    siret="45218801400016",
    name="ACME Energie SAS",
    legal_form="SAS",
    share_capital="150 000 €",
    registration="RCS Lyon 452 188 014",
    address="12 rue de l'Industrie\n69003 Lyon\nFrance",
    iban="FR7630006000011234567890189",
    bic="AGRIFRPP",
    vat_number="FR42452188014",
    vat_regime="debits",
)
