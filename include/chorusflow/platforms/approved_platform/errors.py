"""Typed errors of the approved-platform (AFNOR Flow and Directory services) client.

As in ``chorusflow.platforms.chorus_pro.errors``, every class carries the three decisions and is the
only place they are made: ``retryable`` (a later try may succeed), ``outcome_unknown`` (the platform
may have done the work: search by ``trackingId`` before depositing again) and ``fatal`` (nothing
else can succeed with these settings: stop the batch). They are decided from the HTTP status and
the annex's ``errorCode``, never from ``errorMessage``, which is only shown to people.
"""

from __future__ import annotations


class ApprovedPlatformError(Exception):
    """Base of every error raised by the approved-platform client."""

    retryable: bool = False
    outcome_unknown: bool = False
    fatal: bool = False

    def __init__(
        self,
        message: str,
        *,
        operation: str | None = None,
        http_status: int | None = None,
        error_code: str | None = None,
        error_message: str | None = None,
        outcome_unknown: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.operation = operation
        self.http_status = http_status
        self.error_code = error_code  # the annex's errorCode, when the answer had one
        self.error_message = error_message  # shown to people, never read to decide
        if outcome_unknown is not None:
            # Known per call: a read never changes anything; a refused connection never sent it.
            self.outcome_unknown = outcome_unknown

    def __str__(self) -> str:
        return self.message


class ConfigurationError(ApprovedPlatformError):
    """The PA connection settings are missing or malformed."""

    fatal = True


class AuthenticationError(ApprovedPlatformError):
    """The token endpoint refused our client id or secret, or the API refused a fresh token."""

    fatal = True


class ForbiddenError(ApprovedPlatformError):
    """HTTP 403: this client may not call this operation."""

    fatal = True


class BadRequestError(ApprovedPlatformError):
    """HTTP 400 or 422: the request we built was refused before any processing; resending will not help."""


class NotFoundError(ApprovedPlatformError):
    """HTTP 404: the flow or directory entry does not exist (for this client)."""


class NotInDirectoryError(NotFoundError):
    """The directory has no entry, or no active line, for this SIREN or SIRET: never guess one.

    ``rule_code`` is the stable code the ledger records.
    """

    rule_code = "PA-DIRECTORY-ABSENT"


class FileTooLargeError(ApprovedPlatformError):
    """HTTP 413 ``FILE_SIZE_EXCEEDED``: the flow was refused before it was stored."""


class RateLimitedError(ApprovedPlatformError):
    """HTTP 429: not processed; wait ``retry_after`` seconds when the server says so."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.retry_after = retry_after


class ServerError(ApprovedPlatformError):
    """HTTP 5xx: the platform failed, possibly after committing the request."""

    retryable = True
    outcome_unknown = True


class PlatformTimeoutError(ApprovedPlatformError):
    """No answer within the read timeout: the request was sent and may have been processed."""

    retryable = True
    outcome_unknown = True


class ConnectionLostError(ApprovedPlatformError):
    """The connection failed: refused before sending (outcome known) or dropped after (unknown)."""

    retryable = True
    outcome_unknown = True


class InvalidResponseError(ApprovedPlatformError):
    """A success status with a body that is not what the annex declares: the call may have been done."""

    retryable = True
    outcome_unknown = True


class AmbiguousDepositError(ApprovedPlatformError):
    """The search by ``trackingId`` after an unknown outcome found several flows: a person decides."""

    outcome_unknown = True
