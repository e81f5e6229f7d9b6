"""What a destination platform offers the platform-neutral steps.

The steps (:mod:`chorusflow.submission`, :mod:`chorusflow.sync`, the desk, alerts, resolution and
reporting) speak to a platform only through these types; each platform is a package beside
``chorus_pro/`` that implements them, and :mod:`chorusflow.platforms.registry` is the one place
that picks it. A platform offers:

- **deposit**: an :class:`InvoiceChannel` sends one invoice and answers with what the platform now
  holds (:class:`Held`); a :class:`BatchChannel` builds, checks and sends files several at a time
  and answers with a batch number to follow (:class:`BatchDeposited`);
- **reconcile** after an unknown outcome: ``reconcile`` asks the platform whether it already holds
  the invoice (:class:`Reconciliation`); only a unique, matching answer is adopted;
- **follow statuses**: each platform status sorts into a :class:`StatusClass`, and a blocked one
  names the supplier's :class:`NextStep` (:class:`StatusVocabulary`);
- **act on a blocked invoice**: the :class:`NextStep` a person chooses is applied by the
  platform's resolver.

Errors are :class:`~chorusflow.platforms.errors.PlatformError` with the same three flags everywhere
(``retryable``, ``outcome_unknown``, ``fatal``), so the steps and the retry policy decide from flags
and codes, never from a platform's words.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable

from chorusflow.invoice import Invoice
from chorusflow.platforms.errors import NotDepositable, PlatformError, Refusal
from chorusflow.rules.codes import Finding
from chorusflow.suppliers import ChannelName


@dataclass(frozen=True)
class Held:
    """What the platform holds for one invoice: its id there, its number there and its status."""

    platform_id: int
    number: str | None
    status: str
    batch_number: str | None = None  # the batch (flux) it came in, when it came in one


@dataclass(frozen=True)
class Reconciliation:
    """What the platform holds for an invoice whose earlier outcome is unknown.

    ``found`` is the invoice to adopt; with neither ``found`` nor ``ambiguous`` it is not there.
    ``ambiguous`` says why a person must decide (and ``candidates`` what the search returned).
    """

    found: Held | None = None
    ambiguous: str | None = None
    candidates: list[Held] = field(default_factory=list)


__all__ = [
    "AnyChannel",
    "BatchChannel",
    "BatchDeposited",
    "BatchFile",
    "ChannelChooser",
    "Held",
    "InvoiceChannel",
    "NextStep",
    "NotDepositable",
    "PlatformError",
    "Reconciliation",
    "Refusal",
    "StatusClass",
    "StatusVocabulary",
]


class InvoiceChannel(Protocol):
    """One deposit per invoice."""

    name: ChannelName

    def reconcile(self, invoice: Invoice, known_ids: set[int]) -> Reconciliation:
        """Ask the platform whether it already holds ``invoice`` (``known_ids``: ids the ledger has)."""
        ...

    def deposit(self, invoice: Invoice) -> Held:
        """Send ``invoice``; the crash point ``submission.before_call`` precedes the deposit itself."""
        ...


class BatchFile(Protocol):
    """One invoice's file in a batch deposit."""

    @property
    def invoice_number(self) -> str: ...

    @property
    def content(self) -> bytes: ...


@dataclass(frozen=True)
class BatchDeposited:
    """A batch the platform took: its number, to follow until each invoice is integrated."""

    number: str
    file_name: str
    syntax: str
    first_poll_at: datetime
    size: int


@runtime_checkable
class BatchChannel(Protocol):
    """Files built and checked here, deposited several invoices at a time, followed afterwards."""

    name: ChannelName

    def reconcile(self, invoice: Invoice, known_ids: set[int]) -> Reconciliation:
        """As :meth:`InvoiceChannel.reconcile`; "not found" may only mean "not integrated yet"."""
        ...

    def build_unchecked(self, invoice: Invoice) -> tuple[BatchFile, list[Finding]]:
        """The invoice's file, to be :meth:`check`-ed, or the findings that refuse to build it."""
        ...

    def check(self, contents: Iterable[bytes]) -> list[list[Finding]]:
        """The error findings of each file (empty: it may go), in order."""
        ...

    def batches(self, files: list[BatchFile]) -> list[list[BatchFile]]:
        """The files packed into deposits under the platform's limits."""
        ...

    def deposit_batch(self, files: list[BatchFile]) -> BatchDeposited:
        """One deposit of ``files``; the crash point ``submission.before_call`` precedes it."""
        ...


AnyChannel = InvoiceChannel | BatchChannel
#: Each invoice's channel.
ChannelChooser = Callable[[Invoice], AnyChannel]


class StatusClass(StrEnum):
    """What a platform status means for the supplier."""

    IN_PROGRESS = "in_progress"
    BLOCKED = "blocked"
    PAID = "paid"
    CLOSED = "closed"
    UNKNOWN = "unknown"


class NextStep(StrEnum):
    """What the supplier has to do about a blocked invoice."""

    COMPLETE = "complete"  # add the missing document or information
    RECYCLE = "recycle"  # same invoice, corrected routing (SIRET, service code, EJ)
    NEW_INVOICE = "new_invoice"  # the invoice is refused for good: issue a new one (new number)
    FIX_VALIDATOR = "fix_validator"  # name the right validator
    ACT_IN_PORTAL = "act_in_portal"  # answer in the platform's portal


class StatusVocabulary(Protocol):
    """A platform's statuses, read by the desk, the alerts and the reports."""

    @property
    def classes(self) -> Mapping[str, StatusClass]:
        """Every status the platform documents, with its class."""
        ...

    @property
    def next_steps(self) -> Mapping[str, NextStep]:
        """Blocked statuses and what the supplier does about each."""
        ...

    def classify(self, status: str | None, *, payment_not_reported: bool = False) -> StatusClass:
        """The class of ``status`` (``unknown`` for one the platform does not document)."""
        ...

    def next_step(self, status: str | None) -> NextStep | None:
        """What to do about a blocked status (``None``: nothing expected from the supplier)."""
        ...
