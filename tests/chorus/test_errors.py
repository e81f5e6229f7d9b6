"""The error table: retryable / outcome unknown per class, and the duplicate recogniser."""

from __future__ import annotations

import pytest

from chorusflow.chorus import errors


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


def test_duplicate_recogniser() -> None:
    sandbox = "GDP_MSG_11.076 Le numéro de facture F1 existe déjà pour ce fournisseur"
    assert errors.is_duplicate_invoice(20013, sandbox)
    assert errors.is_duplicate_invoice(20999, "Duplicate invoice number (facture F1)")
    assert not errors.is_duplicate_invoice(
        20017, "GDP_MSG_11.047 Le service X n'existe pas pour le destinataire"
    )
    assert not errors.is_duplicate_invoice(20013, None)


def test_no_result_recogniser() -> None:
    assert errors.is_no_result(20000, "TRA_MSG_00.015 La recherche n'a retourné aucun résultat")
    assert not errors.is_no_result(20000, "GDP_MSG_11.008 La demande de paiement n'existe pas")
