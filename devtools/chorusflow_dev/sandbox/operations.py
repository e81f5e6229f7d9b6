"""Business behaviour of the Chorus Pro operations served by the sandbox.

Each operation takes the already-validated JSON body and returns ``(http_status, answer)``. Callers
hold the state lock. Functional refusals use HTTP 200 with ``codeRetour`` >= 20000; every code used
here is listed in docs/sandbox.md.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
import random
import re
import time as _time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from chorusflow_dev.sandbox.directory import Directory, ServiceEntry, StructureEntry
from chorusflow_dev.sandbox.flux_files import read_flux
from chorusflow_dev.sandbox.pdf import pdf_refusal
from chorusflow_dev.sandbox.settings import Faults
from chorusflow_dev.sandbox.state import StateStore
from chorusflow_dev.sandbox.validation import validate_request_body

Answer = tuple[int, dict[str, Any]]

OK_SEARCH = "TRA_MSG_00.000"
TRANSVERSES = "/cpro/transverses/v1"
OK_ACTION = "GCU_MSG_01_000"
MAX_FILE_BYTES = 10 * 1024 * 1024
SEARCH_RESULT_CAP = 200  # rechercher/fournisseur never returns more results (pages included)
INVOICE_NUMBER_RE = re.compile(r"^[A-Za-z0-9\-_/+]{1,20}$")
ATTACHMENT_EXTENSIONS = {
    "BMP", "GIF", "FAX", "ODT", "PPT", "TIFF", "XLS", "BZ2", "GZ", "JPEG", "P7S", "RTF", "TXT", "XML", "CSV",
    "GZIP", "JPG", "PDF", "SVG", "XHTML", "XLSX", "DOC", "HTM", "ODP", "PNG", "TGZ", "XLC", "ZIP", "DOCX",
    "HTML", "ODS", "PPS", "TIF", "XLM", "PPTX",
}  # fmt: skip
RESERVED_SERVICE = "FACTURES_PUBLIQUES"
# Modes that keep the supplier's number and date; in SAISIE_API Chorus Pro issues the invoice itself
# (AIFE community page "Submit invoice"; the AIFE field description in facturation_electronique).
PDF_MODES = ("DEPOT_PDF_API", "DEPOT_PDF_SIGNE_API")
SAISIE_SEQUENCE_DIGITS = 16  # numeroFacture = deposit year + 16 digits, e.g. 20250000000000000014
FLUX_PENDING = "IN_DEPOT_PORTAIL_EN_ATTENTE_TRAITEMENT_SE_CPP"
FLUX_WAITING = "IN_EN_ATTENTE_TRAITEMENT_CPP"
FLUX_IN_PROGRESS = "IN_EN_COURS_TRAITEMENT_CPP"
# The states a flux shows while it waits, each for a third of its processing delay (realistic timing).
FLUX_WAITING_STATES = (FLUX_PENDING, FLUX_WAITING, FLUX_IN_PROGRESS)
# States after which the sandbox never processes a flux again (any other one is processed again).
FLUX_FINAL = {
    "IN_INTEGRE",
    "IN_INTEGRE_PARTIEL",
    "IN_REJETE",
    "IN_INCIDENTE",
    "IN_A_RELANCER",
    "IN_ERREUR_INTERNE",
}
# Interface codes: FSO1100A, FSO1106A, FSO1117A are documented; the others are invented but stable.
FLUX_INTERFACE_CODES = {
    "IN_DP_E1_UBL_INVOICE": "1100",
    "IN_DP_E1_PES_FACTURE": "1101",
    "IN_DP_E1_XCBL": "1102",
    "IN_DP_E1_CII": "1105",
    "IN_DP_E1_CII_16B": "1106",
    "IN_DP_E2_UBL_INVOICE_MIN": "1110",
    "IN_DP_E2_CII_MIN": "1111",
    "IN_DP_E2_PES_FACTURE_MIN": "1112",
    "IN_DP_E2_CPP_FACTURE_MIN": "1113",
    "IN_DP_E2_CII_MIN_16B": "1115",
    "IN_DP_E2_CII_FACTURX": "1117",
    "IN_DP_PDFARCHIVE_UBL_INVOICE_MUG": "1120",
    "IN_DP_PDFARCHIVE_CII_MUG": "1121",
}
# Statuses a recipient (or the platform) may set through the admin endpoint.
RECIPIENT_STATUSES = {
    "DEPOSEE", "EN_COURS_ACHEMINEMENT", "MISE_A_DISPOSITION", "PRISE_EN_COMPTE_DESTINATAIRE", "SUSPENDUE",
    "A_RECYCLER", "REJETEE", "SERVICE_FAIT", "MANDATEE", "MISE_A_DISPOSITION_COMPTABLE", "COMPTABILISEE",
    "MISE_EN_PAIEMENT", "ABANDONNEE", "SUPPRIMEE", "COMPLETEE", "A_COMPLETER",
}  # fmt: skip
COMMENT_REQUIRED_STATUSES = {"SUSPENDUE", "REJETEE", "A_RECYCLER"}


MESSAGE_KEY_RE = re.compile(r"^([A-Z]{3}_MSG_\d{2}[._]\d{3})(?: (.+))?$", re.DOTALL)
#: The duplicate refusal's libellé: a bare key, like every real refusal found (the key is the
#: sandbox's own: no public source names it).
DUPLICATE_KEY = "GDP_MSG_11.076"


class FunctionalError(Exception):
    """A Chorus Pro functional refusal: HTTP 200 (unless said otherwise) with codeRetour >= 20000.

    ``text`` is written ``"<message key> <sentence>"``. The answer's ``libelle`` carries the bare
    key, as every real answer found does (docs/sandbox.md, "Behaviours and their sources"); the
    sentence stays for what the platform writes in sentences: ``libelleErreurDP`` of a flux.
    """

    def __init__(self, code: int, text: str, http_status: int = 200) -> None:
        super().__init__(text)
        self.code = code
        match = MESSAGE_KEY_RE.match(text)
        key, sentence = (match.group(1), match.group(2)) if match else (None, None)
        self.libelle = key or text
        self.sentence = sentence or text
        self.http_status = http_status


# ---------------------------------------------------------------- dates


PLATFORM_TIMEZONE = ZoneInfo("Europe/Paris")


def now_local() -> datetime:
    """Now in Paris time (``+01:00`` or ``+02:00``), like every Chorus Pro timestamp, whatever the
    machine's own zone (real answers: ``2019-03-27T11:12:24.777+01:00``, ``...+02:00``; docs/sandbox.md)."""
    return datetime.now(PLATFORM_TIMEZONE)


def iso_ms(moment: datetime) -> str:
    """``2019-03-27T11:12:24.777+01:00``."""
    return moment.isoformat(timespec="milliseconds")


def minute_text(moment: datetime) -> str:
    """``2018-04-19 11:08`` (history and processing dates), Paris time like the platform's naive dates."""
    return moment.astimezone(PLATFORM_TIMEZONE).strftime("%Y-%m-%d %H:%M")


def parse_moment(text: str, *, end_of_day: bool = False) -> datetime:
    """Parse a filter date or datetime; a bare date means the start (or end) of that day, local time."""
    text = text.strip()
    if len(text) == 10:
        day = date.fromisoformat(text)
        moment = datetime.combine(day, time.max if end_of_day else time.min)
        return moment.replace(tzinfo=PLATFORM_TIMEZONE)
    if len(text) == 16 and text[10] == " ":
        return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=PLATFORM_TIMEZONE)
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed.astimezone(PLATFORM_TIMEZONE) if parsed.tzinfo else parsed.replace(tzinfo=PLATFORM_TIMEZONE)


class SimulatedClock:
    """The platform's own time for flux processing: real time × ``clock_speed``, plus what the admin
    endpoint ``POST /sandbox/clock`` advanced. A change of speed applies from that moment on."""

    def __init__(self) -> None:
        self._real = _time.time()
        self._simulated = self._real
        self._speed = 1.0

    def now(self, speed: float) -> float:
        """Simulated epoch seconds; ``speed`` is the current ``clock_speed``."""
        real = _time.time()
        simulated = self._simulated + (real - self._real) * self._speed
        self._real, self._simulated, self._speed = real, simulated, speed
        return simulated

    def advance(self, seconds: float, speed: float) -> float:
        """Move the simulated time ``seconds`` forward (a test of hours-long processing)."""
        self._simulated = self.now(speed) + seconds
        return self._simulated


# ---------------------------------------------------------------- helpers


def ok(libelle: str, **payload: Any) -> Answer:
    """A successful answer."""
    return 200, {"codeRetour": 0, "libelle": libelle, **payload}


def _page(items: list[Any], page: int | None, per_page: int | None) -> tuple[list[Any], dict[str, int]]:
    """Slice one page and build ``parametresRetour``; defaults are page 1 and 10 rows."""
    per_page = per_page if per_page and per_page > 0 else 10
    page = page if page and page > 0 else 1
    total = len(items)
    pages = math.ceil(total / per_page) if total else 0
    start = (page - 1) * per_page
    info = {"pageCourante": page, "pages": pages, "nbResultatsParPage": per_page, "total": total}
    return items[start : start + per_page], info


def _decode_base64(text: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as error:
        raise ValueError("not base64") from error


def counted_number(directory: Directory, supplier_id: int, number: str) -> str:
    """The key deposits of ``number`` are counted under: the number for the default supplier,
    ``<identifier>/<number>`` for the others (numbers are unique per supplier, not across them)."""
    if supplier_id == directory.supplier.id:
        return number
    structure = directory.by_id(supplier_id)
    return f"{structure.siret if structure else supplier_id}/{number}"


def _amount(value: Any) -> float | None:
    return None if value is None else float(value)


class Operations:
    """The served Chorus Pro operations, bound to a directory, a state store and the current faults."""

    def __init__(self, directory: Directory, store: StateStore, faults: Callable[[], Faults]) -> None:
        self.directory = directory
        self.store = store
        self.faults = faults
        self.clock = SimulatedClock()
        # The supplier structure of the technical account making the current call (set by the server
        # under the state lock): deposits, searches and lookups only see that supplier's invoices.
        self.acting: StructureEntry = directory.supplier
        self.routes: dict[str, Callable[[dict[str, Any]], Answer]] = {
            "/cpro/structures/v1/rechercher": self.rechercher_structure,
            "/cpro/structures/v1/consulter": self.consulter_structure,
            "/cpro/structures/v1/rechercher/services": self.rechercher_services,
            "/cpro/structures/v1/consulter/service": self.consulter_service,
            f"{TRANSVERSES}/recuperer/structures/actives/fournisseur": self.structures_actives_fournisseur,
            f"{TRANSVERSES}/recuperer/coordbanc/valides": self.coordbanc_valides,
            f"{TRANSVERSES}/ajouter/fichier": self.ajouter_fichier,
            f"{TRANSVERSES}/consulterCRDetaille": self.consulter_cr_detaille,
            f"{TRANSVERSES}/consulter/information/siret": self.consulter_information_siret,
            "/cpro/factures/v1/soumettre": self.soumettre,
            "/cpro/factures/v1/deposer/flux": self.deposer_flux,
            "/cpro/factures/v1/rechercher/fournisseur": self.rechercher_fournisseur,
            "/cpro/factures/v1/consulter/fournisseur": self.consulter_fournisseur,
            "/cpro/factures/v1/consulter/historique": self.consulter_historique,
            "/cpro/factures/v1/completer": self.completer,
            "/cpro/factures/v1/recycler": self.recycler,
            "/cpro/factures/v1/traiterRejet": self.traiter_rejet,
        }

    # ------------------------------------------------------------ structures

    @contextmanager
    def acting_as(self, supplier: StructureEntry) -> Iterator[None]:
        """Run the operations of one call as ``supplier``'s technical account."""
        previous, self.acting = self.acting, supplier
        try:
            yield
        finally:
            self.acting = previous

    def _own(self, invoice: dict[str, Any]) -> bool:
        """Whether ``invoice`` belongs to the supplier of the current technical account."""
        return invoice.get("supplier_id", self.directory.supplier.id) == self.acting.id

    def _structure_row(self, structure: StructureEntry) -> dict[str, Any]:
        return {
            "idStructureCPP": structure.id,
            "identifiantStructure": structure.siret,
            "typeIdentifiantStructure": structure.identifier_type,
            "designationStructure": structure.name,
            "statut": "ACTIVE" if structure.active else "INACTIVE",
        }

    def rechercher_structure(self, body: dict[str, Any]) -> Answer:
        """structures/v1/rechercher: filter the directory, paged by ``parametres``."""
        criteria = body.get("structure", {})
        restrict_private = body.get("restreindreStructuresPrivees", True)
        found: list[StructureEntry] = []
        for structure in self.directory.structures:
            if restrict_private and structure.kind == "PRIVEE" and structure.id != self.acting.id:
                continue
            if "identifiantStructure" in criteria and criteria["identifiantStructure"] != structure.siret:
                continue
            if criteria.get("typeIdentifiantStructure", "SIRET") != structure.identifier_type:
                continue
            name = criteria.get("raisonSocialeStructure") or criteria.get("libelleStructure")
            if name and name.casefold() not in structure.name.casefold():
                continue
            wanted_status = criteria.get("statutStructure")
            if wanted_status and (wanted_status == "ACTIF") != structure.active:
                continue
            if criteria.get("typeStructure") and criteria["typeStructure"] != structure.kind:
                continue
            found.append(structure)
        paging = body.get("parametres", {})
        reverse = paging.get("triSens") == "Descendant"
        column = paging.get("triColonne")
        if column == "DesignationStructure":
            found.sort(key=lambda s: s.name, reverse=reverse)
        elif column == "IdentifiantStructure" or reverse:
            found.sort(key=lambda s: s.siret, reverse=reverse)
        rows, info = _page(found, paging.get("pageResultatDemandee"), paging.get("nbResultatsParPage"))
        return ok(
            OK_SEARCH,
            **_non_empty(listeStructures=[self._structure_row(s) for s in rows]),
            parametresRetour=info,
        )

    def _structure_or_fail(self, structure_id: int | None) -> StructureEntry:
        structure = self.directory.by_id(structure_id) if structure_id is not None else None
        if structure is None:
            raise FunctionalError(
                20001, f"GDP_MSG_12.001 La structure {structure_id} n'existe pas dans Chorus Pro"
            )
        return structure

    def consulter_structure(self, body: dict[str, Any]) -> Answer:
        """structures/v1/consulter by ``idStructureCPP`` (``idStructure`` accepted).

        See docs/sources.md#request-shapes-the-swagger-gets-wrong.
        """
        structure = self._structure_or_fail(body.get("idStructureCPP", body.get("idStructure")))
        address = structure.address
        general: dict[str, Any] = {
            "idStructureCPP": structure.id,
            "identifiantStructure": structure.siret,
            "typeIdentifiantStructure": structure.identifier_type,
            "raisonSocialeStructure": structure.name,
            "libelleStructure": structure.name,
            "nomStructure": None,
            "prenomStructure": None,
            "emailStructure": None,
            "numeroRcsStructure": None,
            "numeroTVA": structure.vat_number,
            "structurePriveePublique": structure.kind,
            "estValideurDeleguee": False,
            "idStructureOrigine": None,
            "listeStructureDupliquees": [],
        }
        if structure.id == self.acting.id:
            general["dateExpirationMotPasseCompteTech"] = structure.technical_password_expires
        return ok(
            OK_SEARCH,
            informationGenerales=general,
            adressePostaleDuSiege={
                "adresse": address.get("adresse"),
                "complementAdresse1": None,
                "complementAdresse2": None,
                "codePostal": address.get("codePostal"),
                "ville": address.get("ville"),
                "pays": address.get("pays", "FR"),
                "telephone": None,
                "indicatifTelephone": None,
                "fax": None,
                "indicatifFax": None,
            },
            parametres={
                "codeServiceDoitEtreRenseigne": structure.service_code_required,
                "numeroEJDoitEtreRenseigne": structure.engagement_required,
                "gestionNumeroEJOuCodeService": structure.service_or_engagement_required,
                "statutMiseEnPaiementNestPasRemonte": structure.payment_status_not_reported,
                "connexionEDI": False,
                "recevoirDonneesViaEDI": False,
                "estMoaUniquement": False,
                "estValideurDelegue": False,
                "getaMoa": False,
                "nonDiffusibleInsee": False,
            },
        )

    def rechercher_services(self, body: dict[str, Any]) -> Answer:
        """structures/v1/rechercher/services, paged by ``parametresRechercherServicesStructure``."""
        structure = self._structure_or_fail(body.get("idStructure"))
        paging = body.get("parametresRechercherServicesStructure", {})
        services = list(structure.services)
        column = paging.get("triColonne")
        reverse = paging.get("triSens") == "Descendant"
        if column == "LibelleService":
            services.sort(key=lambda s: s.name, reverse=reverse)
        elif column == "EstActif":
            services.sort(key=lambda s: s.active, reverse=reverse)
        elif column == "CodeService" or reverse:
            services.sort(key=lambda s: s.code, reverse=reverse)
        rows, info = _page(services, paging.get("pageResultatDemandee"), paging.get("nbResultatsParPage"))
        return ok(
            OK_SEARCH,
            **_non_empty(
                listeServices=[
                    {
                        "idService": service.id,
                        "codeService": service.code,
                        "libelleService": service.name,
                        "estActif": service.active,
                        "statutService": "ACTIF" if service.active else "INACTIF",
                        "dateDbtService": "2019-01-01 00:00",
                        "dateFinService": None if service.active else "2023-12-31 23:59",
                    }
                    for service in rows
                ]
            ),
            parametresRetour=info,
        )

    def consulter_service(self, body: dict[str, Any]) -> Answer:
        """structures/v1/consulter/service: the service's own ``numeroEngagement`` requirement."""
        structure = self._structure_or_fail(body.get("idStructure"))
        service = next((s for s in structure.services if s.id == body.get("idService")), None)
        if service is None:
            raise FunctionalError(
                20002,
                f"GDP_MSG_12.002 Le service {body.get('idService')} n'existe pas "
                f"pour la structure {structure.id}",
            )
        return ok(
            OK_SEARCH,
            informationsGenerales={
                "codeService": service.code,
                "nomService": service.name,
                "descriptionService": service.name,
            },
            adressePostale={
                "adresse": structure.address.get("adresse"),
                "codePostal": structure.address.get("codePostal"),
                "ville": structure.address.get("ville"),
                "pays": structure.address.get("pays", "FR"),
            },
            parametres={
                "numeroEngagement": service.engagement_required,
                "miseEnPaiement": not structure.payment_status_not_reported,
                "dateCreation": "2019-01-01 00:00",
                "dateDebutValidite": "2019-01-01 00:00",
                "dateFinValidite": None if service.active else "2023-12-31 23:59",
                "dateModification": None,
            },
            pageCourante=1,
            pages=1,
            nbResultatsParPage=10,
            total=1,
        )

    # ------------------------------------------------------------ transverses

    def structures_actives_fournisseur(self, body: dict[str, Any]) -> Answer:
        """transverses/v1/recuperer/structures/actives/fournisseur: the technical account's structure."""
        supplier = self.acting
        row = {
            "idStructureCPP": supplier.id,
            "identifiant": supplier.siret,
            "designationStructure": supplier.name,
        }
        return ok(OK_SEARCH, listeStructures=[row])

    def consulter_information_siret(self, body: dict[str, Any]) -> Answer:
        """transverses/v1/consulter/information/siret: INSEE's data on a SIRET, as production answers.

        Only structures of the directory are known, and only what the directory file gives is
        answered (no ``categorieJuridique`` unless ``legal_form`` is set): never more than the platform.
        """
        siret = str(body.get("siretStructure") or "")
        structure = self.directory.by_siret(siret) if siret else None
        if structure is None or structure.identifier_type != "SIRET":
            raise FunctionalError(20001, f"TRA_MSG_00.005 Aucune donnée INSEE pour le SIRET {siret}")
        answer: dict[str, Any] = {"siret": structure.siret, "siren": structure.siret[:9]}
        answer |= {"raisonSociale": structure.name, "estActif": structure.active}
        if structure.legal_form:
            answer["categorieJuridique"] = structure.legal_form
        return ok(OK_SEARCH, **answer)

    def coordbanc_valides(self, body: dict[str, Any]) -> Answer:
        """transverses/v1/recuperer/coordbanc/valides: the structure's bank accounts, paged."""
        structure = self._structure_or_fail(body.get("idStructure"))
        rows, info = _page(
            list(structure.bank_accounts), body.get("pageResultatDemandee"), body.get("nbResultatsParPage")
        )
        accounts = [{"idCoordonneeBancaire": a.id, "nomCoordonneeBancaire": a.name} for a in rows]
        return ok(OK_SEARCH, **_non_empty(listeCoordonneeBancaire=accounts), parametresRetour=info)

    def ajouter_fichier(self, body: dict[str, Any]) -> Answer:
        """transverses/v1/ajouter/fichier: keep the file (soumettre inspects it), return ``pieceJointeId``."""
        name = body.get("pieceJointeNom")
        content = body.get("pieceJointeFichier")
        if not name or not content:
            raise FunctionalError(
                20001, "TRA_MSG_01.001 pieceJointeFichier et pieceJointeNom sont obligatoires"
            )
        try:
            raw = _decode_base64(content)
        except ValueError as error:
            raise FunctionalError(
                20002, "TRA_MSG_01.002 Le contenu de la pièce jointe n'est pas un base64 valide"
            ) from error
        if len(raw) > MAX_FILE_BYTES:
            raise FunctionalError(20003, "TRA_MSG_01.003 La pièce jointe dépasse la taille maximale de 10 Mo")
        extension = (body.get("pieceJointeExtension") or name.rpartition(".")[2]).upper()
        if len(name) > 50 or "." not in name or extension not in ATTACHMENT_EXTENSIONS:
            raise FunctionalError(
                20004,
                f"TRA_MSG_01.004 Nom ou extension de pièce jointe refusé : {name!r} (50 caractères maximum)",
            )
        attachment_id = self.store.next_id("attachment")
        self.store.put_attachment_content(attachment_id, raw)
        self.store.attachments[str(attachment_id)] = {
            "id": attachment_id,
            "name": name,
            "mime": body.get("pieceJointeTypeMime"),
            "extension": extension,
            "size": len(raw),
            "sha256": hashlib.sha256(raw).hexdigest(),
            "added_at": iso_ms(now_local()),
        }
        self.store.save()
        return ok(OK_ACTION, pieceJointeId=attachment_id)

    def consulter_cr_detaille(self, body: dict[str, Any]) -> Answer:
        """transverses/v1/consulterCRDetaille: one poll of a flux; polls move it towards integration."""
        number = body.get("numeroFluxDepot")
        flux = self.store.flux.get(number or "")
        if flux is None or flux.get("supplier_id", self.directory.supplier.id) != self.acting.id:
            raise FunctionalError(20001, f"TRA_MSG_02.001 Le flux {number} n'existe pas pour cet utilisateur")
        flux["polls"] += 1
        if flux["state"] not in FLUX_FINAL and self.faults().flux_delay_seconds is None:
            if flux["polls"] > self.faults().flux_polls_before_integration:
                self._integrate_flux(flux)
            elif flux["polls"] > 1:
                flux["state"] = FLUX_IN_PROGRESS
                flux["state_at"] = iso_ms(now_local())
        self.store.save()
        code = FLUX_INTERFACE_CODES[flux["syntax"]]
        return ok(
            OK_SEARCH,
            etatCourantDepotFlux=flux["state"],
            dateDepotFlux=flux["deposited_at"],
            dateHeureEtatCourantFlux=flux["state_at"],
            codeInterfaceDepotFlux=f"FSO{code}A",
            nomFichier=f"FSO{code}A_CPP001_{flux['number']}",
            **_non_empty(listeErreurDP=flux["errors_dp"], listeErreurTechnique=flux["errors_technical"]),
        )

    # ------------------------------------------------------------ routing checks

    def _check_routing(
        self, siret: str | None, service_code: str | None, engagement: str | None
    ) -> tuple[StructureEntry, ServiceEntry | None]:
        """Recipient checks shared by soumettre, flux integration and recycler."""
        buyer = self.directory.by_siret(siret or "")
        if buyer is None or buyer in self.directory.supplier_structures:
            raise FunctionalError(
                20010, f"GDP_MSG_11.040 Le destinataire {siret} n'est pas référencé dans Chorus Pro"
            )
        if not buyer.active:
            raise FunctionalError(
                20011, f"GDP_MSG_11.041 Le destinataire {siret} n'est pas actif dans Chorus Pro"
            )
        service: ServiceEntry | None = None
        if service_code:
            if service_code == RESERVED_SERVICE:
                raise FunctionalError(
                    20019,
                    f"GDP_MSG_11.049 Le service {RESERVED_SERVICE} est réservé "
                    "aux factures entre entités publiques",
                )
            service = buyer.service_by_code(service_code)
            if service is None:
                raise FunctionalError(
                    20017,
                    f"GDP_MSG_11.047 Le service {service_code} n'existe pas pour le destinataire {siret}",
                )
            if not service.active:
                raise FunctionalError(
                    20018, f"GDP_MSG_11.048 Le service {service_code} du destinataire {siret} n'est pas actif"
                )
        if buyer.service_code_required and not service_code:
            raise FunctionalError(
                20014, f"GDP_MSG_11.044 Le code service est obligatoire pour le destinataire {siret}"
            )
        if buyer.engagement_required and not engagement:
            raise FunctionalError(
                20015, f"GDP_MSG_11.045 Le numéro d'engagement est obligatoire pour le destinataire {siret}"
            )
        if service is not None and service.engagement_required and not engagement:
            raise FunctionalError(
                20015, f"GDP_MSG_11.045 Le numéro d'engagement est obligatoire pour le service {service.code}"
            )
        if buyer.service_or_engagement_required and not service_code and not engagement:
            raise FunctionalError(
                20016,
                "GDP_MSG_11.046 Le code service ou le numéro d'engagement doit être renseigné "
                f"pour le destinataire {siret}",
            )
        return buyer, service

    def _check_invoice_fields(self, body: dict[str, Any], *, from_flux: bool) -> None:
        """Mandatory fields, then the supplier's own number and date when this deposit keeps them."""
        required: list[tuple[str, ...]] = [
            ("destinataire", "codeDestinataire"),
            ("fournisseur", "idFournisseur"),
            ("cadreDeFacturation", "codeCadreFacturation"),
            ("references", "typeFacture"),
            ("references", "typeTva"),
            ("montantTotal", "montantHtTotal"),
            ("montantTotal", "montantTVA"),
            ("montantTotal", "montantTtcTotal"),
            ("montantTotal", "montantAPayer"),
        ]
        keeps_number = from_flux or body.get("modeDepot") in PDF_MODES
        if keeps_number:
            required[:0] = [("numeroFactureSaisi",), ("dateFacture",)]
        if not from_flux:
            required.insert(0, ("modeDepot",))
        for keys in required:
            node: Any = body
            for key in keys:
                node = node.get(key) if isinstance(node, dict) else None
            if node is None or node == "":
                raise FunctionalError(20021, f"GDP_MSG_11.010 Le champ {'.'.join(keys)} est obligatoire")
        if keeps_number:
            self._check_number_and_date(body["numeroFactureSaisi"], _invoice_day(body))
        supplier_id = body["fournisseur"]["idFournisseur"]
        if supplier_id != self.acting.id:
            raise FunctionalError(
                20012,
                f"GDP_MSG_11.005 Le fournisseur {supplier_id} n'est pas une structure "
                "rattachée au compte technique",
            )
        account_id = body["fournisseur"].get("codeCoordonneesBancairesFournisseur")
        if account_id is not None and self.acting.bank_account(account_id) is None:
            raise FunctionalError(
                20027,
                f"GDP_MSG_11.070 codeCoordonneesBancairesFournisseur {account_id} : coordonnées bancaires "
                "inconnues ou non valides pour ce fournisseur",
            )

    def _check_number_and_date(self, number: str, invoice_day: date) -> None:
        if not INVOICE_NUMBER_RE.match(number):
            raise FunctionalError(
                20023,
                f"GDP_MSG_11.012 Le numéro de facture {number!r} est invalide "
                "(20 caractères maximum, A-Z a-z 0-9 - _ / +)",
            )
        deposit_day = now_local().date()
        if invoice_day > deposit_day:
            raise FunctionalError(
                20024,
                f"GDP_MSG_11.013 dateFacture {invoice_day.isoformat()} : la date de facture doit être "
                f"antérieure ou égale à la date de dépôt ({deposit_day.isoformat()})",
            )

    def _check_duplicate(self, year: str, number: str) -> None:
        """A number is unique per supplier structure and per year of the invoice date.

        Source: communaute.chorus-pro.gouv.fr, "Bien renseigner son numéro de facture" (2023-03-28).
        The refusal carries a bare message key and no sentence, as every real answer found does
        (docs/sandbox.md, "Duplicate refusals"): a client cannot recognise it from its words.
        """
        if any(
            inv["number"] == number and _year(inv) == year and self._own(inv)
            for inv in self.store.invoices.values()
        ):
            self.store.count_submission(year, counted_number(self.directory, self.acting.id, number))
            self.store.save()
            raise FunctionalError(20013, DUPLICATE_KEY)

    def _check_main_attachment(self, body: dict[str, Any], mode: str) -> int | None:
        """The ``pieceJointePrincipale`` id: required and known in PDF modes; never Factur-X nor encrypted."""
        main = body.get("pieceJointePrincipale")
        main = main[0] if isinstance(main, list) and main else main
        attachment_id = main.get("pieceJointePrincipaleId") if isinstance(main, dict) else None
        known = attachment_id is not None and str(attachment_id) in self.store.attachments
        if mode in PDF_MODES and not known:
            raise FunctionalError(
                20020,
                f"GDP_MSG_11.060 La pièce jointe principale {attachment_id} est absente ou inconnue "
                f"(obligatoire en mode {mode})",
            )
        if not known or attachment_id is None:
            return None
        content = self.store.attachment_content(attachment_id)
        refusal = pdf_refusal(content) if content is not None else None
        if refusal == "facturx":
            raise FunctionalError(
                20025,
                f"GDP_MSG_11.062 La pièce jointe principale {attachment_id} est une facture Factur-X "
                "(PDF contenant une facture XML) : ce format est conçu pour déposer des factures par lots "
                "et doit être déposé en flux ; convertissez-la en PDF standard pour ce dépôt",
            )
        if refusal == "encrypted":
            raise FunctionalError(
                20026,
                f"GDP_MSG_11.063 La pièce jointe principale {attachment_id} est un PDF chiffré ou protégé "
                "par un mot de passe : déposez un PDF non protégé",
            )
        return int(attachment_id)

    def _create_invoice(
        self,
        body: dict[str, Any],
        buyer: StructureEntry,
        service: ServiceEntry | None,
        *,
        number: str,
        invoice_date: str,
        mode: str,
        flux_number: str | None,
        attachment_id: int | None,
        moment: datetime,
    ) -> dict[str, Any]:
        invoice_id = self.store.next_id("invoice")
        references = body.get("references", {})
        totals = body.get("montantTotal", {})
        fingerprint = base64.b64encode(
            hashlib.sha256(f"{invoice_id}|{number}|{iso_ms(moment)}".encode()).digest()
        ).decode("ascii")
        invoice = {
            "id": invoice_id,
            "number": number,
            "supplier_id": self.acting.id,
            "buyer_id": buyer.id,
            "buyer_siret": buyer.siret,
            "service_code": service.code if service else None,
            "service_id": service.id if service else None,
            "engagement": references.get("numeroBonCommande") or None,
            "market": references.get("numeroMarche") or None,
            "origin_number": references.get("numeroFactureOrigine") or None,
            "invoice_type": references.get("typeFacture", "FACTURE"),
            "tva_type": references.get("typeTva"),
            "payment_mode": references.get("modePaiement"),
            "currency": references.get("deviseFacture", "EUR"),
            "frame": body.get("cadreDeFacturation", {}).get("codeCadreFacturation"),
            "invoice_date": invoice_date,
            "deposit_date": moment.date().isoformat(),
            "deposited_at": iso_ms(moment),
            "amounts": {
                "ht": _amount(totals.get("montantHtTotal")),
                "tva": _amount(totals.get("montantTVA")),
                "ttc": _amount(totals.get("montantTtcTotal")),
                "a_payer": _amount(totals.get("montantAPayer")),
            },
            "mode": mode,
            "flux_number": flux_number,
            "attachment_id": attachment_id,
            "comment": body.get("commentaire"),
            "lines": body.get("lignePoste", []),
            "vat_lines": body.get("ligneTva", []),
            "fingerprint": fingerprint,
            "rejet_traite": False,
            "status": "DEPOSEE",
            "status_at": iso_ms(moment),
            "status_comment": None,
            "history": [],
        }
        self._append_history(invoice, "DEPOSEE", moment, None)
        self.store.invoices[str(invoice_id)] = invoice
        self.store.count_submission(invoice_date[:4], counted_number(self.directory, self.acting.id, number))
        return invoice

    def _append_history(
        self, invoice: dict[str, Any], code: str, moment: datetime, comment: str | None
    ) -> None:
        invoice["history"].append(
            {"id": self.store.next_id("history"), "code": code, "at": iso_ms(moment), "comment": comment}
        )
        invoice["status"] = code
        invoice["status_at"] = iso_ms(moment)
        invoice["status_comment"] = comment

    # ------------------------------------------------------------ factures

    def soumettre(self, body: dict[str, Any]) -> Answer:
        """factures/v1/soumettre: all checks, then one invoice in DEPOSEE."""
        self._check_invoice_fields(body, from_flux=False)
        mode = body["modeDepot"]
        keeps_number = mode in PDF_MODES
        if keeps_number:
            self._check_duplicate(_invoice_day(body).isoformat()[:4], body["numeroFactureSaisi"])
        recipient = body["destinataire"]
        buyer, service = self._check_routing(
            recipient.get("codeDestinataire"),
            recipient.get("codeServiceExecutant"),
            body.get("references", {}).get("numeroBonCommande"),
        )
        attachment_id = self._check_main_attachment(body, mode)
        if not keeps_number and not body.get("lignePoste"):
            raise FunctionalError(
                20022, "GDP_MSG_11.061 Au moins une ligne de poste est obligatoire en mode SAISIE_API"
            )
        moment = now_local()
        if keeps_number:
            number, invoice_date = body["numeroFactureSaisi"], _invoice_day(body).isoformat()
        else:
            # Chorus Pro issues the invoice: its own number, dated the deposit day (see PDF_MODES).
            sequence = self.store.next_id("saisie_number")
            number = f"{moment.year}{sequence:0{SAISIE_SEQUENCE_DIGITS}d}"
            invoice_date = moment.date().isoformat()
        invoice = self._create_invoice(
            body,
            buyer,
            service,
            number=number,
            invoice_date=invoice_date,
            mode=mode,
            flux_number=None,
            attachment_id=attachment_id,
            moment=moment,
        )
        self.store.save()
        return ok(
            OK_ACTION,
            identifiantFactureCPP=invoice["id"],
            numeroFacture=invoice["number"],
            statutFacture=invoice["status"],
            dateDepot=invoice["deposit_date"],
            identifiantStructure=self.acting.siret,
            empreinteCertificatDepot=invoice["fingerprint"],
        )

    def deposer_flux(self, body: dict[str, Any]) -> Answer:
        """factures/v1/deposer/flux: store the flux; its invoices appear when it is integrated."""
        for key in ("fichierFlux", "nomFichier", "syntaxeFlux"):
            if not body.get(key):
                raise FunctionalError(20004, f"GDP_MSG_11.021 Le champ {key} est obligatoire")
        try:
            raw = _decode_base64(body["fichierFlux"])
        except ValueError as error:
            raise FunctionalError(
                20002, "GDP_MSG_11.023 Le fichier du flux n'est pas un base64 valide"
            ) from error
        if len(raw) > MAX_FILE_BYTES:
            raise FunctionalError(
                20001, "GDP_MSG_11.022 Le fichier du flux dépasse la taille maximale de 10 Mo"
            )
        syntax = body["syntaxeFlux"]
        sequence = self.store.next_id("flux")
        number = f"CPP001{FLUX_INTERFACE_CODES[syntax]}{sequence:015d}"
        moment = now_local()
        content = read_flux(raw)
        faults = self.faults()
        self.store.flux[number] = {
            "number": number,
            "syntax": syntax,
            "file_name": body["nomFichier"],
            "deposited_at": iso_ms(moment),
            "deposit_date": moment.date().isoformat(),
            "deposited_epoch": moment.timestamp(),
            "deposited_simulated": self.clock.now(faults.clock_speed),
            "processing_delay": processing_delay(faults, number),
            "state": FLUX_PENDING,
            "state_at": iso_ms(moment),
            "polls": 0,
            "documents": content.documents,
            "technical_error": content.legacy_error,
            "inadmissible": content.technical,
            "errors_dp": [],
            "errors_technical": [],
            "invoice_ids": [],
            "supplier_id": self.acting.id,
        }
        self.store.save()
        return ok(OK_ACTION, numeroFluxDepot=number, dateDepot=moment.date().isoformat(), syntaxeFlux=syntax)

    def advance_flux_by_time(self) -> None:
        """Move every waiting flux on by the platform's own time, as Chorus Pro does, polled or not.

        Realistic timing (``flux_delay_seconds`` set): a flux shows each waiting state for a third of
        its processing delay, then is processed. Also: any flux older than
        ``flux_seconds_before_integration`` real seconds (if set) is processed.
        """
        faults = self.faults()
        simulated = self.clock.now(faults.clock_speed)
        real = now_local().timestamp()
        legacy = faults.flux_seconds_before_integration
        changed = False
        for flux in self.store.flux.values():
            if flux["state"] in FLUX_FINAL:
                continue
            waiting = flux["state"] in FLUX_WAITING_STATES
            if legacy is not None and waiting and real - flux["deposited_epoch"] >= legacy:
                self._integrate_flux(flux)
                changed = True
                continue
            if faults.flux_delay_seconds is None:
                continue
            if flux.get("processing_delay") is None:  # deposited under the fast profile
                flux["processing_delay"] = processing_delay(faults, flux["number"])
            delay = float(flux["processing_delay"])
            elapsed = simulated - float(flux.get("deposited_simulated", flux["deposited_epoch"]))
            if elapsed >= delay:
                self._integrate_flux(flux)
                changed = True
            elif waiting:
                state = FLUX_WAITING_STATES[min(int(3 * elapsed / delay) if delay else 2, 2)]
                if state != flux["state"]:
                    flux["state"], flux["state_at"] = state, iso_ms(now_local())
                    changed = True
        if changed:
            self.store.save()

    def _integrate_flux(self, flux: dict[str, Any]) -> None:
        """Integrate a flux as the technical account that deposited it (whoever's call triggers it)."""
        supplier = self.directory.by_id(flux.get("supplier_id", self.directory.supplier.id)) or self.acting
        with self.acting_as(supplier):
            self._integrate_documents(flux)

    def _integrate_documents(self, flux: dict[str, Any]) -> None:
        """Process a flux: inadmissible as a whole (``IN_REJETE``), or each invoice checked like
        ``soumettre`` and created, the refused ones listed in ``listeErreurDP``."""
        moment = now_local()
        flux["state_at"] = iso_ms(moment)
        forced = self.faults().flux_forced_state
        if forced:  # fault injection: a state the platform may show, nothing integrated
            flux["state"] = forced
            return
        if flux.get("inadmissible"):  # a file failing the XSD: nothing of the flux is integrated
            flux["errors_technical"] = list(flux["inadmissible"])
            flux["state"] = "IN_REJETE"
            return
        if flux["technical_error"]:
            flux["errors_technical"] = [
                {
                    "codeErreur": "SE_CPP_001",
                    "libelleErreur": flux["technical_error"],
                    "natureErreur": "BLOQUANTE",
                }
            ]
        created = 0
        for document in flux["documents"]:
            if self._integrate_document(flux, document, moment):
                created += 1
        if created and not flux["errors_dp"] and not flux["errors_technical"]:
            flux["state"] = "IN_INTEGRE"
        elif created:
            flux["state"] = "IN_INTEGRE_PARTIEL"
        else:
            flux["state"] = "IN_REJETE"
            if not flux["errors_dp"] and not flux["errors_technical"]:
                flux["errors_technical"] = [
                    {
                        "codeErreur": "SE_CPP_002",
                        "libelleErreur": "Le flux ne contient aucune facture",
                        "natureErreur": "BLOQUANTE",
                    }
                ]

    def _integrate_document(self, flux: dict[str, Any], document: Any, moment: datetime) -> bool:
        """Create one invoice of the flux, or list it in ``listeErreurDP``; True when created."""
        from_cii = isinstance(document, dict) and isinstance(document.get("cii"), dict)
        body: Any = document["cii"] if from_cii else document
        number = str(body.get("numeroFactureSaisi") or "") if isinstance(body, dict) else ""
        recipient = body.get("destinataire", {}) if isinstance(body, dict) else {}
        try:
            if from_cii:
                body = self._cii_body(body)
                if document.get("content_errors"):  # the platform joins its reasons with " |"
                    raise FunctionalError(20098, " |".join(document["content_errors"]))
            else:  # the JSON stand-in is a soumettre body: its schema applies
                errors = validate_request_body("/cpro/factures/v1/soumettre", body)
                if errors:
                    raise FunctionalError(400, "Document mal formé : " + "; ".join(errors))
            self._check_invoice_fields(body, from_flux=True)
            if number in self.faults().flux_refusals:
                raise FunctionalError(20099, self.faults().flux_refusals[number])
            invoice_date = _invoice_day(body).isoformat()
            self._check_duplicate(invoice_date[:4], number)
            buyer, service = self._check_routing(
                recipient.get("codeDestinataire"),
                recipient.get("codeServiceExecutant"),
                body.get("references", {}).get("numeroBonCommande"),
            )
        except FunctionalError as error:
            flux["errors_dp"].append(
                {
                    "numeroDP": number,
                    "identifiantFournisseur": self.acting.siret,
                    "identifiantDestinataire": recipient.get("codeDestinataire")
                    if isinstance(recipient, dict)
                    else None,
                    "libelleErreurDP": error.sentence,
                }
            )
            return False
        invoice = self._create_invoice(
            body,
            buyer,
            service,
            number=number,
            invoice_date=invoice_date,
            mode="EDI",
            flux_number=flux["number"],
            attachment_id=None,
            moment=moment,
        )
        flux["invoice_ids"].append(invoice["id"])
        return True

    def _cii_body(self, document: dict[str, Any]) -> dict[str, Any]:
        """A CII document with the supplier resolved: the seller's SIRET must be the structure of the
        technical account that deposited the flux.

        The refusal text is the one of the official "show detailed report" example.
        """
        if document["fournisseur"].get("siretFournisseur") != self.acting.siret:
            raise FunctionalError(
                20012,
                "L'identifiant fournisseur de la demande de paiement (balise : "
                "SellerTradeParty.SpecifiedLegalOrganization.ID) n'est pas reference dans notre systeme.",
            )
        return {**document, "fournisseur": {"idFournisseur": self.acting.id}}

    def _invoice_or_fail(self, invoice_id: Any) -> dict[str, Any]:
        invoice = self.store.invoices.get(str(invoice_id)) if invoice_id is not None else None
        if invoice is None or not self._own(invoice):
            raise FunctionalError(20000, f"GDP_MSG_11.008 La demande de paiement {invoice_id} n'existe pas")
        return invoice

    def _buyer_name(self, invoice: dict[str, Any]) -> str | None:
        buyer = self.directory.by_id(invoice["buyer_id"])
        return buyer.name if buyer else None

    def _search_row(self, invoice: dict[str, Any]) -> dict[str, Any]:
        supplier = self.acting
        service_name = None
        buyer = self.directory.by_id(invoice["buyer_id"])
        if buyer and invoice["service_code"]:
            service = buyer.service_by_code(invoice["service_code"])
            service_name = service.name if service else None
        amounts = invoice["amounts"]
        return {
            "identifiantFactureCPP": invoice["id"],
            "numeroFacture": invoice["number"],
            "statut": invoice["status"],
            "typeFacture": invoice["invoice_type"],
            "typeDemandePaiement": "FACTURE",
            "dateFacture": invoice["invoice_date"],
            "dateDepot": invoice["deposit_date"],
            "dateHeureEtatCourant": invoice["status_at"],
            "commentaireEtatCourant": invoice["status_comment"],
            "montantHT": amounts["ht"],
            "montantTTC": amounts["ttc"],
            "montantAPayer": amounts["a_payer"],
            "devise": invoice["currency"],
            "numeroFluxDepot": invoice["flux_number"],
            "modeDepot": invoice["mode"],
            "rejetTraite": invoice["rejet_traite"],
            "codeFournisseur": supplier.siret,
            "typeIdentifiantFournisseur": "SIRET",
            "designationFournisseur": supplier.name,
            "codeServiceFournisseur": None,
            "nomServiceFournisseur": None,
            "idDestinataire": invoice["buyer_id"],
            "codeDestinataire": invoice["buyer_siret"],
            "designationDestinataire": self._buyer_name(invoice),
            "idServiceExecutant": invoice["service_id"],
            "codeServiceExecutant": invoice["service_code"],
            "nomServiceExecutant": service_name,
            "numeroMarche": invoice["market"],
            "numeroBonCommande": invoice["engagement"],
            "numeroFactureOrigine": invoice["origin_number"],
            "nomPrenomUtilisateurCreateur": "TECHNIQUE Compte",
        }

    def rechercher_fournisseur(self, body: dict[str, Any]) -> Answer:
        """factures/v1/rechercher/fournisseur: filters, sort, paging; ``listeFactures`` omitted when empty."""
        self.advance_flux_by_time()
        rows = [inv for inv in self.store.invoices.values() if self._own(inv) and _matches(inv, body)]
        paging = body.get("rechercheFactureParFournisseur", {})
        column = paging.get("triColonne", "DateDepot")
        descending = paging.get("triSens", "Descendant") == "Descendant"
        sort_keys: dict[str, Callable[[dict[str, Any]], Any]] = {
            "NumeroFacture": lambda inv: inv["number"],
            "DateFacture": lambda inv: inv["invoice_date"],
            "MontantHT": lambda inv: inv["amounts"]["ht"] or 0.0,
            "MontantTTC": lambda inv: inv["amounts"]["ttc"] or 0.0,
            "MontantAPayer": lambda inv: inv["amounts"]["a_payer"] or 0.0,
            "Statut": lambda inv: inv["status"],
            "NumeroFluxDepot": lambda inv: inv["flux_number"] or "",
            "NumeroBonCommande": lambda inv: inv["engagement"] or "",
        }
        key = sort_keys.get(column, lambda inv: inv["deposited_at"])
        rows.sort(key=lambda inv: (key(inv), inv["id"]), reverse=descending)
        # At most 200 results, whatever nbResultatsMaximum asks (AIFE comments in CPP-2017
        # RechercherFactureATraiterParFournisseur.cs): a client narrows its period.
        maximum = paging.get("nbResultatsMaximum")
        rows = rows[: min(maximum, SEARCH_RESULT_CAP) if maximum and maximum > 0 else SEARCH_RESULT_CAP]
        page_rows, info = _page(rows, paging.get("pageResultatDemandee"), paging.get("nbResultatsParPage"))
        answer: dict[str, Any] = {"parametresRetour": info}
        if page_rows:  # fidelity: the real API omits some lists when empty (documented)
            answer["listeFactures"] = [self._search_row(inv) for inv in page_rows]
        return ok(OK_SEARCH, **answer)

    def consulter_fournisseur(self, body: dict[str, Any]) -> Answer:
        """factures/v1/consulter/fournisseur: one invoice in detail."""
        invoice = self._invoice_or_fail(body.get("identifiantFactureCPP"))
        supplier = self.acting
        amounts = invoice["amounts"]
        lines = invoice["lines"]
        return ok(
            OK_SEARCH,
            facture={
                "identifiantFactureCPP": invoice["id"],
                "numeroFacture": invoice["number"],
                "statutFacture": invoice["status"],
                "modeDepot": invoice["mode"],
                "rejetTraite": invoice["rejet_traite"],
                "commentaire": invoice["comment"],
                "destinataire": {
                    "idDestinataire": invoice["buyer_id"],
                    "codeDestinataire": invoice["buyer_siret"],
                    "libelleDestinataire": self._buyer_name(invoice),
                    "designationDestinataire": self._buyer_name(invoice),
                    "idServiceExecutant": invoice["service_id"],
                    "codeServiceExecutant": invoice["service_code"],
                },
                "fournisseur": {
                    "idFournisseur": supplier.id,
                    "typeIdentifiantFournisseur": "SIRET",
                    "codeFournisseur": supplier.siret,
                    "raisonSocialeFournisseur": supplier.name,
                },
                "cadreDeFacturation": {"codeCadreFacturation": invoice["frame"]},
                "references": {
                    "dateFacture": invoice["invoice_date"],
                    "dateDepot": invoice["deposit_date"],
                    "codeDeviseFacture": invoice["currency"],
                    "typeFacture": invoice["invoice_type"],
                    "typeTva": invoice["tva_type"],
                    "numeroMarche": invoice["market"],
                    "numeroBonCommande": invoice["engagement"],
                    "numeroFactureOrigine": invoice["origin_number"],
                    "modePaiement": invoice["payment_mode"],
                },
                "montantTotal": {
                    "montantHtTotal": amounts["ht"],
                    "montantTVA": amounts["tva"],
                    "montantTtcTotal": amounts["ttc"],
                    "montantAPayer": amounts["a_payer"],
                },
                "lignesDePoste": {
                    **_non_empty(lignePoste=lines),
                    "pageCouranteLignesPoste": 1,
                    "pagesLignesPoste": 1 if lines else 0,
                    "nbResultatsParPageLignesPoste": max(len(lines), 10),
                    "totalLignesPoste": len(lines),
                },
                "pieceJointePrincipale": {"idPieceJointePrincipale": invoice["attachment_id"]},
            },
        )

    def consulter_historique(self, body: dict[str, Any]) -> Answer:
        """factures/v1/consulter/historique: current status and the newest-first status history."""
        invoice = self._invoice_or_fail(body.get("idFacture"))
        history = sorted(invoice["history"], key=lambda h: (parse_moment(h["at"]), h["id"]), reverse=True)
        paging = body.get("paramRechercheHistoStatuts", {})
        if paging.get("triSensListeHistoStatut") == "Ascendant":
            history.reverse()
        rows, info = _page(
            history,
            paging.get("pageResultatDemandeeListeHistoStatut"),
            paging.get("nbResultatsParPageListeHistoStatut"),
        )
        return ok(
            OK_SEARCH,
            idFacture=invoice["id"],
            numeroFacture=invoice["number"],
            modeDepot=invoice["mode"],
            statutCourantCode=invoice["status"],
            historiquesDesStatuts={
                "histoStatut": [
                    {
                        "histoStatutId": entry["id"],
                        "histoStatutCode": entry["code"],
                        "histoStatutDatePassage": minute_text(parse_moment(entry["at"])),
                        "histoStatutCommentaire": entry["comment"],
                        "histoStatutUtilisateurNom": "TECHNIQUE",
                        "histoStatutUtilisateurPrenom": "Compte",
                    }
                    for entry in rows
                ],
                "pageCouranteHistoStatut": info["pageCourante"],
                "pagesHistoStatut": info["pages"],
                "nbResultatsParPageHistoStatut": info["nbResultatsParPage"],
                "totalHistoStatut": info["total"],
            },
        )

    def completer(self, body: dict[str, Any]) -> Answer:
        """factures/v1/completer: only from SUSPENDUE, to COMPLETEE."""
        invoice = self._invoice_or_fail(body.get("identifiantFactureCPP"))
        if invoice["status"] != "SUSPENDUE":
            raise FunctionalError(
                20002,
                "GDP_MSG_11.033 Le statut de la demande de paiement n'est pas « Suspendue » "
                f"({invoice['status']})",
            )
        for attachment in body.get("pieceJointeComplementaire", []):
            attachment_id = attachment.get("pieceJointeComplementaireId")
            if attachment_id is not None and str(attachment_id) not in self.store.attachments:
                raise FunctionalError(20003, f"GDP_MSG_11.034 La pièce jointe {attachment_id} est inconnue")
        moment = now_local()
        self._append_history(invoice, "COMPLETEE", moment, body.get("commentaire"))
        self.store.save()
        return ok(
            OK_ACTION,
            identifiantFactureCPP=invoice["id"],
            numeroFacture=invoice["number"],
            dateTraitement=minute_text(moment),
        )

    def recycler(self, body: dict[str, Any]) -> Answer:
        """factures/v1/recycler: only from A_RECYCLER; routing checked like soumettre; to MISE_A_DISPOSITION.

        The recycled invoice is made available to the new recipient at once (AIFE community page
        "Quand doit-on recycler une facture ?").
        """
        invoice = self._invoice_or_fail(body.get("identifiantFactureCPP"))
        if invoice["status"] != "A_RECYCLER":
            raise FunctionalError(
                20004,
                "GDP_MSG_11.035 Le statut de la demande de paiement n'est pas « A recycler » "
                f"({invoice['status']})",
            )
        recipient = body.get("destinataire")
        siret = (
            recipient.get("codeDestinataire", invoice["buyer_siret"]) if recipient else invoice["buyer_siret"]
        )
        service_code = recipient.get("codeServiceExecutant") if recipient else invoice["service_code"]
        reference = body.get("reference", {})
        engagement = reference.get("numeroBonCommande", invoice["engagement"])
        buyer, service = self._check_routing(siret, service_code, engagement)
        invoice.update(
            buyer_id=buyer.id,
            buyer_siret=buyer.siret,
            service_code=service.code if service else None,
            service_id=service.id if service else None,
            engagement=engagement or None,
            market=reference.get("numeroMarche", invoice["market"]),
        )
        moment = now_local()
        self._append_history(
            invoice, "MISE_A_DISPOSITION", moment, body.get("commentaire") or "Facture recyclée"
        )
        self.store.save()
        return ok(
            OK_ACTION,
            identifiantFactureCPP=invoice["id"],
            numeroFacture=invoice["number"],
            statutFacture=invoice["status"],
            dateDepot=moment.date().isoformat(),
        )

    def traiter_rejet(self, body: dict[str, Any]) -> Answer:
        """factures/v1/traiterRejet: mark REJETEE invoices as handled (``rejetTraite``)."""
        targets = []
        for item in body.get("listeDemandePaiement", []):
            invoice = self._invoice_or_fail(item.get("idDemandePaiement"))
            if invoice["status"] != "REJETEE":
                raise FunctionalError(
                    20005,
                    f"GDP_MSG_11.036 La demande de paiement {invoice['id']} n'est pas au statut « Rejetée »",
                )
            targets.append(invoice)
        for invoice in targets:
            invoice["rejet_traite"] = True
        self.store.save()
        return ok(OK_ACTION)

    # ------------------------------------------------------------ recipient side (admin)

    def set_status(
        self, invoice_id: str, statut: str, commentaire: str | None, when: str | None
    ) -> dict[str, Any]:
        """Apply a recipient action; raises ValueError with a readable message when refused."""
        invoice = self.store.invoices.get(invoice_id)
        if invoice is None:
            raise LookupError(f"invoice {invoice_id} not found")
        if statut not in RECIPIENT_STATUSES:
            raise ValueError(f"statut must be one of {sorted(RECIPIENT_STATUSES)}")
        if statut in COMMENT_REQUIRED_STATUSES and not commentaire:
            raise ValueError(f"a commentaire is required for {statut}")
        moment = parse_moment(when) if when else now_local()
        self._append_history(invoice, statut, moment, commentaire)
        self.store.save()
        return invoice


def _invoice_day(body: dict[str, Any]) -> date:
    """The day of ``dateFacture`` (a date or a datetime: its first ten characters)."""
    return date.fromisoformat(str(body["dateFacture"])[:10])


def _year(invoice: dict[str, Any]) -> str:
    """The calendar year of an invoice's date, the scope of its number's uniqueness."""
    return str(invoice["invoice_date"])[:4]


def _matches(invoice: dict[str, Any], body: dict[str, Any]) -> bool:
    """Whether an invoice passes every filter of a rechercher/fournisseur body."""
    simple = {
        "numeroFacture": invoice["number"],
        "numeroFluxDepot": invoice["flux_number"],
        "typeFacture": invoice["invoice_type"],
        "idFournisseur": invoice["supplier_id"],
        "numeroBonCommande": invoice["engagement"],
        "numeroMarche": invoice["market"],
        "numeroFactureOrigine": invoice["origin_number"],
        "modeDepot": invoice["mode"],
        "cadreFacturation": invoice["frame"],
        "rejetTraite": invoice["rejet_traite"],
    }
    for key, value in simple.items():
        if key in body and body[key] != value:
            return False
    if body.get("statutCourant") and invoice["status"] not in body["statutCourant"]:
        return False
    recipients = body.get("listeDestinataire")
    if recipients:
        if not any(
            r.get("idDestinataire") in (None, invoice["buyer_id"])
            and (
                not r.get("listeIdServiceExecutant") or invoice["service_id"] in r["listeIdServiceExecutant"]
            )
            for r in recipients
        ):
            return False
    periods: list[tuple[str, Callable[[], datetime]]] = [
        ("periodeDateHeureEtatCourant", lambda: parse_moment(invoice["status_at"])),
        ("periodeDateDepot", lambda: parse_moment(invoice["deposited_at"])),
        ("periodeDateFacture", lambda: parse_moment(invoice["invoice_date"])),
    ]
    for prefix, value_of in periods:
        start, end = body.get(f"{prefix}Du"), body.get(f"{prefix}Au")
        if start and value_of() < parse_moment(start):
            return False
        if end and value_of() > parse_moment(end, end_of_day=True):
            return False
    amounts = invoice["amounts"]
    for key, amount in (
        ("montantHT", amounts["ht"]),
        ("montantTTC", amounts["ttc"]),
        ("montantApayer", amounts["a_payer"]),
    ):
        if f"{key}Min" in body and (amount is None or amount < body[f"{key}Min"]):
            return False
        if f"{key}Max" in body and (amount is None or amount > body[f"{key}Max"]):
            return False
    return True


def processing_delay(faults: Faults, flux_number: str) -> float | None:
    """Simulated seconds before a flux is processed, drawn in ``flux_delay_seconds`` (None: by polls).

    Seeded by ``seed`` and the flux number: the same deposits give the same delays on every run.
    """
    if faults.flux_delay_seconds is None:
        return None
    low, high = faults.flux_delay_seconds
    return random.Random(f"{faults.seed}:{flux_number}").uniform(low, high)


def _non_empty(**lists: list[Any]) -> dict[str, list[Any]]:
    """Only the lists that have items: the platform leaves an empty list out of its answer."""
    return {key: value for key, value in lists.items() if value}
