"""The ledger's record of decisions about blocked invoices, and their at-most-once guard.

A decision is applied like a deposit (docs/resolution.md): it is claimed first (one row per
invoice, blocking event and action, ``in_flight`` under a lease), what it sends is recorded before
each call, and it ends with what Chorus Pro answered. A claim on a row whose earlier try sent
something and never recorded the answer says ``previous_outcome_unknown``: the caller reads the
invoice's status on Chorus Pro before sending anything again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, and_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from chorusflow.ledger.database import LedgerDatabase, locked
from chorusflow.ledger.invoices import change_state, invoice_for_update
from chorusflow.ledger.records import ClaimOwner, ResolutionClaim, ResolutionRow
from chorusflow.ledger.states import InvoiceState, LedgerError, ResolutionOutcome
from chorusflow.ledger.statuses import insert_history
from chorusflow.ledger.tables import invoices, resolutions
from chorusflow.ledger.values import safe_error_text, utc_now

#: Outcomes after which the same decision may be tried again from scratch (nothing reached Chorus Pro,
#: or Chorus Pro refused it).
RETRYABLE_FROM_SCRATCH = frozenset(
    {ResolutionOutcome.REFUSED, ResolutionOutcome.REJECTED, ResolutionOutcome.FAILED_RETRYABLE}
)


class ResolutionLost(LedgerError):
    """The caller no longer holds this decision (its lease expired and another try took it)."""


@dataclass(frozen=True)
class StatusUpdate:
    """A Chorus Pro status the decision brought the invoice to, recorded with the decision."""

    status: str
    changed_at: datetime
    comment: str | None
    state: InvoiceState


@dataclass(frozen=True)
class RecordedDecision:
    """A person's decision about one blocked invoice, as the ledger records it.

    ``(invoice_id, event_key, action)`` is its idempotency key: the same answer to the same
    blocking event is applied once.
    """

    invoice_id: int
    event_key: str
    action: str
    decided_by: str
    source: str  # where it was taken: hitl, params or cli
    decision: dict[str, Any]


def claim_resolution(
    db: LedgerDatabase, decision: RecordedDecision, owner: ClaimOwner, lease_seconds: float = 900
) -> ResolutionClaim | None:
    """Hold this decision ``in_flight`` for ``owner``; ``None`` when another live try holds it.

    ``already_done`` when the same decision already succeeded: a replayed answer changes nothing.
    """
    for _ in range(2):
        try:
            return _claim_resolution(db, decision, owner, lease_seconds)
        except IntegrityError:
            continue  # another try inserted the row meanwhile: the second pass sees it
    raise LedgerError(f"could not claim decision {decision.action} on invoice {decision.invoice_id}")


def _claim_resolution(
    db: LedgerDatabase, decision: RecordedDecision, owner: ClaimOwner, lease_seconds: float
) -> ResolutionClaim | None:
    now = utc_now()
    values = {
        "decided_by": decision.decided_by[:255],
        "decided_at": now,
        "source": decision.source[:32],
        "decision": decision.decision,
        "claimed_by": owner.task_key,
        "claim_expires_at": now + timedelta(seconds=lease_seconds),
        "outcome": ResolutionOutcome.IN_FLIGHT.value,
        "finished_at": None,
    }
    invoice_id = decision.invoice_id
    key = and_(
        resolutions.c.invoice_id == invoice_id,
        resolutions.c.event_key == decision.event_key,
        resolutions.c.action == decision.action,
    )
    with db.write() as connection:
        row = connection.execute(locked(select(resolutions).where(key))).first()
        if row is None:
            new_id = connection.execute(
                resolutions.insert()
                .values(
                    invoice_id=invoice_id,
                    event_key=decision.event_key,
                    action=decision.action,
                    started_at=now,
                    **values,
                )
                .returning(resolutions.c.id)
            ).scalar_one()
            return ResolutionClaim(resolution_id=int(new_id), invoice_id=invoice_id)
        outcome = ResolutionOutcome(row.outcome)
        if outcome is ResolutionOutcome.SUCCEEDED:
            return ResolutionClaim(resolution_id=row.id, invoice_id=invoice_id, already_done=True)
        if outcome is ResolutionOutcome.IN_FLIGHT and _held_by_another(row, owner, now):
            return None
        fresh = outcome in RETRYABLE_FROM_SCRATCH
        if fresh:
            values |= {"sent": None, "answer": None, "rule_code": None, "error_message": None}
        connection.execute(update(resolutions).where(resolutions.c.id == row.id).values(**values))
        return ResolutionClaim(
            resolution_id=row.id,
            invoice_id=invoice_id,
            # Something was sent and its answer never recorded: Chorus Pro may have acted.
            previous_outcome_unknown=not fresh and row.sent is not None,
            previous_sent=None if fresh else row.sent,
        )


def record_resolution_sent(
    db: LedgerDatabase, resolution_id: int, owner: ClaimOwner, sent: dict[str, Any]
) -> None:
    """Record what is about to be sent (committed before the call), merged with what was sent before."""
    with db.write() as connection:
        row = _resolution_for_update(connection, resolution_id, owner)
        merged = {**(row.sent or {}), **sent}
        connection.execute(update(resolutions).where(resolutions.c.id == row.id).values(sent=merged))


def finish_resolution(
    db: LedgerDatabase,
    resolution_id: int,
    owner: ClaimOwner,
    outcome: ResolutionOutcome,
    *,
    answer: dict[str, Any] | None = None,
    rule_code: str | None = None,
    error_message: str | None = None,
    replacement_number: str | None = None,
    status: StatusUpdate | None = None,
    new_state: InvoiceState | None = None,
) -> None:
    """End the decision; with it, in the same transaction, the invoice's new status or state."""
    if outcome is ResolutionOutcome.IN_FLIGHT:
        raise ValueError("a decision cannot finish in flight")
    with db.write() as connection:
        row = _resolution_for_update(connection, resolution_id, owner)
        connection.execute(
            update(resolutions)
            .where(resolutions.c.id == row.id)
            .values(
                outcome=outcome.value,
                answer=answer,
                rule_code=rule_code,
                error_message=safe_error_text(error_message),
                replacement_number=replacement_number,
                finished_at=utc_now(),
                claimed_by=None,
                claim_expires_at=None,
            )
        )
        if status is None and new_state is None:
            return
        invoice = invoice_for_update(connection, row.invoice_id)
        if status is not None:
            insert_history(
                connection, invoice.id, status.status, status.changed_at, status.comment, "resolution"
            )
            change_state(
                connection,
                invoice,
                status.state,
                chorus_status=status.status,
                chorus_status_at=status.changed_at,
                chorus_status_comment=status.comment,
            )
        else:
            assert new_state is not None
            change_state(connection, invoice, new_state, last_error=None)


def _resolution_for_update(connection: Connection, resolution_id: int, owner: ClaimOwner) -> Row[Any]:
    row = connection.execute(locked(select(resolutions).where(resolutions.c.id == resolution_id))).first()
    if row is None:
        raise LedgerError(f"no decision with id {resolution_id}")
    if row.outcome != ResolutionOutcome.IN_FLIGHT.value or row.claimed_by != owner.task_key:
        raise ResolutionLost(f"decision {resolution_id} is no longer held by {owner.task_key}")
    return row


def resolutions_for(db: LedgerDatabase, invoice_id: int) -> list[ResolutionRow]:
    """Every decision about this invoice, oldest first."""
    with db.reading() as connection:
        return list(_resolution_rows(connection, resolutions.c.invoice_id == invoice_id))


def succeeded_events(db: LedgerDatabase, supplier_siret: str) -> set[tuple[int, str]]:
    """(invoice id, event key) of every blocking event a decision already answered."""
    statement = (
        select(resolutions.c.invoice_id, resolutions.c.event_key)
        .join(invoices, invoices.c.id == resolutions.c.invoice_id)
        .where(
            invoices.c.supplier_siret == supplier_siret,
            resolutions.c.outcome == ResolutionOutcome.SUCCEEDED.value,
        )
    )
    with db.reading() as connection:
        return {(int(invoice_id), str(event)) for invoice_id, event in connection.execute(statement)}


def replaced_by(db: LedgerDatabase, invoice_number: str, supplier_siret: str) -> str | None:
    """The rejected invoice that ``invoice_number`` replaces (corrected invoice or credit note)."""
    statement = (
        select(invoices.c.invoice_number)
        .join(resolutions, resolutions.c.invoice_id == invoices.c.id)
        .where(
            invoices.c.supplier_siret == supplier_siret,
            resolutions.c.replacement_number == invoice_number,
            resolutions.c.outcome == ResolutionOutcome.SUCCEEDED.value,
        )
        .order_by(resolutions.c.id.desc())
        .limit(1)
    )
    with db.reading() as connection:
        found: str | None = connection.execute(statement).scalar_one_or_none()
    return found


def _held_by_another(row: Row[Any], owner: ClaimOwner, now: datetime) -> bool:
    expires = row.claim_expires_at
    return row.claimed_by != owner.task_key and expires is not None and expires > now


def _resolution_rows(connection: Connection, condition: Any) -> Iterator[ResolutionRow]:
    statement = select(resolutions).where(condition).order_by(resolutions.c.id)
    for row in connection.execute(statement):
        yield ResolutionRow.model_validate(dict(row._mapping))
