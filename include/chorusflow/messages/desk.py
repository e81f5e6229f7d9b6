"""The invoice desk's words (``desk.*``): pages, columns, filters, categories.

What to do about an invoice is not here: it is the alerts' text (``alert.next_step.*``,
``alert.<kind>.todo``), so a clerk reads the same advice in a mail, a run note and the desk.
"""

from __future__ import annotations

from chorusflow.messages.catalogue import Message

MESSAGES: dict[str, Message] = {
    # Navigation and page titles.
    "desk.desk": Message(fr="Bureau des factures", en="Invoice desk"),
    "desk.invoices": Message(fr="Factures", en="Invoices"),
    "desk.to_handle": Message(fr="À traiter", en="To handle"),
    "desk.invoice": Message(fr="Facture", en="Invoice"),
    "desk.other_language": Message(fr="English", en="Français"),
    # Columns.
    "desk.number": Message(fr="Numéro", en="Number"),
    "desk.buyer": Message(fr="Acheteur", en="Buyer"),
    "desk.buyer_siret": Message(fr="SIRET acheteur", en="Buyer SIRET"),
    "desk.currency": Message(fr="Devise", en="Currency"),
    "desk.amount_ht": Message(fr="Montant HT", en="Amount excl. VAT"),
    "desk.amount": Message(fr="Montant TTC", en="Amount incl. VAT"),
    "desk.state": Message(fr="État chorusflow", en="chorusflow state"),
    "desk.status": Message(fr="Statut Chorus Pro", en="Chorus Pro status"),
    "desk.status_at": Message(fr="Date du statut", en="Status date"),
    "desk.age": Message(fr="Depuis (jours)", en="Age (days)"),
    "desk.due": Message(fr="Échéance de paiement", en="Payment due"),
    "desk.message": Message(fr="Dernière erreur ou commentaire", en="Last error or comment"),
    "desk.issue_date": Message(fr="Date de facture", en="Issue date"),
    "desk.supplier": Message(fr="SIRET fournisseur", en="Supplier SIRET"),
    "desk.channel": Message(fr="Canal de dépôt", en="Deposit channel"),
    "desk.cpp_id": Message(fr="Identifiant Chorus Pro", en="Chorus Pro id"),
    "desk.flux": Message(fr="Numéro de flux", en="Flux number"),
    "desk.submitted_at": Message(fr="Déposée le", en="Deposited on"),
    "desk.source_export": Message(fr="Export d'origine", en="Source export"),
    # Filters.
    "desk.filters": Message(fr="Filtres", en="Filters"),
    "desk.search_number": Message(fr="Numéro contient", en="Number contains"),
    "desk.buyer_filter": Message(fr="Acheteur (nom ou SIRET)", en="Buyer (name or SIRET)"),
    "desk.supplier_filter": Message(fr="Fournisseur (id ou identifiant)", en="Supplier (id or identifier)"),
    "desk.period_from": Message(fr="Date de facture du", en="Issue date from"),
    "desk.period_to": Message(fr="au", en="to"),
    "desk.amount_min": Message(fr="Montant TTC min.", en="Min. amount incl. VAT"),
    "desk.amount_max": Message(fr="max.", en="max."),
    "desk.any": Message(fr="(tous)", en="(any)"),
    "desk.apply": Message(fr="Filtrer", en="Filter"),
    "desk.reset": Message(fr="Effacer les filtres", en="Clear filters"),
    "desk.download_csv": Message(fr="Télécharger en CSV", en="Download as CSV"),
    "desk.results": Message(
        fr="{total} facture(s), page {page} sur {pages}", en="{total} invoice(s), page {page} of {pages}"
    ),
    "desk.previous": Message(fr="« Précédente", en="« Previous"),
    "desk.next": Message(fr="Suivante »", en="Next »"),
    "desk.no_invoice": Message(fr="Aucune facture ne correspond.", en="No invoice matches."),
    "desk.bad_filter": Message(
        fr="Filtre ignoré, valeur illisible : {name}", en="Filter ignored, unreadable value: {name}"
    ),
    # Ledger states.
    "desk.state_pending": Message(fr="en attente de dépôt", en="waiting for deposit"),
    "desk.state_invalid": Message(fr="refusée à la validation", en="rejected by validation"),
    "desk.state_submitting": Message(fr="dépôt en cours", en="being deposited"),
    "desk.state_needs_review": Message(fr="dépôt à vérifier", en="deposit to check"),
    "desk.state_in_flux": Message(
        fr="déposée en flux, en cours d'intégration par Chorus Pro",
        en="in a flux, being integrated by Chorus Pro",
    ),
    "desk.state_submitted": Message(fr="déposée", en="deposited"),
    "desk.state_failed": Message(fr="dépôt refusé", en="deposit refused"),
    "desk.state_blocked": Message(fr="bloquée", en="blocked"),
    "desk.state_paid": Message(fr="payée", en="paid"),
    "desk.state_closed": Message(fr="close", en="closed"),
    # Detail page.
    "desk.what_to_do": Message(fr="À faire", en="What to do"),
    "desk.findings": Message(fr="Contrôles de validation", en="Validation findings"),
    "desk.no_findings": Message(fr="Aucune remarque.", en="No finding."),
    "desk.severity": Message(fr="Gravité", en="Severity"),
    "desk.code": Message(fr="Code", en="Code"),
    "desk.field": Message(fr="Champ", en="Field"),
    "desk.detail": Message(fr="Détail", en="Details"),
    "desk.attempts": Message(fr="Tentatives de dépôt", en="Deposit attempts"),
    "desk.no_attempts": Message(fr="Aucune tentative de dépôt.", en="No deposit attempt."),
    "desk.started_at": Message(fr="Début", en="Started"),
    "desk.finished_at": Message(fr="Fin", en="Finished"),
    "desk.outcome": Message(fr="Issue", en="Outcome"),
    "desk.error_class": Message(fr="Classe d'erreur", en="Error class"),
    "desk.error": Message(fr="Erreur", en="Error"),
    "desk.task_instance": Message(fr="Exécution / tâche", en="Run / task"),
    "desk.open_in_airflow": Message(fr="ouvrir dans Airflow", en="open in Airflow"),
    "desk.history": Message(fr="Historique des statuts", en="Status history"),
    "desk.no_history": Message(fr="Aucun statut Chorus Pro.", en="No Chorus Pro status."),
    "desk.changed_at": Message(fr="Date", en="Date"),
    "desk.comment": Message(fr="Commentaire de l'acheteur", en="Buyer's comment"),
    "desk.source": Message(fr="Source", en="Source"),
    "desk.decisions": Message(fr="Décisions", en="Decisions"),
    "desk.no_decisions": Message(fr="Aucune décision.", en="No decision."),
    "desk.decided_at": Message(fr="Décidée le", en="Decided on"),
    "desk.action": Message(fr="Action", en="Action"),
    "desk.decided_by": Message(fr="Par", en="By"),
    "desk.replaced_by": Message(fr="remplacée par {number}", en="replaced by {number}"),
    "desk.replaces": Message(
        fr="Cette facture remplace la facture rejetée {number}.",
        en="This invoice replaces rejected invoice {number}.",
    ),
    "desk.alerts": Message(fr="Alertes envoyées", en="Alerts sent"),
    "desk.no_alerts": Message(fr="Aucune alerte envoyée.", en="No alert sent."),
    "desk.sent_at": Message(fr="Envoyée le", en="Sent on"),
    "desk.kind": Message(fr="Motif", en="Reason"),
    "desk.channels": Message(fr="Canaux", en="Channels"),
    "desk.recipients_note": Message(
        fr=(
            "Les destinataires sont ceux de la variable Airflow chorusflow_alert_recipients au moment "
            "de l'envoi."
        ),
        en=(
            "Recipients are those of the Airflow Variable chorusflow_alert_recipients when the alert "
            "was sent."
        ),
    ),
    "desk.pdf": Message(fr="PDF déposé", en="Deposited PDF"),
    "desk.pdf_download": Message(fr="Ouvrir le PDF déposé", en="Open the deposited PDF"),
    "desk.pdf_rendered": Message(
        fr=(
            "Reconstruit à l'identique depuis la facture du registre par le même générateur que lors du "
            "dépôt."
        ),
        en="Rebuilt from the ledger's invoice by the same renderer as at the deposit.",
    ),
    "desk.pdf_not_deposited": Message(fr="Pas encore déposée en PDF.", en="Not deposited as a PDF yet."),
    "desk.pdf_other_channel": Message(
        fr="Déposée par saisie (SAISIE_API) : Chorus Pro a produit la facture, sans PDF de chorusflow.",
        en="Deposited by entry (SAISIE_API): Chorus Pro produced the invoice, there is no chorusflow PDF.",
    ),
    "desk.pdf_on_worker": Message(
        fr=(
            "Le PDF venait de l'ERP ({name}) et n'est lisible que sur le disque du worker qui l'a "
            "déposé ; le bureau ne peut pas l'ouvrir tant que les pièces ne sont pas sur un stockage "
            "partagé."
        ),
        en=(
            "The PDF came from the ERP ({name}) and can only be read on the disk of the worker that "
            "deposited it; the desk cannot open it until attachments live on shared storage."
        ),
    ),
    "desk.pdf_unreadable": Message(
        fr="Le PDF n'a pas pu être reconstruit depuis le registre.",
        en="The PDF could not be rebuilt from the ledger.",
    ),
    "desk.not_found": Message(fr="Facture inconnue du registre.", en="Invoice unknown to the ledger."),
    "desk.back": Message(fr="« Retour à la liste", en="« Back to the list"),
    # The "to handle" queue.
    "desk.summary": Message(fr="Synthèse", en="Summary"),
    "desk.category": Message(fr="Catégorie", en="Category"),
    "desk.count": Message(fr="Nombre", en="Count"),
    "desk.total": Message(fr="Montant en jeu", en="Amount at stake"),
    "desk.nothing_to_handle": Message(fr="Rien à traiter.", en="Nothing to handle."),
    "desk.cat_blocked": Message(fr="Bloquées sur Chorus Pro", en="Blocked on Chorus Pro"),
    "desk.cat_needs_review": Message(fr="Dépôts à vérifier", en="Deposits to check"),
    "desk.cat_failed": Message(fr="Dépôts refusés", en="Refused deposits"),
    "desk.cat_invalid": Message(fr="Refusées à la validation", en="Rejected by validation"),
    "desk.cat_stale": Message(fr="Statuts sans évolution", en="Statuses not moving"),
    "desk.cat_overdue": Message(fr="Paiements en retard", en="Overdue payments"),
    "desk.cat_password": Message(fr="Mot de passe technique", en="Technical password"),
    "desk.queue_more": Message(
        fr="Les {shown} plus anciennes sur {count} sont listées ici.",
        en="The {shown} oldest of {count} are listed here.",
    ),
    "desk.queue_see_all": Message(
        fr="Toutes les voir dans la liste des factures", en="See them all in the invoice list"
    ),
    "desk.why": Message(fr="Pourquoi", en="Why"),
    "desk.stale_why": Message(
        fr="{status} depuis {days} jours (seuil : {limit})", en="{status} for {days} days (limit: {limit})"
    ),
    "desk.overdue_why": Message(
        fr=(
            "Échéance du {due} dépassée de {days} jours ; intérêts moratoires estimés {interest} + "
            "indemnité forfaitaire {indemnity}"
        ),
        en="Due on {due}, {days} days late; estimated late interest {interest} + fixed indemnity {indemnity}",
    ),
    "desk.password_why": Message(
        fr="Le mot de passe du compte technique expire le {expires_on} (dans {days} jours).",
        en="The technical account password expires on {expires_on} (in {days} days).",
    ),
    "desk.no_reason": Message(fr="(aucun motif donné)", en="(no reason given)"),
    # Errors.
    "desk.ledger_unavailable": Message(
        fr="Le registre des factures ne répond pas ; réessayer dans un instant ou prévenir l'administrateur.",
        en="The invoice ledger does not answer; try again in a moment or tell the administrator.",
    ),
    "desk.profile_invalid": Message(
        fr="Le profil acheteur {file} est invalide ({detail}) : les échéances de paiement ne peuvent pas "
        "être calculées. Le corriger dans la configuration.",
        en="The buyer profile {file} is invalid ({detail}): payment deadlines cannot be computed. "
        "Correct it in the configuration.",
    ),
    "desk.csv_filename": Message(fr="factures.csv", en="invoices.csv"),
    # Runs page: each submission run's report, read from shared storage.
    "desk.runs": Message(fr="Exécutions", en="Runs"),
    "desk.run": Message(fr="Exécution", en="Run"),
    "desk.run_report": Message(fr="Rapport", en="Report"),
    "desk.no_runs": Message(
        fr="Aucun rapport d'exécution enregistré pour l'instant.", en="No run report stored yet."
    ),
    "desk.runs_note": Message(
        fr="Les rapports des exécutions de dépôt, lus dans le stockage partagé (CHORUSFLOW_REPORTS).",
        en="The reports of the submission runs, read from shared storage (CHORUSFLOW_REPORTS).",
    ),
}
