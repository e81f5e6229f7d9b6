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
    "desk.period_to": Message(fr="Date de facture au", en="Issue date to"),
    "desk.amount_min": Message(fr="Montant TTC min.", en="Min. amount incl. VAT"),
    "desk.amount_max": Message(fr="Montant TTC max.", en="Max. amount incl. VAT"),
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
        fr="Filtre « {name} » ignoré : valeur illisible ({value}).",
        en="Filter “{name}” ignored: unreadable value ({value}).",
    ),
    "desk.bad_range": Message(
        fr="Filtre « {name} » ignoré : il précède « {other} ».",
        en="Filter “{name}” ignored: it comes before “{other}”.",
    ),
    "desk.status_group_in_progress": Message(fr="En cours de traitement", en="Being processed"),
    "desk.status_group_blocked": Message(fr="Bloquées (action attendue)", en="Blocked (action expected)"),
    "desk.status_group_paid": Message(fr="Payées", en="Paid"),
    "desk.status_group_closed": Message(fr="Closes", en="Closed"),
    "desk.status_group_unknown": Message(fr="Autres", en="Others"),
    "desk.page_beyond": Message(
        fr="La page {asked} n'existe pas : voici la dernière.",
        en="Page {asked} does not exist: here is the last one.",
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
    "desk.severity_error": Message(fr="bloquant", en="blocking"),
    "desk.severity_warning": Message(fr="avertissement", en="warning"),
    "desk.severity_info": Message(fr="information", en="information"),
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
    "desk.attempt_task": Message(fr="tâche {task}, essai {try_number}", en="task {task}, try {try_number}"),
    "desk.open_in_airflow": Message(fr="ouvrir dans Airflow", en="open in Airflow"),
    "desk.history": Message(fr="Historique des statuts", en="Status history"),
    "desk.no_history": Message(fr="Aucun statut Chorus Pro.", en="No Chorus Pro status."),
    "desk.changed_at": Message(fr="Date", en="Date"),
    "desk.comment": Message(fr="Commentaire", en="Comment"),
    "desk.comment_buyer": Message(fr="Commentaire de l'acheteur", en="Buyer's comment"),
    "desk.comment_ours": Message(fr="Notre commentaire", en="Our comment"),
    "desk.comment_platform": Message(fr="Commentaire de Chorus Pro", en="Chorus Pro's comment"),
    "desk.comment_from_buyer": Message(fr="l'acheteur : {comment}", en="buyer: {comment}"),
    "desk.comment_from_ours": Message(fr="nous : {comment}", en="us: {comment}"),
    "desk.comment_from_platform": Message(fr="Chorus Pro : {comment}", en="Chorus Pro: {comment}"),
    "desk.source": Message(fr="Source", en="Source"),
    "desk.author": Message(fr="Auteur", en="Author"),
    "desk.author_buyer": Message(fr="l'acheteur", en="the buyer"),
    "desk.author_ours": Message(fr="nous", en="us"),
    "desk.author_platform": Message(fr="Chorus Pro", en="Chorus Pro"),
    # Where a status of the history was learnt.
    "desk.source_sync": Message(fr="synchronisation des statuts", en="status sync"),
    "desk.source_submission": Message(fr="dépôt", en="deposit"),
    "desk.source_reconciliation": Message(fr="rapprochement après dépôt incertain", en="reconciliation"),
    "desk.source_resolution": Message(fr="notre décision", en="our decision"),
    "desk.source_cli": Message(fr="ligne de commande", en="command line"),
    "desk.source_params": Message(fr="formulaire Airflow", en="Airflow form"),
    "desk.source_hitl": Message(fr="formulaire de décision", en="decision form"),
    # How a deposit attempt ended.
    "desk.outcome_in_flight": Message(fr="en cours", en="in progress"),
    "desk.outcome_succeeded": Message(fr="réussi", en="succeeded"),
    "desk.outcome_adopted": Message(fr="retrouvée sur Chorus Pro", en="found on Chorus Pro"),
    "desk.outcome_failed_retryable": Message(fr="échec passager", en="passing failure"),
    "desk.outcome_failed_permanent": Message(fr="refusé", en="refused"),
    "desk.outcome_outcome_unknown": Message(fr="issue inconnue", en="outcome unknown"),
    "desk.outcome_needs_review": Message(fr="à vérifier", en="to check"),
    # How a decision ended.
    "desk.decision_in_flight": Message(fr="en cours", en="in progress"),
    "desk.decision_succeeded": Message(fr="appliquée", en="applied"),
    "desk.decision_refused": Message(fr="refusée par chorusflow", en="refused by chorusflow"),
    "desk.decision_rejected": Message(fr="refusée par Chorus Pro", en="rejected by Chorus Pro"),
    "desk.decision_failed_retryable": Message(fr="échec passager", en="passing failure"),
    "desk.decision_outcome_unknown": Message(fr="issue inconnue", en="outcome unknown"),
    "desk.channel_email": Message(fr="courriel", en="e-mail"),
    "desk.channel_log": Message(fr="journal des tâches", en="task log"),
    "desk.channel_slack": Message(fr="Slack", en="Slack"),
    "desk.channel_teams": Message(fr="Teams", en="Teams"),
    "desk.channel_webhook": Message(fr="webhook", en="webhook"),
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
    "desk.pdf_download": Message(fr="Télécharger le PDF déposé", en="Download the deposited PDF"),
    "desk.pdf_kept": Message(
        fr="Copie conservée au dépôt : les octets mêmes que Chorus Pro a reçus.",
        en="Copy kept at the deposit: the very bytes Chorus Pro received.",
    ),
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
    "desk.number_not_found": Message(
        fr="Aucune facture du registre ne porte le numéro « {number} ».",
        en="No invoice of the ledger has the number “{number}”.",
    ),
    "desk.forbidden": Message(
        fr="Votre compte Airflow n'a pas accès à cette page.", en="Your Airflow account cannot see this page."
    ),
    "desk.page_not_found": Message(
        fr="Cette page du bureau n'existe pas.", en="This desk page does not exist."
    ),
    "desk.zone_note": Message(fr="Heures en {zone}.", en="Times in {zone}."),
    "desk.due_rule": Message(fr="{days} jours ({rule})", en="{days} days ({rule})"),
    "desk.due_rule_category_state": Message(
        fr="État, art. R2192-10 du Code de la commande publique",
        en="State, art. R2192-10 of the Code de la commande publique",
    ),
    "desk.due_rule_category_local_authority": Message(
        fr="collectivité territoriale, art. R2192-10 du Code de la commande publique",
        en="local authority, art. R2192-10 of the Code de la commande publique",
    ),
    "desk.due_rule_category_public_hospital": Message(
        fr="établissement public de santé, art. R2192-11 du Code de la commande publique",
        en="public hospital, art. R2192-11 of the Code de la commande publique",
    ),
    "desk.due_rule_category_public_company": Message(
        fr="entreprise publique, art. R2192-11 du Code de la commande publique",
        en="public company, art. R2192-11 of the Code de la commande publique",
    ),
    "desk.due_rule_directory_state": Message(
        fr="État selon l'annuaire de Chorus Pro, art. R2192-10 du Code de la commande publique",
        en="State according to Chorus Pro's directory, art. R2192-10 of the Code de la commande publique",
    ),
    "desk.due_rule_directory_local_authority": Message(
        fr="collectivité territoriale selon l'annuaire de Chorus Pro, "
        "art. R2192-10 du Code de la commande publique",
        en="local authority according to Chorus Pro's directory, "
        "art. R2192-10 of the Code de la commande publique",
    ),
    "desk.due_rule_directory_public_hospital": Message(
        fr="établissement public de santé selon l'annuaire de Chorus Pro, "
        "art. R2192-11 du Code de la commande publique",
        en="public hospital according to Chorus Pro's directory, "
        "art. R2192-11 of the Code de la commande publique",
    ),
    "desk.due_rule_profile": Message(fr="profil de l'acheteur", en="buyer profile"),
    "desk.due_rule_default": Message(
        fr="délai par défaut, ni profil ni annuaire ne donnent la catégorie de l'acheteur",
        en="default period, neither a profile nor the directory gives the buyer's category",
    ),
    "desk.due_restarted": Message(
        fr="nouveau délai après la suspension (art. R2192-29)",
        en="new period after the suspension (art. R2192-29)",
    ),
    "desk.due_period": Message(fr="Délai de paiement", en="Payment period"),
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
        fr="Les exécutions du dépôt des factures, les plus récentes d'abord, avec leur rapport.",
        en="The invoice submission runs, newest first, with their report.",
    ),
    "desk.run_date": Message(fr="Date", en="Date"),
    "desk.run_state": Message(fr="État", en="State"),
    "desk.run_counts": Message(fr="Factures", en="Invoices"),
    "desk.run_kind_manual": Message(fr="lancée à la main", en="started by hand"),
    "desk.run_kind_scheduled": Message(fr="planifiée", en="scheduled"),
    "desk.run_kind_other": Message(fr="autre", en="other"),
    "desk.run_state_success": Message(fr="réussie", en="succeeded"),
    "desk.run_state_failed": Message(fr="en échec", en="failed"),
    "desk.run_state_running": Message(fr="en cours", en="running"),
    "desk.run_state_queued": Message(fr="en file d'attente", en="queued"),
    "desk.run_state_unknown": Message(fr="inconnu", en="unknown"),
    "desk.run_open": Message(fr="ouvrir l'exécution dans Airflow", en="open the run in Airflow"),
    "desk.run_report_html": Message(fr="rapport", en="report"),
    "desk.run_report_csv": Message(fr="CSV", en="CSV"),
    "desk.run_supplier_report": Message(fr="rapport de {supplier}", en="{supplier}'s report"),
    "desk.run_no_invoice": Message(fr="aucune facture", en="no invoice"),
    "desk.run_file_taken": Message(
        fr="aucune facture : le fichier d'export a été pris par une autre exécution",
        en="no invoice: the export file was taken by another run",
    ),
    "desk.report_back": Message(fr="« Retour aux exécutions", en="« Back to the runs"),
    "desk.report_title": Message(fr="Rapport de l'exécution du {date}", en="Report of the run of {date}"),
    # Chorus Pro's statuses in words (``desk.cpp_<STATUS>``); the pages show the code beside them.
    "desk.cpp_ABANDONNEE": Message(fr="abandonnée", en="abandoned"),
    "desk.cpp_ABSENCE_VALIDATION_1_HORS_DELAI": Message(
        fr="1re validation hors délai", en="1st validation overdue"
    ),
    "desk.cpp_ABSENCE_VALIDATION_2_HORS_DELAI": Message(
        fr="2e validation hors délai", en="2nd validation overdue"
    ),
    "desk.cpp_ASSOCIEE": Message(fr="associée", en="associated"),
    "desk.cpp_A_ASSOCIER_FOURNISSEUR": Message(
        fr="à associer par le fournisseur", en="to associate by the supplier"
    ),
    "desk.cpp_A_ASSOCIER_MOA": Message(
        fr="à associer par la maîtrise d'ouvrage", en="to associate by the project owner"
    ),
    "desk.cpp_A_ASSOCIER_MOE": Message(
        fr="à associer par la maîtrise d'œuvre", en="to associate by the project manager"
    ),
    "desk.cpp_A_COMPLETER": Message(fr="à compléter", en="to complete"),
    "desk.cpp_A_RECYCLER": Message(fr="à recycler", en="to recycle"),
    "desk.cpp_A_VALIDER_1": Message(fr="à valider (1re validation)", en="to validate (1st validation)"),
    "desk.cpp_A_VALIDER_2": Message(fr="à valider (2e validation)", en="to validate (2nd validation)"),
    "desk.cpp_A_VALIDER_MOE": Message(
        fr="à valider par la maîtrise d'œuvre", en="to validate by the project manager"
    ),
    "desk.cpp_BROUILLON": Message(fr="brouillon", en="draft"),
    "desk.cpp_COMPLETEE": Message(fr="complétée", en="completed"),
    "desk.cpp_COMPTABILISEE": Message(fr="comptabilisée", en="recorded in the accounts"),
    "desk.cpp_DEPOSEE": Message(fr="déposée", en="deposited"),
    "desk.cpp_DUPLIQUE_APRES_REFUS": Message(fr="dupliquée après refus", en="duplicated after refusal"),
    "desk.cpp_EN_ATTENTE_RECYCLAGE_FOURNISSEUR": Message(
        fr="en attente de recyclage", en="waiting for recycling"
    ),
    "desk.cpp_EN_COURS_ACHEMINEMENT": Message(fr="en cours d'acheminement", en="being routed"),
    "desk.cpp_EN_COURS_TRAITEMENT_PIVOT_S": Message(fr="en cours de traitement", en="being processed"),
    "desk.cpp_ERREUR_COTRAITANT_SUR_VALIDEUR": Message(
        fr="erreur de valideur (cotraitant)", en="validator error (co-contractor)"
    ),
    "desk.cpp_ERREUR_DESTINATAIRE_EA": Message(fr="erreur de destinataire", en="recipient error"),
    "desk.cpp_ERREUR_DESTINATAIRE_PD": Message(
        fr="erreur de destinataire (plateforme)", en="recipient error (platform)"
    ),
    "desk.cpp_ERREUR_DE_MOA": Message(fr="erreur de maîtrise d'ouvrage", en="project owner error"),
    "desk.cpp_ERREUR_DE_MOE": Message(fr="erreur de maîtrise d'œuvre", en="project manager error"),
    "desk.cpp_ERREUR_FOURNISSEUR_SUR_MOA": Message(fr="maîtrise d'ouvrage erronée", en="wrong project owner"),
    "desk.cpp_ERREUR_FOURNISSEUR_SUR_MOE": Message(fr="maîtrise d'œuvre erronée", en="wrong project manager"),
    "desk.cpp_ERREUR_FOURNISSEUR_SUR_VALIDEUR": Message(fr="valideur erroné", en="wrong validator"),
    "desk.cpp_ERREUR_MOA_SUR_FOURNISSEUR": Message(
        fr="fournisseur erroné (maîtrise d'ouvrage)", en="wrong supplier (project owner)"
    ),
    "desk.cpp_ERREUR_MOE_SUR_FOURNISSEUR": Message(
        fr="fournisseur erroné (maîtrise d'œuvre)", en="wrong supplier (project manager)"
    ),
    "desk.cpp_ERREUR_MOE_SUR_MOA": Message(
        fr="maîtrise d'ouvrage erronée (maîtrise d'œuvre)", en="wrong project owner (manager)"
    ),
    "desk.cpp_INTERPRETEE_OCR": Message(
        fr="lue par reconnaissance de caractères", en="read by character recognition"
    ),
    "desk.cpp_MANDATEE": Message(fr="mandatée", en="payment ordered"),
    "desk.cpp_MISE_A_DISPOSITION": Message(
        fr="mise à disposition de l'acheteur", en="made available to the buyer"
    ),
    "desk.cpp_MISE_A_DISPOSITION_COMPTABLE": Message(
        fr="mise à disposition du comptable", en="made available to the accountant"
    ),
    "desk.cpp_MISE_A_DISPOSITION_MOA": Message(
        fr="mise à disposition de la maîtrise d'ouvrage", en="made available to the owner"
    ),
    "desk.cpp_MISE_A_DISPOSITION_MOE": Message(
        fr="mise à disposition de la maîtrise d'œuvre", en="made available to the manager"
    ),
    "desk.cpp_MISE_EN_PAIEMENT": Message(fr="mise en paiement", en="paid"),
    "desk.cpp_NON_CONFORME": Message(fr="non conforme", en="not compliant"),
    "desk.cpp_PRISE_EN_COMPTE_DESTINATAIRE": Message(
        fr="prise en compte par l'acheteur", en="taken into account by the buyer"
    ),
    "desk.cpp_PRISE_EN_COMPTE_MOA": Message(
        fr="prise en compte par la maîtrise d'ouvrage", en="taken into account by the owner"
    ),
    "desk.cpp_PRISE_EN_COMPTE_MOE": Message(
        fr="prise en compte par la maîtrise d'œuvre", en="taken into account by the manager"
    ),
    "desk.cpp_REFUSEE_1": Message(fr="refusée (1re validation)", en="refused (1st validation)"),
    "desk.cpp_REFUSEE_2": Message(fr="refusée (2e validation)", en="refused (2nd validation)"),
    "desk.cpp_REFUSEE_FOURNISSEUR": Message(fr="refusée par le fournisseur", en="refused by the supplier"),
    "desk.cpp_REFUSEE_MOA": Message(
        fr="refusée par la maîtrise d'ouvrage", en="refused by the project owner"
    ),
    "desk.cpp_REFUSEE_MOE": Message(
        fr="refusée par la maîtrise d'œuvre", en="refused by the project manager"
    ),
    "desk.cpp_REJETEE": Message(fr="rejetée", en="rejected"),
    "desk.cpp_REMPLACEE_PAR_A22": Message(fr="remplacée", en="replaced"),
    "desk.cpp_SERVICE_FAIT": Message(fr="service fait", en="service rendered"),
    "desk.cpp_SUPPRIMEE": Message(fr="supprimée", en="deleted"),
    "desk.cpp_SUSPENDUE": Message(fr="suspendue", en="suspended"),
    "desk.cpp_TECHNIQUE_INCONNU": Message(fr="état technique inconnu", en="unknown technical state"),
    "desk.cpp_TRANSMISE_MOA": Message(fr="transmise à la maîtrise d'ouvrage", en="sent to the project owner"),
    "desk.cpp_VALIDEE_1": Message(fr="validée (1re validation)", en="validated (1st validation)"),
    "desk.cpp_VALIDEE_2": Message(fr="validée (2e validation)", en="validated (2nd validation)"),
}
