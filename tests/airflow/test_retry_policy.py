"""The retry policy reads each error class's own ``retryable``: one decision, made once, on the class."""

from __future__ import annotations

from datetime import timedelta

import pytest
from airflow.sdk import RetryAction

from chorusflow.airflow.retry import CHORUS_PRO_RETRY_POLICY, RATE_LIMIT_MIN_WAIT
from chorusflow.ledger.url import LedgerConfigError
from chorusflow.platforms.chorus_pro import errors
from chorusflow.platforms.chorus_pro.errors import BankAccountUnknown, SupplierNotOnChorusPro
from chorusflow.submission.errors import (
    PermanentSubmissionError,
    RetryableSubmissionError,
)


def _decide(error: BaseException) -> RetryAction:
    return CHORUS_PRO_RETRY_POLICY.evaluate(error, try_number=1, max_tries=5).action


@pytest.mark.parametrize(
    "error",
    [
        errors.ServerError("500"),
        errors.ChorusProTimeoutError("slow"),
        errors.ConnectionLostError("dropped"),
        errors.InvalidResponseError("html"),
        RetryableSubmissionError("passing"),
    ],
)
def test_passing_errors_are_retried(error: BaseException) -> None:
    assert type(error).retryable is True
    assert _decide(error) is RetryAction.RETRY


@pytest.mark.parametrize(
    "error",
    [
        errors.FunctionalError("refused"),
        errors.DuplicateInvoiceError("twice"),
        errors.BadRequestError("400"),
        errors.AuthenticationError("password"),
        errors.ForbiddenError("403"),
        errors.ConfigurationError("no host"),
        PermanentSubmissionError("refused"),
        SupplierNotOnChorusPro("siret"),
        BankAccountUnknown("iban"),
        LedgerConfigError("bad url"),
    ],
)
def test_permanent_errors_fail_at_once(error: BaseException) -> None:
    assert type(error).retryable is False
    assert _decide(error) is RetryAction.FAIL


def test_a_rate_limit_waits_at_least_a_minute_or_what_the_server_asked() -> None:
    short = CHORUS_PRO_RETRY_POLICY.evaluate(errors.RateLimitedError("429", retry_after=3), 1, 5)
    long = CHORUS_PRO_RETRY_POLICY.evaluate(errors.RateLimitedError("429", retry_after=300), 1, 5)
    assert short.action is RetryAction.RETRY and short.retry_delay == RATE_LIMIT_MIN_WAIT
    assert long.retry_delay == timedelta(seconds=300)


def test_other_errors_follow_the_task_retries() -> None:
    assert _decide(ValueError("not ours")) is RetryAction.DEFAULT


def test_fatal_errors_stop_a_batch() -> None:
    fatal = [
        errors.AuthenticationError,
        errors.ForbiddenError,
        errors.ConfigurationError,
        SupplierNotOnChorusPro,
    ]
    assert all(kind.fatal for kind in fatal)
    assert not any(kind.fatal for kind in (errors.ServerError, errors.FunctionalError, BankAccountUnknown))
