"""Every word the invoice desk shows, in French and English: key -> (fr, en).

What to do about an invoice is not here: it is the alerts' and the run reports' text
(:data:`chorusflow.alerts.render.NEXT_STEP_TEXT`, :data:`chorusflow.alerts.render.FOLLOW_UP_TEXT`),
so a clerk reads the same advice in a mail, a run note and the desk.
"""

from __future__ import annotations

from chorusflow.settings import Language

TEXTS: dict[str, tuple[str, str]] = {
    # Navigation and page titles.
    "desk": ("Bureau des factures", "Invoice desk"),
    "invoices": ("Factures", "Invoices"),
    "to_handle": ("À traiter", "To handle"),
    "invoice": ("Facture", "Invoice"),
    "other_language": ("English", "Français"),
    # Columns.
    "number": ("Numéro", "Number"),
    "buyer": ("Acheteur", "Buyer"),
    "buyer_siret": ("SIRET acheteur", "Buyer SIRET"),
    "currency": ("Devise", "Currency"),
    "amount_ht": ("Montant HT", "Amount excl. VAT"),
    "amount": ("Montant TTC", "Amount incl. VAT"),
    "state": ("État chorusflow", "chorusflow state"),
    "status": ("Statut Chorus Pro", "Chorus Pro status"),
    "status_at": ("Date du statut", "Status date"),
    "age": ("Depuis (jours)", "Age (days)"),
    "due": ("Échéance de paiement", "Payment due"),
    "message": ("Dernière erreur ou commentaire", "Last error or comment"),
    "issue_date": ("Date de facture", "Issue date"),
    "supplier": ("SIRET fournisseur", "Supplier SIRET"),
    "channel": ("Canal de dépôt", "Deposit channel"),
    "cpp_id": ("Identifiant Chorus Pro", "Chorus Pro id"),
    "flux": ("Numéro de flux", "Flux number"),
    "submitted_at": ("Déposée le", "Deposited on"),
    "source_export": ("Export d'origine", "Source export"),
    # Filters.
    "filters": ("Filtres", "Filters"),
    "search_number": ("Numéro contient", "Number contains"),
    "buyer_filter": ("Acheteur (nom ou SIRET)", "Buyer (name or SIRET)"),
    "period_from": ("Date de facture du", "Issue date from"),
    "period_to": ("au", "to"),
    "amount_min": ("Montant TTC min.", "Min. amount incl. VAT"),
    "amount_max": ("max.", "max."),
    "any": ("(tous)", "(any)"),
    "apply": ("Filtrer", "Filter"),
    "reset": ("Effacer les filtres", "Clear filters"),
    "download_csv": ("Télécharger en CSV", "Download as CSV"),
    "results": ("{total} facture(s), page {page} sur {pages}", "{total} invoice(s), page {page} of {pages}"),
    "previous": ("« Précédente", "« Previous"),
    "next": ("Suivante »", "Next »"),
    "no_invoice": ("Aucune facture ne correspond.", "No invoice matches."),
    "bad_filter": ("Filtre ignoré, valeur illisible : {name}", "Filter ignored, unreadable value: {name}"),
    # Ledger states.
    "state_pending": ("en attente de dépôt", "waiting for deposit"),
    "state_invalid": ("refusée à la validation", "rejected by validation"),
    "state_submitting": ("dépôt en cours", "being deposited"),
    "state_needs_review": ("dépôt à vérifier", "deposit to check"),
    "state_submitted": ("déposée", "deposited"),
    "state_failed": ("dépôt refusé", "deposit refused"),
    "state_blocked": ("bloquée", "blocked"),
    "state_paid": ("payée", "paid"),
    "state_closed": ("close", "closed"),
    # Detail page.
    "what_to_do": ("À faire", "What to do"),
    "findings": ("Contrôles de validation", "Validation findings"),
    "no_findings": ("Aucune remarque.", "No finding."),
    "severity": ("Gravité", "Severity"),
    "code": ("Code", "Code"),
    "field": ("Champ", "Field"),
    "detail": ("Détail", "Details"),
    "attempts": ("Tentatives de dépôt", "Deposit attempts"),
    "no_attempts": ("Aucune tentative de dépôt.", "No deposit attempt."),
    "started_at": ("Début", "Started"),
    "finished_at": ("Fin", "Finished"),
    "outcome": ("Issue", "Outcome"),
    "error_class": ("Classe d'erreur", "Error class"),
    "error": ("Erreur", "Error"),
    "task_instance": ("Exécution / tâche", "Run / task"),
    "open_in_airflow": ("ouvrir dans Airflow", "open in Airflow"),
    "history": ("Historique des statuts", "Status history"),
    "no_history": ("Aucun statut Chorus Pro.", "No Chorus Pro status."),
    "changed_at": ("Date", "Date"),
    "comment": ("Commentaire de l'acheteur", "Buyer's comment"),
    "source": ("Source", "Source"),
    "alerts": ("Alertes envoyées", "Alerts sent"),
    "no_alerts": ("Aucune alerte envoyée.", "No alert sent."),
    "sent_at": ("Envoyée le", "Sent on"),
    "kind": ("Motif", "Reason"),
    "channels": ("Canaux", "Channels"),
    "recipients_note": (
        "Les destinataires sont ceux de la variable Airflow chorusflow_alert_recipients "
        "au moment de l'envoi.",
        "Recipients are those of the Airflow Variable chorusflow_alert_recipients when the alert was sent.",
    ),
    "pdf": ("PDF déposé", "Deposited PDF"),
    "pdf_download": ("Ouvrir le PDF déposé", "Open the deposited PDF"),
    "pdf_rendered": (
        "Reconstruit à l'identique depuis la facture du registre par le même générateur que lors du dépôt.",
        "Rebuilt from the ledger's invoice by the same renderer as at the deposit.",
    ),
    "pdf_not_deposited": ("Pas encore déposée en PDF.", "Not deposited as a PDF yet."),
    "pdf_other_channel": (
        "Déposée par saisie (SAISIE_API) : Chorus Pro a produit la facture, sans PDF de chorusflow.",
        "Deposited by entry (SAISIE_API): Chorus Pro produced the invoice, there is no chorusflow PDF.",
    ),
    "pdf_on_worker": (
        "Le PDF venait de l'ERP ({name}) et n'est lisible que sur le disque du worker qui l'a déposé ; "
        "le bureau ne peut pas l'ouvrir tant que les pièces ne sont pas sur un stockage partagé.",
        "The PDF came from the ERP ({name}) and can only be read on the disk of the worker that deposited "
        "it; the desk cannot open it until attachments live on shared storage.",
    ),
    "pdf_unreadable": (
        "Le PDF n'a pas pu être reconstruit depuis le registre.",
        "The PDF could not be rebuilt from the ledger.",
    ),
    "not_found": ("Facture inconnue du registre.", "Invoice unknown to the ledger."),
    "back": ("« Retour à la liste", "« Back to the list"),
    # The "to handle" queue.
    "summary": ("Synthèse", "Summary"),
    "category": ("Catégorie", "Category"),
    "count": ("Nombre", "Count"),
    "total": ("Montant en jeu", "Amount at stake"),
    "nothing_to_handle": ("Rien à traiter.", "Nothing to handle."),
    "cat_blocked": ("Bloquées sur Chorus Pro", "Blocked on Chorus Pro"),
    "cat_needs_review": ("Dépôts à vérifier", "Deposits to check"),
    "cat_failed": ("Dépôts refusés", "Refused deposits"),
    "cat_invalid": ("Refusées à la validation", "Rejected by validation"),
    "cat_stale": ("Statuts sans évolution", "Statuses not moving"),
    "cat_overdue": ("Paiements en retard", "Overdue payments"),
    "cat_password": ("Mot de passe technique", "Technical password"),
    "why": ("Pourquoi", "Why"),
    "stale_why": (
        "{status} depuis {days} jours (seuil : {limit})",
        "{status} for {days} days (limit: {limit})",
    ),
    "overdue_why": (
        "Échéance du {due} dépassée de {days} jours ; intérêts moratoires estimés {interest} "
        "+ indemnité forfaitaire {indemnity}",
        "Due on {due}, {days} days late; estimated late interest {interest} + fixed indemnity {indemnity}",
    ),
    "password_why": (
        "Le mot de passe du compte technique expire le {expires_on} (dans {days} jours).",
        "The technical account password expires on {expires_on} (in {days} days).",
    ),
    "no_reason": ("(aucun motif donné)", "(no reason given)"),
    # Errors.
    "ledger_unavailable": (
        "Le registre des factures ne répond pas ; réessayer dans un instant ou prévenir l'administrateur.",
        "The invoice ledger does not answer; try again in a moment or tell the administrator.",
    ),
}


def text(key: str, lang: Language, **values: object) -> str:
    """The desk's text ``key`` in ``lang``, with ``{placeholders}`` filled from ``values``."""
    french, english = TEXTS[key]
    template = english if lang == "en" else french
    return template.format(**values) if values else template
