"""The invoice PDF's words and legal mentions (``pdf.``). An invoice issued in France is written in
French (loi 94-665): the English render translates the labels but keeps each legal mention's French
wording, followed by an English gloss."""

from __future__ import annotations

from chorusflow.messages.catalogue import Message

MESSAGES: dict[str, Message] = {
    # The words of the invoice PDF; a line break is where a column header breaks.
    "pdf.label.FACTURE": Message(fr="Facture", en="Invoice"),
    "pdf.label.AVOIR": Message(fr="Avoir", en="Credit note"),
    "pdf.label.number": Message(fr="N°", en="No."),
    "pdf.label.issue_date": Message(fr="Date d'émission", en="Issue date"),
    "pdf.label.delivery_date": Message(fr="Date de livraison / d'exécution", en="Delivery / service date"),
    "pdf.label.same_date": Message(
        fr="date de livraison = date de facture",
        en="delivery date = invoice date",
    ),
    "pdf.label.due_date": Message(fr="Date d'échéance", en="Due date"),
    "pdf.label.original_invoice": Message(fr="Facture d'origine", en="Original invoice"),
    "pdf.label.buyer": Message(fr="Client", en="Buyer"),
    "pdf.label.delivery_address": Message(fr="Adresse de livraison", en="Delivery address"),
    "pdf.label.capital": Message(fr="au capital de", en="with a share capital of"),
    "pdf.label.vat_number": Message(fr="N° TVA intracommunautaire", en="VAT number"),
    "pdf.label.references": Message(fr="Références", en="References"),
    "pdf.label.operation_nature": Message(fr="Nature de l'opération", en="Nature of the operation"),
    "pdf.label.engagement_number": Message(
        fr="Numéro d'engagement",
        en="Commitment number (numéro d'engagement)",
    ),
    "pdf.label.service_code": Message(fr="Code service", en="Service code (code service)"),
    "pdf.label.market_number": Message(fr="Numéro de marché", en="Contract number (numéro de marché)"),
    "pdf.label.billing_framework": Message(fr="Cadre de facturation", en="Billing framework"),
    "pdf.label.validator_siret": Message(fr="SIRET du valideur", en="Validator SIRET"),
    "pdf.label.line_number": Message(fr="N°", en="No."),
    "pdf.label.description": Message(fr="Désignation", en="Description"),
    "pdf.label.quantity": Message(fr="Qté", en="Qty"),
    "pdf.label.unit": Message(fr="Unité", en="Unit"),
    "pdf.label.unit_price": Message(fr="Prix unitaire\nHT", en="Unit price\nexcl. VAT"),
    "pdf.label.discount": Message(fr="Remise", en="Discount"),
    "pdf.label.vat_rate": Message(fr="TVA", en="VAT"),
    "pdf.label.net_amount": Message(fr="Montant\nHT", en="Amount\nexcl. VAT"),
    "pdf.label.vat_breakdown": Message(fr="Récapitulatif de la TVA", en="VAT breakdown"),
    "pdf.label.vat_base": Message(fr="Base HT", en="Taxable amount"),
    "pdf.label.vat_amount": Message(fr="Montant TVA", en="VAT amount"),
    "pdf.label.total_ht": Message(fr="Total HT", en="Total excl. VAT"),
    "pdf.label.total_vat": Message(fr="Total TVA", en="Total VAT"),
    "pdf.label.total_ttc": Message(fr="Total TTC", en="Total incl. VAT"),
    "pdf.label.due_FACTURE": Message(fr="Net à payer", en="Amount due"),
    "pdf.label.due_AVOIR": Message(fr="Montant de l'avoir à déduire", en="Credit amount to deduct"),
    "pdf.label.exemption": Message(fr="Exonération", en="VAT exemption"),
    "pdf.label.payment": Message(fr="Conditions de paiement", en="Payment terms"),
    "pdf.label.payment_means": Message(fr="Moyen de paiement", en="Payment means"),
    "pdf.label.comment": Message(fr="Commentaire", en="Comment"),
    "pdf.label.page": Message(fr="Page", en="Page"),
    # Payment means and Chorus Pro billing frameworks, by code.
    "pdf.payment_means.VIREMENT": Message(fr="Virement", en="Bank transfer"),
    "pdf.payment_means.CHEQUE": Message(fr="Chèque", en="Cheque"),
    "pdf.payment_means.PRELEVEMENT": Message(fr="Prélèvement", en="Direct debit"),
    "pdf.payment_means.ESPECE": Message(fr="Espèces", en="Cash"),
    "pdf.payment_means.AUTRE": Message(fr="Autre", en="Other"),
    "pdf.payment_means.REPORT": Message(fr="Report", en="Carried forward"),
    "pdf.billing_framework.A1": Message(fr="facture du fournisseur", en="supplier's invoice"),
    "pdf.billing_framework.A2": Message(fr="facture déjà payée", en="invoice already paid"),
    "pdf.billing_framework.A9": Message(fr="facture d'un sous-traitant", en="subcontractor's invoice"),
    "pdf.billing_framework.A12": Message(fr="facture d'un cotraitant", en="co-contractor's invoice"),
    # Legal mentions: the English render prints the French text, then an English gloss.
    "pdf.mention.operation_nature.goods": Message(
        fr="Livraison de biens",
        en="Livraison de biens (supply of goods)",
    ),
    "pdf.mention.operation_nature.services": Message(
        fr="Prestation de services",
        en="Prestation de services (services)",
    ),
    "pdf.mention.operation_nature.mixed": Message(
        fr="Mixte (biens et services)",
        en="Mixte (biens et services) (mixed: goods and services)",
    ),
    "pdf.mention.late_penalty": Message(
        fr="Pénalités de retard",
        en="Pénalités de retard (late-payment penalties)",
    ),
    "pdf.mention.default_penalty_rate": Message(
        fr=(
            "taux d'intérêt appliqué par la Banque centrale européenne à son opération de "
            "refinancement la plus récente, majoré de 10 points"
        ),
        en=(
            "taux d'intérêt appliqué par la Banque centrale européenne à son opération de "
            "refinancement la plus récente, majoré de 10 points (the European Central Bank's most "
            "recent refinancing rate plus 10 points)"
        ),
    ),
    "pdf.mention.recovery_indemnity": Message(
        fr=(
            "Indemnité forfaitaire pour frais de recouvrement en cas de retard de paiement : 40 € "
            "(art. D441-5 du Code de commerce)"
        ),
        en=(
            "Indemnité forfaitaire pour frais de recouvrement en cas de retard de paiement : 40 € "
            "(art. D441-5 du Code de commerce) (fixed indemnity for recovery costs in case of late "
            "payment)"
        ),
    ),
    "pdf.mention.early_payment": Message(
        fr="Escompte pour paiement anticipé",
        en="Escompte pour paiement anticipé (early-payment discount)",
    ),
    "pdf.mention.no_early_payment_discount": Message(
        fr="Pas d'escompte pour paiement anticipé",
        en="Pas d'escompte pour paiement anticipé (no discount for early payment)",
    ),
    "pdf.mention.debits_option": Message(
        fr="Option pour le paiement de la taxe d'après les débits",
        en="Option pour le paiement de la taxe d'après les débits (the supplier opted to pay VAT on debits)",
    ),
    # Why no French VAT is charged (vat_treatment, chorusflow.rules.checks.crossborder): the legal
    # mention, in French as the law writes it; sent to Chorus Pro as motifExonerationTva.
    "pdf.mention.vat.reverse_charge": Message(
        fr=(
            "Autoliquidation – TVA due par le preneur (art. 283-2 du CGI ; art. 196 de la directive "
            "2006/112/CE)"
        ),
        en=(
            "Autoliquidation – TVA due par le preneur (art. 283-2 du CGI ; art. 196 de la directive "
            "2006/112/CE) (reverse charge: the customer accounts for the VAT)"
        ),
    ),
    "pdf.mention.vat.intra_eu_goods": Message(
        fr=(
            "Exonération de TVA, livraison intracommunautaire (art. 262 ter, I du CGI ; art. 138 de la "
            "directive 2006/112/CE)"
        ),
        en=(
            "Exonération de TVA, livraison intracommunautaire (art. 262 ter, I du CGI ; art. 138 de la "
            "directive 2006/112/CE) (VAT-exempt intra-EU supply of goods)"
        ),
    ),
    "pdf.mention.vat.export": Message(
        fr="Exonération de TVA, exportation (art. 262, I du CGI ; art. 146 de la directive 2006/112/CE)",
        en=(
            "Exonération de TVA, exportation (art. 262, I du CGI ; art. 146 de la directive 2006/112/CE) "
            "(VAT-exempt export of goods)"
        ),
    ),
    "pdf.mention.vat.import": Message(
        fr="TVA non facturée : due à l'importation par le destinataire (art. 291 et 293 A du CGI)",
        en=(
            "TVA non facturée : due à l'importation par le destinataire (art. 291 et 293 A du CGI) "
            "(no VAT invoiced: import VAT is paid at customs)"
        ),
    ),
    "pdf.label.buyer_vat_number": Message(fr="N° TVA du client", en="Buyer's VAT number"),
    "pdf.label.total_vat_eur": Message(fr="TVA en euros", en="VAT in euros"),
    # A no-break space before the colon in French; the document's language tag.
    "pdf.colon": Message(fr="\xa0: ", en=": "),
    "pdf.language_tag": Message(fr="fr-FR", en="en-GB"),
}
