"""Claims: an invoice held in ``submitting`` by one task under a lease, and how a claim ends.

``docs/ledger.md`` explains how claims, leases and attempts make a double deposit impossible.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, and_, false, or_, select, true, tuple_, update
from sqlalchemy.engine import Connection

from chorusflow.ledger.database import CHUNK, LedgerDatabase
from chorusflow.ledger.invoices import change_state, invoice_for_update
from chorusflow.ledger.records import Claim, ClaimOwner
from chorusflow.ledger.states import AttemptOutcome, InvoiceState, LedgerError, check_transition
from chorusflow.ledger.tables import invoices, submission_attempts
from chorusflow.ledger.values import safe_error_text, utc_now

log = logging.getLogger(__name__)


class ClaimLost(LedgerError):
    """The caller no longer holds the claim on this invoice (its lease expired and another task took it)."""


def claim_for_submission(
    db: LedgerDatabase,
    supplier_siret: str,
    invoice_numbers: Sequence[str],
    owner: ClaimOwner,
    lease_seconds: float = 900,
    *,
    include_failed: bool = False,
    owner_alive: Callable[[str], bool] | None = None,
) -> list[Claim]:
    """Atomically move each claimable invoice to ``submitting`` for ``owner``; return what it got.

    Claimable: ``pending``; ``failed`` when ``include_failed``; ``submitting`` whose lease expired
    or whose claim belongs to the same task (a retry or a clear: the earlier try is dead), or whose
    owner ``owner_alive`` declares dead (its task key → ``False``: the orchestrator has failed or
    cleared it, or found it without a heartbeat). A claim of an invoice that was already
    ``submitting`` says ``previous_outcome_unknown``: ask Chorus Pro before depositing it again.
    """
    numbers = list(dict.fromkeys(invoice_numbers))
    now = utc_now()
    orphans = _orphaned_claims(db, supplier_siret, numbers, owner, now, owner_alive)
    expires = now + timedelta(seconds=lease_seconds)
    claimable = or_(
        invoices.c.state == InvoiceState.PENDING.value,
        and_(invoices.c.state == InvoiceState.FAILED.value, true() if include_failed else false()),
        and_(
            invoices.c.state == InvoiceState.SUBMITTING.value,
            or_(
                invoices.c.claim_expires_at.is_(None),
                invoices.c.claim_expires_at < now,
                invoices.c.claimed_by == owner.task_key,
                # Taken over only at the version seen dead: a new try of that task that has
                # claimed it since (a version later) keeps it.
                tuple_(invoices.c.id, invoices.c.version).in_(orphans) if orphans else false(),
            ),
        ),
    )
    claims: list[Claim] = []
    with db.write() as connection:
        for start in range(0, len(numbers), CHUNK):
            statement = (
                select(
                    invoices.c.id,
                    invoices.c.invoice_number,
                    invoices.c.state,
                    invoices.c.normalized,
                    invoices.c.version,
                )
                .where(
                    invoices.c.supplier_siret == supplier_siret,
                    invoices.c.invoice_number.in_(numbers[start : start + CHUNK]),
                    claimable,
                )
                .order_by(invoices.c.id)
                .with_for_update(skip_locked=True)
            )
            rows = connection.execute(statement).all()
            for row in rows:
                check_transition(row.state, InvoiceState.SUBMITTING, row.invoice_number)
            if not rows:
                continue
            connection.execute(
                update(invoices)
                .where(invoices.c.id.in_([row.id for row in rows]))
                .values(
                    state=InvoiceState.SUBMITTING.value,
                    claimed_by=owner.task_key,
                    claim_expires_at=expires,
                    version=invoices.c.version + 1,
                    updated_at=now,
                )
            )
            reclaimed = [row.id for row in rows if row.state == InvoiceState.SUBMITTING.value]
            if reclaimed:
                # Their owner is gone: whatever it was doing, its outcome is unknown.
                connection.execute(
                    update(submission_attempts)
                    .where(
                        submission_attempts.c.invoice_id.in_(reclaimed),
                        submission_attempts.c.outcome == AttemptOutcome.IN_FLIGHT.value,
                    )
                    .values(
                        outcome=AttemptOutcome.OUTCOME_UNKNOWN.value,
                        finished_at=now,
                        error_message="worker stopped before recording the outcome",
                    )
                )
            claims.extend(
                Claim(
                    invoice_id=row.id,
                    invoice_number=row.invoice_number,
                    supplier_siret=supplier_siret,
                    normalized=row.normalized,
                    previous_outcome_unknown=row.state == InvoiceState.SUBMITTING.value,
                    claim_expires_at=expires,
                )
                for row in rows
            )
    return claims


def _orphaned_claims(
    db: LedgerDatabase,
    supplier_siret: str,
    numbers: list[str],
    owner: ClaimOwner,
    now: datetime,
    owner_alive: Callable[[str], bool] | None,
) -> list[tuple[int, int]]:
    """``(id, version)`` of the invoices among ``numbers`` held, lease still running, by another
    task that ``owner_alive`` says is dead. Asked outside any transaction: it may be a network call."""
    if owner_alive is None:
        return []
    held: list[Row[Any, Any, Any]] = []
    with db.reading() as connection:
        for start in range(0, len(numbers), CHUNK):
            held.extend(
                connection.execute(
                    select(invoices.c.id, invoices.c.version, invoices.c.claimed_by).where(
                        invoices.c.supplier_siret == supplier_siret,
                        invoices.c.invoice_number.in_(numbers[start : start + CHUNK]),
                        invoices.c.state == InvoiceState.SUBMITTING.value,
                        invoices.c.claim_expires_at >= now,
                        invoices.c.claimed_by != owner.task_key,
                    )
                ).all()
            )
    owners = sorted({row.claimed_by for row in held if row.claimed_by})
    dead = [key for key in owners if not owner_alive(key)]
    if dead:
        log.info("Taking over the claims of %d dead owner(s): %s", len(dead), ", ".join(dead))
    return [(row.id, row.version) for row in held if row.claimed_by in dead]


def require_claim(row: Row[Any], owner: ClaimOwner) -> None:
    """Raise :class:`ClaimLost` unless ``owner`` holds the invoice of ``row`` in ``submitting``."""
    if InvoiceState(row.state) is not InvoiceState.SUBMITTING or row.claimed_by != owner.task_key:
        raise ClaimLost(f"invoice {row.invoice_number} is no longer claimed by {owner.task_key}")


def submitting_for_update(connection: Connection, invoice_id: int, owner: ClaimOwner | None) -> Row[Any]:
    """The invoice's row, locked, once it is ``submitting`` and (given an owner) claimed by it.

    Raises :class:`ClaimLost` otherwise: a result is only recorded by the claim that sent it.
    """
    row = invoice_for_update(connection, invoice_id)
    # pending -> submitting is legal for a claim, never as a side effect of recording a result.
    if InvoiceState(row.state) is not InvoiceState.SUBMITTING:
        raise ClaimLost(f"invoice {row.invoice_number} is {row.state}, not submitting")
    if owner is not None:
        require_claim(row, owner)
    return row


def mark_failed(db: LedgerDatabase, invoice_id: int, error: str, *, owner: ClaimOwner | None = None) -> None:
    """``submitting`` → ``failed``: refused for good or a permanent error; a human decides."""
    _end_claim(db, invoice_id, InvoiceState.FAILED, error, owner)


def mark_needs_review(
    db: LedgerDatabase, invoice_id: int, reason: str, *, owner: ClaimOwner | None = None
) -> None:
    """``submitting`` → ``needs_review``: Chorus Pro cannot say whether it holds the invoice.

    Never claimed again automatically: a person adopts it (it is there) or releases it (it is not).
    """
    _end_claim(db, invoice_id, InvoiceState.NEEDS_REVIEW, reason, owner)


def release_claim(db: LedgerDatabase, invoice_id: int, *, owner: ClaimOwner | None = None) -> None:
    """``submitting`` → ``pending``: reconciliation found nothing and the caller will not deposit now."""
    _end_claim(db, invoice_id, InvoiceState.PENDING, None, owner)


def mark_outcome_unknown(
    db: LedgerDatabase, invoice_id: int, error: str, *, owner: ClaimOwner | None = None
) -> None:
    """Stay ``submitting`` and keep the lease: the next attempt must ask Chorus Pro first."""
    with db.write() as connection:
        row = submitting_for_update(connection, invoice_id, owner)
        change_state(connection, row, InvoiceState.SUBMITTING, last_error=safe_error_text(error))


def mark_invalid_at_deposit(
    db: LedgerDatabase, invoice_id: int, findings: list[dict[str, Any]], *, owner: ClaimOwner | None = None
) -> None:
    """``submitting`` → ``invalid``: the file built for the deposit fails its conformance checks.

    The findings are added to the invoice's own; nothing was sent to Chorus Pro.
    """
    with db.write() as connection:
        row = submitting_for_update(connection, invoice_id, owner)
        change_state(
            connection,
            row,
            InvoiceState.INVALID,
            findings=[*(row.findings or []), *findings],
            claimed_by=None,
            claim_expires_at=None,
            last_error=safe_error_text("; ".join(str(item.get("message")) for item in findings)),
        )


def _end_claim(
    db: LedgerDatabase, invoice_id: int, target: InvoiceState, error: str | None, owner: ClaimOwner | None
) -> None:
    with db.write() as connection:
        row = submitting_for_update(connection, invoice_id, owner)
        change_state(
            connection,
            row,
            target,
            claimed_by=None,
            claim_expires_at=None,
            last_error=safe_error_text(error),
        )
