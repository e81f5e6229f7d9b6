"""The errors every platform raises, by their flags: what the steps and the retry policy decide from.

A light module (no imports): DAG files reach the error classes at parse time through the retry
policy.
"""

from __future__ import annotations


class PlatformError(Exception):
    """Base of every error a platform raises; the flags decide what the steps do with it."""

    retryable: bool = False  # a later try may succeed
    outcome_unknown: bool = False  # the platform may have acted: reconcile before sending again
    fatal: bool = False  # nothing else in the batch can succeed: stop at once


class Refusal(PlatformError):
    """The platform answered and refused; ``code`` says which refusal (never its wording)."""

    @property
    def search_before_failing(self) -> bool:
        """Whether the platform must be searched before this refusal makes the invoice ``failed``."""
        return False

    @property
    def code(self) -> str:
        """The refusal's code, for a reason shown to people."""
        return type(self).__name__


class NotDepositable(PlatformError):
    """This invoice cannot be deposited as it is (e.g. its IBAN is not registered on the platform)."""
