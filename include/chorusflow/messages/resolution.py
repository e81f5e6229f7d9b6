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
        fr="L'acheteur attend un document ou une précision : choisissez un PDF du dossier des pièces "
        "jointes (`{folder}`, 10 Mo au plus, nom de 50 caractères au plus) et écrivez un commentaire."
        " chorusflow l'ajoute (`ajouter/fichier`) puis complète la facture (`completer`).",
        en="The buyer expects a document or an explanation: pick a PDF from the attachments folder "
        "(`{folder}`, at most 10 MB, name of at most 50 characters) and write a comment. chorusflow "
        "uploads it (`ajouter/fichier`) then completes the invoice (`completer`).",
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
    "resolution.field.attachment": Message(fr="Document à joindre", en="Document to attach"),
    "resolution.field.attachment.help": Message(
        fr="Nom du fichier dans le dossier des pièces jointes (PDF).",
        en="File name in the attachments folder (PDF).",
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
    # The alerts' link to a decision (plugins/chorusflow_decisions.py), when none is open.
    "resolution.no_open_decision": Message(
        fr="Aucune décision ouverte pour la facture {number}.", en="No open decision about invoice {number}."
    ),
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
