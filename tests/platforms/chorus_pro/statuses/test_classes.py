"""The status mapping: every one of the 56 Chorus Pro statuses has exactly one documented class."""

from __future__ import annotations

from chorusflow.ledger import InvoiceState
from chorusflow.platforms.chorus_pro.statuses import (
    NEXT_STEPS,
    STATUS_CLASSES,
    classify,
    is_final,
    ledger_state_for,
    next_step,
)
from chorusflow.platforms.interface import NextStep, StatusClass

# Factures Swagger enum, 56 values (docs/sources.md#invoice-statuses).
SWAGGER_STATUSES = """BROUILLON A_VALIDER_1 ERREUR_FOURNISSEUR_SUR_VALIDEUR REFUSEE_1 VALIDEE_1
ABSENCE_VALIDATION_1_HORS_DELAI A_VALIDER_2 ERREUR_COTRAITANT_SUR_VALIDEUR REFUSEE_2 VALIDEE_2
ABSENCE_VALIDATION_2_HORS_DELAI DEPOSEE ERREUR_FOURNISSEUR_SUR_MOE EN_COURS_ACHEMINEMENT MISE_A_DISPOSITION
A_RECYCLER SUSPENDUE REJETEE MANDATEE MISE_EN_PAIEMENT COMPTABILISEE MISE_A_DISPOSITION_COMPTABLE ABANDONNEE
SUPPRIMEE ASSOCIEE EN_COURS_TRAITEMENT_PIVOT_S A_VALIDER_MOE REFUSEE_MOE EN_ATTENTE_RECYCLAGE_FOURNISSEUR
ERREUR_MOE_SUR_FOURNISSEUR ERREUR_MOA_SUR_FOURNISSEUR INTERPRETEE_OCR COMPLETEE ERREUR_FOURNISSEUR_SUR_MOA
ERREUR_MOE_SUR_MOA ERREUR_DESTINATAIRE_PD ERREUR_DESTINATAIRE_EA SERVICE_FAIT NON_CONFORME A_ASSOCIER_MOE
ERREUR_DE_MOE MISE_A_DISPOSITION_MOE PRISE_EN_COMPTE_MOE A_ASSOCIER_MOA ERREUR_DE_MOA REFUSEE_MOA
A_ASSOCIER_FOURNISSEUR REFUSEE_FOURNISSEUR A_COMPLETER TRANSMISE_MOA PRISE_EN_COMPTE_DESTINATAIRE
REMPLACEE_PAR_A22 DUPLIQUE_APRES_REFUS MISE_A_DISPOSITION_MOA PRISE_EN_COMPTE_MOA TECHNIQUE_INCONNU""".split()


def test_every_swagger_status_has_one_class_and_nothing_else() -> None:
    assert len(SWAGGER_STATUSES) == 56
    assert set(STATUS_CLASSES) == set(SWAGGER_STATUSES)
    assert classify("STATUT_DE_DEMAIN") is StatusClass.UNKNOWN
    assert classify(None) is StatusClass.UNKNOWN


def test_blocked_statuses_are_those_needing_supplier_action() -> None:
    blocked = {status for status, cls in STATUS_CLASSES.items() if cls is StatusClass.BLOCKED}
    assert {
        "SUSPENDUE",
        "A_RECYCLER",
        "REJETEE",
        "ERREUR_FOURNISSEUR_SUR_VALIDEUR",
        "A_ASSOCIER_FOURNISSEUR",
        "REFUSEE_FOURNISSEUR",
        "EN_ATTENTE_RECYCLAGE_FOURNISSEUR",
        "ERREUR_MOE_SUR_FOURNISSEUR",
        "ERREUR_MOA_SUR_FOURNISSEUR",
    } <= blocked
    assert blocked == set(NEXT_STEPS)
    assert next_step("SUSPENDUE") is NextStep.COMPLETE
    assert next_step("A_RECYCLER") is NextStep.RECYCLE
    assert next_step("REJETEE") is NextStep.NEW_INVOICE
    assert next_step("DEPOSEE") is None


def test_paid_closed_and_final() -> None:
    assert classify("MISE_EN_PAIEMENT") is StatusClass.PAID
    assert classify("SUPPRIMEE") is StatusClass.CLOSED
    assert is_final("MISE_EN_PAIEMENT") and is_final("REJETEE") and is_final("ABANDONNEE")
    assert not is_final("SUSPENDUE") and not is_final("A_RECYCLER") and not is_final("MANDATEE")


def test_buyer_that_never_reports_payment_is_paid_at_its_last_stage() -> None:
    assert classify("MANDATEE") is StatusClass.IN_PROGRESS
    for status in ("MANDATEE", "MISE_A_DISPOSITION_COMPTABLE", "COMPTABILISEE"):
        assert classify(status, payment_not_reported=True) is StatusClass.PAID
        assert is_final(status, payment_not_reported=True)
    assert classify("SERVICE_FAIT", payment_not_reported=True) is StatusClass.IN_PROGRESS


def test_class_to_ledger_state() -> None:
    assert ledger_state_for(StatusClass.IN_PROGRESS, InvoiceState.BLOCKED) is InvoiceState.SUBMITTED
    assert ledger_state_for(StatusClass.BLOCKED, InvoiceState.SUBMITTED) is InvoiceState.BLOCKED
    assert ledger_state_for(StatusClass.PAID, InvoiceState.SUBMITTED) is InvoiceState.PAID
    assert ledger_state_for(StatusClass.CLOSED, InvoiceState.SUBMITTED) is InvoiceState.CLOSED
    assert ledger_state_for(StatusClass.UNKNOWN, InvoiceState.BLOCKED) is InvoiceState.BLOCKED
