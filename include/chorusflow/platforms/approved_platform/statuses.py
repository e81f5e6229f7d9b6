"""The CDAR lifecycle statuses (MDT-105) and what each means for the supplier: one table.

Codes and labels: XP Z12-012 and the DGFiP external specifications' lifecycle table, as FNFE-MPE's
CDAR schematron 1.4.0 lists them (``custom:is-valid-invoice-status-code``, rule BR-FR-CDV-CL-06:
200 to 214, 220, 221, 224 to 228, 250, 251, 300, 301, 400, 401, 500, 501, 601). Only 200 to 214 and
221 have a public label we could check; the others are valid codes of no known meaning for an
invoice we issued, so they classify ``unknown`` (logged, the invoice keeps being followed), the
harsher reading. Reason codes per status: the same schematron, BR-FR-CDV-CL-09 (210: the B2B list).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class LifecycleClass(StrEnum):
    """What a lifecycle status means for the supplier (like Chorus Pro's status classes)."""

    IN_PROGRESS = "in_progress"
    BLOCKED_BY_BUYER = "blocked_by_buyer"  # the buyer refused, disputes or suspended it
    REJECTED_BY_PLATFORM = "rejected_by_platform"  # a platform refused it: it does not exist for the buyer
    PAID = "paid"
    UNKNOWN = "unknown"


class Setter(StrEnum):
    """Who sends a status: a platform, the buyer (through its platform) or the supplier itself."""

    PLATFORM = "platform"
    BUYER = "buyer"
    SUPPLIER = "supplier"


@dataclass(frozen=True)
class LifecycleStatus:
    """One row of the table."""

    code: int
    label: str
    status_class: LifecycleClass
    setter: Setter
    final: bool = False  # nothing follows it on this invoice


_ROWS = (
    LifecycleStatus(200, "Déposée", LifecycleClass.IN_PROGRESS, Setter.PLATFORM),
    LifecycleStatus(201, "Émise par la plateforme", LifecycleClass.IN_PROGRESS, Setter.PLATFORM),
    LifecycleStatus(202, "Reçue par la plateforme", LifecycleClass.IN_PROGRESS, Setter.PLATFORM),
    LifecycleStatus(203, "Mise à disposition", LifecycleClass.IN_PROGRESS, Setter.PLATFORM),
    LifecycleStatus(204, "Prise en charge", LifecycleClass.IN_PROGRESS, Setter.BUYER),
    LifecycleStatus(205, "Approuvée", LifecycleClass.IN_PROGRESS, Setter.BUYER),
    # The buyer contests part of the invoice (reason required): a person decides (credit note...).
    LifecycleStatus(206, "Approuvée partiellement", LifecycleClass.BLOCKED_BY_BUYER, Setter.BUYER),
    LifecycleStatus(207, "En litige", LifecycleClass.BLOCKED_BY_BUYER, Setter.BUYER),
    LifecycleStatus(208, "Suspendue", LifecycleClass.BLOCKED_BY_BUYER, Setter.BUYER),
    LifecycleStatus(209, "Complétée", LifecycleClass.IN_PROGRESS, Setter.SUPPLIER),
    LifecycleStatus(210, "Refusée", LifecycleClass.BLOCKED_BY_BUYER, Setter.BUYER, final=True),
    LifecycleStatus(211, "Paiement transmis", LifecycleClass.PAID, Setter.BUYER),
    LifecycleStatus(212, "Encaissée", LifecycleClass.PAID, Setter.SUPPLIER, final=True),
    LifecycleStatus(213, "Rejetée", LifecycleClass.REJECTED_BY_PLATFORM, Setter.PLATFORM, final=True),
    LifecycleStatus(214, "Visée", LifecycleClass.IN_PROGRESS, Setter.BUYER),
    # Routing error: the receiving platform could not route it (reason ROUTAGE_ERR, CL-09).
    LifecycleStatus(
        221, "Erreur de routage", LifecycleClass.REJECTED_BY_PLATFORM, Setter.PLATFORM, final=True
    ),
)

#: The single table: status code -> its row.
LIFECYCLE_STATUSES: dict[int, LifecycleStatus] = {row.code: row for row in _ROWS}
#: Every code the CDAR schematron accepts (BR-FR-CDV-CL-06), labelled or not.
VALID_STATUS_CODES: frozenset[int] = frozenset(
    [*range(200, 215), 220, 221, *range(224, 229), 250, 251, 300, 301, 400, 401, 500, 501, 601]
)
#: Code -> label, for messages and the CDAR ``ProcessCondition``.
STATUSES: dict[int, str] = {row.code: row.label for row in _ROWS}
#: Statuses a B2B buyer sets (through its platform); 214 Visée is a public buyer's (B2G) step.
BUYER_STATUSES = frozenset({204, 205, 206, 207, 208, 210, 211})
#: Statuses the supplier sends itself.
SUPPLIER_STATUSES = frozenset(row.code for row in _ROWS if row.setter is Setter.SUPPLIER)

#: Reason codes (MDT-113) allowed per status, FNFE-MPE CDAR schematron 1.4.0 BR-FR-CDV-CL-09
#: (210: the B2B list). A status listed here requires a reason (BR-FR-CDV-15).
REASONS: dict[int, frozenset[str]] = {
    206: frozenset(
        "AUTRE CMD_ERR SIRET_ERR CODE_ROUTAGE_ERR REF_CT_ABSENT REF_ERR PU_ERR REM_ERR QTE_ERR ART_ERR "
        "MODPAI_ERR QUALITE_ERR LIVR_INCOMP".split()
    ),
    207: frozenset(
        "AUTRE COORD_BANC_ERR TX_TVA_ERR MONTANTTOTAL_ERR CALCUL_ERR NON_CONFORME DOUBLON DEST_INC DEST_ERR "
        "TRANSAC_INC EMMET_INC CONTRAT_TERM DOUBLE_FACT CMD_ERR ADR_ERR SIRET_ERR CODE_ROUTAGE_ERR "
        "REF_CT_ABSENT REF_ERR PU_ERR REM_ERR QTE_ERR ART_ERR MODPAI_ERR QUALITE_ERR LIVR_INCOMP".split()
    ),
    208: frozenset(
        "JUSTIF_ABS COORD_BANC_ERR CMD_ERR SIRET_ERR CODE_ROUTAGE_ERR REF_CT_ABSENT REF_ERR".split()
    ),
    210: frozenset(
        "TX_TVA_ERR MONTANTTOTAL_ERR CALCUL_ERR NON_CONFORME DOUBLON DEST_ERR TRANSAC_INC EMMET_INC "
        "CONTRAT_TERM DOUBLE_FACT CMD_ERR ADR_ERR REF_CT_ABSENT".split()
    ),
    213: frozenset(
        "MONTANTTOTAL_ERR CALCUL_ERR DOUBLON DEST_INC ADR_ERR REJ_SEMAN REJ_UNI REJ_COH REJ_ADR REJ_CONT_B2G "
        "REJ_REF_PJ REJ_ASS_PJ".split()
    ),
}


def classify(code: int | None) -> LifecycleClass:
    """The class of a status code (``unknown`` for a code without a row, or none)."""
    row = LIFECYCLE_STATUSES.get(code) if code is not None else None
    return row.status_class if row is not None else LifecycleClass.UNKNOWN


def is_final(code: int | None) -> bool:
    """True when nothing follows this status on the invoice, so it stops being followed."""
    row = LIFECYCLE_STATUSES.get(code) if code is not None else None
    return row is not None and row.final


def label(code: int) -> str:
    """The status's French label, or ``statut <code>`` for a code without one."""
    return STATUSES.get(code, f"statut {code}")
