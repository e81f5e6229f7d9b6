"""Typed Chorus Pro requests and answers.

Attribute names are the snake_case form of the Chorus Pro keys (``identifiantFactureCPP`` →
``identifiant_facture_cpp``), so the API documentation reads straight onto the models; the
camelCase keys are the aliases. The status field is always ``status`` whatever its name in the
answer (``statut``, ``statutFacture`` or ``statutCourantCode``).

Answers are parsed tolerantly: ids given as strings become ints, the three date formats of the
platform become ``date``/``datetime``, lists missing when empty become ``[]``, unknown keys are
ignored. Requests are strict (unknown fields refused) and serialise with ``to_body()``: aliases,
optional keys omitted, dates as ``YYYY-MM-DD``, amounts as JSON numbers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    field_validator,
    model_validator,
)

# Naive timestamps of the platform ("2018-04-19 11:08") are French local time.
PLATFORM_TIMEZONE = ZoneInfo("Europe/Paris")
_EPOCH = datetime(1970, 1, 1, tzinfo=PLATFORM_TIMEZONE)


def platform_today() -> date:
    """Today on Chorus Pro's calendar (Paris), which runs ahead of UTC from 22:00 or 23:00 UTC."""
    return datetime.now(PLATFORM_TIMEZONE).date()


_DATE_MINUTE = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T](\d{2}):(\d{2})$")

# --------------------------------------------------------------------------------------------------
# Tolerant scalar types for answers


def parse_platform_datetime(value: object) -> datetime | None:
    """Parse any of the platform's date shapes into an aware datetime (naive means Paris time).

    Accepted: ``YYYY-MM-DD``, ``YYYY-MM-DD HH:MM``, ISO-8601 with or without milliseconds and offset
    (``2019-03-27T11:12:24.777+01:00``, ``...Z``). Empty values give ``None``.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        text = value.strip()
        match = _DATE_MINUTE.match(text)
        if match:
            text = f"{match.group(1)}T{match.group(2)}:{match.group(3)}"
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"unrecognised date {value!r}") from None
    else:
        raise ValueError(f"unrecognised date {value!r}")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=PLATFORM_TIMEZONE)


def parse_platform_date(value: object) -> date | None:
    """Parse any of the platform's date shapes into a calendar date (the date part as written)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            raise ValueError(f"unrecognised date {value!r}") from None
    raise ValueError(f"unrecognised date {value!r}")


def _empty_to_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


def _missing_list(value: object) -> object:
    """``None`` or absent lists become ``[]``; a lone object where a list is expected becomes ``[obj]``."""
    if value is None or value == "":
        return []
    if isinstance(value, dict):
        return [value]
    return value


PlatformDateTime = Annotated[datetime | None, BeforeValidator(parse_platform_datetime)]
PlatformDate = Annotated[date | None, BeforeValidator(parse_platform_date)]
OptionalId = Annotated[int | None, BeforeValidator(_empty_to_none)]
OptionalDecimal = Annotated[Decimal | None, BeforeValidator(_empty_to_none)]
OptionalBool = Annotated[bool | None, BeforeValidator(_empty_to_none)]


def _status_field() -> Any:
    """The status under any of its three names."""
    return Field(default=None, validation_alias=AliasChoices("statut", "statutFacture", "statutCourantCode"))


class AnswerModel(BaseModel):
    """Base of parsed answers: lenient, unknown keys ignored, fields reachable by name or alias."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore", frozen=True)


class Envelope(AnswerModel):
    """The ``codeRetour`` and ``libelle`` every answer carries."""

    code_retour: int = Field(default=0, alias="codeRetour")
    libelle: str | None = None


# --------------------------------------------------------------------------------------------------
# Requests: Decimal amounts serialised as JSON numbers, rounded to the platform's precision


def _rounded_number(places: int) -> Callable[[Decimal], float]:
    quantum = Decimal(1).scaleb(-places)

    def serialise(value: Decimal) -> float:
        # float() keeps the digits: the shortest repr of a decimal of ≤ 15 digits is that decimal.
        return float(Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP))

    return serialise


def _to_decimal(value: object) -> object:
    if isinstance(value, float):
        return Decimal(repr(value))  # 0.1 stays 0.1, not the binary expansion
    return value


Amount = Annotated[
    Decimal, BeforeValidator(_to_decimal), PlainSerializer(_rounded_number(2), return_type=float)
]
"""Money amount: serialised with 2 decimals (half up)."""
Quantity = Annotated[
    Decimal, BeforeValidator(_to_decimal), PlainSerializer(_rounded_number(4), return_type=float)
]
"""Quantity: serialised with 4 decimals."""
UnitPrice = Annotated[
    Decimal, BeforeValidator(_to_decimal), PlainSerializer(_rounded_number(6), return_type=float)
]
"""Unit price: serialised with 6 decimals."""
Rate = Annotated[
    Decimal, BeforeValidator(_to_decimal), PlainSerializer(_rounded_number(2), return_type=float)
]
"""VAT rate in percent (20, 5.5): serialised with 2 decimals."""
RequestDate = Annotated[date, PlainSerializer(lambda value: value.isoformat(), return_type=str)]
RequestDateTime = Annotated[
    datetime, PlainSerializer(lambda value: value.isoformat(timespec="milliseconds"), return_type=str)
]


class RequestModel(BaseModel):
    """Base of request bodies: strict about field names, serialised with Chorus Pro keys."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    def to_body(self) -> dict[str, Any]:
        """The JSON body: Chorus Pro keys, optional keys omitted, dates and numbers in API form."""
        body: dict[str, Any] = self.model_dump(mode="json", by_alias=True, exclude_none=True)
        return body


DepositMode = Literal["SAISIE_API", "DEPOT_PDF_API", "DEPOT_PDF_SIGNE_API"]
#: Sort columns of ``rechercher/fournisseur`` we use (the Swagger's enum has more).
SortColumn = Literal["NumeroFacture", "DateDepot", "DateFacture"]
SortDirection = Literal["Ascendant", "Descendant"]
InvoicingFrameworkCode = Literal[
    "A1_FACTURE_FOURNISSEUR",
    "A2_FACTURE_FOURNISSEUR_DEJA_PAYEE",
    "A9_FACTURE_SOUSTRAITANT",
    "A12_FACTURE_COTRAITANT",
]
InvoiceType = Literal["FACTURE", "AVOIR"]
VatRegime = Literal["TVA_SUR_DEBIT", "TVA_SUR_ENCAISSEMENT", "EXONERATION", "SANS_TVA"]
PaymentMode = Literal["CHEQUE", "PRELEVEMENT", "VIREMENT", "ESPECE", "AUTRE", "REPORT"]
FluxSyntax = Literal[
    "IN_DP_E1_UBL_INVOICE",
    "IN_DP_E1_CII",
    "IN_DP_E1_PES_FACTURE",
    "IN_DP_E1_XCBL",
    "IN_DP_E1_CII_16B",
    "IN_DP_E2_UBL_INVOICE_MIN",
    "IN_DP_E2_CII_MIN",
    "IN_DP_E2_PES_FACTURE_MIN",
    "IN_DP_E2_CPP_FACTURE_MIN",
    "IN_DP_E2_CII_MIN_16B",
    "IN_DP_E2_CII_FACTURX",
    "IN_DP_PDFARCHIVE_UBL_INVOICE_MUG",
    "IN_DP_PDFARCHIVE_CII_MUG",
]


class InvoiceRecipient(RequestModel):
    """``destinataire``: the buyer's SIRET and, when it requires one, its service code."""

    code_destinataire: str = Field(alias="codeDestinataire", min_length=1, max_length=14)
    code_service_executant: str | None = Field(default=None, alias="codeServiceExecutant", max_length=100)


class InvoiceSupplier(RequestModel):
    """``fournisseur``: our structure id on Chorus Pro (``idStructureCPP``, not the SIRET)."""

    id_fournisseur: int = Field(alias="idFournisseur")
    id_service_fournisseur: int | None = Field(default=None, alias="idServiceFournisseur")
    code_coordonnees_bancaires_fournisseur: int | None = Field(
        default=None, alias="codeCoordonneesBancairesFournisseur"
    )


class InvoicingFramework(RequestModel):
    """``cadreDeFacturation``: A1 (plain supplier invoice) unless a validation circuit applies."""

    code_cadre_facturation: InvoicingFrameworkCode = Field(
        default="A1_FACTURE_FOURNISSEUR", alias="codeCadreFacturation"
    )
    code_structure_valideur: str | None = Field(default=None, alias="codeStructureValideur")
    code_service_valideur: str | None = Field(default=None, alias="codeServiceValideur")


class InvoiceReferences(RequestModel):
    """``references``: currency, invoice type, VAT regime, engagement (EJ) number, payment mode."""

    devise_facture: str = Field(default="EUR", alias="deviseFacture", min_length=3, max_length=3)
    type_facture: InvoiceType = Field(default="FACTURE", alias="typeFacture")
    type_tva: VatRegime = Field(default="TVA_SUR_DEBIT", alias="typeTva")
    motif_exoneration_tva: str | None = Field(default=None, alias="motifExonerationTva")
    numero_marche: str | None = Field(default=None, alias="numeroMarche")
    numero_bon_commande: str | None = Field(
        default=None, alias="numeroBonCommande", max_length=50, description="engagement number (EJ)"
    )
    numero_facture_origine: str | None = Field(default=None, alias="numeroFactureOrigine")
    mode_paiement: PaymentMode | None = Field(default="VIREMENT", alias="modePaiement")


class SubmitLine(RequestModel):
    """One ``lignePoste``: give either a rate code (``taux_tva``) or a manual rate in percent."""

    numero: int = Field(alias="lignePosteNumero", ge=1)
    reference: str | None = Field(default=None, alias="lignePosteReference")
    denomination: str = Field(alias="lignePosteDenomination", min_length=1)
    quantite: Quantity = Field(alias="lignePosteQuantite")
    unite: str | None = Field(default=None, alias="lignePosteUnite")
    montant_unitaire_ht: UnitPrice = Field(alias="lignePosteMontantUnitaireHT")
    montant_remise_ht: Amount | None = Field(default=None, alias="lignePosteMontantRemiseHT")
    taux_tva: str | None = Field(default=None, alias="lignePosteTauxTva", description="rate code (TVA1...)")
    taux_tva_manuel: Rate | None = Field(default=None, alias="lignePosteTauxTvaManuel")


class VatLine(RequestModel):
    """One ``ligneTva``: taxable base and VAT amount for one rate."""

    taux: str | None = Field(default=None, alias="ligneTvaTaux", description="rate code (TVA1...)")
    taux_manuel: Rate | None = Field(default=None, alias="ligneTvaTauxManuel")
    montant_base_ht: Amount = Field(alias="ligneTvaMontantBaseHtParTaux")
    montant_tva: Amount = Field(alias="ligneTvaMontantTvaParTaux")


class SubmitTotals(RequestModel):
    """``montantTotal``: totals before tax, VAT, with tax, and the amount due."""

    montant_ht_total: Amount = Field(alias="montantHtTotal")
    montant_tva: Amount = Field(alias="montantTVA")
    montant_ttc_total: Amount = Field(alias="montantTtcTotal")
    montant_remise_globale_ttc: Amount | None = Field(default=None, alias="montantRemiseGlobaleTTC")
    motif_remise_globale_ttc: str | None = Field(default=None, alias="motifRemiseGlobaleTTC")
    montant_a_payer: Amount = Field(alias="montantAPayer")


class MainAttachment(RequestModel):
    """``pieceJointePrincipale``: the invoice PDF uploaded first with ``upload_attachment``."""

    designation: str | None = Field(default=None, alias="pieceJointePrincipaleDesignation", max_length=100)
    id: int = Field(alias="pieceJointePrincipaleId")


class AdditionalAttachment(RequestModel):
    """One ``pieceJointeComplementaire`` (supporting document) of a submitted invoice."""

    designation: str = Field(alias="pieceJointeComplementaireDesignation", max_length=100)
    type: str | None = Field(default=None, alias="pieceJointeComplementaireType", max_length=30)
    numero_ligne_facture: int | None = Field(
        default=None, alias="pieceJointeComplementaireNumeroLigneFacture"
    )
    id: int = Field(alias="pieceJointeComplementaireId")
    id_liaison: int | None = Field(default=None, alias="pieceJointeComplementaireIdLiaison")


def _one_element_list(value: object) -> object:
    if isinstance(value, (dict, MainAttachment)):
        return [value]
    return value


class SubmitInvoiceRequest(RequestModel):
    """Body of ``factures/v1/soumettre``: one structured invoice.

    Minimal example (invoice keyed from data, PDF uploaded first)::

        SubmitInvoiceRequest(
            mode_depot="DEPOT_PDF_API",
            numero_facture_saisi="F2026-0042",
            date_facture=date(2026, 11, 2),
            destinataire=InvoiceRecipient(code_destinataire="77572915500017",
                                          code_service_executant="Facture_sans_commande"),
            fournisseur=InvoiceSupplier(id_fournisseur=26311001),
            references=InvoiceReferences(numero_bon_commande="EJ123"),
            montant_total=SubmitTotals(montant_ht_total=Decimal("100"), montant_tva=Decimal("20"),
                                        montant_ttc_total=Decimal("120"), montant_a_payer=Decimal("120")),
            piece_jointe_principale=[MainAttachment(id=pdf_id, designation="F2026-0042.pdf")],
        )

    ``piece_jointe_principale`` accepts one attachment or a list; it is always sent as a one-element
    array (docs/sources.md#request-shapes-the-swagger-gets-wrong). ``SAISIE_API`` needs at least
    one ``ligne_poste``.
    """

    mode_depot: DepositMode = Field(default="SAISIE_API", alias="modeDepot")
    # Required in DEPOT_PDF_API modes; in SAISIE_API Chorus Pro ignores both and issues its own.
    numero_facture_saisi: str | None = Field(
        default=None, alias="numeroFactureSaisi", min_length=1, max_length=20
    )
    date_facture: RequestDate | None = Field(default=None, alias="dateFacture")
    destinataire: InvoiceRecipient
    fournisseur: InvoiceSupplier
    cadre_de_facturation: InvoicingFramework = Field(
        default_factory=InvoicingFramework, alias="cadreDeFacturation"
    )
    references: InvoiceReferences = Field(default_factory=InvoiceReferences)
    ligne_poste: list[SubmitLine] | None = Field(default=None, alias="lignePoste")
    ligne_tva: list[VatLine] | None = Field(default=None, alias="ligneTva")
    montant_total: SubmitTotals = Field(alias="montantTotal")
    piece_jointe_principale: Annotated[list[MainAttachment] | None, BeforeValidator(_one_element_list)] = (
        Field(default=None, alias="pieceJointePrincipale", max_length=1)
    )
    piece_jointe_complementaire: list[AdditionalAttachment] | None = Field(
        default=None, alias="pieceJointeComplementaire"
    )
    commentaire: str | None = Field(default=None, max_length=2000)


class SupplierInvoiceSearch(RequestModel):
    """Filters of ``rechercher/fournisseur``; every filter is optional."""

    numero_facture: str | None = Field(default=None, alias="numeroFacture")
    numero_flux_depot: str | None = Field(default=None, alias="numeroFluxDepot")
    statuts: list[str] | None = Field(default=None, alias="statutCourant")
    type_facture: Literal["FACTURE", "AVOIR", "ACOMPTE"] | None = Field(default=None, alias="typeFacture")
    id_fournisseur: int | None = Field(default=None, alias="idFournisseur")
    status_changed_from: RequestDateTime | None = Field(default=None, alias="periodeDateHeureEtatCourantDu")
    status_changed_to: RequestDateTime | None = Field(default=None, alias="periodeDateHeureEtatCourantAu")
    deposited_from: RequestDate | None = Field(default=None, alias="periodeDateDepotDu")
    deposited_to: RequestDate | None = Field(default=None, alias="periodeDateDepotAu")
    invoice_date_from: RequestDate | None = Field(default=None, alias="periodeDateFactureDu")
    invoice_date_to: RequestDate | None = Field(default=None, alias="periodeDateFactureAu")
    numero_bon_commande: str | None = Field(default=None, alias="numeroBonCommande")
    mode_depot: DepositMode | None = Field(default=None, alias="modeDepot")
    ttc_min: Amount | None = Field(default=None, alias="montantTTCMin")
    ttc_max: Amount | None = Field(default=None, alias="montantTTCMax")


class SupplierInvoicePaging(RequestModel):
    """``rechercheFactureParFournisseur``: which page of the search to return."""

    page: int = Field(alias="pageResultatDemandee", ge=1)
    page_size: int = Field(alias="nbResultatsParPage", ge=1)
    sort_column: SortColumn | None = Field(default=None, alias="triColonne")
    sort_direction: SortDirection | None = Field(default=None, alias="triSens")


class SupplierInvoiceSearchRequest(SupplierInvoiceSearch):
    """Full body of ``rechercher/fournisseur``: the filters plus the page wanted."""

    paging: SupplierInvoicePaging = Field(alias="rechercheFactureParFournisseur")


class StructureCriteria(RequestModel):
    """``structure`` filters of ``structures/v1/rechercher`` (pass them to ``search_structures``)."""

    identifiant_structure: str | None = Field(default=None, alias="identifiantStructure")
    type_identifiant_structure: (
        Literal["SIRET", "UE_HORS_FRANCE", "HORS_UE", "RIDET", "TAHITI", "AUTRE"] | None
    ) = Field(default=None, alias="typeIdentifiantStructure")
    raison_sociale_structure: str | None = Field(default=None, alias="raisonSocialeStructure")
    libelle_structure: str | None = Field(default=None, alias="libelleStructure")
    nom_structure: str | None = Field(default=None, alias="nomStructure")
    prenom_structure: str | None = Field(default=None, alias="prenomStructure")
    adresse_code_pays: str | None = Field(default=None, alias="adresseCodePays")
    adresse_code_postal: str | None = Field(default=None, alias="adresseCodePostal")
    adresse_ville: str | None = Field(default=None, alias="adresseVille")
    est_moa: bool | None = Field(default=None, alias="estMOA")
    est_moa_uniquement: bool | None = Field(default=None, alias="estMOAUniquement")
    statut_structure: Literal["ACTIF", "INACTIF"] | None = Field(default=None, alias="statutStructure")
    type_structure: Literal["PRIVEE", "PUBLIQUE"] | None = Field(default=None, alias="typeStructure")


class StructurePaging(RequestModel):
    """``parametres`` of ``structures/v1/rechercher``."""

    page_size: int = Field(alias="nbResultatsParPage", ge=1)
    page: int = Field(alias="pageResultatDemandee", ge=1)


class StructureSearchRequest(RequestModel):
    """Body of ``structures/v1/rechercher``."""

    structure: StructureCriteria
    parametres: StructurePaging | None = None
    restreindre_structures_privees: bool | None = Field(default=None, alias="restreindreStructuresPrivees")


class StructureLookupRequest(RequestModel):
    """Body of ``structures/v1/consulter`` (key ``idStructureCPP``).

    See docs/sources.md#request-shapes-the-swagger-gets-wrong.
    """

    id_structure_cpp: int = Field(alias="idStructureCPP")
    code_langue: str | None = Field(default=None, alias="codeLangue")


class ServicePaging(RequestModel):
    """``parametresRechercherServicesStructure`` of ``rechercher/services``."""

    page_size: int = Field(alias="nbResultatsParPage", ge=1)
    page: int = Field(alias="pageResultatDemandee", ge=1)


class ServiceSearchRequest(RequestModel):
    """Body of ``structures/v1/rechercher/services``."""

    id_structure: int = Field(alias="idStructure")
    paging: ServicePaging = Field(alias="parametresRechercherServicesStructure")


class ServiceLookupRequest(RequestModel):
    """Body of ``structures/v1/consulter/service``."""

    id_structure: int = Field(alias="idStructure")
    id_service: int = Field(alias="idService")
    code_langue: str | None = Field(default=None, alias="codeLangue")


class InvoiceLookupRequest(RequestModel):
    """Body of ``factures/v1/consulter/fournisseur``."""

    identifiant_facture_cpp: int = Field(alias="identifiantFactureCPP")


class InvoiceHistoryRequest(RequestModel):
    """Body of ``factures/v1/consulter/historique`` (``idFacture`` is the ``identifiantFactureCPP``)."""

    id_facture: int = Field(alias="idFacture")


class CompleteInvoiceRequest(RequestModel):
    """Body of ``factures/v1/completer`` (answer to a SUSPENDUE invoice)."""

    identifiant_facture_cpp: int = Field(alias="identifiantFactureCPP")
    commentaire: str | None = Field(default=None, max_length=2000)
    piece_jointe_complementaire: list[CompletionAttachment] | None = Field(
        default=None, alias="pieceJointeComplementaire"
    )


class CompletionAttachment(RequestModel):
    """One ``pieceJointeComplementaire`` of ``completer``."""

    designation: str = Field(alias="pieceJointeComplementaireDesignation", max_length=100)
    type: str | None = Field(default=None, alias="pieceJointeComplementaireType", max_length=30)
    numero_ligne_facture: int | None = Field(
        default=None, alias="pieceJointeComplementaireNumeroLigneFacture"
    )
    id: int = Field(alias="pieceJointeComplementaireId")


class RecycleReferences(RequestModel):
    """``reference`` (singular) of ``recycler``: only routing data may change."""

    numero_bon_commande: str | None = Field(default=None, alias="numeroBonCommande", max_length=50)
    numero_marche: str | None = Field(default=None, alias="numeroMarche")


class RecycleInvoiceRequest(RequestModel):
    """Body of ``factures/v1/recycler`` (answer to an A_RECYCLER invoice)."""

    identifiant_facture_cpp: int = Field(alias="identifiantFactureCPP")
    destinataire: InvoiceRecipient
    reference: RecycleReferences | None = None
    commentaire: str | None = Field(default=None, max_length=2000)


class RejectedPaymentRequest(RequestModel):
    """One ``listeDemandePaiement`` entry of ``traiterRejet``: the rejected invoice's id."""

    id_demande_paiement: int = Field(alias="idDemandePaiement")


class HandleRejectionRequest(RequestModel):
    """Body of ``factures/v1/traiterRejet``: the rejected invoices the supplier has dealt with."""

    liste_demande_paiement: list[RejectedPaymentRequest] = Field(alias="listeDemandePaiement", min_length=1)


class DepositFluxRequest(RequestModel):
    """Body of ``factures/v1/deposer/flux``: a UBL/CII/Factur-X file in base64."""

    fichier_flux: str = Field(alias="fichierFlux")
    nom_fichier: str = Field(alias="nomFichier", min_length=1)
    syntaxe_flux: FluxSyntax = Field(alias="syntaxeFlux")
    avec_signature: bool = Field(default=False, alias="avecSignature")


class AttachmentUploadRequest(RequestModel):
    """Body of ``transverses/v1/ajouter/fichier``."""

    piece_jointe_fichier: str = Field(alias="pieceJointeFichier")
    piece_jointe_nom: str = Field(alias="pieceJointeNom", min_length=1, max_length=50)
    piece_jointe_type_mime: str = Field(alias="pieceJointeTypeMime")
    piece_jointe_extension: str = Field(alias="pieceJointeExtension", min_length=1)


class FluxReportRequest(RequestModel):
    """Body of ``transverses/v1/consulterCRDetaille``."""

    numero_flux_depot: str = Field(alias="numeroFluxDepot", min_length=1)
    syntaxe_flux: str | None = Field(default=None, alias="syntaxeFlux")


class EmptyRequest(RequestModel):
    """Body of operations without parameters: ``{}``."""


# --------------------------------------------------------------------------------------------------
# Answers


class Page(AnswerModel):
    """``parametresRetour`` (or the same keys at the top level): where a paginated answer stands."""

    page_courante: int | None = Field(default=None, alias="pageCourante")
    pages: int | None = None
    nb_resultats_par_page: int | None = Field(default=None, alias="nbResultatsParPage")
    total: int | None = None


class Structure(AnswerModel):
    """One row of ``structures/v1/rechercher``."""

    id_structure_cpp: int = Field(alias="idStructureCPP")
    identifiant_structure: str | None = Field(
        default=None, validation_alias=AliasChoices("identifiantStructure", "identifiant")
    )
    type_identifiant_structure: str | None = Field(default=None, alias="typeIdentifiantStructure")
    designation_structure: str | None = Field(default=None, alias="designationStructure")
    status: str | None = _status_field()

    @property
    def is_active(self) -> bool:
        """Active unless the platform says otherwise (``ACTIVE``/``INACTIVE``, or ``ACTIF``/``INACTIF``)."""
        return (self.status or "ACTIVE").upper() not in ("INACTIVE", "INACTIF")


class StructureSearchAnswer(Envelope):
    """Answer of ``structures/v1/rechercher``."""

    liste_structures: Annotated[list[Structure], BeforeValidator(_missing_list)] = Field(
        default_factory=list, alias="listeStructures"
    )
    parametres_retour: Page | None = Field(default=None, alias="parametresRetour")


class SupplierStructure(AnswerModel):
    """A structure our technical account may invoice for (``recuperer/structures/actives/fournisseur``)."""

    id_structure_cpp: int = Field(validation_alias=AliasChoices("idStructureCPP", "idStructure"))
    identifiant: str | None = Field(
        default=None, validation_alias=AliasChoices("identifiant", "identifiantStructure")
    )
    designation_structure: str | None = Field(default=None, alias="designationStructure")


class BankAccountsRequest(RequestModel):
    """Body of ``recuperer/coordbanc/valides``: the supplier structure whose accounts to list."""

    id_structure: int = Field(alias="idStructure")


class SiretInformationRequest(RequestModel):
    """Body of ``transverses/v1/consulter/information/siret``: the SIRET to read in INSEE's register."""

    siret_structure: str = Field(alias="siretStructure")


class SiretInformation(Envelope):
    """Answer of ``consulter/information/siret``: INSEE's data on a SIRET, its legal category included.

    ``categorieJuridique`` is INSEE's code of the legal form (``7364``: a hospital establishment);
    the rest of the answer is not read. The service does not work on the qualification platform.
    """

    categorie_juridique: str | None = Field(default=None, alias="categorieJuridique")


class BankAccount(AnswerModel):
    """One bank account registered for the supplier on Chorus Pro (``recuperer/coordbanc/valides``).

    Chorus Pro answers with an id and the name given on the portal, not the IBAN itself.
    """

    id_coordonnee_bancaire: int = Field(alias="idCoordonneeBancaire")
    nom_coordonnee_bancaire: str | None = Field(default=None, alias="nomCoordonneeBancaire")


class BankAccountsAnswer(Envelope):
    """Answer of ``recuperer/coordbanc/valides``."""

    liste_coordonnee_bancaire: Annotated[list[BankAccount], BeforeValidator(_missing_list)] = Field(
        default_factory=list, alias="listeCoordonneeBancaire"
    )


class SupplierStructuresAnswer(Envelope):
    """Answer of ``recuperer/structures/actives/fournisseur``."""

    liste_structures: Annotated[list[SupplierStructure], BeforeValidator(_missing_list)] = Field(
        default_factory=list, alias="listeStructures"
    )


class StructureGeneralInfo(AnswerModel):
    """``informationGenerales`` of ``structures/v1/consulter``."""

    id_structure_cpp: OptionalId = Field(default=None, alias="idStructureCPP")
    identifiant_structure: str | None = Field(default=None, alias="identifiantStructure")
    type_identifiant_structure: str | None = Field(default=None, alias="typeIdentifiantStructure")
    raison_sociale_structure: str | None = Field(default=None, alias="raisonSocialeStructure")
    libelle_structure: str | None = Field(default=None, alias="libelleStructure")
    email_structure: str | None = Field(default=None, alias="emailStructure")
    numero_tva: str | None = Field(default=None, alias="numeroTVA")
    structure_privee_publique: str | None = Field(default=None, alias="structurePriveePublique")
    date_expiration_mot_passe_compte_tech: PlatformDate = Field(
        default=None, alias="dateExpirationMotPasseCompteTech"
    )


class StructureParameters(AnswerModel):
    """``parametres`` of ``structures/v1/consulter``: what the buyer requires on its invoices."""

    code_service_doit_etre_renseigne: bool = Field(default=False, alias="codeServiceDoitEtreRenseigne")
    numero_ej_doit_etre_renseigne: bool = Field(
        default=False, validation_alias=AliasChoices("numeroEJDoitEtreRenseigne", "numeroEjDoitEtreRenseigne")
    )
    gestion_numero_ej_ou_code_service: bool = Field(default=False, alias="gestionNumeroEJOuCodeService")
    statut_mise_en_paiement_nest_pas_remonte: bool = Field(
        default=False, alias="statutMiseEnPaiementNestPasRemonte"
    )
    connexion_edi: OptionalBool = Field(default=None, alias="connexionEDI")

    @field_validator(
        "code_service_doit_etre_renseigne",
        "numero_ej_doit_etre_renseigne",
        "gestion_numero_ej_ou_code_service",
        "statut_mise_en_paiement_nest_pas_remonte",
        mode="before",
    )
    @classmethod
    def _null_is_false(cls, value: object) -> object:
        return False if value is None or value == "" else value


class PostalAddress(AnswerModel):
    """``AdressePostale`` of the Structures API."""

    adresse: str | None = None
    complement_adresse1: str | None = Field(default=None, alias="complementAdresse1")
    complement_adresse2: str | None = Field(default=None, alias="complementAdresse2")
    code_postal: str | None = Field(default=None, alias="codePostal")
    ville: str | None = None
    pays: str | None = None

    def as_text(self) -> str | None:
        """The address as printed on an invoice (one part a line), ``None`` when it has no street."""
        city = " ".join(part for part in (self.code_postal, self.ville) if part)
        lines = [self.adresse, self.complement_adresse1, self.complement_adresse2, city]
        if self.pays and self.pays.upper() not in ("FR", "FRANCE"):
            lines.append(self.pays)
        text = "\n".join(line.strip() for line in lines if line and line.strip())
        return text if self.adresse and text else None


class StructureDetails(Envelope):
    """Answer of ``structures/v1/consulter``, with plain-language shortcuts to the requirements."""

    information_generales: StructureGeneralInfo = Field(
        default_factory=StructureGeneralInfo, alias="informationGenerales"
    )
    parametres: StructureParameters = Field(default_factory=StructureParameters)
    adresse_postale_du_siege: PostalAddress | None = Field(default=None, alias="adressePostaleDuSiege")

    @property
    def service_code_required(self) -> bool:
        """A service code (``codeServiceExecutant``) is mandatory."""
        return self.parametres.code_service_doit_etre_renseigne

    @property
    def engagement_required(self) -> bool:
        """An engagement number (EJ, ``numeroBonCommande``) is mandatory."""
        return self.parametres.numero_ej_doit_etre_renseigne

    @property
    def service_or_engagement_required(self) -> bool:
        """At least one of service code or engagement number is mandatory."""
        return self.parametres.gestion_numero_ej_ou_code_service

    @property
    def payment_status_not_reported(self) -> bool:
        """The buyer never reports MISE_EN_PAIEMENT: do not wait for it."""
        return self.parametres.statut_mise_en_paiement_nest_pas_remonte

    @property
    def technical_password_expires_on(self) -> date | None:
        """Expiry date of the technical account password, when the platform gives it."""
        return self.information_generales.date_expiration_mot_passe_compte_tech


class Service(AnswerModel):
    """One row of ``structures/v1/rechercher/services``."""

    id_service: int = Field(alias="idService")
    code_service: str = Field(alias="codeService")
    libelle_service: str | None = Field(default=None, alias="libelleService")
    est_actif: bool = Field(default=True, alias="estActif")
    statut_service: str | None = Field(default=None, alias="statutService")
    date_dbt_service: PlatformDateTime = Field(default=None, alias="dateDbtService")
    date_fin_service: PlatformDateTime = Field(default=None, alias="dateFinService")


class ServiceSearchAnswer(Envelope):
    """Answer of ``structures/v1/rechercher/services``."""

    liste_services: Annotated[list[Service], BeforeValidator(_missing_list)] = Field(
        default_factory=list, alias="listeServices"
    )
    parametres_retour: Page | None = Field(default=None, alias="parametresRetour")


class ServiceGeneralInfo(AnswerModel):
    """``informationsGenerales`` of ``consulter/service``."""

    code_service: str | None = Field(default=None, alias="codeService")
    nom_service: str | None = Field(default=None, alias="nomService")
    description_service: str | None = Field(default=None, alias="descriptionService")


class ServiceParameters(AnswerModel):
    """``parametres`` of ``consulter/service``."""

    numero_engagement: bool = Field(default=False, alias="numeroEngagement")
    mise_en_paiement: OptionalBool = Field(default=None, alias="miseEnPaiement")
    date_debut_validite: PlatformDateTime = Field(default=None, alias="dateDebutValidite")
    date_fin_validite: PlatformDateTime = Field(default=None, alias="dateFinValidite")

    @field_validator("numero_engagement", mode="before")
    @classmethod
    def _null_is_false(cls, value: object) -> object:
        return False if value is None or value == "" else value


class ServiceDetails(Envelope):
    """Answer of ``structures/v1/consulter/service``."""

    informations_generales: ServiceGeneralInfo = Field(
        default_factory=ServiceGeneralInfo, alias="informationsGenerales"
    )
    parametres: ServiceParameters = Field(default_factory=ServiceParameters)

    @property
    def engagement_required(self) -> bool:
        """An engagement number (EJ) is mandatory for invoices to this service."""
        return self.parametres.numero_engagement


class AttachmentUploadAnswer(Envelope):
    """Answer of ``transverses/v1/ajouter/fichier``."""

    piece_jointe_id: int = Field(alias="pieceJointeId")


class FluxInvoiceError(AnswerModel):
    """One ``listeErreurDP`` entry: an invoice of the flux refused, with the reason."""

    numero_dp: str | None = Field(default=None, alias="numeroDP")
    identifiant_fournisseur: str | None = Field(default=None, alias="identifiantFournisseur")
    identifiant_destinataire: str | None = Field(default=None, alias="identifiantDestinataire")
    libelle_erreur_dp: str | None = Field(default=None, alias="libelleErreurDP")


class FluxTechnicalError(AnswerModel):
    """One ``listeErreurTechnique`` entry."""

    code_erreur: str | None = Field(default=None, alias="codeErreur")
    libelle_erreur: str | None = Field(default=None, alias="libelleErreur")
    nature_erreur: str | None = Field(default=None, alias="natureErreur")

    @field_validator("code_erreur", mode="before")
    @classmethod
    def _code_as_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) else value


class FluxReport(Envelope):
    """Answer of ``consulterCRDetaille``: the processing state of a deposited flux."""

    etat_courant_depot_flux: str | None = Field(
        default=None, validation_alias=AliasChoices("etatCourantDepotFlux", "etatCourantFlux")
    )
    date_depot_flux: PlatformDateTime = Field(default=None, alias="dateDepotFlux")
    date_heure_etat_courant_flux: PlatformDateTime = Field(default=None, alias="dateHeureEtatCourantFlux")
    code_interface_depot_flux: str | None = Field(default=None, alias="codeInterfaceDepotFlux")
    nom_fichier: str | None = Field(default=None, alias="nomFichier")
    liste_erreur_dp: Annotated[list[FluxInvoiceError], BeforeValidator(_missing_list)] = Field(
        default_factory=list, alias="listeErreurDP"
    )
    liste_erreur_technique: Annotated[list[FluxTechnicalError], BeforeValidator(_missing_list)] = Field(
        default_factory=list, alias="listeErreurTechnique"
    )


class SubmitInvoiceResponse(Envelope):
    """Answer of ``soumettre``: the Chorus Pro id of the new invoice and its first status (DEPOSEE)."""

    identifiant_facture_cpp: int = Field(alias="identifiantFactureCPP")
    numero_facture: str | None = Field(default=None, alias="numeroFacture")
    status: str | None = _status_field()
    date_depot: PlatformDate = Field(default=None, alias="dateDepot")
    identifiant_structure: str | None = Field(default=None, alias="identifiantStructure")
    empreinte_certificat_depot: str | None = Field(default=None, alias="empreinteCertificatDepot")


class DepositFluxResponse(Envelope):
    """Answer of ``deposer/flux``: the flux number to follow with ``get_flux_report``."""

    numero_flux_depot: str = Field(alias="numeroFluxDepot")
    date_depot: PlatformDate = Field(default=None, alias="dateDepot")
    syntaxe_flux: str | None = Field(default=None, alias="syntaxeFlux")


class SupplierInvoiceRow(AnswerModel):
    """One invoice of ``rechercher/fournisseur``."""

    identifiant_facture_cpp: int = Field(alias="identifiantFactureCPP")
    numero_facture: str | None = Field(default=None, alias="numeroFacture")
    status: str | None = _status_field()
    type_facture: str | None = Field(default=None, alias="typeFacture")
    type_demande_paiement: str | None = Field(default=None, alias="typeDemandePaiement")
    date_facture: PlatformDate = Field(default=None, alias="dateFacture")
    date_depot: PlatformDate = Field(default=None, alias="dateDepot")
    date_heure_etat_courant: PlatformDateTime = Field(default=None, alias="dateHeureEtatCourant")
    commentaire_etat_courant: str | None = Field(default=None, alias="commentaireEtatCourant")
    montant_ht: OptionalDecimal = Field(default=None, alias="montantHT")
    montant_ttc: OptionalDecimal = Field(default=None, alias="montantTTC")
    montant_a_payer: OptionalDecimal = Field(default=None, alias="montantAPayer")
    devise: str | None = None
    numero_flux_depot: str | None = Field(default=None, alias="numeroFluxDepot")
    mode_depot: str | None = Field(default=None, alias="modeDepot")
    rejet_traite: OptionalBool = Field(default=None, alias="rejetTraite")
    id_destinataire: OptionalId = Field(default=None, alias="idDestinataire")
    code_destinataire: str | None = Field(default=None, alias="codeDestinataire")
    designation_destinataire: str | None = Field(default=None, alias="designationDestinataire")
    code_service_executant: str | None = Field(default=None, alias="codeServiceExecutant")
    numero_bon_commande: str | None = Field(default=None, alias="numeroBonCommande")
    numero_marche: str | None = Field(default=None, alias="numeroMarche")


class SupplierInvoicePage(AnswerModel):
    """One page of ``rechercher/fournisseur``; rows that failed to parse are kept raw, never dropped."""

    page: int
    pages: int
    total: int
    rows: list[SupplierInvoiceRow] = Field(default_factory=list)
    malformed_rows: list[dict[str, Any]] = Field(default_factory=list)


class InvoiceParty(AnswerModel):
    """``destinataire`` or ``fournisseur`` of ``consulter/fournisseur`` (the common keys)."""

    id_destinataire: OptionalId = Field(default=None, alias="idDestinataire")
    code_destinataire: str | None = Field(default=None, alias="codeDestinataire")
    code_service_executant: str | None = Field(default=None, alias="codeServiceExecutant")
    id_fournisseur: OptionalId = Field(default=None, alias="idFournisseur")
    code_fournisseur: str | None = Field(default=None, alias="codeFournisseur")
    raison_sociale_fournisseur: str | None = Field(default=None, alias="raisonSocialeFournisseur")


class InvoiceDetailReferences(AnswerModel):
    """``references`` of ``consulter/fournisseur``."""

    date_facture: PlatformDate = Field(default=None, alias="dateFacture")
    date_depot: PlatformDate = Field(default=None, alias="dateDepot")
    code_devise_facture: str | None = Field(default=None, alias="codeDeviseFacture")
    type_facture: str | None = Field(default=None, alias="typeFacture")
    type_tva: str | None = Field(default=None, alias="typeTva")
    numero_marche: str | None = Field(default=None, alias="numeroMarche")
    numero_bon_commande: str | None = Field(default=None, alias="numeroBonCommande")
    numero_facture_origine: str | None = Field(default=None, alias="numeroFactureOrigine")
    mode_paiement: str | None = Field(default=None, alias="modePaiement")


class InvoiceDetailTotals(AnswerModel):
    """``montantTotal`` of ``consulter/fournisseur``."""

    montant_ht_total: OptionalDecimal = Field(default=None, alias="montantHtTotal")
    montant_tva: OptionalDecimal = Field(default=None, alias="montantTVA")
    montant_ttc_total: OptionalDecimal = Field(default=None, alias="montantTtcTotal")
    montant_a_payer: OptionalDecimal = Field(default=None, alias="montantAPayer")


class InvoiceDetails(AnswerModel):
    """Answer of ``consulter/fournisseur`` (the ``facture`` object, main keys)."""

    identifiant_facture_cpp: int = Field(alias="identifiantFactureCPP")
    numero_facture: str | None = Field(default=None, alias="numeroFacture")
    status: str | None = _status_field()
    mode_depot: str | None = Field(default=None, alias="modeDepot")
    rejet_traite: OptionalBool = Field(default=None, alias="rejetTraite")
    commentaire: str | None = None
    destinataire: InvoiceParty = Field(default_factory=InvoiceParty)
    fournisseur: InvoiceParty = Field(default_factory=InvoiceParty)
    references: InvoiceDetailReferences = Field(default_factory=InvoiceDetailReferences)
    montant_total: InvoiceDetailTotals = Field(default_factory=InvoiceDetailTotals, alias="montantTotal")


class HistoryEntry(AnswerModel):
    """One ``histoStatut`` entry: a status, when it was reached, and the buyer's comment (reason)."""

    status: str = Field(validation_alias=AliasChoices("histoStatutCode", "statut", "statutFacture"))
    changed_at: PlatformDateTime = Field(default=None, alias="histoStatutDatePassage")
    comment: str | None = Field(default=None, alias="histoStatutCommentaire")
    histo_statut_id: OptionalId = Field(default=None, alias="histoStatutId")


class InvoiceHistory(AnswerModel):
    """Answer of ``consulter/historique``: current status and its changes, newest first."""

    id_facture: OptionalId = Field(default=None, alias="idFacture")
    numero_facture: str | None = Field(default=None, alias="numeroFacture")
    mode_depot: str | None = Field(default=None, alias="modeDepot")
    status: str | None = _status_field()
    entries: list[HistoryEntry] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _lift_entries(cls, data: Any) -> Any:
        """Take ``historiquesDesStatuts.histoStatut`` (list, lone object or missing) as ``entries``."""
        if not isinstance(data, dict) or "entries" in data:
            return data
        histories = data.get("historiquesDesStatuts") or {}
        entries = histories.get("histoStatut") if isinstance(histories, dict) else histories
        return {**data, "entries": _missing_list(entries)}

    @field_validator("entries", mode="after")
    @classmethod
    def _newest_first(cls, entries: list[HistoryEntry]) -> list[HistoryEntry]:
        # Stable: entries stamped in the same minute keep the server's order.
        return sorted(entries, key=lambda entry: entry.changed_at or _EPOCH, reverse=True)

    @model_validator(mode="after")
    def _status_from_entries(self) -> InvoiceHistory:
        if self.status is None and self.entries:
            object.__setattr__(self, "status", self.entries[0].status)  # frozen model: set once, here
        return self

    @property
    def latest_comment(self) -> str | None:
        """Comment of the newest entry carrying one (the rejection or suspension reason)."""
        return next((entry.comment for entry in self.entries if entry.comment), None)


class CompleteInvoiceResponse(Envelope):
    """Answer of ``completer``."""

    identifiant_facture_cpp: OptionalId = Field(default=None, alias="identifiantFactureCPP")
    numero_facture: str | None = Field(default=None, alias="numeroFacture")
    date_traitement: PlatformDateTime = Field(default=None, alias="dateTraitement")


class RecycleInvoiceResponse(Envelope):
    """Answer of ``recycler``."""

    identifiant_facture_cpp: OptionalId = Field(default=None, alias="identifiantFactureCPP")
    numero_facture: str | None = Field(default=None, alias="numeroFacture")
    status: str | None = _status_field()
    date_depot: PlatformDate = Field(default=None, alias="dateDepot")


class HandleRejectionResponse(Envelope):
    """Answer of ``traiterRejet``: ``codeRetour`` and ``libelle`` only."""


CompleteInvoiceRequest.model_rebuild()
