"""Planning a submission run: which invoices wait, how they are cut into batches (Factur-X ones
grouped into flux by their buyer's channel), and how the numbers a person asked for again are sorted
across suppliers. Nothing here imports Airflow; the DAG's ``prepare`` task hands the
:class:`Batch` es on as plain JSON, and its ``report`` reads the :class:`RetryRequest` s back.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from chorusflow.ledger import InvoiceState, Ledger
from chorusflow.suppliers import Suppliers

log = logging.getLogger(__name__)

# Up to this many invoices, each gets its own mapped task: the UI then names every invoice and a
# clear reruns exactly one. Above it, invoices are batched so Airflow overhead stays small.
ONE_TASK_PER_INVOICE_UP_TO = 100
MAX_BATCH_SIZE = 500
MAX_BATCHES = 512  # well under Airflow's default max_map_length (1024)

#: Every run plans the invoices in these states (``pending``: new; ``submitting``: a claim to take over).
WAITING_STATES = (InvoiceState.PENDING, InvoiceState.SUBMITTING)
#: The states a plan reads: the waiting ones, and ``failed`` for the numbers asked for again.
PLANNED_STATES = (*WAITING_STATES, InvoiceState.FAILED)
#: The deposit channel whose invoices go together, one flux per batch.
FLUX_CHANNEL = "facturx"

RetryReason = Literal["unknown", "not_retryable", "skipped"]
RETRY_REASONS: tuple[RetryReason, ...] = ("unknown", "not_retryable", "skipped")


class RetryNumber(BaseModel):
    """A number asked for again (``invoice_numbers``) that the run did not deposit, and why."""

    invoice_number: str
    reason: RetryReason
    state: str | None = None
    chorus_status: str | None = None
    claimed_by: str | None = None
    claim_expires_at: datetime | None = None


class RetryRequest(BaseModel):
    """The numbers a person asked for again (the ``invoice_numbers`` param), as the plan sorted them.

    ``failed`` ones are planned again (``include_failed``); ``waiting`` ones (``pending``,
    ``submitting``) are planned by every run anyway; ``set_aside`` holds unknown numbers and the ones
    that cannot be deposited again (already on Chorus Pro, refused by validation, waiting for a
    person), each with its reason. Nothing set aside gets a submission task.
    """

    requested: list[str] = Field(default_factory=list)
    failed: list[str] = Field(default_factory=list)
    waiting: list[str] = Field(default_factory=list)
    set_aside: list[RetryNumber] = Field(default_factory=list)

    @property
    def to_submit(self) -> list[str]:
        """The numbers this run deposits, when nothing else holds them."""
        return [*self.failed, *self.waiting]


class Batch(BaseModel):
    """Invoice numbers one submission task deposits; ``label`` names them in the Airflow UI.

    ``supplier_id`` is the supplier they belong to (None: the default supplier).
    """

    label: str
    invoice_numbers: list[str]
    include_failed: bool = False
    supplier_id: str | None = None


@dataclass(frozen=True)
class PlannedInvoice:
    """What the plan needs of a ledger row: its number, its state, and its buyer (for the channel)."""

    invoice_number: str
    state: InvoiceState
    buyer_siret: str | None = None


class SubmissionPlan(BaseModel):
    """A run's batches, and each supplier's sorting of the numbers asked for again (by supplier id)."""

    batches: list[Batch] = Field(default_factory=list)
    retry: dict[str, RetryRequest] = Field(default_factory=dict)


def batch_label(numbers: Sequence[str], supplier_id: str | None = None) -> str:
    """The label the Airflow UI shows for a mapped submission task (``<supplier id>: …`` when given)."""
    label = numbers[0] if len(numbers) == 1 else f"{numbers[0]} … {numbers[-1]} ({len(numbers)})"
    return f"{supplier_id}: {label}" if supplier_id else label


def plan_batches(
    invoice_numbers: Sequence[str],
    *,
    concurrency: int,
    batch_size: int | None = None,
    include_failed: bool = False,
    supplier_id: str | None = None,
) -> list[Batch]:
    """Cut the numbers into submission batches.

    Small runs get one invoice per task; larger ones get one batch per concurrent slot, never more
    than ``MAX_BATCH_SIZE`` invoices per batch nor more than ``MAX_BATCHES`` batches. A second round
    of batches started 4–8 s late in every measured run (hand-overs, batches of a round ending
    apart), more than the spread between batches it was meant to even out (docs/performance.md, "Submission").
    """
    numbers = list(dict.fromkeys(invoice_numbers))
    if not numbers:
        return []
    if batch_size is None:
        if len(numbers) <= ONE_TASK_PER_INVOICE_UP_TO:
            batch_size = 1
        else:
            batch_size = min(MAX_BATCH_SIZE, math.ceil(len(numbers) / max(concurrency, 1)))
    batch_size = max(batch_size, math.ceil(len(numbers) / MAX_BATCHES))
    chunks = (numbers[start : start + batch_size] for start in range(0, len(numbers), batch_size))
    return [
        Batch(
            label=batch_label(chunk, supplier_id),
            invoice_numbers=chunk,
            include_failed=include_failed,
            supplier_id=supplier_id,
        )
        for chunk in chunks
    ]


def plan_channel_batches(
    numbers: Sequence[str],
    in_flux_channel: Sequence[str],
    *,
    concurrency: int,
    flux_batch_size: int,
    include_failed: bool = False,
    supplier_id: str | None = None,
) -> list[Batch]:
    """:func:`plan_batches` for the one-by-one channels, and batches of ``flux_batch_size`` for the
    invoices of ``in_flux_channel`` (Factur-X): one task deposits them in as few flux as the size
    limit allows, so the number of ``deposer/flux`` calls follows the invoices, not the slots."""
    flux = set(in_flux_channel)
    one_by_one = [number for number in numbers if number not in flux]
    together = [number for number in numbers if number in flux]
    batches = plan_batches(
        one_by_one, concurrency=concurrency, include_failed=include_failed, supplier_id=supplier_id
    )
    if together:
        batches += plan_batches(
            together,
            concurrency=concurrency,
            batch_size=flux_batch_size,
            include_failed=include_failed,
            supplier_id=supplier_id,
        )
    return batches


def in_flux(
    invoices: Sequence[PlannedInvoice], buyer_channels: Mapping[str, str], supplier_channel: str
) -> list[str]:
    """The invoices deposited in a Factur-X flux: by their buyer's channel, else the supplier's."""
    return [
        invoice.invoice_number
        for invoice in invoices
        if buyer_channels.get(invoice.buyer_siret or "", supplier_channel) == FLUX_CHANNEL
    ]


def supplier_batches(
    invoices: Sequence[PlannedInvoice],
    request: RetryRequest,
    *,
    supplier_channel: str,
    buyer_channels: Mapping[str, str],
    concurrency: int,
    flux_batch_size: int,
    supplier_id: str | None = None,
) -> list[Batch]:
    """One supplier's batches: every waiting invoice, then the failed ones asked for again (a number
    both waiting and asked for goes in the first batches only)."""
    waiting = [invoice.invoice_number for invoice in invoices if invoice.state in WAITING_STATES]
    flux = in_flux(invoices, buyer_channels, supplier_channel)
    again = [number for number in request.failed if number not in set(waiting)]
    return [
        *plan_channel_batches(
            waiting, flux, concurrency=concurrency, flux_batch_size=flux_batch_size, supplier_id=supplier_id
        ),
        *plan_channel_batches(
            again,
            flux,
            concurrency=concurrency,
            flux_batch_size=flux_batch_size,
            include_failed=True,
            supplier_id=supplier_id,
        ),
    ]


def sort_retry_numbers(ledger: Ledger, supplier_siret: str, numbers: Sequence[str]) -> RetryRequest:
    """Sort the numbers asked for again: to submit (``failed``, ``pending``, ``submitting``), unknown,
    or not retryable (any other state: on Chorus Pro already, invalid, or needing a person)."""
    request = RetryRequest(requested=list(dict.fromkeys(n.strip() for n in numbers if n and n.strip())))
    for number in request.requested:
        row = ledger.get_invoice(number, supplier_siret)
        if row is None:
            request.set_aside.append(RetryNumber(invoice_number=number, reason="unknown"))
        elif row.state is InvoiceState.FAILED:
            request.failed.append(number)
        elif row.state in WAITING_STATES:
            request.waiting.append(number)
        else:
            request.set_aside.append(
                RetryNumber(
                    invoice_number=number,
                    reason="not_retryable",
                    state=row.state.value,
                    chorus_status=row.chorus_status,
                )
            )
    return request


def unknown_once(requests: Mapping[str, RetryRequest], reporter: str) -> dict[str, RetryRequest]:
    """Each supplier's sorting with a number no supplier knows reported unknown once, by ``reporter``
    (the default, or first, supplier), and a number some supplier knows never reported unknown."""
    known = {
        number
        for request in requests.values()
        for number in [*request.failed, *request.waiting]
        + [aside.invoice_number for aside in request.set_aside if aside.reason != "unknown"]
    }

    def reported(aside: RetryNumber, supplier_id: str) -> bool:
        if aside.reason != "unknown":
            return True
        return supplier_id == reporter and aside.invoice_number not in known

    return {
        supplier_id: request.model_copy(
            update={"set_aside": [aside for aside in request.set_aside if reported(aside, supplier_id)]}
        )
        for supplier_id, request in requests.items()
    }


def reporting_supplier(suppliers: Suppliers) -> str:
    """The supplier that answers for what belongs to none: the default one, else the first."""
    return suppliers.default_id or suppliers.ids[0]


def sort_retry_requests(
    ledger: Ledger, suppliers: Suppliers, numbers: Sequence[str]
) -> dict[str, RetryRequest]:
    """Each supplier's sorting of the numbers asked for again (:func:`sort_retry_numbers`,
    :func:`unknown_once`), by supplier id."""
    requests = {supplier.id: sort_retry_numbers(ledger, supplier.key, numbers) for supplier in suppliers}
    sorted_once = unknown_once(requests, reporting_supplier(suppliers))
    for request in sorted_once.values():
        for item in request.set_aside:
            log.warning("Not retried: %s (%s, state %s)", item.invoice_number, item.reason, item.state or "-")
    return sorted_once


def planned_invoices(ledger: Ledger, supplier_siret: str) -> list[PlannedInvoice]:
    """A supplier's invoices in :data:`PLANNED_STATES`, state by state, each in ledger order."""
    return [
        PlannedInvoice(row.invoice_number, row.state, row.buyer_siret)
        for state in PLANNED_STATES
        for row in ledger.list_invoices(state, supplier_siret)
    ]


def plan_submission(
    ledger: Ledger,
    suppliers: Suppliers,
    retry_numbers: Sequence[str],
    *,
    buyer_channels: Mapping[str, str],
    concurrency: int,
    flux_batch_size: int,
) -> SubmissionPlan:
    """Batches of every invoice waiting in the ledger, plus the failed ones asked for again, supplier
    by supplier (batches name their supplier only when there are several); ``retry`` is empty when
    no number was asked for again."""
    requests = sort_retry_requests(ledger, suppliers, retry_numbers)
    batches: list[Batch] = []
    for supplier in suppliers:
        batches += supplier_batches(
            planned_invoices(ledger, supplier.key),
            requests[supplier.id],
            supplier_channel=supplier.deposit_channel,
            buyer_channels=buyer_channels,
            concurrency=concurrency,
            flux_batch_size=flux_batch_size,
            supplier_id=supplier.id if suppliers.several else None,
        )
    return SubmissionPlan(batches=batches, retry=requests if retry_numbers else {})
