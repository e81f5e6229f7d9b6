"""The retry policy of Chorus Pro tasks (Airflow 3.3 AIP-105), read off chorusflow's error classes.

Whether an error is worth a retry is decided once, on the class (``retryable``, see
:mod:`chorusflow.platforms.chorus_pro.errors` and :mod:`chorusflow.submission.errors`): rate limits, server
errors, timeouts and dropped connections are retried with the task's exponential backoff (a rate
limit waits at least a minute, or what ``Retry-After`` said); functional, authentication and
configuration errors fail at once, because retrying cannot fix them. Errors that are not
chorusflow's follow the task's ordinary retries. Nothing is imported to build the policy, so
parsing a DAG stays light; the policy is evaluated in the worker, on the exception itself.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from airflow.sdk import RetryDecision, RetryPolicy

RATE_LIMIT_MIN_WAIT = timedelta(seconds=60)
RATE_LIMIT_MAX_WAIT = timedelta(minutes=30)


class ChorusflowRetryPolicy(RetryPolicy):
    """Retry a chorusflow error whose class says ``retryable``; fail one that says it is not."""

    def evaluate(
        self, exception: BaseException, try_number: int, max_tries: int, context: Any = None
    ) -> RetryDecision:
        """The decision for ``exception``, from its class's ``retryable`` attribute."""
        kind = type(exception)
        retryable = getattr(kind, "retryable", None)
        if not kind.__module__.startswith("chorusflow.") or not isinstance(retryable, bool):
            return RetryDecision.default()
        if not retryable:
            return RetryDecision.fail(reason=f"{kind.__name__}: retrying cannot fix this")
        retry_after = getattr(exception, "retry_after", None)
        if retry_after is not None or kind.__name__ == "RateLimitedError":
            wait = max(RATE_LIMIT_MIN_WAIT, timedelta(seconds=float(retry_after or 0)))
            return RetryDecision.retry(
                delay=min(wait, RATE_LIMIT_MAX_WAIT), reason="Chorus Pro rate limit: backing off"
            )
        return RetryDecision.retry(reason=f"{kind.__name__}: passing Chorus Pro error")

    def serialize(self) -> dict[str, Any]:
        """Nothing to keep: the decision is read off the exception."""
        return {"__type": type(self).__name__}

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> ChorusflowRetryPolicy:
        """The one policy (it has no parameters)."""
        return cls()


CHORUS_PRO_RETRY_POLICY = ChorusflowRetryPolicy()
"""Use on every task that calls Chorus Pro."""
