"""Submission attempts: one row per deposit try, committed before the call, ended with its outcome.

An attempt that never ended says the deposit's outcome is unknown: the next try asks Chorus Pro first.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from chorusflow.ledger.claims import require_claim
from chorusflow.ledger.database import LedgerDatabase
from chorusflow.ledger.invoices import LedgerConflict, change_state, invoice_for_update
from chorusflow.ledger.records import Claim, ClaimOwner
from chorusflow.ledger.states import AttemptOutcome, InvoiceState, LedgerError, check_transition
from chorusflow.ledger.statuses import insert_history
from chorusflow.ledger.tables import invoices, submission_attempts
from chorusflow.ledger.values import as_utc, safe_error_text, utc_now


def start_attempt(db: LedgerDatabase, claim: Claim, owner: ClaimOwner) -> int:
    """Record an in-flight attempt (committed before the API call) and return its id."""
    with db.write() as connection:
        row = invoice_for_update(connection, claim.invoice_id)
        require_claim(row, owner)
        attempt_id = connection.execute(
            submission_attempts.insert()
            .values(
                invoice_id=row.id,
                started_at=utc_now(),
                outcome=AttemptOutcome.IN_FLIGHT.value,
                dag_id=owner.dag_id,
                run_id=owner.run_id,
                task_id=owner.task_id,
                map_index=owner.map_index,
                try_number=owner.try_number,
                hostname=owner.hostname,
                pid=owner.pid,
            )
            .returning(submission_attempts.c.id)
        ).scalar_one()
    return int(attempt_id)


def finish_attempt(
    db: LedgerDatabase,
    attempt_id: int,
    outcome: AttemptOutcome | str,
    error_class: str | None = None,
    error_message: str | None = None,
) -> None:
    """Record how an attempt ended."""
    with db.write() as connection:
        end_attempt(connection, attempt_id, outcome, error_class, error_message)


def end_attempt(
    connection: Connection,
    attempt_id: int,
    outcome: AttemptOutcome | str,
    error_class: str | None = None,
    error_message: str | None = None,
) -> None:
    """Record how an attempt ended, inside the caller's write transaction."""
    final = AttemptOutcome(outcome)
    if final is AttemptOutcome.IN_FLIGHT:
        raise ValueError("an attempt cannot finish in flight")
    result = connection.execute(
        update(submission_attempts)
        .where(submission_attempts.c.id == attempt_id)
        .values(
            outcome=final.value,
            finished_at=utc_now(),
            error_class=(error_class or None) and error_class[:128],
            error_message=safe_error_text(error_message),
        )
    )
    if result.rowcount != 1:
        raise LedgerError(f"no submission attempt with id {attempt_id}")


def mark_submitted(
    db: LedgerDatabase,
    invoice_id: int,
    identifiant_facture_cpp: int,
    status: str = "DEPOSEE",
    status_at: datetime | None = None,
    numero_flux_depot: str | None = None,
    adopted: bool = False,
    *,
    owner: ClaimOwner | None = None,
    chorus_invoice_number: str | None = None,
    deposit_channel: str | None = None,
    attempt_id: int | None = None,
) -> None:
    """``submitting`` (or ``needs_review``, by a person) → ``submitted`` with its Chorus Pro id and
    number; history row; claim released. With ``attempt_id``, that attempt ends in the same
    transaction (``succeeded``, or ``adopted`` with ``adopted``): one commit instead of two.

    Calling it again with the same id is a no-op; another id for the same invoice is a conflict.
    """
    now = utc_now()
    changed_at = status_at or now
    with db.write() as connection:
        row = invoice_for_update(connection, invoice_id)
        if attempt_id is not None:
            end_attempt(
                connection, attempt_id, AttemptOutcome.ADOPTED if adopted else AttemptOutcome.SUCCEEDED
            )
        if row.identifiant_facture_cpp is not None:
            if row.identifiant_facture_cpp == identifiant_facture_cpp:
                return
            raise LedgerConflict(
                f"invoice {row.invoice_number} already has Chorus Pro id {row.identifiant_facture_cpp}"
            )
        if InvoiceState(row.state) is not InvoiceState.SUBMITTING:
            check_transition(row.state, InvoiceState.SUBMITTED, row.invoice_number)
        if owner is not None:
            require_claim(row, owner)
        try:
            change_state(
                connection,
                row,
                InvoiceState.SUBMITTED,
                identifiant_facture_cpp=identifiant_facture_cpp,
                numero_flux_depot=numero_flux_depot,
                chorus_invoice_number=chorus_invoice_number or row.invoice_number,
                deposit_channel=deposit_channel,
                chorus_status=status,
                chorus_status_at=changed_at,
                chorus_status_comment=None,
                submitted_at=now,
                claimed_by=None,
                claim_expires_at=None,
                last_error=None,
            )
        except IntegrityError:
            raise LedgerConflict(
                f"Chorus Pro id {identifiant_facture_cpp} is already recorded for another invoice"
            ) from None
        source = "reconciliation" if adopted else "submission"
        insert_history(connection, row.id, status, changed_at, None, source)


def unknown_outcome_since(db: LedgerDatabase, invoice_id: int) -> datetime | None:
    """When the invoice's unbroken run of unknown-outcome attempts began (None: the last attempt's
    outcome is known). A flux deposit shows up in searches only once integrated, so the channel
    waits a while from then before concluding that a deposit never happened."""
    statement = (
        select(submission_attempts.c.started_at, submission_attempts.c.outcome)
        .where(submission_attempts.c.invoice_id == invoice_id)
        .order_by(submission_attempts.c.id.desc())
    )
    since: datetime | None = None
    unknown = (AttemptOutcome.OUTCOME_UNKNOWN.value, AttemptOutcome.IN_FLIGHT.value)
    with db.reading() as connection:
        for started_at, outcome in connection.execute(statement):
            if outcome not in unknown:
                break
            if outcome == AttemptOutcome.OUTCOME_UNKNOWN.value:
                since = as_utc(started_at)
    return since


def attempt_outcomes_for_run(
    db: LedgerDatabase, run_id: str, supplier_siret: str | None = None
) -> dict[str, AttemptOutcome]:
    """Invoice number → outcome of its latest attempt made by DAG run ``run_id`` (for run reports)."""
    statement = (
        select(invoices.c.invoice_number, submission_attempts.c.outcome)
        .join(invoices, invoices.c.id == submission_attempts.c.invoice_id)
        .where(submission_attempts.c.run_id == run_id)
        .order_by(submission_attempts.c.id)
    )
    if supplier_siret is not None:
        statement = statement.where(invoices.c.supplier_siret == supplier_siret)
    with db.reading() as connection:
        return {number: AttemptOutcome(outcome) for number, outcome in connection.execute(statement)}
