"""Decisions about blocked invoices (``resolution.``): the form, its actions, ``chorusflow resolve``."""

from __future__ import annotations

from chorusflow.messages.catalogue import Message

MESSAGES: dict[str, Message] = {
    # The decision form (one human-in-the-loop task per invoice).
    "resolution.subject.suspended": Message(
        fr="Facture {number} suspendue : compléter",
        en="Invoice {number} suspended: complete it",
    ),
    "resolution.subject.to_recycle": Message(
        fr="Facture {number} à recycler",
        en="Invoice {number} to recycle",
    ),
    "resolution.subject.rejected": Message(
        fr="Facture {number} rejetée : que faire ?",
        en="Invoice {number} rejected: what now?",
    ),
    "resolution.subject.review": Message(
        fr="Facture {number} : est-elle sur Chorus Pro ?",
        en="Invoice {number}: is it on Chorus Pro?",
    ),
    "resolution.expects.suspended": Message(
        fr="L'acheteur attend un document ou une précision : téléversez le PDF à joindre (10 Mo au plus, "
        "nom de 50 caractères au plus) et écrivez un commentaire. chorusflow l'ajoute puis complète la "
        "facture sur Chorus Pro.",
        en="The buyer expects a document or an explanation: upload the PDF to attach (at most 10 MB, "
        "name of at most 50 characters) and write a comment. chorusflow adds it, then completes the "
        "invoice on Chorus Pro.",
    ),
    "resolution.expects.to_recycle": Message(
        fr="L'acheteur demande un autre acheminement : indiquez le nouveau code service et/ou le nouveau"
        " numéro d'engagement. Ils sont vérifiés dans l'annuaire Chorus Pro et le profil de "
        "l'acheteur avant l'envoi (`recycler`). Le numéro de facture ne change pas.",
        en="The buyer asks for another routing: give the new service code and/or engagement number. They"
        " are checked against the Chorus Pro directory and the buyer's profile before `recycler` is "
        "sent. The invoice number does not change.",
    ),
    "resolution.expects.rejected": Message(
        fr="La facture est rejetée pour de bon. chorusflow prend acte du rejet (`traiterRejet`), puis : "
        "réémettre (une facture rectificative sous un **nouveau** numéro, dans un prochain export), "
        "émettre un avoir (nouveau numéro, référençant celle-ci) ou abandonner. Le même numéro n'est "
        "jamais redéposé.",
        en="The invoice is rejected for good. chorusflow acknowledges the rejection (`traiterRejet`), "
        "then: re-issue (a corrected invoice under a **new** number, in a later export), issue a "
        "credit note (new number, referring to this one) or abandon. The same number is never "
        "deposited again.",
    ),
    "resolution.expects.review": Message(
        fr="Le dépôt de cette facture a eu une issue ambiguë : cherchez-la sur le portail Chorus Pro. "
        "Trouvée : donnez son identifiant (adopter). Absente : redéposer.",
        en="This invoice's deposit had an ambiguous outcome: look for it on the Chorus Pro portal. "
        "Found: give its id (adopt). Absent: deposit it again.",
    ),
    "resolution.fact.buyer": Message(fr="Acheteur", en="Buyer"),
    "resolution.fact.amount": Message(fr="Montant TTC", en="Amount incl. VAT"),
    "resolution.fact.status": Message(fr="Statut", en="Status"),
    "resolution.fact.comment": Message(fr="Commentaire de l'acheteur", en="Buyer's comment"),
    "resolution.fact.routing": Message(fr="Acheminement actuel", en="Current routing"),
    "resolution.fact.rule": Message(fr="Règle de l'acheteur", en="Buyer's rule"),
    "resolution.fact.reason": Message(fr="Raison", en="Reason"),
    "resolution.field.attachment": Message(fr="Document à joindre (PDF)", en="Document to attach (PDF)"),
    "resolution.field.attachment.help": Message(
        fr="Téléversez le PDF avec le formulaire de la décision dans le bureau des factures.",
        en="Upload the PDF with the decision's form in the invoice desk.",
    ),
    "resolution.field.comment": Message(fr="Commentaire pour l'acheteur", en="Comment for the buyer"),
    "resolution.field.service_code": Message(fr="Nouveau code service", en="New service code"),
    "resolution.field.engagement": Message(fr="Nouveau numéro d'engagement", en="New engagement number"),
    "resolution.field.new_number": Message(
        fr="Numéro de la nouvelle facture ou de l'avoir",
        en="Number of the new invoice or credit note",
    ),
    "resolution.field.chorus_id": Message(
        fr="Identifiant Chorus Pro (pour adopter)",
        en="Chorus Pro id (to adopt)",
    ),
    "resolution.fact_line": Message(fr="- **{label}** : {value}", en="- **{label}**: {value}"),
    # The actions, as HITL options and in messages.
    "resolution.action.complete": Message(fr="Compléter", en="Complete"),
    "resolution.action.recycle": Message(fr="Recycler", en="Recycle"),
    "resolution.action.acknowledge": Message(fr="Prendre acte du rejet", en="Acknowledge the rejection"),
    "resolution.action.reissue": Message(
        fr="Réémettre sous un nouveau numéro",
        en="Re-issue under a new number",
    ),
    "resolution.action.credit_note": Message(fr="Émettre un avoir", en="Issue a credit note"),
    "resolution.action.abandon": Message(fr="Abandonner", en="Abandon"),
    "resolution.action.adopt": Message(
        fr="Elle est sur Chorus Pro (adopter)",
        en="It is on Chorus Pro (adopt)",
    ),
    "resolution.action.release": Message(
        fr="Elle n'y est pas (redéposer)",
        en="It is not there (deposit again)",
    ),
    "resolution.fact.routing_now": Message(
        fr="Code service : {service} ; engagement : {engagement}",
        en="Service code: {service}; engagement: {engagement}",
    ),
    "resolution.fact.rule_field": Message(
        fr="{rule} (champ : numéro d'engagement)", en="{rule} (field: engagement number)"
    ),
    # The decision page (plugins/chorusflow_decisions.py): the form, its answers, reopening.
    "resolution.page.title": Message(fr="Décision", en="Decision"),
    "resolution.page.required": Message(fr="obligatoire", en="required"),
    "resolution.page.one_of": Message(fr="l'un des deux au moins", en="at least one of the two"),
    "resolution.page.upload": Message(
        fr="PDF à joindre, depuis votre ordinateur (10 Mo au plus, nom de 50 caractères au plus)",
        en="PDF to attach, from your computer (at most 10 MB, name of at most 50 characters)",
    ),
    "resolution.page.refused": Message(
        fr="Réponse refusée, rien n'a été envoyé à Chorus Pro. Corrigez et répondez à nouveau : la "
        "décision reste ouverte.",
        en="Answer refused, nothing was sent to Chorus Pro. Correct it and answer again: the decision "
        "stays open.",
    ),
    "resolution.page.finding": Message(fr="{code} : {message}", en="{code}: {message}"),
    "resolution.page.viewer": Message(
        fr="Vous pouvez consulter cette décision mais pas y répondre. Seul un décideur peut décider : "
        "un utilisateur d'Airflow au rôle « User » (ou plus). Demandez ce rôle à l'administrateur "
        "d'Airflow, ou transmettez la décision à un décideur.",
        en="You can read this decision but not answer it. Only a decider can decide: an Airflow user "
        "with the \u201cUser\u201d role (or above). Ask Airflow's administrator for that role, or "
        "hand the decision to a decider.",
    ),
    "resolution.page.sent": Message(
        fr="Réponse envoyée : chorusflow l'applique sur Chorus Pro (quelques secondes). Cette page se "
        "met à jour seule.",
        en="Answer sent: chorusflow applies it on Chorus Pro (a few seconds). This page updates itself.",
    ),
    "resolution.page.applying": Message(
        fr="Une réponse est en cours d'application. Cette page se met à jour seule.",
        en="An answer is being applied. This page updates itself.",
    ),
    "resolution.page.none": Message(
        fr="Aucune décision n'est ouverte pour la facture {number}.",
        en="No decision is open about invoice {number}.",
    ),
    "resolution.page.state": Message(
        fr="État de la facture : {state} ; statut Chorus Pro : {status}.",
        en="Invoice state: {state}; Chorus Pro status: {status}.",
    ),
    "resolution.page.waits": Message(
        fr="La facture attend toujours une décision (la précédente a été close ou a échoué). Rouvrez-la "
        "pour poser la question à nouveau.",
        en="The invoice still waits for a decision (the previous one was closed or failed). Reopen it "
        "to ask again.",
    ),
    "resolution.page.no_need": Message(
        fr="La facture n'attend pas de décision.", en="The invoice does not wait for a decision."
    ),
    "resolution.page.reopen": Message(fr="Rouvrir la décision", en="Reopen the decision"),
    "resolution.page.reopened": Message(
        fr="Décision rouverte : le formulaire s'ouvre dans quelques secondes (cette page se met à jour "
        "seule).",
        en="Decision reopened: the form opens in a few seconds (this page updates itself).",
    ),
    "resolution.page.paused": Message(
        fr="Le DAG des décisions est en pause dans Airflow : demandez à l'administrateur de le réactiver.",
        en="The decisions DAG is paused in Airflow: ask the administrator to unpause it.",
    ),
    "resolution.page.last_refused": Message(
        fr="Dernière réponse refusée ({by}), rien n'a été envoyé :",
        en="Last answer refused ({by}), nothing was sent:",
    ),
    "resolution.page.desk": Message(fr="Voir la facture dans le bureau", en="See the invoice in the desk"),
    "resolution.page.unknown": Message(
        fr="La facture {number} est inconnue du registre.", en="Invoice {number} is not in the ledger."
    ),
    "resolution.page.upload_only": Message(fr="Téléverser le document", en="Upload the document"),
    "resolution.page.uploaded": Message(
        fr="Document « {name} » reçu et vérifié.", en="Document '{name}' received and checked."
    ),
    "resolution.page.awaiting": Message(
        fr="Décision attendue : ouvrir le formulaire", en="Awaiting your decision: open the form"
    ),
    "resolution.page.link": Message(
        fr="[Répondre avec la page de décision]({url}) : téléversement du PDF, raisons d'un refus.",
        en="[Answer with the decision page]({url}): PDF upload, reasons of a refusal.",
    ),
    "resolution.page.awaiting_short": Message(fr="décision attendue", en="awaiting decision"),
    "resolution.page.decide": Message(
        fr="Décider : ouvrir la page de la décision", en="Decide: open the decision's page"
    ),
    # The Params (trigger) form of chorus_resolve_invoices.
    "resolution.params.invoice_number": Message(fr="Numéro de facture", en="Invoice number"),
    "resolution.params.invoice_number.help": Message(
        fr="Poser la question pour cette facture seulement (ou, avec une action, décider tout de suite). "
        "Vide : toutes les factures qui attendent une décision.",
        en="Ask about this invoice only (or, with an action, decide at once). Empty: every invoice "
        "waiting for a decision.",
    ),
    "resolution.params.supplier": Message(fr="Fournisseur", en="Supplier"),
    "resolution.params.supplier.help": Message(
        fr="Avec plusieurs fournisseurs : celui de la facture (identifiant ou SIRET), si son numéro ne "
        "suffit pas.",
        en="With several suppliers: the invoice's supplier (id or SIRET), when its number is not enough.",
    ),
    "resolution.params.action": Message(fr="Action (sans formulaire)", en="Action (without a form)"),
    "resolution.params.action.help": Message(
        fr="Laisser vide pour ouvrir le formulaire de décision. Choisie : la décision est appliquée tout "
        "de suite avec les champs ci-dessous.",
        en="Leave empty to open the decision form. Chosen: the decision is applied at once with the "
        "fields below.",
    ),
    "resolution.params.attachment.help": Message(
        fr="Compléter : nom d'un PDF du dossier des pièces jointes du serveur (sinon, téléversez-le "
        "avec le formulaire de la décision).",
        en="Complete: name of a PDF in the server's attachments folder (otherwise, upload it with the "
        "decision's form).",
    ),
    "resolution.params.comment.help": Message(
        fr="Compléter, recycler : envoyé avec l'action.", en="Complete, recycle: sent with the action."
    ),
    "resolution.params.routing.help": Message(fr="Recycler.", en="Recycle."),
    "resolution.params.new_number.help": Message(
        fr="Réémettre, avoir : la facture qui remplace celle-ci.",
        en="Re-issue, credit note: the invoice replacing this one.",
    ),
    "resolution.params.chorus_id.help": Message(fr="Adopter.", en="Adopt."),
    # chorusflow resolve.
    "resolution.cli.help": Message(
        fr="répondre à une facture bloquée (compléter, recycler, rejet, revue)",
        en="answer a blocked invoice (complete, recycle, rejection, review)",
    ),
    "resolution.cli.number": Message(fr="numéro de la facture", en="invoice number"),
    "resolution.cli.complete": Message(
        fr="compléter une facture suspendue avec ce document (dossier des pièces jointes)",
        en="complete a suspended invoice with this document (attachments folder)",
    ),
    "resolution.cli.comment": Message(fr="commentaire pour l'acheteur", en="comment for the buyer"),
    "resolution.cli.recycle": Message(
        fr="recycler une facture à recycler (avec --service et/ou --engagement)",
        en="recycle an invoice to recycle (with --service and/or --engagement)",
    ),
    "resolution.cli.service": Message(fr="nouveau code service", en="new service code"),
    "resolution.cli.engagement": Message(fr="nouveau numéro d'engagement", en="new engagement number"),
    "resolution.cli.acknowledge": Message(
        fr="prendre acte d'un rejet (traiterRejet)",
        en="acknowledge a rejection (traiterRejet)",
    ),
    "resolution.cli.reissue": Message(
        fr="prendre acte du rejet : une facture rectificative suivra sous ce nouveau numéro",
        en="acknowledge the rejection: a corrected invoice follows under this new number",
    ),
    "resolution.cli.credit_note": Message(
        fr="prendre acte du rejet : un avoir suivra sous ce nouveau numéro",
        en="acknowledge the rejection: a credit note follows under this new number",
    ),
    "resolution.cli.abandon": Message(
        fr="prendre acte du rejet et abandonner la facture",
        en="acknowledge the rejection and abandon the invoice",
    ),
    "resolution.cli.adopt": Message(
        fr="facture en revue : elle est sur Chorus Pro sous cet identifiant",
        en="invoice under review: it is on Chorus Pro under this id",
    ),
    "resolution.cli.release": Message(
        fr="facture en revue : elle n'est pas sur Chorus Pro, la redéposer",
        en="invoice under review: it is not on Chorus Pro, deposit it again",
    ),
    "resolution.cli.by": Message(
        fr="qui décide (par défaut : l'utilisateur du système)",
        en="who decides (default: the system user)",
    ),
    "resolution.cli.supplier": Message(
        fr="fournisseur de la facture (identifiant ou SIRET/numéro), avec plusieurs fournisseurs ; "
        "son compte technique est lu dans AIRFLOW_CONN_<sa connexion>",
        en="the invoice's supplier (id or SIRET/identifier), with several suppliers; its technical "
        "account is read from AIRFLOW_CONN_<its connection>",
    ),
    "resolution.cli.json": Message(fr="résultat en JSON", en="result as JSON"),
    "resolution.cli.failed": Message(
        fr="Impossible de traiter la décision : {reason}",
        en="Could not apply the decision: {reason}",
    ),
}
