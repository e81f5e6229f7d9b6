"""How a submission batch ends when it cannot end well: retry later, or a person must act.

Like the Chorus Pro client's errors, each class says ``retryable`` (a later try may succeed) and
``fatal`` (nothing in the batch can succeed: stop at once). The Airflow retry policy reads these
attributes. A light module: DAG files reach it at parse time through the retry policy.
"""

from __future__ import annotations


class SubmissionError(Exception):
    """Base of the errors a submission batch ends with."""

    retryable = False
    fatal = False


class RetryableSubmissionError(SubmissionError):
    """Some invoices could not be deposited for a passing reason (rate limit, server error, timeout)."""

    retryable = True


class PermanentSubmissionError(SubmissionError):
    """Some invoices were refused for good (functional error) and need a human; retrying cannot help."""


class SupplierNotOnChorusPro(SubmissionError):
    """The technical account may not invoice for the configured supplier SIRET."""

    fatal = True


class BankAccountUnknown(SubmissionError):
    """The IBAN to be paid on is not among the supplier's bank accounts registered on Chorus Pro."""


class NoLongerInCharge(SubmissionError):
    """The task lost whoever supervised it (its worker died): it must not deposit anything more.

    Its claims stay ``submitting``; the orchestrator's retry takes them back and asks Chorus Pro first.
    """

    retryable = True
