"""The error table: retryable / outcome unknown per class, and the duplicate recogniser."""

from __future__ import annotations

import pytest

from chorusflow.platforms.chorus_pro import errors


@pytest.mark.parametrize(
    ("error_class", "retryable", "outcome_unknown"),
    [
        (errors.ConfigurationError, False, False),
        (errors.InvalidClientError, False, False),
        (errors.TechnicalAccountError, False, False),
        (errors.ForbiddenError, False, False),
        (errors.BadRequestError, False, False),
        (errors.FunctionalError, False, False),
        (errors.DuplicateInvoiceError, False, False),
        (errors.RateLimitedError, True, False),
        (errors.ServerError, True, True),
        (errors.ChorusProTimeoutError, True, True),
        (errors.ConnectionLostError, True, True),
        (errors.InvalidResponseError, True, True),
    ],
)
def test_error_table(
    error_class: type[errors.ChorusProError], retryable: bool, outcome_unknown: bool
) -> None:
    error = error_class("message", operation="/cpro/x")
    assert (error.retryable, error.outcome_unknown) == (retryable, outcome_unknown)
    assert isinstance(error, errors.ChorusProError) and str(error) == "message"


def test_outcome_can_be_known_per_call() -> None:
    assert not errors.ConnectionLostError("refused", outcome_unknown=False).outcome_unknown
    assert errors.ConnectionLostError("dropped").outcome_unknown


def test_duplicate_hint_reads_the_code_never_the_libelle() -> None:
    soumettre = "/cpro/factures/v1/soumettre"
    assert errors.is_duplicate_invoice(20013, soumettre)
    assert errors.is_duplicate_invoice(20303, soumettre)
    assert errors.is_duplicate_invoice(20013)  # operation unknown: the soumettre table
    assert not errors.is_duplicate_invoice(20013, "/cpro/factures/v1/recycler")  # codes are per operation
    assert not errors.is_duplicate_invoice(20999, soumettre)
    assert not errors.is_duplicate_invoice(None, soumettre)


def test_message_keys_of_real_libelles() -> None:
    assert errors.message_key("GCU_MSG_01_000") == "GCU_MSG_01_000"
    assert errors.message_key("TRA_MSG_00.015 La recherche n'a retourné aucun résultat") == "TRA_MSG_00.015"
    assert errors.message_key("GDP_MSG_11.0") is None  # cut by the platform: no key, no guess
    assert errors.message_key("") is None and errors.message_key(None) is None
    assert errors.message_key("CODE PAR DEFAUT") is None


def test_no_result_is_its_code_and_key() -> None:
    assert errors.is_no_result(20000, "TRA_MSG_00.015")
    assert errors.is_no_result(20000, "TRA_MSG_00.015 La recherche n'a retourné aucun résultat")
    assert not errors.is_no_result(20000, "La recherche n'a retourné aucun résultat")  # words alone
    assert not errors.is_no_result(20000, "GDP_MSG_11.008")
    assert not errors.is_no_result(20000, "")
    assert not errors.is_no_result(20001, "TRA_MSG_00.015")


@pytest.mark.parametrize(
    ("operation", "search"),
    [
        ("/cpro/factures/v1/soumettre", True),
        ("/cpro/factures/v1/deposer/flux", True),
        ("/cpro/transverses/v1/ajouter/fichier", False),  # nothing was deposited
        ("/cpro/factures/v1/completer", False),
        (None, False),
    ],
)
def test_deposit_refusals_are_searched_before_failing(operation: str | None, search: bool) -> None:
    for libelle in ("GDP_MSG_11.076", "", None, "Vous avez déjà déposé une demande de paiement"):
        refusal = errors.FunctionalError("refused", operation=operation, code_retour=20013, libelle=libelle)
        assert refusal.search_before_failing is search
        assert not refusal.retryable and not refusal.outcome_unknown
