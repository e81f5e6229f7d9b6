"""Typed errors of the Chorus Pro client.

Every class says whether a retry may help (``retryable``), whether the server may have done the
work despite the error (``outcome_unknown``: when it is true, ask Chorus Pro, for instance
``find_invoice_by_number``, before sending a deposit again), and whether nothing else can succeed
with the same credentials or settings (``fatal``: stop the whole batch). These three attributes are
the only place where that is decided: the Airflow retry policy, the submission and the status sync
read them. Messages name the operation, the HTTP status and the Chorus Pro code, never a secret.
"""

from __future__ import annotations

import re

# Functional codes the sandbox and the platform use for "this invoice number already exists".
DUPLICATE_INVOICE_CODES = frozenset({20013, 20303})
_DUPLICATE_LIBELLE = re.compile(r"existe d[ée]j[àa]|d[ée]j[àa] (?:utilis|d[ée]pos)|doublon|duplicate", re.I)
# "The search returned no result" (rechercher/recipiendaire, docs/sources.md#functional-codes).
_NO_RESULT_LIBELLE = re.compile(r"TRA_MSG_00\.015|aucun r[ée]sultat", re.I)


class ChorusProError(Exception):
    """Base of every error raised by the Chorus Pro client."""

    retryable: bool = False
    outcome_unknown: bool = False
    fatal: bool = False

    def __init__(
        self,
        message: str,
        *,
        operation: str | None = None,
        http_status: int | None = None,
        code_retour: int | None = None,
        libelle: str | None = None,
        outcome_unknown: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.operation = operation
        self.http_status = http_status
        self.code_retour = code_retour
        self.libelle = libelle
        if outcome_unknown is not None:
            # Known per call: e.g. a timeout at the token endpoint never reached the API.
            self.outcome_unknown = outcome_unknown

    def __str__(self) -> str:
        return self.message


class ConfigurationError(ChorusProError):
    """The Chorus Pro connection settings are missing or malformed."""

    fatal = True


class AuthenticationError(ChorusProError):
    """The platform refused our credentials (token or technical account)."""

    fatal = True


class InvalidClientError(AuthenticationError):
    """PISTE refused the OAuth client id or secret (HTTP 400 ``invalid_client`` at the token URL)."""


class TechnicalAccountError(AuthenticationError):
    """Chorus Pro refused the technical account login or password (``cpro-account`` header)."""


class ForbiddenError(ChorusProError):
    """HTTP 403: the PISTE application is not subscribed to this API, or the account lacks rights."""

    fatal = True


class BadRequestError(ChorusProError):
    """HTTP 4xx without a Chorus Pro code: the request we built is wrong; resending it will not help."""


class FunctionalError(ChorusProError):
    """Chorus Pro answered with ``codeRetour`` ≠ 0: a business refusal carrying a code and a libellé."""


class DuplicateInvoiceError(FunctionalError):
    """Chorus Pro already holds an invoice with this number for this supplier."""


class RateLimitedError(ChorusProError):
    """HTTP 429: too many requests; wait ``retry_after`` seconds when the server says so."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.retry_after = retry_after


class ServerError(ChorusProError):
    """HTTP 5xx: the platform failed; it may have committed the request before failing."""

    retryable = True
    outcome_unknown = True


class ChorusProTimeoutError(ChorusProError):
    """No answer within the read timeout: the request was sent and may have been processed."""

    retryable = True
    outcome_unknown = True


class ConnectionLostError(ChorusProError):
    """The connection failed: refused before sending (outcome known) or dropped after (unknown)."""

    retryable = True
    outcome_unknown = True


class InvalidResponseError(ChorusProError):
    """A success status with a body that is not the expected JSON: the call may have been processed."""

    retryable = True
    outcome_unknown = True


def is_duplicate_invoice(code_retour: int | None, libelle: str | None) -> bool:
    """Whether a functional refusal means "this invoice number was already deposited"."""
    if code_retour in DUPLICATE_INVOICE_CODES and libelle and _DUPLICATE_LIBELLE.search(libelle):
        return True
    return bool(libelle and _DUPLICATE_LIBELLE.search(libelle) and "facture" in libelle.lower())


def is_no_result(code_retour: int | None, libelle: str | None) -> bool:
    """Whether a functional code only says that a search found nothing."""
    return code_retour == 20000 and bool(libelle and _NO_RESULT_LIBELLE.search(libelle))
