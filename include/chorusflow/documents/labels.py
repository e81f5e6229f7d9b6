"""The words of the invoice PDF in French and English, and its legal mentions.

An invoice issued in France is written in French (loi 94-665): the English render translates the
labels but keeps each legal mention's French wording, followed by an English gloss.
"""

from __future__ import annotations

from typing import Literal

PdfLanguage = Literal["fr", "en"]

# key: (French, English); a line break is where a column header breaks.
LABELS: dict[str, tuple[str, str]] = {
    "FACTURE": ("Facture", "Invoice"),
    "AVOIR": ("Avoir", "Credit note"),
    "number": ("N°", "No."),
    "issue_date": ("Date d'émission", "Issue date"),
    "delivery_date": ("Date de livraison / d'exécution", "Delivery / service date"),
    "same_date": ("date de livraison = date de facture", "delivery date = invoice date"),
    "due_date": ("Date d'échéance", "Due date"),
    "original_invoice": ("Facture d'origine", "Original invoice"),
    "buyer": ("Client", "Buyer"),
    "delivery_address": ("Adresse de livraison", "Delivery address"),
    "capital": ("au capital de", "with a share capital of"),
    "vat_number": ("N° TVA intracommunautaire", "VAT number"),
    "references": ("Références", "References"),
    "operation_nature": ("Nature de l'opération", "Nature of the operation"),
    "engagement_number": ("Numéro d'engagement", "Commitment number (numéro d'engagement)"),
    "service_code": ("Code service", "Service code (code service)"),
    "market_number": ("Numéro de marché", "Contract number (numéro de marché)"),
    "billing_framework": ("Cadre de facturation", "Billing framework"),
    "validator_siret": ("SIRET du valideur", "Validator SIRET"),
    "line_number": ("N°", "No."),
    "description": ("Désignation", "Description"),
    "quantity": ("Qté", "Qty"),
    "unit": ("Unité", "Unit"),
    "unit_price": ("Prix unitaire\nHT", "Unit price\nexcl. VAT"),
    "discount": ("Remise", "Discount"),
    "vat_rate": ("TVA", "VAT"),
    "net_amount": ("Montant\nHT", "Amount\nexcl. VAT"),
    "vat_breakdown": ("Récapitulatif de la TVA", "VAT breakdown"),
    "vat_base": ("Base HT", "Taxable amount"),
    "vat_amount": ("Montant TVA", "VAT amount"),
    "total_ht": ("Total HT", "Total excl. VAT"),
    "total_vat": ("Total TVA", "Total VAT"),
    "total_ttc": ("Total TTC", "Total incl. VAT"),
    "due_FACTURE": ("Net à payer", "Amount due"),
    "due_AVOIR": ("Montant de l'avoir à déduire", "Credit amount to deduct"),
    "exemption": ("Exonération", "VAT exemption"),
    "payment": ("Conditions de paiement", "Payment terms"),
    "payment_means": ("Moyen de paiement", "Payment means"),
    "comment": ("Commentaire", "Comment"),
    "page": ("Page", "Page"),
}

PAYMENT_MEANS: dict[str, tuple[str, str]] = {
    "VIREMENT": ("Virement", "Bank transfer"),
    "CHEQUE": ("Chèque", "Cheque"),
    "PRELEVEMENT": ("Prélèvement", "Direct debit"),
    "ESPECE": ("Espèces", "Cash"),
    "AUTRE": ("Autre", "Other"),
    "REPORT": ("Report", "Carried forward"),
}

BILLING_FRAMEWORKS: dict[str, tuple[str, str]] = {  # Chorus Pro's "cadre de facturation"
    "A1": ("facture du fournisseur", "supplier's invoice"),
    "A2": ("facture déjà payée", "invoice already paid"),
    "A9": ("facture d'un sous-traitant", "subcontractor's invoice"),
    "A12": ("facture d'un cotraitant", "co-contractor's invoice"),
}

# Legal mentions: (French text, English gloss). The French text is printed in both languages.
OPERATION_NATURE: dict[str, tuple[str, str]] = {
    "goods": ("Livraison de biens", "supply of goods"),
    "services": ("Prestation de services", "services"),
    "mixed": ("Mixte (biens et services)", "mixed: goods and services"),
}
LATE_PENALTY = ("Pénalités de retard", "late-payment penalties")
PENALTY_ARTICLE = "art. L441-10 du Code de commerce"
DEFAULT_PENALTY_RATE = (
    "taux d'intérêt appliqué par la Banque centrale européenne à son opération de refinancement la plus "
    "récente, majoré de 10 points",
    "the European Central Bank's most recent refinancing rate plus 10 points",
)
RECOVERY_INDEMNITY = (
    "Indemnité forfaitaire pour frais de recouvrement en cas de retard de paiement : 40 € "
    "(art. D441-5 du Code de commerce)",
    "fixed indemnity for recovery costs in case of late payment",
)
EARLY_PAYMENT = ("Escompte pour paiement anticipé", "early-payment discount")
NO_EARLY_PAYMENT_DISCOUNT = ("Pas d'escompte pour paiement anticipé", "no discount for early payment")
DEBITS_OPTION = (
    "Option pour le paiement de la taxe d'après les débits",
    "the supplier opted to pay VAT on debits",
)


def label(key: str, lang: PdfLanguage) -> str:
    """The label ``key`` in ``lang``."""
    french, english = LABELS[key]
    return english if lang == "en" else french


def colon(lang: PdfLanguage) -> str:
    """`` : `` in French (a no-break space before the colon), ``: `` in English."""
    return ": " if lang == "en" else "\xa0: "


def legal(mention: tuple[str, str], lang: PdfLanguage) -> str:
    """A legal mention: its French text, glossed in English in an English render."""
    french, english = mention
    return f"{french} ({english})" if lang == "en" else french


def choice(values: dict[str, tuple[str, str]], key: str, lang: PdfLanguage) -> str:
    """The text of a coded value (payment means), in ``lang``; an unknown code is printed as is."""
    french, english = values.get(key, (key, key))
    return english if lang == "en" else french
