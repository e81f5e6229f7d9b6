"""Alerts (``alert.``), the daily digest (``digest.``) and the alert dispatch's summary (``dispatch.``)."""

from __future__ import annotations

from chorusflow.messages.catalogue import Message

MESSAGES: dict[str, Message] = {
    # What to do about a blocked invoice, per next step (chorusflow.platforms.chorus_pro.statuses.next_step).
    "alert.next_step.complete": Message(
        fr="Répondre au formulaire de décision (« Compléter ») : téléverser la pièce demandée par "
        "l'acheteur et écrire un commentaire ; chorusflow complète la facture, qui passe au statut "
        "COMPLETEE.",
        en='Answer the decision form ("Complete"): upload the document the buyer asks for and write a '
        "comment; chorusflow completes the invoice, which moves to COMPLETEE.",
    ),
    "alert.next_step.recycle": Message(
        fr="Répondre au formulaire de décision (« Recycler ») avec le bon code service et/ou numéro "
        "d'engagement ; le numéro de facture reste le même.",
        en='Answer the decision form ("Recycle") with the right service code and/or engagement '
        "number; the invoice number stays the same.",
    ),
    "alert.next_step.new_invoice": Message(
        fr="La facture est refusée définitivement : émettre un avoir si elle est comptabilisée, puis une "
        "nouvelle facture avec un nouveau numéro.",
        en="The invoice is refused for good: issue a credit note if it is booked, then a new invoice "
        "with a new number.",
    ),
    "alert.next_step.fix_validator": Message(
        fr="Corriger le valideur de la facture sur Chorus Pro.",
        en="Correct the invoice's validator on Chorus Pro.",
    ),
    "alert.next_step.act_in_portal": Message(
        fr="Traiter la facture dans le portail Chorus Pro (circuit de validation des travaux).",
        en="Handle the invoice in the Chorus Pro portal (works-invoice validation circuit).",
    ),
    # The title of an alert, per kind (AlertKind values).
    "alert.title.blocked": Message(fr="Facture bloquée", en="Invoice blocked"),
    "alert.title.stale": Message(fr="Facture sans évolution", en="Invoice not moving"),
    "alert.title.payment_overdue": Message(fr="Délai de paiement dépassé", en="Payment deadline passed"),
    "alert.title.validation_rejected": Message(
        fr="Facture non envoyée (règles)", en="Invoice not sent (rules)"
    ),
    "alert.title.submission_failed": Message(
        fr="Dépôt refusé par Chorus Pro", en="Deposit refused by Chorus Pro"
    ),
    "alert.title.needs_review": Message(fr="Dépôt à vérifier", en="Deposit to check"),
    "alert.title.flux_refused": Message(fr="Facture refusée dans un flux", en="Invoice refused in a flux"),
    "alert.title.password_expiry": Message(
        fr="Mot de passe du compte technique bientôt expiré",
        en="Technical account password expires soon",
    ),
    "alert.title.decision_reminder": Message(fr="Décision attendue", en="Decision awaited"),
    "alert.subject": Message(fr="[chorusflow] {title}", en="[chorusflow] {title}"),
    "alert.subject_invoice": Message(
        fr="[chorusflow] {title} : {number}", en="[chorusflow] {title}: {number}"
    ),
    # The labelled facts of an alert.
    "alert.fact.invoice": Message(fr="Facture", en="Invoice"),
    "alert.fact.buyer": Message(fr="Acheteur", en="Buyer"),
    "alert.fact.amount": Message(fr="Montant TTC", en="Amount incl. VAT"),
    "alert.fact.status": Message(fr="Statut Chorus Pro", en="Chorus Pro status"),
    "alert.fact.buyer_reason": Message(fr="Motif de l'acheteur", en="Buyer's reason"),
    "alert.fact.decision_url": Message(fr="Décider dans Airflow", en="Decide in Airflow"),
    "alert.fact.todo": Message(fr="À faire", en="What to do"),
    "alert.fact.flux": Message(fr="Flux", en="Flux"),
    "alert.fact.platform_reason": Message(fr="Motif de Chorus Pro", en="Chorus Pro's reason"),
    "alert.flux_refused.headline": Message(
        fr="Chorus Pro a refusé la facture {number} déposée dans le flux {flux} ; elle n'est pas intégrée.",
        en="Chorus Pro refused invoice {number}, deposited in flux {flux}; it is not integrated.",
    ),
    "alert.flux_refused.todo": Message(
        fr=(
            "Corriger la facture (ou sa Factur-X) selon ce motif, puis relancer le DAG "
            "chorus_submit_invoices avec ce numéro de facture."
        ),
        en=(
            "Correct the invoice (or its Factur-X) as the reason says, then trigger "
            "chorus_submit_invoices again with this invoice number."
        ),
    ),
    "alert.fact.received_on": Message(fr="Reçue le", en="Received on"),
    "alert.fact.due_on": Message(fr="Échéance ({days} jours)", en="Due on ({days} days)"),
    "alert.fact.interrupted": Message(fr="Délai interrompu", en="Deadline interrupted"),
    "alert.fact.interrupted_span": Message(
        fr="du {suspended} (SUSPENDUE) au {resumed} (pièces reçues)",
        en="from {suspended} (SUSPENDUE) to {resumed} (documents received)",
    ),
    "alert.fact.interest": Message(fr="Intérêts moratoires estimés", en="Estimated late interest"),
    "alert.fact.fixed_indemnity": Message(fr="Indemnité forfaitaire", en="Fixed indemnity"),
    "alert.fact.finding": Message(fr="Constat", en="Finding"),
    "alert.fact.error": Message(fr="Erreur", en="Error"),
    "alert.no_reason": Message(fr="(aucun motif donné)", en="(no reason given)"),
    # Per kind: the headline, then what to do.
    "alert.blocked.headline": Message(
        fr="La facture {number} est bloquée sur Chorus Pro ({status}) par {buyer}.",
        en="Invoice {number} is blocked on Chorus Pro ({status}) by {buyer}.",
    ),
    "alert.stale.headline": Message(
        fr="La facture {number} est au statut {status} depuis {days} jours (seuil : {limit} jours).",
        en="Invoice {number} has been {status} for {days} days (limit: {limit} days).",
    ),
    "alert.stale.todo": Message(
        fr="Relancer l'acheteur ou son service facturier.",
        en="Follow up with the buyer's accounts payable.",
    ),
    "alert.payment_overdue.headline": Message(
        fr="Le délai légal de paiement de la facture {number} est dépassé de {days_late} jours.",
        en="The legal payment deadline of invoice {number} passed {days_late} days ago.",
    ),
    "alert.payment_overdue.interest_basis": Message(
        fr=" (taux BCE {rate} % + 8 points, au prorata)",
        en=" (ECB rate {rate}% + 8 points, pro rata)",
    ),
    "alert.payment_overdue.todo": Message(
        fr="Ces sommes sont dues de plein droit par l'acheteur public ; relancer son comptable.",
        en="The public buyer owes these by law; follow up with its accountant.",
    ),
    "alert.validation_rejected.headline": Message(
        fr="La facture {number} n'a pas été envoyée à Chorus Pro : elle ne respecte pas les règles.",
        en="Invoice {number} was not sent to Chorus Pro: it breaks the rules.",
    ),
    "alert.validation_rejected.todo": Message(
        fr="Corriger la facture dans la comptabilité ; le prochain export la renverra.",
        en="Correct the invoice in the accounting system; the next export sends it again.",
    ),
    "alert.needs_review.headline": Message(
        fr="Impossible de savoir si la facture {number} a été déposée sur Chorus Pro ; "
        "chorusflow ne la déposera pas de nouveau sans votre décision.",
        en="Whether invoice {number} was deposited on Chorus Pro cannot be told; "
        "chorusflow will not deposit it again without your decision.",
    ),
    "alert.needs_review.todo": Message(
        fr="Chercher la facture sur le portail Chorus Pro (client, montant, date de dépôt). "
        "Si elle y est, noter son identifiant ; sinon, la remettre en dépôt.",
        en="Look for the invoice on the Chorus Pro portal (buyer, amount, deposit date). "
        "If it is there, note its id; otherwise release it for deposit.",
    ),
    "alert.submission_failed.headline": Message(
        fr="Chorus Pro a refusé le dépôt de la facture {number} ; elle n'est pas déposée.",
        en="Chorus Pro refused to deposit invoice {number}; it is not deposited.",
    ),
    "alert.submission_failed.todo": Message(
        fr="Corriger la cause puis relancer le DAG chorus_submit_invoices avec ce numéro de facture.",
        en="Fix the cause, then trigger chorus_submit_invoices again with this invoice number.",
    ),
    "alert.password_expiry.headline": Message(
        fr="Le mot de passe du compte technique Chorus Pro expire le {expires_on} (dans {days_left} jours).",
        en="The Chorus Pro technical account password expires on {expires_on} (in {days_left} days).",
    ),
    "alert.password_expiry.todo": Message(
        fr="Le renouveler sur le portail Chorus Pro, puis mettre à jour le mot de passe de la connexion "
        "Airflow chorus_pro.",
        en="Renew it on the Chorus Pro portal, then update the password of the Airflow connection "
        "chorus_pro.",
    ),
    "alert.decision_reminder.headline": Message(
        fr="Personne n'a encore décidé que faire de la facture {number} ({status}) ; "
        "elle reste bloquée et figurera dans le point quotidien.",
        en="No one has decided yet what to do about invoice {number} "
        "({status}); it stays blocked and will show in the daily digest.",
    ),
    "alert.decision_reminder.under_review": Message(fr="en revue", en="under review"),
    "alert.decision_reminder.todo": Message(
        fr="Répondre dans Airflow (tâche chorus_resolve_invoices), par `chorusflow resolve` ou sur le "
        "portail.",
        en="Answer in Airflow (chorus_resolve_invoices task), with `chorusflow resolve` or on the portal.",
    ),
    # The daily digest.
    "digest.subject": Message(
        fr="[chorusflow] Point du {day} : {blocked} bloquée(s), {stale} sans évolution, "
        "{overdue} en retard de paiement",
        en="[chorusflow] Digest {day}: {blocked} blocked, {stale} not moving, {overdue} overdue",
    ),
    "digest.awaited": Message(fr="Décisions attendues (rappel envoyé)", en="Decisions awaited (reminded)"),
    "digest.blocked": Message(fr="Factures bloquées", en="Blocked invoices"),
    "digest.stale": Message(fr="Factures sans évolution", en="Invoices not moving"),
    "digest.overdue": Message(fr="Paiements en retard", en="Overdue payments"),
    "digest.heading": Message(fr="{title} : {count} (total {total})", en="{title}: {count} (total {total})"),
    "digest.stale_line": Message(fr="{status} depuis {days} jours", en="{status} for {days} days"),
    "digest.overdue_line": Message(
        fr="{days_late} jours de retard, dû en plus : {owed}",
        en="{days_late} days late, extra owed: {owed}",
    ),
    "digest.costs": Message(
        fr="Intérêts et indemnités estimés : {costs}", en="Estimated interest and indemnities: {costs}"
    ),
    "digest.nothing_open": Message(fr="Rien en attente.", en="Nothing open."),
    # One sentence per dispatch, in the run note.
    "dispatch.new": Message(fr="Alertes : {count} nouvelle(s)", en="Alerts: {count} new"),
    # How many new alerts of each kind, in the dispatch summary: "(3 facture(s) bloquée(s))".
    "dispatch.kind.blocked": Message(fr="{count} facture(s) bloquée(s)", en="{count} blocked"),
    "dispatch.kind.stale": Message(fr="{count} statut(s) sans évolution", en="{count} not moving"),
    "dispatch.kind.payment_overdue": Message(fr="{count} paiement(s) en retard", en="{count} overdue"),
    "dispatch.kind.validation_rejected": Message(
        fr="{count} refusée(s) à la validation", en="{count} rejected by validation"
    ),
    "dispatch.kind.submission_failed": Message(
        fr="{count} dépôt(s) refusé(s)", en="{count} refused deposits"
    ),
    "dispatch.kind.needs_review": Message(fr="{count} dépôt(s) à vérifier", en="{count} deposits to check"),
    "dispatch.kind.flux_refused": Message(fr="{count} flux refusé(s)", en="{count} refused flux"),
    "dispatch.kind.password_expiry": Message(
        fr="{count} mot de passe à renouveler", en="{count} password expiry"
    ),
    "dispatch.kind.decision_reminder": Message(
        fr="{count} rappel(s) de décision", en="{count} decision reminder(s)"
    ),
    "dispatch.failed": Message(
        fr=" {failed} envoi(s) en échec, réessayé(s) au prochain passage.",
        en=" {failed} delivery failure(s), retried next run.",
    ),
}
