"""The catalogue of stable rule codes and their French and English messages (one place for all).

Every code is documented in ``docs/rule-codes.md``. Messages are ``str.format`` templates filled with
the finding's parameters; they are written for an accountant, not a developer.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from chorusflow.config import language

Severity = Literal["error", "warning"]

# code -> (severity, French template, English template)
CATALOGUE: dict[str, tuple[Severity, str, str]] = {
    # File level: nothing can be read as invoices.
    "EXPORT_UNREADABLE": (
        "error",
        "Le fichier d'export ne peut pas être lu comme un tableau CSV : {detail}",
        "The export file cannot be read as a CSV table: {detail}",
    ),
    "EXPORT_EMPTY": (
        "error",
        "Le fichier d'export ne contient aucune facture.",
        "The export file contains no invoice.",
    ),
    "EXPORT_MISSING_COLUMN": (
        "error",
        "Colonne obligatoire absente de l'export : {column}.",
        "Required column missing from the export: {column}.",
    ),
    "EXPORT_DUPLICATE_COLUMN": (
        "error",
        "La colonne {column} apparaît plusieurs fois dans l'export ; gardez-en une seule.",
        "Column {column} appears several times in the export; keep only one.",
    ),
    "MAPPING_INVALID": (
        "error",
        "Le fichier de correspondance des colonnes {file} est invalide : {detail}",
        "The column mapping file {file} is invalid: {detail}",
    ),
    "BUYER_PROFILE_INVALID": (
        "error",
        "Le profil acheteur {file} est invalide : {detail}",
        "The buyer profile {file} is invalid: {detail}",
    ),
    # Invoice level.
    "ROW_MALFORMED": (
        "error",
        "Une ligne de cette facture a plus de colonnes que l'en-tête (colonnes en trop ignorées) ; "
        "vérifiez les séparateurs et les guillemets.",
        "A line of this invoice has more columns than the header (extra columns ignored); check the "
        "separators and quotes.",
    ),
    "FIELD_MISSING": (
        "error",
        "Le champ obligatoire « {label} » est vide.",
        "The required field '{label}' is empty.",
    ),
    "FIELD_FORMAT": (
        "error",
        "Le champ « {label} » contient une valeur illisible : « {value} » ({expected}).",
        "The field '{label}' holds an unreadable value: '{value}' ({expected}).",
    ),
    "FIELD_TOO_LONG": (
        "error",
        "Le champ « {label} » est trop long ({length} caractères, maximum {limit}).",
        "The field '{label}' is too long ({length} characters, at most {limit}).",
    ),
    "INVOICE_NUMBER_FORMAT": (
        "error",
        "Le numéro de facture « {value} » n'est pas accepté par Chorus Pro : 20 caractères au plus, "
        "lettres sans accent, chiffres et - _ / + uniquement, sans espace.",
        "Invoice number '{value}' is not accepted by Chorus Pro: at most 20 characters, unaccented "
        "letters, digits and - _ / + only, no spaces.",
    ),
    "INVOICE_TYPE_INVALID": (
        "error",
        "Type de facture « {value} » inconnu : utilisez FACTURE ou AVOIR.",
        "Unknown invoice type '{value}': use FACTURE or AVOIR.",
    ),
    "HEADER_CONFLICT": (
        "error",
        "Les lignes de la facture ne sont pas d'accord sur « {label} » ({values}) ; "
        "chaque ligne doit répéter le même en-tête.",
        "The lines of this invoice disagree on '{label}' ({values}); every line must repeat the same header.",
    ),
    "SIRET_INVALID": (
        "error",
        "Le SIRET « {value} » est invalide (14 chiffres avec une clé de contrôle correcte).",
        "SIRET '{value}' is invalid (14 digits with a correct check key).",
    ),
    "IBAN_INVALID": (
        "error",
        "L'IBAN « {value} » est invalide (clé de contrôle ou longueur incorrecte).",
        "IBAN '{value}' is invalid (wrong check digits or length).",
    ),
    "DATE_ORDER": (
        "error",
        "La date d'échéance ({due}) est antérieure à la date de facture ({issue}).",
        "The due date ({due}) is before the invoice date ({issue}).",
    ),
    "VAT_RATE_INVALID": (
        "error",
        "Le taux de TVA {value} % n'est pas un taux français en vigueur ({allowed}).",
        "VAT rate {value}% is not a French rate in force ({allowed}).",
    ),
    "AMOUNT_MISMATCH": (
        "error",
        "Le montant « {label} » de l'export ({given}) ne correspond pas au montant recalculé ({computed}).",
        "The amount '{label}' in the export ({given}) does not match the recomputed amount ({computed}).",
    ),
    "AMOUNT_SIGN": (
        "error",
        "Montant négatif dans « {label} » ({value}) : un avoir se déclare en type AVOIR avec des "
        "montants positifs.",
        "Negative amount in '{label}' ({value}): a credit note is an AVOIR with positive amounts.",
    ),
    "CREDIT_NOTE_ORIGIN_MISSING": (
        "error",
        "Cet avoir n'indique pas le numéro de la facture d'origine.",
        "This credit note does not give the number of the original invoice.",
    ),
    "CURRENCY_INVALID": (
        "error",
        "La devise « {value} » n'est pas prise en charge : les factures aux acheteurs publics sont en EUR.",
        "Currency '{value}' is not supported: invoices to public buyers are in EUR.",
    ),
    "BILLING_FRAMEWORK_INVALID": (
        "error",
        "Cadre de facturation « {value} » non pris en charge (A1, A2, A9 ou A12).",
        "Billing framework '{value}' is not supported (A1, A2, A9 or A12).",
    ),
    "PAYMENT_MEANS_INVALID": (
        "error",
        "Mode de paiement « {value} » inconnu (VIREMENT, CHEQUE, PRELEVEMENT, ESPECE, AUTRE, REPORT).",
        "Unknown payment means '{value}' (VIREMENT, CHEQUE, PRELEVEMENT, ESPECE, AUTRE, REPORT).",
    ),
    "ATTACHMENT_NOT_FOUND": (
        "error",
        "La pièce jointe « {value} » est introuvable dans le dossier de l'export.",
        "Attachment '{value}' cannot be found in the export's folder.",
    ),
    "ATTACHMENT_OUTSIDE_EXPORT": (
        "error",
        "La pièce jointe « {value} » doit être un chemin relatif à l'intérieur du dossier de l'export.",
        "Attachment '{value}' must be a relative path inside the export's folder.",
    ),
    "ATTACHMENT_TOO_LARGE": (
        "error",
        "La pièce jointe « {value} » dépasse 10 Mo, la limite de Chorus Pro.",
        "Attachment '{value}' is larger than 10 MB, the Chorus Pro limit.",
    ),
    "ATTACHMENT_NOT_PDF": (
        "error",
        "La pièce jointe « {value} » n'est pas un fichier PDF.",
        "Attachment '{value}' is not a PDF file.",
    ),
    "INVOICE_DATE_FUTURE": (
        "error",
        "La date de facture ({date}) est postérieure à aujourd'hui ({today}) : Chorus Pro refuse une "
        "facture datée après son dépôt. Corrigez la date, ou déposez la facture à partir de ce jour-là.",
        "The invoice date ({date}) is after today ({today}): Chorus Pro refuses an invoice dated after "
        "its deposit. Correct the date, or deposit the invoice from that day on.",
    ),
    "VALIDATOR_REQUIRED": (
        "error",
        "Le cadre de facturation {framework} (sous-traitance ou cotraitance) exige le SIRET du valideur, "
        "l'entreprise titulaire du marché qui valide la facture ; renseignez la colonne SIRET du valideur.",
        "Billing framework {framework} (subcontractor or co-contractor) requires the validator's SIRET, "
        "the main contractor who approves the invoice; fill in the validator SIRET column.",
    ),
    "VAT_EXEMPTION_REASON_MISSING": (
        "error",
        "Cette facture a une ligne à TVA 0 % mais n'indique pas le motif d'exonération (par exemple "
        "« TVA non applicable, art. 293 B du CGI » ou « Autoliquidation ») ; renseignez le motif "
        "d'exonération de TVA.",
        "This invoice has a 0% VAT line but gives no exemption reason (for example 'TVA non applicable, "
        "art. 293 B du CGI' or 'Autoliquidation'); fill in the VAT exemption reason.",
    ),
    "ENGAGEMENT_FORMAT": (
        "error",
        "Le numéro d'engagement « {value} » ne respecte pas la règle de l'acheteur {buyer} : {rule}.",
        "Engagement number '{value}' does not follow buyer {buyer}'s rule: {rule}.",
    ),
    # Directory rules (the buyer's Chorus Pro structure).
    "BUYER_UNKNOWN": (
        "error",
        "Aucune structure publique avec le SIRET {siret} dans l'annuaire Chorus Pro.",
        "No public structure with SIRET {siret} in the Chorus Pro directory.",
    ),
    "BUYER_INACTIVE": (
        "error",
        "La structure {siret} ({name}) est inactive dans Chorus Pro : elle ne reçoit plus de factures.",
        "Structure {siret} ({name}) is inactive in Chorus Pro: it no longer receives invoices.",
    ),
    "SERVICE_CODE_REQUIRED": (
        "error",
        "L'acheteur {name} exige un code service ; renseignez la colonne code service.",
        "Buyer {name} requires a service code; fill in the service code column.",
    ),
    "SERVICE_CODE_UNKNOWN": (
        "error",
        "Le code service « {value} » n'est pas un service actif de l'acheteur {name}.",
        "Service code '{value}' is not an active service of buyer {name}.",
    ),
    "ENGAGEMENT_REQUIRED": (
        "error",
        "L'acheteur {name} exige un numéro d'engagement (bon de commande) pour {scope}.",
        "Buyer {name} requires an engagement (purchase order) number for {scope}.",
    ),
    "SERVICE_OR_ENGAGEMENT_REQUIRED": (
        "error",
        "L'acheteur {name} exige au moins un code service ou un numéro d'engagement.",
        "Buyer {name} requires at least a service code or an engagement number.",
    ),
    "DIRECTORY_UNAVAILABLE": (
        "error",
        "L'annuaire Chorus Pro n'a pas pu être consulté pour le SIRET {siret} ({detail}) ; réessayez "
        "plus tard.",
        "The Chorus Pro directory could not be reached for SIRET {siret} ({detail}); try again later.",
    ),
    # Checked when the invoice is deposited (the supplier's bank details on Chorus Pro).
    "BANK_ACCOUNT_UNKNOWN": (
        "error",
        "L'IBAN {iban} du fournisseur ne figure pas parmi les coordonnées bancaires enregistrées sur "
        "Chorus Pro ; ajoutez-le sur le portail ou corrigez supplier.yaml.",
        "The supplier's IBAN {iban} is not among the bank details registered on Chorus Pro; add it on "
        "the portal or correct supplier.yaml.",
    ),
    # The 2026 reform's mentions (REFORM_CODES): errors here, warnings before the supplier's date.
    "OPERATION_NATURE_MISSING": (
        "error",
        "La nature de l'opération (biens, services ou mixte) n'est pas indiquée : c'est une mention "
        "obligatoire de la réforme de la facturation électronique, à partir du {since} pour ce fournisseur.",
        "The nature of the operation (goods, services or mixed) is not given: it is a mandatory mention "
        "of the e-invoicing reform, from {since} for this supplier.",
    ),
    "DELIVERY_ADDRESS_INVALID": (
        "error",
        "L'adresse de livraison « {value} » n'est pas une adresse postale utilisable : il faut une ligne "
        "de rue, puis le code postal à 5 chiffres suivi de la ville (mention obligatoire de la réforme de "
        "la facturation électronique, à partir du {since} pour ce fournisseur).",
        "Delivery address '{value}' is not a usable postal address: it needs a street line, then the "
        "5-digit postal code followed by the city (a mandatory mention of the e-invoicing reform, from "
        "{since} for this supplier).",
    ),
    # Warnings: never blocking.
    "DELIVERY_DATE_MISSING": (
        "warning",
        "Date de livraison ou d'exécution absente : la date de facture sera considérée comme telle.",
        "No delivery or service date: the invoice date is taken as such.",
    ),
    "PAYMENT_TERMS_LONG": (
        "warning",
        "Échéance à {days} jours de la date de facture : au-delà du délai légal (60 jours, 30 pour l'État).",
        "Due date {days} days after the invoice date: beyond the legal term (60 days, 30 for the State).",
    ),
    "CREDIT_NOTE_PAYMENT_MEANS": (
        "warning",
        "Un avoir ne porte pas de mode de paiement dans Chorus Pro : « {value} » est ignoré.",
        "A credit note carries no payment means in Chorus Pro: '{value}' is ignored.",
    ),
    "INVOICE_NUMBER_DATE_LIKE": (
        "warning",
        "Le numéro de facture « {value} » n'est qu'une date : la loi demande un numéro unique pris dans "
        "une séquence chronologique et continue (par exemple F2026-0001) ; deux factures du même jour "
        "auraient le même numéro.",
        "Invoice number '{value}' is only a date: the law asks for a unique number from a chronological, "
        "continuous sequence (for example F2026-0001); two invoices of the same day would share it.",
    ),
    # Factur-X conformance (chorusflow.facturx, docs/facturx.md): one file checked before its deposit.
    "FACTURX_XSD": (
        "error",
        "Le fichier Factur-X n'est pas conforme au schéma XSD du profil {level} (ligne {line}, élément "
        "{element}) : {detail}",
        "The Factur-X file does not match the XSD of profile {level} (line {line}, element {element}): "
        "{detail}",
    ),
    "FACTURX_RULE": (
        "error",
        "Règle {rule} ({stylesheet}) non respectée : {text}",
        "Rule {rule} ({stylesheet}) broken: {text}",
    ),
    "FACTURX_RULE_WARNING": (
        "warning",
        "Règle {rule} ({stylesheet}), avertissement : {text}",
        "Rule {rule} ({stylesheet}), warning: {text}",
    ),
    "FACTURX_PDFA": (
        "error",
        "Le PDF n'est pas un PDF/A-3 Factur-X valable : {detail}",
        "The PDF is not a valid Factur-X PDF/A-3: {detail}",
    ),
    "FACTURX_CHECK_UNAVAILABLE": (
        "error",
        "La conformité Factur-X n'a pas pu être vérifiée ({detail}) : la facture n'est pas déposée "
        "tant que la vérification ne passe pas.",
        "Factur-X conformance could not be checked ({detail}): the invoice is not deposited until the "
        "check runs.",
    ),
    "FACTURX_BUILD_FAILED": (
        "error",
        "Le fichier Factur-X de cette facture n'a pas pu être produit : {detail}",
        "The Factur-X file of this invoice could not be built: {detail}",
    ),
}

#: Codes whose severity is decided per run: the 2026 reform's mentions are warnings before the
#: supplier's ``reform_mentions_from`` date and errors from that date. CATALOGUE holds the error;
#: ``finding(..., severity="warning")`` gives the warning.
REFORM_CODES: frozenset[str] = frozenset({"OPERATION_NATURE_MISSING", "DELIVERY_ADDRESS_INVALID"})

# Labels of fields in messages, per language.
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "invoice_number": ("numéro de facture", "invoice number"),
    "invoice_type": ("type de facture", "invoice type"),
    "issue_date": ("date de facture", "invoice date"),
    "due_date": ("date d'échéance", "due date"),
    "delivery_date": ("date de livraison", "delivery date"),
    "currency": ("devise", "currency"),
    "buyer_siret": ("SIRET du client", "buyer SIRET"),
    "buyer_name": ("nom du client", "buyer name"),
    "buyer_address": ("adresse du client", "buyer address"),
    "delivery_address": ("adresse de livraison", "delivery address"),
    "operation_nature": ("nature de l'opération", "nature of the operation"),
    "validator_siret": ("SIRET du valideur", "validator SIRET"),
    "vat_exemption_reason": ("motif d'exonération de TVA", "VAT exemption reason"),
    "service_code": ("code service", "service code"),
    "engagement_number": ("numéro d'engagement", "engagement number"),
    "market_number": ("numéro de marché", "contract number"),
    "billing_framework": ("cadre de facturation", "billing framework"),
    "payment_means": ("mode de paiement", "payment means"),
    "supplier_iban": ("IBAN du fournisseur", "supplier IBAN"),
    "original_invoice_number": ("facture d'origine", "original invoice"),
    "line_description": ("désignation", "line description"),
    "quantity": ("quantité", "quantity"),
    "unit_price": ("prix unitaire HT", "unit price"),
    "vat_rate": ("taux de TVA", "VAT rate"),
    "line_unit": ("unité", "unit"),
    "line_discount": ("remise", "discount"),
    "line_net_amount": ("montant HT de la ligne", "line net amount"),
    "total_ht": ("total HT", "total excl. VAT"),
    "total_vat": ("total TVA", "total VAT"),
    "total_ttc": ("total TTC", "total incl. VAT"),
    "attachment": ("pièce jointe", "attachment"),
    "attachment_name": ("nom du fichier de la pièce jointe", "attachment file name"),
    "comment": ("commentaire", "comment"),
}

# Reasons a file is unreadable (the ``detail`` of EXPORT_UNREADABLE), per language.
UNREADABLE_DETAILS: dict[str, tuple[str, str]] = {
    "missing": ("le fichier est introuvable", "the file does not exist"),
    "binary": ("contenu binaire, ce n'est pas un fichier texte (PDF, image, classeur Excel ?)",
               "binary content, not a text file (a PDF, an image, an Excel workbook?)"),
    "encoding": ("encodage des caractères inconnu", "unknown character encoding"),
    "structure": ("lignes mal formées (guillemet non refermé ?)", "malformed lines (an unclosed quote?)"),
}  # fmt: skip

EXPECTED_FORMATS: dict[str, tuple[str, str]] = {
    "date": ("date attendue au format AAAA-MM-JJ ou JJ/MM/AAAA", "date expected as YYYY-MM-DD or DD/MM/YYYY"),
    "number": ("nombre attendu, par exemple 1 234,56", "number expected, for example 1234.56"),
    "operation_nature": (
        "biens, services ou mixte attendu",
        "goods, services or mixed expected",
    ),
}


def resolve_language(lang: str | None) -> str:
    """The message language: the explicit ``lang`` when given, else ``CHORUSFLOW_LANG``."""
    if lang:
        return "en" if lang.strip().lower().startswith("en") else "fr"
    return language()


def field_label(field: str, lang: str) -> str:
    """Human label of a canonical field in ``lang``."""
    labels = FIELD_LABELS.get(field)
    if labels is None:
        return field
    return labels[1] if lang == "en" else labels[0]


def format_amount(value: Decimal, lang: str) -> str:
    """An amount as an accountant reads it: ``1708,00`` in French, ``1708.00`` in English."""
    text = format(value, "f")
    return text if lang == "en" else text.replace(".", ",")


def render(code: str, lang: str, **params: object) -> str:
    """The message of ``code`` in ``lang`` with its parameters filled in."""
    _, french, english = CATALOGUE[code]
    template = english if lang == "en" else french
    try:
        return template.format(**params)
    except (KeyError, IndexError):  # a missing parameter must not hide the finding itself
        return template


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
        severity = CATALOGUE[code][0]
    elif severity != CATALOGUE[code][0] and code not in REFORM_CODES:
        raise ValueError(f"{code} is always a {CATALOGUE[code][0]}, never a {severity}")
    given_label = params.pop("label", None)
    label = str(given_label) if given_label is not None else field_label(field, lang) if field else ""
    shown = {
        name: format_amount(value, lang) if isinstance(value, Decimal) else value
        for name, value in params.items()
    }
    if code == "EXPORT_UNREADABLE":
        reason = UNREADABLE_DETAILS.get(str(shown.get("detail")))
        if reason is not None:
            shown["detail"] = reason[1] if lang == "en" else reason[0]
        technical = shown.pop("technical", None)
        if technical:
            shown["detail"] = f"{shown['detail']} ({technical})"
    message = render(code, lang, label=label, **shown)
    return Finding.model_construct(code=code, field=field, message=message, severity=severity)
