"""The retry policy of Chorus Pro tasks (Airflow 3.3 AIP-105), driven by chorusflow's typed errors.

Rate limits, server errors, timeouts and dropped connections are retried with the task's
exponential backoff; functional, authentication and configuration errors fail at once, because
retrying cannot fix them. Exceptions are named by dotted path so parsing a DAG imports nothing heavy.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import ExceptionRetryPolicy, RetryAction, RetryRule
from airflow.sdk.definitions.retry_policy import ExceptionSpec

RETRYABLE: list[ExceptionSpec] = [
    "chorusflow.submission.RetryableSubmissionError",
    "chorusflow.chorus.errors.ServerError",
    "chorusflow.chorus.errors.ChorusProTimeoutError",
    "chorusflow.chorus.errors.ConnectionLostError",
    "chorusflow.chorus.errors.InvalidResponseError",
]
PERMANENT: list[ExceptionSpec] = [
    "chorusflow.submission.PermanentSubmissionError",
    "chorusflow.submission.SupplierNotOnChorusPro",
    "chorusflow.chorus.errors.AuthenticationError",
    "chorusflow.chorus.errors.ForbiddenError",
    "chorusflow.chorus.errors.FunctionalError",
    "chorusflow.chorus.errors.BadRequestError",
    "chorusflow.chorus.errors.ConfigurationError",
    "chorusflow.ledger.url.LedgerConfigError",
]

CHORUS_PRO_RETRY_POLICY = ExceptionRetryPolicy(
    rules=[
        RetryRule(
            exception="chorusflow.chorus.errors.RateLimitedError",
            action=RetryAction.RETRY,
            retry_delay=timedelta(seconds=60),
            reason="Chorus Pro rate limit: backing off",
        ),
        RetryRule(exception=RETRYABLE, action=RetryAction.RETRY, reason="passing Chorus Pro error"),
        RetryRule(exception=PERMANENT, action=RetryAction.FAIL, reason="retrying cannot fix this"),
    ],
)
"""Use on every task that calls Chorus Pro."""

SUBMISSION_RETRY_POLICY = CHORUS_PRO_RETRY_POLICY
