"""The rule codes' messages (``rule.<CODE>``, its severity in :mod:`chorusflow.rules.codes`), the field
labels and the other words of the findings."""

from __future__ import annotations

from chorusflow.messages.catalogue import Message

MESSAGES: dict[str, Message] = {
    # File level: nothing can be read as invoices.
    "rule.EXPORT_UNREADABLE": Message(
        fr="Le fichier d'export ne peut pas être lu comme un tableau CSV : {detail}",
        en="The export file cannot be read as a CSV table: {detail}",
    ),
    "rule.EXPORT_EMPTY": Message(
        fr="Le fichier d'export ne contient aucune facture.",
        en="The export file contains no invoice.",
    ),
    "rule.EXPORT_MISSING_COLUMN": Message(
        fr="Colonne obligatoire absente de l'export : {column}.",
        en="Required column missing from the export: {column}.",
    ),
    "rule.EXPORT_DUPLICATE_COLUMN": Message(
        fr="La colonne {column} apparaît plusieurs fois dans l'export ; gardez-en une seule.",
        en="Column {column} appears several times in the export; keep only one.",
    ),
    "rule.MAPPING_INVALID": Message(
        fr="Le fichier de correspondance des colonnes {file} est invalide : {detail}",
        en="The column mapping file {file} is invalid: {detail}",
    ),
    "rule.BUYER_PROFILE_INVALID": Message(
        fr="Le profil acheteur {file} est invalide : {detail}",
        en="The buyer profile {file} is invalid: {detail}",
    ),
    # Routing to a supplier.
    "rule.SUPPLIER_UNKNOWN": Message(
        fr=(
            "Le fournisseur « {value} » n'est pas configuré dans chorusflow : {count} facture(s) "
            "refusée(s) sans enregistrement ({invoices}). Ajoutez ce fournisseur (include/config/suppliers/) "
            "ou corrigez la colonne fournisseur ; l'export reste dans la boîte de dépôt."
        ),
        en=(
            "Supplier '{value}' is not configured in chorusflow: {count} invoice(s) refused and not "
            "recorded ({invoices}). Add this supplier (include/config/suppliers/) or correct the "
            "supplier column; the export stays in the inbox."
        ),
    ),
    "rule.SUPPLIER_MISSING": Message(
        fr=(
            "{count} facture(s) ne disent pas de quel fournisseur elles sont ({invoices}) et aucun "
            "fournisseur n'est celui par défaut : renseignez la colonne fournisseur (supplier_id) ou "
            "déposez l'export dans le dossier du fournisseur."
        ),
        en=(
            "{count} invoice(s) do not say which supplier issued them ({invoices}) and no supplier is "
            "the default: fill in the supplier column (supplier_id) or drop the export in the "
            "supplier's folder."
        ),
    ),
    "rule.SUPPLIER_CONFLICT": Message(
        fr=(
            "{count} facture(s) de l'export déposé dans le dossier du fournisseur « {folder} » "
            "nomment un autre fournisseur, « {value} » ({invoices}) : elles sont refusées sans "
            "enregistrement ; déposez-les dans le bon dossier."
        ),
        en=(
            "{count} invoice(s) of the export dropped in supplier '{folder}''s folder name another "
            "supplier, '{value}' ({invoices}): they are refused and not recorded; drop them in the "
            "right folder."
        ),
    ),
    # Invoice level.
    "rule.ROW_MALFORMED": Message(
        fr=(
            "Une ligne de cette facture a plus de colonnes que l'en-tête (colonnes en trop ignorées) ; "
            "vérifiez les séparateurs et les guillemets."
        ),
        en=(
            "A line of this invoice has more columns than the header (extra columns ignored); check "
            "the separators and quotes."
        ),
    ),
    "rule.FIELD_MISSING": Message(
        fr="Le champ obligatoire « {label} » est vide.",
        en="The required field '{label}' is empty.",
    ),
    "rule.FIELD_FORMAT": Message(
        fr="Le champ « {label} » contient une valeur illisible : « {value} » ({expected}).",
        en="The field '{label}' holds an unreadable value: '{value}' ({expected}).",
    ),
    "rule.FIELD_TOO_LONG": Message(
        fr="Le champ « {label} » est trop long ({length} caractères, maximum {limit}).",
        en="The field '{label}' is too long ({length} characters, at most {limit}).",
    ),
    "rule.INVOICE_NUMBER_FORMAT": Message(
        fr=(
            "Le numéro de facture « {value} » n'est pas accepté par Chorus Pro : 20 caractères au "
            "plus, lettres sans accent, chiffres et - _ / + uniquement, sans espace."
        ),
        en=(
            "Invoice number '{value}' is not accepted by Chorus Pro: at most 20 characters, unaccented "
            "letters, digits and - _ / + only, no spaces."
        ),
    ),
    "rule.INVOICE_TYPE_INVALID": Message(
        fr="Type de facture « {value} » inconnu : utilisez FACTURE ou AVOIR.",
        en="Unknown invoice type '{value}': use FACTURE or AVOIR.",
    ),
    "rule.HEADER_CONFLICT": Message(
        fr=(
            "Les lignes de la facture ne sont pas d'accord sur « {label} » ({values}) ; chaque ligne "
            "doit répéter le même en-tête."
        ),
        en=(
            "The lines of this invoice disagree on '{label}' ({values}); every line must repeat the "
            "same header."
        ),
    ),
    "rule.SIRET_INVALID": Message(
        fr="Le SIRET « {value} » est invalide (14 chiffres avec une clé de contrôle correcte).",
        en="SIRET '{value}' is invalid (14 digits with a correct check key).",
    ),
    "rule.IBAN_INVALID": Message(
        fr="L'IBAN « {value} » est invalide (clé de contrôle ou longueur incorrecte).",
        en="IBAN '{value}' is invalid (wrong check digits or length).",
    ),
    "rule.DATE_ORDER": Message(
        fr="La date d'échéance ({due}) est antérieure à la date de facture ({issue}).",
        en="The due date ({due}) is before the invoice date ({issue}).",
    ),
    "rule.VAT_RATE_INVALID": Message(
        fr="Le taux de TVA {value} % n'est pas un taux français en vigueur ({allowed}).",
        en="VAT rate {value}% is not a French rate in force ({allowed}).",
    ),
    "rule.AMOUNT_MISMATCH": Message(
        fr=(
            "Le montant « {label} » de l'export ({given}) ne correspond pas au montant recalculé "
            "({computed})."
        ),
        en="The amount '{label}' in the export ({given}) does not match the recomputed amount ({computed}).",
    ),
    "rule.AMOUNT_SIGN": Message(
        fr=(
            "Montant négatif dans « {label} » ({value}) : un avoir se déclare en type AVOIR avec des "
            "montants positifs."
        ),
        en="Negative amount in '{label}' ({value}): a credit note is an AVOIR with positive amounts.",
    ),
    "rule.CREDIT_NOTE_ORIGIN_MISSING": Message(
        fr="Cet avoir n'indique pas le numéro de la facture d'origine.",
        en="This credit note does not give the number of the original invoice.",
    ),
    "rule.CURRENCY_INVALID": Message(
        fr=(
            "La devise « {value} » n'est pas un code ISO 4217 (EUR, CHF, USD…) : Chorus Pro ne "
            "l'accepterait pas (deviseFacture)."
        ),
        en=(
            "Currency '{value}' is not an ISO 4217 code (EUR, CHF, USD…): Chorus Pro would refuse it "
            "(deviseFacture)."
        ),
    ),
    "rule.CURRENCY_NOT_ACCEPTED": Message(
        fr=(
            "Cet acheteur n'accepte que les factures en {accepted} (son profil) ; la devise « {value} » "
            "est refusée."
        ),
        en="This buyer only accepts invoices in {accepted} (its profile); currency '{value}' is refused.",
    ),
    "rule.CURRENCY_VAT_IN_EUR_MISSING": Message(
        fr=(
            "Facture en {value} avec de la TVA française : le montant de la TVA doit aussi être donné en "
            "euros (CGI art. 289 IV) ; renseignez « {label} »."
        ),
        en=(
            "Invoice in {value} charging French VAT: the VAT must also be stated in euros (CGI art. 289 "
            "IV); fill in '{label}'."
        ),
    ),
    "rule.SUPPLIER_IDENTIFIER_INVALID": Message(
        fr=(
            "L'identifiant « {value} » du fournisseur n'est pas un identifiant {kind} valide : Chorus Pro "
            "ne reconnaîtrait pas la structure ; corrigez la configuration du fournisseur."
        ),
        en=(
            "The supplier's identifier '{value}' is not a valid {kind} identifier: Chorus Pro would not "
            "recognise the structure; correct the supplier's configuration."
        ),
    ),
    "rule.VAT_TREATMENT_INVALID": Message(
        fr=(
            "Régime de TVA « {value} » inconnu : utilisez standard, reverse_charge (autoliquidation), "
            "intra_eu_goods (livraison intracommunautaire), export ou import."
        ),
        en=(
            "Unknown VAT treatment '{value}': use standard, reverse_charge, intra_eu_goods, export or import."
        ),
    ),
    "rule.VAT_TREATMENT_NOT_APPLICABLE": Message(
        fr="Le régime de TVA « {value} » ne s'applique pas ici : {reason}.",
        en="VAT treatment '{value}' does not apply here: {reason}.",
    ),
    "rule.VAT_TREATMENT_RATE": Message(
        fr=(
            "Avec le régime « {value} », aucune TVA française n'est facturée : toutes les lignes doivent "
            "être à 0 %."
        ),
        en="Under treatment '{value}' no French VAT is charged: every line must be at 0 %.",
    ),
    "rule.VAT_NUMBER_MISSING": Message(
        fr=(
            "« {label} » manque : la mention d'autoliquidation ou de livraison intracommunautaire "
            "porte les numéros de TVA des deux parties (CGI ann. II art. 242 nonies A 3° et 4°)."
        ),
        en=(
            "'{label}' is missing: a reverse-charge or intra-EU supply invoice carries both parties' VAT "
            "numbers (CGI ann. II art. 242 nonies A 3° and 4°)."
        ),
    ),
    "rule.VAT_NUMBER_INVALID": Message(
        fr="« {label} » : « {value} » n'est pas un numéro de TVA intracommunautaire valide.",
        en="'{label}': '{value}' is not a valid EU VAT number.",
    ),
    "rule.FRENCH_VAT_BY_FOREIGN_SUPPLIER": Message(
        fr=(
            "Un fournisseur établi hors de France facture de la TVA française : c'est juste s'il est "
            "identifié à la TVA en France ; sinon, c'est l'acheteur qui l'autoliquide (vat_treatment = "
            "reverse_charge, CGI art. 283-2)."
        ),
        en=(
            "A supplier established outside France charges French VAT: right only if it is registered "
            "for VAT in France; otherwise the buyer accounts for it (vat_treatment = reverse_charge, CGI "
            "art. 283-2)."
        ),
    ),
    "rule.BILLING_FRAMEWORK_INVALID": Message(
        fr="Cadre de facturation « {value} » non pris en charge (A1, A2, A9 ou A12).",
        en="Billing framework '{value}' is not supported (A1, A2, A9 or A12).",
    ),
    "rule.PAYMENT_MEANS_INVALID": Message(
        fr="Mode de paiement « {value} » inconnu (VIREMENT, CHEQUE, PRELEVEMENT, ESPECE, AUTRE, REPORT).",
        en="Unknown payment means '{value}' (VIREMENT, CHEQUE, PRELEVEMENT, ESPECE, AUTRE, REPORT).",
    ),
    "rule.ATTACHMENT_NOT_FOUND": Message(
        fr="La pièce jointe « {value} » est introuvable dans le dossier de l'export.",
        en="Attachment '{value}' cannot be found in the export's folder.",
    ),
    "rule.ATTACHMENT_OUTSIDE_EXPORT": Message(
        fr="La pièce jointe « {value} » doit être un chemin relatif à l'intérieur du dossier de l'export.",
        en="Attachment '{value}' must be a relative path inside the export's folder.",
    ),
    "rule.ATTACHMENT_TOO_LARGE": Message(
        fr="La pièce jointe « {value} » dépasse 10 Mo, la limite de Chorus Pro.",
        en="Attachment '{value}' is larger than 10 MB, the Chorus Pro limit.",
    ),
    "rule.ATTACHMENT_NOT_PDF": Message(
        fr="La pièce jointe « {value} » n'est pas un fichier PDF.",
        en="Attachment '{value}' is not a PDF file.",
    ),
    "rule.INVOICE_DATE_FUTURE": Message(
        fr=(
            "La date de facture ({date}) est postérieure à aujourd'hui ({today}) : Chorus Pro refuse "
            "une facture datée après son dépôt. Corrigez la date, ou déposez la facture à partir de ce "
            "jour-là."
        ),
        en=(
            "The invoice date ({date}) is after today ({today}): Chorus Pro refuses an invoice dated "
            "after its deposit. Correct the date, or deposit the invoice from that day on."
        ),
    ),
    "rule.VALIDATOR_REQUIRED": Message(
        fr=(
            "Le cadre de facturation {framework} (sous-traitance ou cotraitance) exige le SIRET du "
            "valideur, l'entreprise titulaire du marché qui valide la facture ; renseignez la colonne "
            "SIRET du valideur."
        ),
        en=(
            "Billing framework {framework} (subcontractor or co-contractor) requires the validator's "
            "SIRET, the main contractor who approves the invoice; fill in the validator SIRET column."
        ),
    ),
    "rule.VAT_EXEMPTION_REASON_MISSING": Message(
        fr=(
            "Cette facture a une ligne à TVA 0 % mais n'indique pas le motif d'exonération (par "
            "exemple « TVA non applicable, art. 293 B du CGI » ou « Autoliquidation ») ; renseignez le "
            "motif d'exonération de TVA."
        ),
        en=(
            "This invoice has a 0% VAT line but gives no exemption reason (for example 'TVA non "
            "applicable, art. 293 B du CGI' or 'Autoliquidation'); fill in the VAT exemption reason."
        ),
    ),
    "rule.ENGAGEMENT_FORMAT": Message(
        fr="Le numéro d'engagement « {value} » ne respecte pas la règle de l'acheteur {buyer} : {rule}.",
        en="Engagement number '{value}' does not follow buyer {buyer}'s rule: {rule}.",
    ),
    # Directory rules (the buyer's Chorus Pro structure).
    "rule.BUYER_UNKNOWN": Message(
        fr="Aucune structure publique avec le SIRET {siret} dans l'annuaire Chorus Pro.",
        en="No public structure with SIRET {siret} in the Chorus Pro directory.",
    ),
    "rule.BUYER_INACTIVE": Message(
        fr="La structure {siret} ({name}) est inactive dans Chorus Pro : elle ne reçoit plus de factures.",
        en="Structure {siret} ({name}) is inactive in Chorus Pro: it no longer receives invoices.",
    ),
    "rule.SERVICE_CODE_REQUIRED": Message(
        fr="L'acheteur {name} exige un code service ; renseignez la colonne code service.",
        en="Buyer {name} requires a service code; fill in the service code column.",
    ),
    "rule.SERVICE_CODE_UNKNOWN": Message(
        fr="Le code service « {value} » n'est pas un service actif de l'acheteur {name}.",
        en="Service code '{value}' is not an active service of buyer {name}.",
    ),
    "rule.ENGAGEMENT_REQUIRED": Message(
        fr="L'acheteur {name} exige un numéro d'engagement (bon de commande) pour {scope}.",
        en="Buyer {name} requires an engagement (purchase order) number for {scope}.",
    ),
    "rule.SERVICE_OR_ENGAGEMENT_REQUIRED": Message(
        fr="L'acheteur {name} exige au moins un code service ou un numéro d'engagement.",
        en="Buyer {name} requires at least a service code or an engagement number.",
    ),
    "rule.DIRECTORY_UNAVAILABLE": Message(
        fr=(
            "L'annuaire Chorus Pro n'a pas pu être consulté pour le SIRET {siret} ({detail}) ; "
            "réessayez plus tard."
        ),
        en="The Chorus Pro directory could not be reached for SIRET {siret} ({detail}); try again later.",
    ),
    # Checked when the invoice is deposited (the supplier's bank details on Chorus Pro).
    "rule.BANK_ACCOUNT_UNKNOWN": Message(
        fr=(
            "L'IBAN {iban} du fournisseur ne figure pas parmi les coordonnées bancaires enregistrées "
            "sur Chorus Pro ; ajoutez-le sur le portail ou corrigez supplier.yaml."
        ),
        en=(
            "The supplier's IBAN {iban} is not among the bank details registered on Chorus Pro; add it "
            "on the portal or correct supplier.yaml."
        ),
    ),
    # The 2026 reform's mentions (REFORM_CODES): errors here, warnings before the supplier's date.
    "rule.OPERATION_NATURE_MISSING": Message(
        fr=(
            "La nature de l'opération (biens, services ou mixte) n'est pas indiquée : c'est une "
            "mention obligatoire de la réforme de la facturation électronique, à partir du {since} "
            "pour ce fournisseur."
        ),
        en=(
            "The nature of the operation (goods, services or mixed) is not given: it is a mandatory "
            "mention of the e-invoicing reform, from {since} for this supplier."
        ),
    ),
    "rule.DELIVERY_ADDRESS_INVALID": Message(
        fr=(
            "L'adresse de livraison « {value} » n'est pas une adresse postale utilisable : il faut une "
            "ligne de rue, puis le code postal à 5 chiffres suivi de la ville (mention obligatoire de "
            "la réforme de la facturation électronique, à partir du {since} pour ce fournisseur)."
        ),
        en=(
            "Delivery address '{value}' is not a usable postal address: it needs a street line, then "
            "the 5-digit postal code followed by the city (a mandatory mention of the e-invoicing "
            "reform, from {since} for this supplier)."
        ),
    ),
    # Warnings: never blocking.
    "rule.DELIVERY_DATE_MISSING": Message(
        fr="Date de livraison ou d'exécution absente : la date de facture sera considérée comme telle.",
        en="No delivery or service date: the invoice date is taken as such.",
    ),
    "rule.PAYMENT_TERMS_LONG": Message(
        fr=(
            "Échéance à {days} jours de la date de facture : au-delà du délai légal (60 jours, 30 pour "
            "l'État)."
        ),
        en="Due date {days} days after the invoice date: beyond the legal term (60 days, 30 for the State).",
    ),
    "rule.CREDIT_NOTE_PAYMENT_MEANS": Message(
        fr="Un avoir ne porte pas de mode de paiement dans Chorus Pro : « {value} » est ignoré.",
        en="A credit note carries no payment means in Chorus Pro: '{value}' is ignored.",
    ),
    "rule.INVOICE_NUMBER_DATE_LIKE": Message(
        fr=(
            "Le numéro de facture « {value} » n'est qu'une date : la loi demande un numéro unique pris "
            "dans une séquence chronologique et continue (par exemple F2026-0001) ; deux factures du "
            "même jour auraient le même numéro."
        ),
        en=(
            "Invoice number '{value}' is only a date: the law asks for a unique number from a "
            "chronological, continuous sequence (for example F2026-0001); two invoices of the same day "
            "would share it."
        ),
    ),
    # Factur-X conformance (chorusflow.facturx, docs/facturx.md).
    "rule.FACTURX_XSD": Message(
        fr=(
            "Le fichier Factur-X n'est pas conforme au schéma XSD du profil {level} (ligne {line}, "
            "élément {element}) : {detail}"
        ),
        en=(
            "The Factur-X file does not match the XSD of profile {level} (line {line}, element "
            "{element}): {detail}"
        ),
    ),
    "rule.FACTURX_RULE": Message(
        fr="Règle {rule} ({stylesheet}) non respectée : {text}",
        en="Rule {rule} ({stylesheet}) broken: {text}",
    ),
    "rule.FACTURX_RULE_WARNING": Message(
        fr="Règle {rule} ({stylesheet}), avertissement : {text}",
        en="Rule {rule} ({stylesheet}), warning: {text}",
    ),
    "rule.FACTURX_PDFA": Message(
        fr="Le PDF n'est pas un PDF/A-3 Factur-X valable : {detail}",
        en="The PDF is not a valid Factur-X PDF/A-3: {detail}",
    ),
    "rule.FACTURX_CHECK_UNAVAILABLE": Message(
        fr=(
            "La conformité Factur-X n'a pas pu être vérifiée ({detail}) : la facture n'est pas déposée "
            "tant que la vérification ne passe pas."
        ),
        en=(
            "Factur-X conformance could not be checked ({detail}): the invoice is not deposited until "
            "the check runs."
        ),
    ),
    "rule.FACTURX_BUILD_FAILED": Message(
        fr="Le fichier Factur-X de cette facture n'a pas pu être produit : {detail}",
        en="The Factur-X file of this invoice could not be built: {detail}",
    ),
    # Decisions about blocked invoices (chorusflow.resolution, docs/resolution.md).
    "rule.RESOLUTION_INVOICE_UNKNOWN": Message(
        fr="La facture {number} n'est pas dans le registre.",
        en="Invoice {number} is not in the ledger.",
    ),
    "rule.RESOLUTION_NOT_EXPECTED": Message(
        fr="La facture {number} est « {status} » : l'action « {action} » ne s'y applique pas.",
        en="Invoice {number} is '{status}': the action '{action}' does not apply to it.",
    ),
    "rule.RESOLUTION_COMMENT_MISSING": Message(
        fr="Écrivez un commentaire pour l'acheteur : il accompagne la réponse sur Chorus Pro.",
        en="Write a comment for the buyer: it goes with the answer on Chorus Pro.",
    ),
    "rule.RESOLUTION_ATTACHMENT_OUTSIDE_FOLDER": Message(
        fr="Le document « {value} » doit se trouver dans le dossier des pièces jointes ({folder}).",
        en="Document '{value}' must be inside the attachments folder ({folder}).",
    ),
    "rule.RESOLUTION_ATTACHMENT_NOT_FOUND": Message(
        fr="Le document « {value} » est introuvable dans le dossier des pièces jointes ({folder}).",
        en="Document '{value}' cannot be found in the attachments folder ({folder}).",
    ),
    "rule.RESOLUTION_ROUTING_MISSING": Message(
        fr="Indiquez le nouveau code service et/ou le nouveau numéro d'engagement.",
        en="Give the new service code and/or the new engagement number.",
    ),
    "rule.RESOLUTION_NEW_NUMBER_MISSING": Message(
        fr="Indiquez le numéro de la facture rectificative ou de l'avoir qui remplace la facture {number}.",
        en="Give the number of the corrected invoice or credit note that replaces invoice {number}.",
    ),
    "rule.RESOLUTION_SAME_NUMBER": Message(
        fr="Le numéro {value} est celui de la facture rejetée : une facture rectificative ou un avoir porte"
        " un nouveau numéro ; le même numéro n'est jamais redéposé.",
        en="Number {value} is the rejected invoice's: a corrected invoice or a credit note has a new "
        "number; the same number is never deposited again.",
    ),
    "rule.RESOLUTION_CHORUS_ID_MISSING": Message(
        fr="Indiquez l'identifiant Chorus Pro sous lequel se trouve la facture {number}.",
        en="Give the Chorus Pro id under which invoice {number} is found.",
    ),
    "rule.RESOLUTION_ADOPT_MISMATCH": Message(
        fr="Chorus Pro n'a pas la facture {number} sous l'identifiant {chorus_id} : {found}.",
        en="Chorus Pro does not hold invoice {number} under id {chorus_id}: {found}.",
    ),
    "rule.RESOLUTION_OPTION_UNKNOWN": Message(
        fr="Réponse « {value} » inconnue ; choix possibles : {options}.",
        en="Unknown answer '{value}'; the choices are: {options}.",
    ),
    "rule.RESOLUTION_REFUSED_BY_CHORUS_PRO": Message(
        fr="Chorus Pro a refusé l'action « {action} » sur la facture {number} : {detail}",
        en="Chorus Pro refused the action '{action}' on invoice {number}: {detail}",
    ),
    "rule.RESOLUTION_SUPPLIER_UNKNOWN": Message(
        fr="Le fournisseur « {value} » n'est pas configuré dans chorusflow : rien n'est envoyé.",
        en="Supplier '{value}' is not configured in chorusflow: nothing is sent.",
    ),
    "rule.RESOLUTION_SUPPLIER_AMBIGUOUS": Message(
        fr="Plusieurs fournisseurs ont une facture {number} ({suppliers}) : indiquez le fournisseur.",
        en="Several suppliers have an invoice {number} ({suppliers}): name the supplier.",
    ),
    "rule.FACTURX_SUPPLIER_WITHOUT_SIRET": Message(
        fr=(
            "Le canal facturx est demandé (profil du client ou option --facturx), or Chorus Pro y "
            "reconnaît le fournisseur à son SIRET ; un fournisseur identifié en {kind} n'en a pas : la "
            "facture n'est pas déposée. Mettez deposit_channel à pdf ou saisie dans le profil du client."
        ),
        en=(
            "The facturx channel is asked for (by the buyer's profile or the --facturx option), where "
            "Chorus Pro recognises the supplier by its SIRET; a supplier identified as {kind} has none: the "
            "invoice is not deposited. Set deposit_channel to pdf or saisie in the buyer's profile."
        ),
    ),
    # Field labels, the {label} of a finding.
    "rule.field.invoice_number": Message(fr="numéro de facture", en="invoice number"),
    "rule.field.invoice_type": Message(fr="type de facture", en="invoice type"),
    "rule.field.issue_date": Message(fr="date de facture", en="invoice date"),
    "rule.field.due_date": Message(fr="date d'échéance", en="due date"),
    "rule.field.delivery_date": Message(fr="date de livraison", en="delivery date"),
    "rule.field.currency": Message(fr="devise", en="currency"),
    "rule.field.buyer_siret": Message(fr="SIRET du client", en="buyer SIRET"),
    "rule.field.buyer_name": Message(fr="nom du client", en="buyer name"),
    "rule.field.buyer_address": Message(fr="adresse du client", en="buyer address"),
    "rule.field.delivery_address": Message(fr="adresse de livraison", en="delivery address"),
    "rule.field.operation_nature": Message(fr="nature de l'opération", en="nature of the operation"),
    "rule.field.validator_siret": Message(fr="SIRET du valideur", en="validator SIRET"),
    "rule.field.vat_exemption_reason": Message(fr="motif d'exonération de TVA", en="VAT exemption reason"),
    "rule.field.service_code": Message(fr="code service", en="service code"),
    "rule.field.engagement_number": Message(fr="numéro d'engagement", en="engagement number"),
    "rule.field.market_number": Message(fr="numéro de marché", en="contract number"),
    "rule.field.billing_framework": Message(fr="cadre de facturation", en="billing framework"),
    "rule.field.payment_means": Message(fr="mode de paiement", en="payment means"),
    "rule.field.supplier_iban": Message(fr="IBAN du fournisseur", en="supplier IBAN"),
    "rule.field.original_invoice_number": Message(fr="facture d'origine", en="original invoice"),
    "rule.field.line_description": Message(fr="désignation", en="line description"),
    "rule.field.quantity": Message(fr="quantité", en="quantity"),
    "rule.field.unit_price": Message(fr="prix unitaire HT", en="unit price"),
    "rule.field.vat_rate": Message(fr="taux de TVA", en="VAT rate"),
    "rule.field.line_unit": Message(fr="unité", en="unit"),
    "rule.field.line_discount": Message(fr="remise", en="discount"),
    "rule.field.line_net_amount": Message(fr="montant HT de la ligne", en="line net amount"),
    "rule.field.total_ht": Message(fr="total HT", en="total excl. VAT"),
    "rule.field.total_vat": Message(fr="total TVA", en="total VAT"),
    "rule.field.total_ttc": Message(fr="total TTC", en="total incl. VAT"),
    "rule.field.attachment": Message(fr="pièce jointe", en="attachment"),
    "rule.field.attachment_name": Message(fr="nom du fichier de la pièce jointe", en="attachment file name"),
    "rule.field.comment": Message(fr="commentaire", en="comment"),
    "rule.field.supplier": Message(fr="fournisseur", en="supplier"),
    "rule.field.vat_treatment": Message(fr="régime de TVA", en="VAT treatment"),
    "rule.field.buyer_vat_number": Message(fr="n° de TVA de l'acheteur", en="buyer's VAT number"),
    "rule.field.supplier_vat_number": Message(fr="n° de TVA du fournisseur", en="supplier's VAT number"),
    "rule.field.total_vat_eur": Message(fr="TVA en euros", en="VAT in euros"),
    # Why a VAT treatment does not apply: the {reason} of VAT_TREATMENT_NOT_APPLICABLE.
    "rule.reason.established_in_france": Message(
        fr=(
            "le fournisseur est établi en France (l'autoliquidation de l'art. 283-2 vise les "
            "fournisseurs étrangers)"
        ),
        en=(
            "the supplier is established in France (the reverse charge of art. 283-2 is for foreign "
            "suppliers)"
        ),
    ),
    "rule.reason.services_only": Message(
        fr="l'opération est une livraison de biens, pas une prestation de services",
        en="the operation is a supply of goods, not of services",
    ),
    "rule.reason.goods_only": Message(
        fr="l'opération est une prestation de services, pas une livraison de biens",
        en="the operation is a supply of services, not of goods",
    ),
    "rule.reason.other_eu_country_only": Message(
        fr="seul un fournisseur d'un autre pays de l'Union livre des biens en intracommunautaire",
        en="only a supplier from another EU country makes an intra-EU supply of goods",
    ),
    "rule.reason.outside_eu_only": Message(
        fr="le fournisseur est établi dans l'Union : ses biens ne sont pas importés",
        en="the supplier is established in the EU: its goods are not imported",
    ),
    # Why an export is unreadable: the {detail} of EXPORT_UNREADABLE.
    "rule.unreadable.missing": Message(fr="le fichier est introuvable", en="the file does not exist"),
    "rule.unreadable.binary": Message(
        fr="contenu binaire, ce n'est pas un fichier texte (PDF, image, classeur Excel ?)",
        en="binary content, not a text file (a PDF, an image, an Excel workbook?)",
    ),
    "rule.unreadable.encoding": Message(
        fr="encodage des caractères inconnu",
        en="unknown character encoding",
    ),
    "rule.unreadable.structure": Message(
        fr="lignes mal formées (guillemet non refermé ?)",
        en="malformed lines (an unclosed quote?)",
    ),
    # The expected format, in DATE_INVALID, NUMBER_INVALID, OPERATION_NATURE_INVALID.
    "rule.expected.date": Message(
        fr="date attendue au format AAAA-MM-JJ ou JJ/MM/AAAA",
        en="date expected as YYYY-MM-DD or DD/MM/YYYY",
    ),
    "rule.expected.number": Message(
        fr="nombre attendu, par exemple 1 234,56",
        en="number expected, for example 1234.56",
    ),
    "rule.expected.operation_nature": Message(
        fr="biens, services ou mixte attendu",
        en="goods, services or mixed expected",
    ),
    # Logged and printed on stderr when the configuration folder holds no buyer profile at all.
    "rule.buyer_profiles.none_loaded": Message(
        fr=(
            "Aucun profil d'acheteur n'est chargé : le dossier {folder} n'en contient aucun. Les règles "
            "propres à un acheteur (par exemple les 10 chiffres du numéro d'engagement d'IFPEN) ne "
            "s'appliquent pas. Ajoutez-y les profils (ceux d'include/config/buyers par exemple) ou faites "
            "pointer CHORUSFLOW_CONFIG_DIR vers un dossier qui en contient."
        ),
        en=(
            "No buyer profile is loaded: folder {folder} holds none. Rules of a particular buyer (such as "
            "IFPEN's 10-digit engagement numbers) do not apply. Add the profiles there (those of "
            "include/config/buyers, for instance) or point CHORUSFLOW_CONFIG_DIR at a folder that has them."
        ),
    ),
    # The words filled into findings.
    "rule.empty_value": Message(fr="(vide)", en="(empty)"),
    "rule.scope.all_invoices": Message(fr="toutes ses factures", en="all its invoices"),
    "rule.scope.service": Message(fr="le service {code}", en="service {code}"),
}
