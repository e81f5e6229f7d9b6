"""The submission report (HTML, CSV) and the run notes (``report.``)."""

from __future__ import annotations

from chorusflow.messages.catalogue import Message

MESSAGES: dict[str, Message] = {
    # The Params (trigger) form of chorus_submit_invoices.
    "report.params.export_path": Message(fr="Fichier d'export", en="Export file"),
    "report.params.export_path.help": Message(
        fr="Traiter cet export (un chemin ou une URL de stockage objet) au lieu de la boîte de dépôt.",
        en="Process this export (a path or an object storage URL) instead of the inbox.",
    ),
    "report.params.invoice_numbers": Message(
        fr="Numéros de facture à redéposer", en="Invoice numbers to retry"
    ),
    "report.params.invoice_numbers.help": Message(
        fr="Déposer de nouveau des factures qui ont échoué avant que Chorus Pro ne les accepte, une fois "
        "la cause corrigée. Une facture que Chorus Pro détient ou a refusée n'est jamais redéposée : une "
        "facture refusée demande un nouveau numéro ou un avoir.",
        en="Submit again invoices that failed before Chorus Pro accepted them, once the cause is fixed. "
        "An invoice Chorus Pro holds or refused is never deposited again: a refused one needs "
        "a new number or a credit note.",
    ),
    "report.params.dry_run": Message(fr="Simulation", en="Dry run"),
    "report.params.dry_run.help": Message(
        fr="Valider et produire le rapport seulement, sans rien déposer.",
        en="Validate and report only.",
    ),
    "report.title": Message(fr="Rapport de dépôt Chorus Pro", en="Chorus Pro submission report"),
    "report.run": Message(fr="Exécution", en="Run"),
    "report.generated": Message(fr="Rapport écrit le", en="Report written on"),
    "report.dry_run": Message(fr="simulation : rien n'a été déposé", en="dry run: nothing was deposited"),
    "report.submitted": Message(fr="déposées", en="submitted"),
    "report.invalid": Message(fr="refusées à la validation", en="rejected by validation"),
    "report.already_done": Message(fr="déjà traitées (ignorées)", en="already done (skipped)"),
    "report.failed": Message(fr="échecs définitifs", en="failed for good"),
    "report.needs_review": Message(
        fr="dépôts à vérifier (issue inconnue)",
        en="deposits to check (outcome unknown)",
    ),
    "report.pending": Message(fr="en attente d'un nouvel essai", en="pending, retried next run"),
    "report.invoice_number": Message(fr="Facture", en="Invoice"),
    "report.buyer": Message(fr="Acheteur", en="Buyer"),
    "report.buyer_siret": Message(fr="SIRET acheteur", en="Buyer SIRET"),
    "report.total_ttc": Message(fr="Montant TTC", en="Total incl. VAT"),
    "report.currency": Message(fr="Devise", en="Currency"),
    "report.outcome": Message(fr="Résultat", en="Outcome"),
    "report.chorus_status": Message(fr="Statut Chorus Pro", en="Chorus Pro status"),
    "report.identifiant": Message(fr="Identifiant Chorus Pro", en="Chorus Pro id"),
    "report.codes": Message(fr="Codes", en="Codes"),
    "report.messages": Message(fr="Détail", en="Details"),
    "report.todo": Message(fr="À faire", en="What to do"),
    "report.exports": Message(fr="Fichiers traités", en="Processed files"),
    "report.export_counts": Message(
        fr="{invoices} facture(s) : {valid} valide(s), {invalid} refusée(s)",
        en="{invoices} invoice(s): {valid} valid, {invalid} rejected",
    ),
    "report.file_errors": Message(fr="Fichier illisible", en="Unreadable file"),
    "report.none": Message(fr="Aucune facture dans cette exécution.", en="No invoice in this run."),
    "report.retry_title": Message(
        fr="Numéros demandés à nouveau (invoice_numbers)",
        en="Numbers asked for again (invoice_numbers)",
    ),
    "report.time_format": Message(fr="%d/%m/%Y à %H:%M", en="%Y-%m-%d at %H:%M"),
    # What a person does, per outcome.
    "report.todo_invalid": Message(
        fr="Corriger la facture dans la comptabilité : le prochain export la renvoie.",
        en="Correct the invoice in the accounting system: the next export sends it again.",
    ),
    "report.todo_failed": Message(
        fr=(
            "Corriger la cause (voir le détail), puis relancer chorus_submit_invoices avec ce numéro "
            "dans invoice_numbers."
        ),
        en=(
            "Fix the cause (see the details), then trigger chorus_submit_invoices with this number in "
            "invoice_numbers."
        ),
    ),
    "report.todo_needs_review": Message(
        fr=(
            "Chercher la facture sur le portail Chorus Pro (acheteur, montant, date de dépôt) : "
            "chorusflow ne la déposera plus d'elle-même. Si elle y est, noter son identifiant ; sinon, "
            "décider avec l'administrateur de chorusflow de la remettre en dépôt."
        ),
        en=(
            "Look for the invoice on the Chorus Pro portal (buyer, amount, deposit date): chorusflow "
            "will not deposit it again on its own. If it is there, note its id; otherwise decide with "
            "chorusflow's administrator to release it for deposit."
        ),
    ),
    # Why an invoice is still pending, and when it is tried again.
    "report.pending_held_here": Message(
        fr=(
            "Tenue jusqu'au {until} par le bail d'une tentative interrompue de cette exécution : vider "
            "(Clear) sa tâche submit la reprend tout de suite, sinon la prochaine exécution ou une "
            "relance la reprend après cette heure ; chorusflow demande d'abord à Chorus Pro s'il l'a "
            "reçue."
        ),
        en=(
            "Held until {until} by the lease of an interrupted attempt of this run: clearing its "
            "submit task takes it back at once, otherwise the next run or a retry takes it after that "
            "time; chorusflow first asks Chorus Pro whether it received it."
        ),
    ),
    "report.pending_held_other": Message(
        fr=(
            "Tenue jusqu'au {until} par une tentative de l'exécution {run} : ensuite la prochaine "
            "exécution ou une relance la reprend et demande d'abord à Chorus Pro s'il l'a reçue."
        ),
        en=(
            "Held until {until} by an attempt of run {run}: then the next run or a retry takes it and "
            "first asks Chorus Pro whether it received it."
        ),
    ),
    "report.pending_unknown": Message(
        fr=(
            "Issue du dernier dépôt inconnue, bail expiré : la prochaine exécution ou une relance la "
            "reprend et demande d'abord à Chorus Pro s'il l'a reçue."
        ),
        en=(
            "Outcome of the last deposit unknown, lease expired: the next run or a retry takes it and "
            "first asks Chorus Pro whether it received it."
        ),
    ),
    "report.pending_waiting": Message(
        fr="En attente de la prochaine exécution, qui la déposera.",
        en="Waiting for the next run, which deposits it.",
    ),
    # The numbers asked for again that this run did not deposit.
    "report.retry_unknown": Message(
        fr="numéro inconnu du registre (jamais lu dans un export) : vérifier le numéro.",
        en="unknown number (never read from an export): check the number.",
    ),
    "report.retry_on_chorus_pro": Message(
        fr=(
            "déjà sur Chorus Pro ({state}{status}), jamais déposée deux fois : pour la corriger, un "
            "avoir puis une nouvelle facture sous un nouveau numéro."
        ),
        en=(
            "already on Chorus Pro ({state}{status}), never deposited twice: to correct it, a credit "
            "note, then a new invoice under a new number."
        ),
    ),
    "report.retry_blocked": Message(
        fr="bloquée sur Chorus Pro ({status}), pas redéposée. {todo}",
        en="blocked on Chorus Pro ({status}), not deposited again. {todo}",
    ),
    "report.retry_invalid": Message(
        fr="refusée à la validation : la corriger dans la comptabilité, le prochain export la renvoie.",
        en="rejected by validation: correct it in the accounting system, the next export sends it again.",
    ),
    "report.retry_needs_review": Message(
        fr=(
            "issue d'un dépôt précédent inconnue : pas redéposée avant vérification sur le portail "
            "Chorus Pro."
        ),
        en=(
            "outcome of an earlier deposit unknown: not deposited again before someone checks the "
            "Chorus Pro portal."
        ),
    ),
    "report.retry_skipped": Message(
        fr="non reprise : déjà traitée ou tenue par une autre tentative ({state}).",
        en="not taken: already done or held by another attempt ({state}).",
    ),
    "report.retry_skipped_held": Message(
        fr="non reprise : tenue par une autre tentative jusqu'au {until}.",
        en="not taken: held by another attempt until {until}.",
    ),
    "report.retry_skipped_done": Message(
        fr="non reprise : déposée entre-temps ({state}{status}).",
        en="not taken: deposited meanwhile ({state}{status}).",
    ),
    "report.retry_count_unknown": Message(fr="inconnu(s)", en="unknown"),
    "report.retry_count_not_retryable": Message(fr="non redéposable(s)", en="not retryable"),
    "report.retry_count_skipped": Message(fr="non repris", en="not taken"),
    # The status sync's note.
    "report.sync_reason": Message(fr="motif", en="reason"),
    "report.sync_no_reason": Message(fr="aucun motif donné", en="no reason given"),
    "report.sync_same_todo": Message(fr="À faire : comme pour {number}.", en="What to do: as for {number}."),
    "report.class_in_progress": Message(fr="en cours", en="in progress"),
    "report.class_paid": Message(fr="payée", en="paid"),
    "report.class_closed": Message(fr="close", en="closed"),
    "report.class_unknown": Message(fr="statut inconnu", en="unknown status"),
    "report.colon": Message(fr=" : ", en=": "),
    # An invoice without a number, named by its first row.
    "report.row_label": Message(fr="(ligne {row})", en="(row {row})"),
}
