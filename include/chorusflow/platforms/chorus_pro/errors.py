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

from chorusflow.platforms.errors import NotDepositable, PlatformError, Refusal

#: Operations that deposit an invoice. Chorus Pro answers every refusal with a code and a bare
#: message key (``GDP_MSG_11.076``), never a sentence we could rely on: a refusal of one of these
#: is settled by a search by number before the invoice is recorded ``failed``
#: (:meth:`FunctionalError.search_before_failing`).
SUBMIT_OPERATION = "/cpro/factures/v1/soumettre"
DEPOSIT_OPERATIONS = frozenset({SUBMIT_OPERATION, "/cpro/factures/v1/deposer/flux"})
# soumettre codes that look like "this number was already deposited" (annex V4.10 change log lists
# 20013 and 20303-20305 among soumettre's errors; their texts are not public). Codes are per operation.
DUPLICATE_INVOICE_CODES = frozenset({20013, 20303})
# A Chorus Pro message key: TRA_MSG_00.000, GCU_MSG_01_000, GDP_MSG_11.008...
_MESSAGE_KEY = re.compile(r"^\s*([A-Z]{2,5}_MSG_\d{2}[._]\d{3})(?![0-9])")
# "The search returned no result" (rechercher/recipiendaire, docs/sources.md#functional-codes).
NO_RESULT_KEY = "TRA_MSG_00.015"


class ChorusProError(PlatformError):
    """Base of every error raised by the Chorus Pro client."""

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


class FunctionalError(ChorusProError, Refusal):
    """Chorus Pro answered with ``codeRetour`` ≠ 0: a business refusal carrying a code and a libellé.

    The libellé is a message key on the real platform (possibly empty, possibly cut): it is shown to
    people, never read to decide.
    """

    @property
    def message_key(self) -> str | None:
        """The message key the libellé starts with (``GDP_MSG_11.008``), if any."""
        return message_key(self.libelle)

    @property
    def search_before_failing(self) -> bool:
        """Whether Chorus Pro must be searched before this refusal makes the invoice ``failed``.

        True for every refusal of a deposit: no public source gives what each deposit code means,
        so what Chorus Pro holds decides (adopted, a person, or failed), not the answer's words.
        """
        return self.operation in DEPOSIT_OPERATIONS

    @property
    def code(self) -> str:
        """The refusal's code and message key, for a reason (never its words)."""
        key = self.message_key
        return f"codeRetour {self.code_retour}" + (f" {key}" if key else "")


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


class SupplierNotOnChorusPro(ChorusProError):
    """The technical account may not invoice for the configured supplier SIRET."""

    fatal = True


class BankAccountUnknown(NotDepositable):
    """The IBAN to be paid on is not among the supplier's bank accounts registered on Chorus Pro."""


def message_key(libelle: str | None) -> str | None:
    """The Chorus Pro message key a libellé starts with, or ``None`` (empty, cut, or free text)."""
    found = _MESSAGE_KEY.match(libelle or "")
    return found.group(1) if found else None


def is_duplicate_invoice(code_retour: int | None, operation: str | None = None) -> bool:
    """Whether a refusal's code looks like "this invoice number was already deposited".

    Decided from the code of ``soumettre`` only, never from the libellé. It is a hint for people and
    logs: the submission searches Chorus Pro by number after any deposit refusal anyway.
    """
    return code_retour in DUPLICATE_INVOICE_CODES and operation in (None, SUBMIT_OPERATION)


def is_no_result(code_retour: int | None, libelle: str | None) -> bool:
    """Whether a functional answer only says that a search found nothing (code 20000 and its key)."""
    return code_retour == 20000 and message_key(libelle) == NO_RESULT_KEY
