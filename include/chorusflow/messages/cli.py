"""Every command's help and output (``cli.``), and how ledger states read (``state.``)."""

from __future__ import annotations

from chorusflow.messages.catalogue import Message

MESSAGES: dict[str, Message] = {
    # The ``chorusflow`` command itself, and what argparse prints (usage, section titles, -h).
    "cli.usage": Message(fr="utilisation : ", en="usage: "),
    "cli.positionals": Message(fr="arguments positionnels", en="positional arguments"),
    "cli.options": Message(fr="options", en="options"),
    "cli.help": Message(fr="afficher cette aide et quitter", en="show this help message and exit"),
    "cli.version": Message(
        fr="afficher la version de chorusflow et quitter",
        en="show chorusflow's version and exit",
    ),
    "cli.description": Message(
        fr=(
            "chorusflow : les factures d'un export comptable validées et déposées sur Chorus Pro, avec "
            "Airflow"
        ),
        en=(
            "chorusflow: the invoices of an accounting export validated and deposited on Chorus Pro, "
            "with Airflow"
        ),
    ),
    "cli.command": Message(fr="COMMANDE", en="COMMAND"),
    # chorusflow buyer SIRET
    "cli.buyer.help": Message(
        fr="exigences d'un acheteur public sur Chorus Pro (code service, engagement, services)",
        en="what a public buyer requires on Chorus Pro (service code, engagement, services)",
    ),
    "cli.buyer.description": Message(
        fr=(
            "Lire sur Chorus Pro ce qu'un acheteur public exige (code service, numéro d'engagement) et "
            "ses services, par la connexion AIRFLOW_CONN_CHORUS_PRO."
        ),
        en=(
            "Read on Chorus Pro what a public buyer requires (service code, engagement number) and its "
            "services, through the AIRFLOW_CONN_CHORUS_PRO connection."
        ),
    ),
    "cli.buyer.siret_help": Message(
        fr="SIRET de l'acheteur (14 chiffres)",
        en="the buyer's SIRET (14 digits)",
    ),
    "cli.buyer.json_help": Message(fr="écrire du JSON au lieu de texte", en="print JSON instead of text"),
    "cli.buyer.not_found": Message(
        fr="Aucune structure avec le SIRET {siret} sur Chorus Pro.",
        en="No structure with SIRET {siret} on Chorus Pro.",
    ),
    "cli.buyer.config": Message(
        fr="Configuration Chorus Pro manquante ou invalide : {detail}",
        en="Chorus Pro configuration missing or invalid: {detail}",
    ),
    "cli.buyer.unreachable": Message(
        fr="Chorus Pro est injoignable ({detail}).",
        en="Chorus Pro cannot be reached ({detail}).",
    ),
    "cli.buyer.refused": Message(
        fr="Chorus Pro a refusé la demande : {detail}",
        en="Chorus Pro refused the request: {detail}",
    ),
    "cli.buyer.title": Message(
        fr="Acheteur {siret} — {name} (idStructureCPP {id})",
        en="Buyer {siret} — {name} (idStructureCPP {id})",
    ),
    "cli.buyer.active": Message(fr="Structure active", en="Active structure"),
    "cli.buyer.service_code_required": Message(fr="Code service obligatoire", en="Service code required"),
    "cli.buyer.engagement_required": Message(
        fr="Numéro d'engagement obligatoire",
        en="Engagement number required",
    ),
    "cli.buyer.service_or_engagement_required": Message(
        fr="Code service ou numéro d'engagement obligatoire",
        en="Service code or engagement number required",
    ),
    "cli.buyer.payment_status_not_reported": Message(
        fr="Statut « mise en paiement » non remonté",
        en="Payment status not reported",
    ),
    "cli.buyer.services": Message(fr="Services ({count})", en="Services ({count})"),
    "cli.buyer.no_services": Message(fr="Aucun service déclaré.", en="No service declared."),
    "cli.buyer.service_line": Message(
        fr="  - {code} : {label} — {active}, engagement {engagement}",
        en="  - {code}: {label} — {active}, engagement {engagement}",
    ),
    "cli.buyer.yes": Message(fr="oui", en="yes"),
    "cli.buyer.no": Message(fr="non", en="no"),
    "cli.buyer.service_active": Message(fr="actif", en="active"),
    "cli.buyer.service_inactive": Message(fr="inactif", en="inactive"),
    "cli.buyer.engagement_mandatory": Message(fr="obligatoire", en="required"),
    "cli.buyer.engagement_optional": Message(fr="facultatif", en="optional"),
    # chorusflow validate EXPORT
    "cli.validate.help": Message(
        fr=(
            "vérifier un export comptable : droit français de la facturation et règles Chorus Pro des "
            "acheteurs"
        ),
        en="check an accounting export against French invoicing law and the buyers' Chorus Pro rules",
    ),
    "cli.validate.description": Message(
        fr=(
            "Vérifier un export comptable (CSV) et indiquer, par facture, les codes des règles qu'elle "
            "enfreint."
        ),
        en="Check an accounting export (CSV) and report, per invoice, the rule codes it breaks.",
    ),
    "cli.validate.export_help": Message(fr="le fichier d'export (CSV)", en="the export file (CSV)"),
    "cli.validate.mapping_help": Message(
        fr="correspondance des colonnes en YAML (voir docs/export-format.md)",
        en="YAML column mapping (see docs/export-format.md)",
    ),
    "cli.validate.facturx_help": Message(
        fr="produire aussi le Factur-X de chaque facture valide et vérifier sa conformité (XSD, "
        "schematrons EN 16931 et français, PDF/A-3)",
        en="also build each valid invoice's Factur-X and check its conformance (XSD, EN 16931 "
        "and French schematrons, PDF/A-3)",
    ),
    "cli.validate.offline_help": Message(
        fr="ne pas vérifier les règles de l'annuaire Chorus Pro",
        en="skip the Chorus Pro directory rules",
    ),
    "cli.validate.supplier_help": Message(
        fr=(
            "valider toutes les factures comme celles de ce fournisseur (id ou identifiant) ; sans "
            "cette option, chaque facture va à son fournisseur comme dans le DAG (docs/suppliers.md)"
        ),
        en=(
            "validate every invoice as this supplier's (id or identifier); without it, each invoice "
            "goes to its own supplier as in the DAG (docs/suppliers.md)"
        ),
    ),
    "cli.validate.no_supplier": Message(
        fr="Fournisseur inconnu ou configuration illisible : {detail}",
        en="Unknown supplier or unreadable configuration: {detail}",
    ),
    "cli.validate.lang_help": Message(
        fr="langue des messages (par défaut CHORUSFLOW_LANG)",
        en="language of messages (default CHORUSFLOW_LANG)",
    ),
    "cli.validate.json_help": Message(
        fr="écrire un document JSON au lieu d'un rapport",
        en="write one JSON document instead of a report",
    ),
    "cli.validate.output_help": Message(
        fr="écrire le rapport ou le JSON dans FICHIER au lieu de la sortie standard",
        en="write the report or the JSON to FILE instead of the standard output",
    ),
    "cli.validate.file": Message(fr="FICHIER", en="FILE"),
    "cli.validate.offline": Message(
        fr=(
            "Mode hors ligne : les règles de l'annuaire Chorus Pro (acheteur, services, engagement) "
            "n'ont pas été vérifiées."
        ),
        en="Offline mode: the Chorus Pro directory rules (buyer, services, engagement) were not checked.",
    ),
    "cli.validate.file_error": Message(fr="Fichier refusé", en="File refused"),
    "cli.validate.invoice": Message(fr="Facture", en="Invoice"),
    "cli.validate.row": Message(fr="ligne", en="row"),
    "cli.validate.summary": Message(
        fr=(
            "{invoices} facture(s), {lines} ligne(s) : {valid} valide(s), {invalid} invalide(s), "
            "{warnings} avertissement(s)."
        ),
        en=(
            "{invoices} invoice(s), {lines} line(s): {valid} valid, {invalid} invalid, {warnings} warning(s)."
        ),
    ),
    "cli.validate.warning": Message(fr="avertissement", en="warning"),
    "cli.validate.no_connection": Message(
        fr="Connexion Chorus Pro indisponible ({detail}) ; utilisez --offline pour valider sans l'annuaire.",
        en="Chorus Pro connection unavailable ({detail}); use --offline to validate without the directory.",
    ),
    "cli.validate.internal": Message(
        fr="Erreur inattendue pendant la validation ({detail}).",
        en="Unexpected error during validation ({detail}).",
    ),
    "cli.validate.unwritable": Message(
        fr="Impossible d'écrire {path} ({detail}).",
        en="Cannot write {path} ({detail}).",
    ),
    "cli.validate.filled": Message(fr="complété", en="filled in"),
    # chorusflow validate with several suppliers (docs/suppliers.md): each invoice under its supplier
    "cli.validate.of_supplier": Message(fr="fournisseur {supplier}", en="supplier {supplier}"),
    "cli.validate.refused": Message(
        fr="Factures refusées, sans fournisseur certain (rien n'en serait enregistré) :",
        en="Refused invoices, without a certain supplier (nothing of them would be recorded):",
    ),
    "cli.validate.supplier_summary": Message(
        fr="Fournisseur {supplier} ({name}) — {summary}",
        en="Supplier {supplier} ({name}) — {summary}",
    ),
    "cli.validate.total": Message(
        fr=(
            "Total — {invoices} facture(s), {lines} ligne(s) : {valid} valide(s), {invalid} "
            "invalide(s) dont {refused} refusée(s) pour leur fournisseur, {warnings} avertissement(s)."
        ),
        en=(
            "Total — {invoices} invoice(s), {lines} line(s): {valid} valid, {invalid} invalid of which "
            "{refused} refused over their supplier, {warnings} warning(s)."
        ),
    ),
    # chorusflow render EXPORT --invoice NUMBER
    "cli.facturx.help": Message(
        fr=(
            "produire le Factur-X (PDF/A-3 + CII EN 16931) d'une facture d'un export et vérifier sa "
            "conformité"
        ),
        en="build one invoice of an export as Factur-X (PDF/A-3 + CII EN 16931) and check its conformance",
    ),
    "cli.facturx.description": Message(
        fr=(
            "Valider un export comptable hors ligne, écrire le Factur-X d'une de ses factures et "
            "vérifier sa conformité comme avant un dépôt."
        ),
        en=(
            "Validate an accounting export offline, write the Factur-X of one of its invoices and check "
            "its conformance as before a deposit."
        ),
    ),
    "cli.facturx.export_help": Message(
        fr="le fichier d'export (CSV)",
        en="the export file (CSV)",
    ),
    "cli.facturx.invoice_help": Message(
        fr="le numéro de la facture à produire",
        en="the invoice number to build",
    ),
    "cli.facturx.output_help": Message(
        fr="le fichier à écrire (PDF, ou XML avec --xml)",
        en="the file to write (PDF, or XML with --xml)",
    ),
    "cli.facturx.xml_help": Message(
        fr="écrire seulement le XML CII",
        en="write the CII XML only",
    ),
    "cli.facturx.mapping_help": Message(
        fr="correspondance des colonnes en YAML (voir docs/export-format.md)",
        en="YAML column mapping (see docs/export-format.md)",
    ),
    "cli.facturx.lang_help": Message(
        fr="langue des messages",
        en="language of the messages",
    ),
    "cli.facturx.number": Message(
        fr="NUMÉRO",
        en="NUMBER",
    ),
    "cli.facturx.file": Message(
        fr="FICHIER",
        en="FILE",
    ),
    "cli.facturx.failed": Message(
        fr="Erreur pendant la production du Factur-X ({detail}).",
        en="Error while building the Factur-X ({detail}).",
    ),
    "cli.facturx.unwritable": Message(
        fr="Impossible d'écrire {path} ({detail}).",
        en="Cannot write {path} ({detail}).",
    ),
    "cli.facturx.written": Message(
        fr="Facture {number} : {path} ({size} octets), conforme.",
        en="Invoice {number}: {path} ({size} bytes), conformant.",
    ),
    "cli.facturx.not_conformant": Message(
        fr="Facture {number} : {path} ({size} octets), NON conforme : elle ne serait pas déposée.",
        en="Invoice {number}: {path} ({size} bytes), NOT conformant: it would not be deposited.",
    ),
    "cli.render.help": Message(
        fr="produire le PDF d'une facture d'un export comptable, tel qu'il serait déposé sur Chorus Pro",
        en="render one invoice of an accounting export as the PDF deposited on Chorus Pro",
    ),
    "cli.render.description": Message(
        fr="Valider un export comptable hors ligne et écrire le PDF d'une de ses factures.",
        en="Validate an accounting export offline and write the PDF of one of its invoices.",
    ),
    "cli.render.export_help": Message(fr="le fichier d'export (CSV)", en="the export file (CSV)"),
    "cli.render.invoice_help": Message(
        fr="le numéro de la facture à produire",
        en="the invoice number to render",
    ),
    "cli.render.output_help": Message(fr="le fichier PDF à écrire", en="the PDF file to write"),
    "cli.render.mapping_help": Message(
        fr="correspondance des colonnes en YAML (voir docs/export-format.md)",
        en="YAML column mapping (see docs/export-format.md)",
    ),
    "cli.render.lang_help": Message(
        fr="langue du PDF (par défaut fr) et des messages",
        en="language of the PDF (default fr) and of the messages",
    ),
    "cli.render.number": Message(fr="NUMÉRO", en="NUMBER"),
    "cli.render.file": Message(fr="FICHIER", en="FILE"),
    "cli.render.unknown": Message(
        fr="Facture {number} absente de l'export ({count} facture(s) : {known}).",
        en="Invoice {number} is not in the export ({count} invoice(s): {known}).",
    ),
    "cli.render.invalid": Message(
        fr="Facture {number} invalide : fichier non produit.",
        en="Invoice {number} is invalid: no file produced.",
    ),
    "cli.render.unwritable": Message(
        fr="Impossible d'écrire {path} ({detail}).",
        en="Cannot write {path} ({detail}).",
    ),
    "cli.render.render_failed": Message(
        fr="Erreur inattendue pendant le rendu du PDF ({detail}).",
        en="Unexpected error while rendering the PDF ({detail}).",
    ),
    "cli.render.written": Message(
        fr="Facture {number} : {path} ({size} octets).",
        en="Invoice {number}: {path} ({size} bytes).",
    ),
    "cli.render.missing": Message(
        fr="  ! {field} : mention obligatoire absente du PDF, faute de donnée.",
        en="  ! {field}: mandatory mention missing from the PDF, for want of data.",
    ),
    # chorusflow ledger
    "cli.ledger.help": Message(
        fr="registre des factures (base d'état de chorusflow)",
        en="invoice ledger (chorusflow's state store)",
    ),
    "cli.ledger.description": Message(
        fr=(
            "Le registre des factures, la base d'état de chorusflow : le créer ou le mettre à jour, le "
            "consulter."
        ),
        en="The invoice ledger, chorusflow's state store: create or upgrade it, look at it.",
    ),
    "cli.ledger.subcommand": Message(fr="SOUS-COMMANDE", en="SUBCOMMAND"),
    "cli.ledger.migrate_help": Message(
        fr="créer ou mettre à jour le schéma du registre",
        en="create or upgrade the ledger schema",
    ),
    "cli.ledger.list_help": Message(fr="lister les factures du registre", en="list the ledger's invoices"),
    "cli.ledger.show_help": Message(
        fr="afficher une facture avec ses tentatives et son historique de statuts",
        en="show one invoice with its attempts and status history",
    ),
    "cli.ledger.state_help": Message(
        fr="seulement les factures dans cet état local (valeur anglaise stable : {states})",
        en="only invoices in this local state ({states})",
    ),
    "cli.ledger.supplier_help": Message(
        fr="SIRET du fournisseur (si plusieurs fournisseurs partagent le registre)",
        en="supplier SIRET (when several suppliers share the ledger)",
    ),
    "cli.ledger.json_help": Message(fr="sortie JSON", en="JSON output"),
    "cli.ledger.number_help": Message(fr="numéro de la facture", en="the invoice number"),
    "cli.ledger.state_metavar": Message(fr="ÉTAT", en="STATE"),
    "cli.ledger.number_metavar": Message(fr="NUMÉRO", en="NUMBER"),
    "cli.ledger.migrated": Message(
        fr="Registre à jour (révision {revision}) : {url}",
        en="Ledger up to date (revision {revision}): {url}",
    ),
    "cli.ledger.empty": Message(fr="Aucune facture dans le registre.", en="No invoice in the ledger."),
    "cli.ledger.no_ledger": Message(
        fr=(
            "Pas encore de registre ({where}) : « chorusflow ledger migrate » le crée, les DAG aussi à "
            "leur premier passage."
        ),
        en=(
            "No ledger yet ({where}): 'chorusflow ledger migrate' creates it, and so do the DAGs on "
            "their first run."
        ),
    ),
    "cli.ledger.unknown": Message(
        fr="Facture {number} inconnue du registre.",
        en="Invoice {number} is not in the ledger.",
    ),
    "cli.ledger.ambiguous": Message(
        fr="Le numéro {number} existe pour plusieurs fournisseurs : précisez --supplier SIRET.",
        en="Invoice number {number} exists for several suppliers: add --supplier SIRET.",
    ),
    "cli.ledger.bad_url": Message(
        fr="Connexion au registre invalide : {reason}",
        en="Invalid ledger connection: {reason}",
    ),
    "cli.ledger.unreachable": Message(
        fr="Registre inaccessible ({url}) : {reason}",
        en="Ledger unreachable ({url}): {reason}",
    ),
    "cli.ledger.schema": Message(
        fr="Schéma du registre inconnu de cette version de chorusflow ({url}) : {reason}",
        en="Ledger schema unknown to this chorusflow version ({url}): {reason}",
    ),
    "cli.ledger.outdated": Message(
        fr=(
            "Le registre ({url}) est à la révision {revision}, cette version de chorusflow lit la "
            "révision {head} : lancez « chorusflow ledger migrate »."
        ),
        en=(
            "The ledger ({url}) is at revision {revision}, this chorusflow version reads revision "
            "{head}: run 'chorusflow ledger migrate'."
        ),
    ),
    "cli.ledger.number": Message(fr="Numéro", en="Number"),
    "cli.ledger.buyer": Message(fr="Acheteur", en="Buyer"),
    "cli.ledger.ttc": Message(fr="Montant TTC", en="Total incl. VAT"),
    "cli.ledger.state": Message(fr="État", en="State"),
    "cli.ledger.status": Message(fr="Statut Chorus Pro", en="Chorus Pro status"),
    "cli.ledger.cpp_id": Message(fr="Id. facture CPP", en="CPP invoice id"),
    "cli.ledger.flux": Message(fr="Flux", en="Flow"),
    "cli.ledger.error": Message(fr="Dernière erreur", en="Last error"),
    "cli.ledger.attempts": Message(fr="Tentatives de dépôt", en="Submission attempts"),
    "cli.ledger.history": Message(fr="Historique des statuts Chorus Pro", en="Chorus Pro status history"),
    "cli.ledger.decisions": Message(fr="Décisions", en="Decisions"),
    "cli.ledger.replaces": Message(
        fr="remplace la facture rejetée {number}", en="replaces rejected invoice {number}"
    ),
    "cli.ledger.none": Message(fr="(aucune)", en="(none)"),
    "cli.ledger.supplier": Message(fr="Fournisseur", en="Supplier"),
    "cli.ledger.export": Message(fr="Export d'origine", en="Source export"),
    "cli.ledger.findings": Message(fr="Anomalies", en="Findings"),
    "cli.ledger.claimed": Message(fr="Réservée par", en="Claimed by"),
    "cli.ledger.until": Message(fr="jusqu'à", en="until"),
    # How a ledger state reads in a table or a note (``--state`` and ``--json`` keep the stable value).
    "state.pending": Message(fr="en attente", en="pending"),
    "state.invalid": Message(fr="invalide", en="invalid"),
    "state.submitting": Message(fr="en cours de dépôt", en="submitting"),
    "state.needs_review": Message(fr="à vérifier", en="needs review"),
    "state.in_flux": Message(fr="déposée en flux, en cours d'intégration", en="in flux, being integrated"),
    "state.submitted": Message(fr="déposée", en="submitted"),
    "state.failed": Message(fr="en échec", en="failed"),
    "state.blocked": Message(fr="bloquée", en="blocked"),
    "state.paid": Message(fr="payée", en="paid"),
    "state.closed": Message(fr="close", en="closed"),
    # chorusflow sandbox (dev tooling)
    "cli.sandbox.help": Message(
        fr="lancer un bac à sable Chorus Pro local",
        en="run a local Chorus Pro sandbox",
    ),
    "cli.sandbox.description": Message(
        fr=(
            "Lancer un Chorus Pro local (jeton PISTE et API Chorus Pro). La première ligne de la "
            "sortie standard est la valeur JSON d'AIRFLOW_CONN_CHORUS_PRO qui l'atteint ; les journaux "
            "des requêtes vont sur la sortie d'erreur."
        ),
        en=(
            "Run a local Chorus Pro (PISTE token + Chorus Pro API). The first stdout line is the JSON "
            "value of AIRFLOW_CONN_CHORUS_PRO that reaches it; request logs go to stderr."
        ),
    ),
    "cli.sandbox.host_help": Message(
        fr="interface d'écoute (par défaut 127.0.0.1)",
        en="interface to bind (default 127.0.0.1)",
    ),
    "cli.sandbox.port_help": Message(
        fr="port (par défaut 8765 ; 0 en choisit un libre)",
        en="port (default 8765; 0 picks a free port)",
    ),
    "cli.sandbox.directory_help": Message(
        fr="fichier d'annuaire (JSON ou YAML)",
        en="directory file (JSON or YAML)",
    ),
    "cli.sandbox.state_help": Message(
        fr="fichier d'état conservé d'un lancement à l'autre",
        en="state file kept across restarts",
    ),
    "cli.sandbox.profile_help": Message(
        fr="délais de traitement des flux : realistic (par défaut, de 3 à 30 minutes comme la plateforme) "
        "ou fast (traité au deuxième consulterCRDetaille, pour les tests)",
        en="flux processing delays: realistic (default, 3 to 30 minutes like the platform) "
        "or fast (processed at the second consulterCRDetaille, for tests)",
    ),
    "cli.sandbox.clock_speed_help": Message(
        fr="secondes simulées par seconde réelle pour ces délais (par défaut 1)",
        en="simulated seconds per real second for those delays (default 1)",
    ),
    "cli.sandbox.file": Message(fr="FICHIER", en="FILE"),
    "cli.sandbox.host": Message(fr="ADRESSE", en="HOST"),
}
