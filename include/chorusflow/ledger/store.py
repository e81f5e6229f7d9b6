"""The ledger: the single source of truth for every invoice, and the guard of at-most-once deposits.

Every write runs in one short transaction that holds the rows it changes (``SELECT … FOR UPDATE``
on PostgreSQL, the database write lock from ``BEGIN IMMEDIATE`` on SQLite), and every state change
is checked by :func:`chorusflow.ledger.states.check_transition`. ``docs/ledger.md`` explains how
claims, leases and attempts make a double deposit impossible.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Row,
    Select,
    and_,
    bindparam,
    false,
    func,
    or_,
    select,
    true,
    tuple_,
    type_coerce,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import ArgumentError, IntegrityError, NoSuchModuleError

from chorusflow.crashpoints import crashpoint
from chorusflow.ledger.engine import WRITE_OPTION, create_ledger_engine
from chorusflow.ledger.migrate import current_revision, upgrade_to_head
from chorusflow.ledger.models import (
    UtcDateTime,
    alerts_sent,
    flux_deposits,
    invoices,
    processed_exports,
    resolutions,
    status_history,
    submission_attempts,
    sync_watermarks,
)
from chorusflow.ledger.quota import SharedPacer
from chorusflow.ledger.records import (
    CHANGED_AFTER_SUBMISSION,
    AttemptRow,
    Claim,
    ClaimOwner,
    FluxRow,
    InvoiceDetail,
    InvoiceRecordInput,
    InvoiceRow,
    LedgerNote,
    RecordSummary,
    ResolutionRow,
    StatusHistoryRow,
)
from chorusflow.ledger.resolutions import ResolutionStore
from chorusflow.ledger.states import (
    ON_CHORUS_PRO_OR_MAYBE,
    POLLED_STATES,
    AttemptOutcome,
    InvoiceState,
    LedgerError,
    check_transition,
)
from chorusflow.ledger.url import LedgerConfigError, display_url
from chorusflow.ledger.values import safe_error_text, utc_now
from chorusflow.messages import text

#: History sources written by chorusflow itself rather than read from Chorus Pro's history.
LOCAL_STATUS_SOURCES = ("submission", "reconciliation", "resolution")

# Stay far below SQLite's bound-parameter limit in IN (...) lists.
_CHUNK = 900

_ROW_COLUMNS = [column for column in invoices.c if column.name != "normalized"]


log = logging.getLogger(__name__)


class ClaimLost(LedgerError):
    """The caller no longer holds the claim on this invoice (its lease expired and another task took it)."""


class InvoiceNotFound(LedgerError):
    """No invoice with this id (or number) in the ledger."""


class AmbiguousInvoiceNumber(LedgerError):
    """The same invoice number exists for several suppliers; give the supplier SIRET."""


class LedgerConflict(LedgerError):
    """The write would contradict what the ledger already holds (e.g. a second Chorus Pro id)."""


class Ledger(ResolutionStore):
    """The invoice ledger on one database (SQLite file or PostgreSQL)."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        try:
            self._engine = create_ledger_engine(url, echo=echo)
        except (ArgumentError, NoSuchModuleError, ImportError, ValueError) as error:
            # SQLAlchemy quotes the raw URL (password included) in some messages: mask it.
            reason = str(error).replace(url, display_url(url))
            raise LedgerConfigError(f"invalid ledger URL {display_url(url)}: {reason}") from None
        self.dialect_name = self._engine.dialect.name

    def __repr__(self) -> str:
        return f"Ledger({display_url(self.url)!r})"

    def dispose(self) -> None:
        """Close every pooled connection (call it before forking or at the end of a task)."""
        self._engine.dispose()

    # -- plumbing ----------------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self._engine.connect() as connection:
            connection.execution_options(**{WRITE_OPTION: True})
            with connection.begin():
                yield connection
                crashpoint("ledger.before_commit")  # reliability suite: die inside the transaction

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._engine.connect() as connection, connection.begin():
            yield connection

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """One read-only transaction for queries built elsewhere (the invoice desk); never write in it."""
        with self._read() as connection:
            yield connection

    def _insert(self, table: Any) -> Any:
        # The dialect's own INSERT, for ON CONFLICT (same syntax on PostgreSQL and SQLite).
        dialect = postgresql if self.dialect_name == "postgresql" else sqlite
        return dialect.insert(table)

    def _locked(self, statement: Select[Any]) -> Select[Any]:
        # SQLite renders no FOR UPDATE; BEGIN IMMEDIATE already holds the write lock there.
        return statement.with_for_update()

    def _invoice_for_update(self, connection: Connection, invoice_id: int) -> Row[Any]:
        row = connection.execute(
            self._locked(select(*_ROW_COLUMNS).where(invoices.c.id == invoice_id))
        ).first()
        if row is None:
            raise InvoiceNotFound(f"no invoice with id {invoice_id} in the ledger")
        return row

    def _submitting_for_update(
        self, connection: Connection, invoice_id: int, owner: ClaimOwner | None
    ) -> Row[Any]:
        """The invoice's row, locked, once it is ``submitting`` and (given an owner) claimed by it.

        Raises :class:`ClaimLost` otherwise: a result is only recorded by the claim that sent it.
        """
        row = self._invoice_for_update(connection, invoice_id)
        _require_submitting(row)
        if owner is not None:
            _require_claim(row, owner)
        return row

    def _change_state(
        self, connection: Connection, row: Row[Any], target: InvoiceState, **values: Any
    ) -> None:
        """The one place an invoice row changes state: checked, versioned, timestamped."""
        check_transition(row.state, target, row.invoice_number)
        result = connection.execute(
            update(invoices)
            .where(invoices.c.id == row.id, invoices.c.version == row.version)
            .values(state=target.value, version=row.version + 1, updated_at=utc_now(), **values)
        )
        if result.rowcount != 1:
            raise LedgerConflict(f"invoice {row.invoice_number} changed concurrently; try again")

    # -- schema ------------------------------------------------------------------------------------

    def api_pacer(self, key: str, per_second: float | None) -> SharedPacer:
        """The request pacer of one PISTE application (``key``: its client id), shared through this
        database by every process using the ledger (:mod:`chorusflow.ledger.quota`)."""
        return SharedPacer(self._engine, key, per_second)

    def migrate(self) -> str:
        """Upgrade the database to the newest schema (idempotent, safe from several processes at once)."""
        with self._write() as connection:
            upgrade_to_head(connection)
            revision = current_revision(connection)
        return revision or ""

    def revision(self) -> str | None:
        """The schema revision the database is at (None if never migrated)."""
        with self._read() as connection:
            return current_revision(connection)

    # -- recording validated invoices ---------------------------------------------------------------

    def record_validated(
        self, supplier_siret: str, source_export: str, verdicts: Iterable[InvoiceRecordInput]
    ) -> RecordSummary:
        """Record the validator's verdicts in bulk; invoices (maybe) on Chorus Pro are never touched."""
        duplicates: list[LedgerNote] = []
        batch: dict[str, InvoiceRecordInput] = {}
        for verdict in verdicts:
            if verdict.invoice_number in batch:
                duplicates.append(_duplicate_note(verdict.invoice_number))
                continue
            batch[verdict.invoice_number] = verdict
        for attempt in range(3):
            try:
                summary = self._record_batch(supplier_siret, source_export, batch)
            except IntegrityError:
                # Another process inserted one of these numbers meanwhile; the next pass sees it.
                if attempt == 2:
                    raise
                continue
            summary.notes[:0] = duplicates
            return summary
        raise AssertionError("unreachable")

    def _record_batch(
        self, supplier_siret: str, source_export: str, batch: dict[str, InvoiceRecordInput]
    ) -> RecordSummary:
        summary = RecordSummary()
        if not batch:
            return summary
        now = utc_now()
        message = text("ledger.changed_after_deposit")
        with self._write() as connection:
            existing = self._existing_for_record(connection, supplier_siret, list(batch))
            inserts: list[dict[str, Any]] = []
            updates: list[dict[str, Any]] = []
            for number, verdict in batch.items():
                content_hash = verdict.content_hash()
                target = InvoiceState.PENDING if verdict.valid else InvoiceState.INVALID
                current = existing.get(number)
                if current is None:
                    inserts.append(
                        _invoice_values(supplier_siret, source_export, verdict, content_hash, target, now)
                        | {"created_at": now, "version": 1}
                    )
                    (summary.new_pending if verdict.valid else summary.new_invalid).append(number)
                    continue
                state = InvoiceState(current.state)
                if state in ON_CHORUS_PRO_OR_MAYBE:
                    summary.already_done.append(number)
                    if current.content_hash != content_hash:
                        summary.notes.append(
                            LedgerNote(code=CHANGED_AFTER_SUBMISSION, invoice_number=number, message=message)
                        )
                    continue
                same_content = current.content_hash == content_hash
                if same_content and (
                    state is InvoiceState.FAILED
                    or (
                        state is target and _finding_keys(current.findings) == _finding_keys(verdict.findings)
                    )
                ):
                    summary.unchanged.append(number)
                    continue
                check_transition(state, target, number)
                values = _invoice_values(supplier_siret, source_export, verdict, content_hash, target, now)
                updates.append(
                    values | {"b_id": current.id, "version": current.version + 1, "last_error": None}
                )
                summary.updated.append(number)
            if inserts:
                connection.execute(invoices.insert(), inserts)
            if updates:
                # Executemany: each dict's column keys become the SET clause of its row.
                connection.execute(update(invoices).where(invoices.c.id == bindparam("b_id")), updates)
        return summary

    def _existing_for_record(
        self, connection: Connection, supplier_siret: str, numbers: list[str]
    ) -> dict[str, Row[Any]]:
        found: dict[str, Row[Any]] = {}
        columns = (
            invoices.c.id,
            invoices.c.invoice_number,
            invoices.c.state,
            invoices.c.content_hash,
            invoices.c.findings,
            invoices.c.version,
        )
        for start in range(0, len(numbers), _CHUNK):
            chunk = numbers[start : start + _CHUNK]
            statement = select(*columns).where(
                invoices.c.supplier_siret == supplier_siret, invoices.c.invoice_number.in_(chunk)
            )
            # Locking makes a concurrent claim wait, so we never overwrite an invoice it just took.
            for row in connection.execute(self._locked(statement)):
                found[row.invoice_number] = row
        return found

    # -- claims and attempts ------------------------------------------------------------------------

    def claim_for_submission(
        self,
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
        orphans = self._orphaned_claims(supplier_siret, numbers, owner, now, owner_alive)
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
        with self._write() as connection:
            for start in range(0, len(numbers), _CHUNK):
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
                        invoices.c.invoice_number.in_(numbers[start : start + _CHUNK]),
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
        self,
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
        with self._read() as connection:
            for start in range(0, len(numbers), _CHUNK):
                held.extend(
                    connection.execute(
                        select(invoices.c.id, invoices.c.version, invoices.c.claimed_by).where(
                            invoices.c.supplier_siret == supplier_siret,
                            invoices.c.invoice_number.in_(numbers[start : start + _CHUNK]),
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

    def start_attempt(self, claim: Claim, owner: ClaimOwner) -> int:
        """Record an in-flight attempt (committed before the API call) and return its id."""
        with self._write() as connection:
            row = self._invoice_for_update(connection, claim.invoice_id)
            _require_claim(row, owner)
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
        self,
        attempt_id: int,
        outcome: AttemptOutcome | str,
        error_class: str | None = None,
        error_message: str | None = None,
    ) -> None:
        """Record how an attempt ended."""
        with self._write() as connection:
            _finish_attempt(connection, attempt_id, outcome, error_class, error_message)

    def mark_submitted(
        self,
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
        with self._write() as connection:
            row = self._invoice_for_update(connection, invoice_id)
            if attempt_id is not None:
                ended = AttemptOutcome.ADOPTED if adopted else AttemptOutcome.SUCCEEDED
                _finish_attempt(connection, attempt_id, ended)
            if row.identifiant_facture_cpp is not None:
                if row.identifiant_facture_cpp == identifiant_facture_cpp:
                    return
                raise LedgerConflict(
                    f"invoice {row.invoice_number} already has Chorus Pro id {row.identifiant_facture_cpp}"
                )
            if InvoiceState(row.state) is not InvoiceState.SUBMITTING:
                check_transition(row.state, InvoiceState.SUBMITTED, row.invoice_number)
            if owner is not None:
                _require_claim(row, owner)
            try:
                self._change_state(
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
            self._insert_history(
                connection, row.id, status, changed_at, None, "reconciliation" if adopted else "submission"
            )

    def mark_failed(self, invoice_id: int, error: str, *, owner: ClaimOwner | None = None) -> None:
        """``submitting`` → ``failed``: refused for good or a permanent error; a human decides."""
        self._end_claim(invoice_id, InvoiceState.FAILED, error, owner)

    def mark_needs_review(self, invoice_id: int, reason: str, *, owner: ClaimOwner | None = None) -> None:
        """``submitting`` → ``needs_review``: Chorus Pro cannot say whether it holds the invoice.

        Never claimed again automatically: a person adopts it (it is there) or releases it (it is not).
        """
        self._end_claim(invoice_id, InvoiceState.NEEDS_REVIEW, reason, owner)

    def release_claim(self, invoice_id: int, *, owner: ClaimOwner | None = None) -> None:
        """``submitting`` → ``pending``: reconciliation found nothing and the caller will not deposit now."""
        self._end_claim(invoice_id, InvoiceState.PENDING, None, owner)

    def mark_outcome_unknown(self, invoice_id: int, error: str, *, owner: ClaimOwner | None = None) -> None:
        """Stay ``submitting`` and keep the lease: the next attempt must ask Chorus Pro first."""
        with self._write() as connection:
            row = self._submitting_for_update(connection, invoice_id, owner)
            self._change_state(connection, row, InvoiceState.SUBMITTING, last_error=safe_error_text(error))

    def _end_claim(
        self, invoice_id: int, target: InvoiceState, error: str | None, owner: ClaimOwner | None
    ) -> None:
        with self._write() as connection:
            row = self._submitting_for_update(connection, invoice_id, owner)
            self._change_state(
                connection,
                row,
                target,
                claimed_by=None,
                claim_expires_at=None,
                last_error=safe_error_text(error),
            )

    # -- Factur-X flux ---------------------------------------------------------------------------

    def mark_invalid_at_deposit(
        self, invoice_id: int, findings: list[dict[str, Any]], *, owner: ClaimOwner | None = None
    ) -> None:
        """``submitting`` → ``invalid``: the file built for the deposit fails its conformance checks.

        The findings are added to the invoice's own; nothing was sent to Chorus Pro.
        """
        with self._write() as connection:
            row = self._submitting_for_update(connection, invoice_id, owner)
            self._change_state(
                connection,
                row,
                InvoiceState.INVALID,
                findings=[*(row.findings or []), *findings],
                claimed_by=None,
                claim_expires_at=None,
                last_error=safe_error_text("; ".join(str(item.get("message")) for item in findings)),
            )

    def mark_in_flux(
        self,
        supplier_siret: str,
        invoice_ids: Sequence[int],
        numero_flux_depot: str,
        *,
        file_name: str,
        syntaxe_flux: str,
        first_poll_at: datetime,
        owner: ClaimOwner | None = None,
    ) -> None:
        """``submitting`` → ``in_flux`` for every invoice of one deposited flux, and the flux row to
        follow, in one transaction: either the whole flux is recorded or none of it."""
        now = utc_now()
        with self._write() as connection:
            for invoice_id in invoice_ids:
                row = self._submitting_for_update(connection, invoice_id, owner)
                self._change_state(
                    connection,
                    row,
                    InvoiceState.IN_FLUX,
                    numero_flux_depot=numero_flux_depot,
                    deposit_channel="facturx",
                    submitted_at=now,
                    claimed_by=None,
                    claim_expires_at=None,
                    last_error=None,
                )
            connection.execute(
                self._insert(flux_deposits)
                .values(
                    supplier_siret=supplier_siret,
                    numero_flux_depot=numero_flux_depot,
                    file_name=file_name,
                    syntaxe_flux=syntaxe_flux,
                    invoice_count=len(invoice_ids),
                    deposited_at=now,
                    polls=0,
                    next_poll_at=first_poll_at,
                )
                .on_conflict_do_nothing()
            )

    def open_flux(self, supplier_siret: str, due_at: datetime | None = None) -> list[FluxRow]:
        """Flux not closed yet, oldest first; only those due for a poll at ``due_at`` when given."""
        statement = select(flux_deposits).where(
            flux_deposits.c.supplier_siret == supplier_siret, flux_deposits.c.closed_at.is_(None)
        )
        if due_at is not None:
            statement = statement.where(flux_deposits.c.next_poll_at <= due_at)
        with self._read() as connection:
            rows = connection.execute(statement.order_by(flux_deposits.c.id)).all()
        return [FluxRow.model_validate(dict(row._mapping)) for row in rows]

    def get_flux(self, supplier_siret: str, numero_flux_depot: str) -> FluxRow | None:
        """One flux by its number, if the ledger has it."""
        statement = select(flux_deposits).where(
            flux_deposits.c.supplier_siret == supplier_siret,
            flux_deposits.c.numero_flux_depot == numero_flux_depot,
        )
        with self._read() as connection:
            row = connection.execute(statement).first()
        return None if row is None else FluxRow.model_validate(dict(row._mapping))

    def record_flux_poll(
        self,
        flux_id: int,
        *,
        state: str | None,
        state_at: datetime | None,
        errors: dict[str, Any] | None,
        next_poll_at: datetime,
        closed: bool,
    ) -> None:
        """What one ``consulterCRDetaille`` said, when to ask again, and whether the flux is done."""
        now = utc_now()
        with self._write() as connection:
            connection.execute(
                update(flux_deposits)
                .where(flux_deposits.c.id == flux_id)
                .values(
                    state=state,
                    state_at=state_at,
                    errors=errors,
                    polls=flux_deposits.c.polls + 1,
                    last_polled_at=now,
                    next_poll_at=next_poll_at,
                    closed_at=now if closed else None,
                )
            )

    def invoices_in_flux(self, supplier_siret: str, numero_flux_depot: str) -> list[InvoiceRow]:
        """Every invoice the ledger deposited in this flux, whatever its state now."""
        statement = select(*_ROW_COLUMNS).where(
            invoices.c.supplier_siret == supplier_siret, invoices.c.numero_flux_depot == numero_flux_depot
        )
        with self._read() as connection:
            return [_invoice_row(row) for row in connection.execute(statement.order_by(invoices.c.id))]

    def end_flux_wait(self, invoice_id: int, target: InvoiceState, reason: str) -> bool:
        """``in_flux`` → ``failed`` (refused in the flux) or ``needs_review``; False if not in a flux."""
        if target not in (InvoiceState.FAILED, InvoiceState.NEEDS_REVIEW):
            raise ValueError(f"a flux wait ends in failed or needs_review, not {target.value}")
        with self._write() as connection:
            row = self._invoice_for_update(connection, invoice_id)
            if InvoiceState(row.state) is not InvoiceState.IN_FLUX:
                return False
            self._change_state(connection, row, target, last_error=safe_error_text(reason))
        return True

    def unknown_outcome_since(self, invoice_id: int) -> datetime | None:
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
        with self._read() as connection:
            for started_at, outcome in connection.execute(statement):
                if outcome not in unknown:
                    break
                if outcome == AttemptOutcome.OUTCOME_UNKNOWN.value:
                    since = _as_utc(started_at)
        return since

    # -- status sync -------------------------------------------------------------------------------

    def record_status(
        self,
        invoice_id: int,
        status: str,
        changed_at: datetime,
        comment: str | None,
        new_state: InvoiceState,
        source: str = "sync",
    ) -> bool:
        """Add one Chorus Pro status to the history; True if it was new (a re-sync adds nothing).

        The invoice's current status and state follow the newest status only. Chorus Pro's own
        history outranks the status recorded locally at submission: its timestamps have minute
        precision (and another clock), so a status it dates before our submission time still counts.
        """
        with self._write() as connection:
            row = self._invoice_for_update(connection, invoice_id)
            if source in LOCAL_STATUS_SOURCES:
                newest: datetime | None = row.chorus_status_at
            else:
                newest = connection.execute(
                    select(func.max(status_history.c.changed_at)).where(
                        status_history.c.invoice_id == row.id,
                        status_history.c.source.not_in(LOCAL_STATUS_SOURCES),
                    )
                ).scalar_one_or_none()
                newest = None if newest is None else _as_utc(newest)
            if not self._insert_history(connection, row.id, status, changed_at, comment, source):
                return False
            if newest is None or changed_at >= newest:
                self._change_state(
                    connection,
                    row,
                    InvoiceState(new_state),
                    chorus_status=status,
                    chorus_status_at=changed_at,
                    chorus_status_comment=comment,
                )
        return True

    def _insert_history(
        self,
        connection: Connection,
        invoice_id: int,
        status: str,
        changed_at: datetime,
        comment: str | None,
        source: str,
    ) -> bool:
        statement = (
            self._insert(status_history)
            .values(
                invoice_id=invoice_id,
                status=status,
                changed_at=changed_at,
                comment=comment,
                source=source,
                recorded_at=utc_now(),
            )
            .on_conflict_do_nothing(index_elements=["invoice_id", "status", "changed_at"])
        )
        return connection.execute(statement).rowcount == 1

    def suspension_histories(
        self,
        *,
        invoice_ids: Sequence[int] | None = None,
        supplier_siret: str | None = None,
        states: Iterable[InvoiceState] | None = None,
    ) -> dict[int, list[tuple[str, datetime]]]:
        """The status history (status, changed at; oldest first) of every invoice ever ``SUSPENDUE``.

        The payment clock only needs the history of suspended invoices (docs/desk.md), so this
        reads a few rows even when the ledger holds many invoices; ``invoice_ids`` narrows it further.
        """
        suspended = select(status_history.c.invoice_id).where(status_history.c.status == "SUSPENDUE")
        if invoice_ids is not None:
            if not invoice_ids:
                return {}
            suspended = suspended.where(status_history.c.invoice_id.in_(list(invoice_ids)))
        if supplier_siret is not None or states is not None:
            wanted = select(invoices.c.id)
            if supplier_siret is not None:
                wanted = wanted.where(invoices.c.supplier_siret == supplier_siret)
            if states is not None:
                wanted = wanted.where(invoices.c.state.in_([InvoiceState(state).value for state in states]))
            suspended = suspended.where(status_history.c.invoice_id.in_(wanted))
        statement = (
            select(status_history.c.invoice_id, status_history.c.status, status_history.c.changed_at)
            .where(status_history.c.invoice_id.in_(suspended))
            .order_by(status_history.c.invoice_id, status_history.c.changed_at, status_history.c.id)
        )
        histories: dict[int, list[tuple[str, datetime]]] = {}
        with self._read() as connection:
            for invoice_id, status, changed_at in connection.execute(statement):
                histories.setdefault(int(invoice_id), []).append((status, changed_at))
        return histories

    def invoices_to_poll(self, supplier_siret: str) -> list[InvoiceRow]:
        """Invoices on Chorus Pro whose status may still change (states submitted and blocked)."""
        statement = select(*_ROW_COLUMNS).where(
            invoices.c.supplier_siret == supplier_siret,
            invoices.c.state.in_([state.value for state in POLLED_STATES]),
            invoices.c.identifiant_facture_cpp.is_not(None),
        )
        with self._read() as connection:
            return [_invoice_row(row) for row in connection.execute(statement.order_by(invoices.c.id))]

    def find_by_cpp_id(self, supplier_siret: str, identifiant: int) -> InvoiceRow | None:
        """The invoice with this ``identifiantFactureCPP``, if the ledger has it."""
        statement = select(*_ROW_COLUMNS).where(
            invoices.c.supplier_siret == supplier_siret, invoices.c.identifiant_facture_cpp == identifiant
        )
        with self._read() as connection:
            row = connection.execute(statement).first()
        return None if row is None else _invoice_row(row)

    def known_cpp_ids(self, supplier_siret: str) -> set[int]:
        """Every ``identifiantFactureCPP`` the ledger gives to an invoice of this supplier."""
        statement = select(invoices.c.identifiant_facture_cpp).where(
            invoices.c.supplier_siret == supplier_siret, invoices.c.identifiant_facture_cpp.is_not(None)
        )
        with self._read() as connection:
            return {int(value) for value in connection.execute(statement).scalars()}

    def get_watermark(self, name: str) -> datetime | None:
        """The status sync's watermark ``name``, if set."""
        with self._read() as connection:
            value: datetime | None = connection.execute(
                select(sync_watermarks.c.value).where(sync_watermarks.c.name == name)
            ).scalar_one_or_none()
        return value

    def set_watermark(self, name: str, value: datetime) -> None:
        """Set (create or replace) the watermark ``name``."""
        now = utc_now()
        statement = self._insert(sync_watermarks).values(name=name, value=value, updated_at=now)
        statement = statement.on_conflict_do_update(
            index_elements=["name"], set_={"value": value, "updated_at": now}
        )
        with self._write() as connection:
            connection.execute(statement)

    # -- alerts and exports ------------------------------------------------------------------------

    def alert_already_sent(self, event_key: str) -> bool:
        """True if an alert for this event was recorded."""
        with self._read() as connection:
            found = connection.execute(
                select(alerts_sent.c.id).where(alerts_sent.c.event_key == event_key)
            ).first()
        return found is not None

    def record_alert(
        self, event_key: str, kind: str, invoice_id: int | None, channels: str, payload: dict[str, Any]
    ) -> bool:
        """Record an alert; False if this event was already recorded (race-safe: unique key)."""
        statement = (
            self._insert(alerts_sent)
            .values(
                event_key=event_key,
                kind=kind,
                invoice_id=invoice_id,
                channels=channels[:255],
                sent_at=utc_now(),
                payload=payload,
            )
            .on_conflict_do_nothing(index_elements=["event_key"])
        )
        with self._write() as connection:
            return connection.execute(statement).rowcount == 1

    def export_already_processed(self, content_sha256: str) -> bool:
        """True if an export with exactly this content was processed before."""
        with self._read() as connection:
            found = connection.execute(
                select(processed_exports.c.id).where(processed_exports.c.content_sha256 == content_sha256)
            ).first()
        return found is not None

    def record_processed_export(
        self,
        content_sha256: str,
        original_name: str,
        archived_to: str | None,
        run_id: str | None,
        counts: dict[str, Any],
    ) -> bool:
        """Remember a processed export; False if this content was already recorded."""
        statement = (
            self._insert(processed_exports)
            .values(
                content_sha256=content_sha256,
                original_name=original_name,
                archived_to=archived_to,
                run_id=run_id,
                processed_at=utc_now(),
                counts=counts,
            )
            .on_conflict_do_nothing(index_elements=["content_sha256"])
        )
        with self._write() as connection:
            return connection.execute(statement).rowcount == 1

    # -- inspection --------------------------------------------------------------------------------

    def list_invoices(
        self,
        state: InvoiceState | None = None,
        supplier_siret: str | None = None,
        *,
        status_since_before: datetime | None = None,
        submitted_before: datetime | None = None,
    ) -> list[InvoiceRow]:
        """Invoices in ledger order, optionally only one state and/or one supplier.

        ``status_since_before`` keeps those in their status (or deposited, without one) before that
        moment, ``submitted_before`` those deposited before it: the alerts read only the invoices that
        may be stale or overdue, not whole states.
        """
        statement = select(*_ROW_COLUMNS).order_by(invoices.c.id)
        if state is not None:
            statement = statement.where(invoices.c.state == InvoiceState(state).value)
        if supplier_siret is not None:
            statement = statement.where(invoices.c.supplier_siret == supplier_siret)
        if status_since_before is not None:
            # Typed, so the moment is bound as the columns store it (naive UTC on SQLite).
            since = type_coerce(
                func.coalesce(invoices.c.chorus_status_at, invoices.c.submitted_at), UtcDateTime()
            )
            statement = statement.where(since < status_since_before)
        if submitted_before is not None:
            statement = statement.where(invoices.c.submitted_at < submitted_before)
        with self._read() as connection:
            result = connection.execute(statement)
            # The column names once, not a mapping per row: the alerts read many rows here.
            names = list(result.keys())
            return [InvoiceRow.model_validate(dict(zip(names, row, strict=True))) for row in result]

    def get_invoice(self, invoice_number: str, supplier_siret: str | None = None) -> InvoiceDetail | None:
        """One invoice with its attempts and status history; None if unknown.

        Raises :class:`AmbiguousInvoiceNumber` when several suppliers share the number and no SIRET is given.
        """
        statement = select(invoices.c.id).where(invoices.c.invoice_number == invoice_number)
        if supplier_siret is not None:
            statement = statement.where(invoices.c.supplier_siret == supplier_siret)
        with self._read() as connection:
            ids = connection.execute(statement.limit(2)).scalars().all()
            if len(ids) > 1:
                raise AmbiguousInvoiceNumber(f"invoice number {invoice_number} exists for several suppliers")
            return self._detail(connection, ids[0]) if ids else None

    def get_invoice_by_id(self, invoice_id: int) -> InvoiceDetail | None:
        """One invoice by ledger id, with its attempts and status history; None if unknown."""
        with self._read() as connection:
            return self._detail(connection, invoice_id)

    def _detail(self, connection: Connection, invoice_id: int) -> InvoiceDetail | None:
        row = connection.execute(select(invoices).where(invoices.c.id == invoice_id)).first()
        if row is None:
            return None
        attempts = connection.execute(
            select(submission_attempts)
            .where(submission_attempts.c.invoice_id == invoice_id)
            .order_by(submission_attempts.c.id)
        )
        history = connection.execute(
            select(
                status_history.c.status,
                status_history.c.changed_at,
                status_history.c.comment,
                status_history.c.source,
                status_history.c.recorded_at,
            )
            .where(status_history.c.invoice_id == invoice_id)
            .order_by(status_history.c.changed_at, status_history.c.id)
        )
        decisions = connection.execute(
            select(resolutions).where(resolutions.c.invoice_id == invoice_id).order_by(resolutions.c.id)
        )
        replaces = connection.execute(
            select(invoices.c.invoice_number)
            .join(resolutions, resolutions.c.invoice_id == invoices.c.id)
            .where(
                invoices.c.supplier_siret == row.supplier_siret,
                resolutions.c.replacement_number == row.invoice_number,
                resolutions.c.outcome == "succeeded",
            )
            .limit(1)
        ).scalar_one_or_none()
        return InvoiceDetail.model_validate(
            dict(row._mapping)
            | {
                "attempts": [AttemptRow.model_validate(dict(item._mapping)) for item in attempts],
                "history": [StatusHistoryRow.model_validate(dict(item._mapping)) for item in history],
                "resolutions": [ResolutionRow.model_validate(dict(item._mapping)) for item in decisions],
                "replaces": replaces,
            }
        )

    def attempt_outcomes_for_run(
        self, run_id: str, supplier_siret: str | None = None
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
        with self._read() as connection:
            return {number: AttemptOutcome(outcome) for number, outcome in connection.execute(statement)}

    def count_by_state(self, supplier_siret: str | None = None) -> dict[InvoiceState, int]:
        """How many invoices are in each state."""
        statement = select(invoices.c.state, func.count()).group_by(invoices.c.state)
        if supplier_siret is not None:
            statement = statement.where(invoices.c.supplier_siret == supplier_siret)
        with self._read() as connection:
            return {InvoiceState(state): int(count) for state, count in connection.execute(statement)}


def _as_utc(moment: Any) -> datetime:
    # Aggregates (max) bypass the column type: SQLite hands back text, PostgreSQL an aware datetime.
    value = moment if isinstance(moment, datetime) else datetime.fromisoformat(str(moment))
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _invoice_values(
    supplier_siret: str,
    source_export: str,
    verdict: InvoiceRecordInput,
    content_hash: str,
    state: InvoiceState,
    now: datetime,
) -> dict[str, Any]:
    return {
        "supplier_siret": supplier_siret,
        "invoice_number": verdict.invoice_number,
        "buyer_siret": _clip(verdict.buyer_siret, 64),
        "buyer_name": verdict.buyer_name,
        "invoice_type": _clip(verdict.invoice_type, 64),
        "issue_date": verdict.issue_date,
        "currency": _clip(verdict.currency, 16),
        "total_ht": verdict.total_ht,
        "total_vat": verdict.total_vat,
        "total_ttc": verdict.total_ttc,
        "normalized": verdict.normalized,
        "findings": verdict.findings,
        "content_hash": content_hash,
        "state": state.value,
        "source_export": _clip(source_export, 255),
        "updated_at": now,
    }


def _clip(value: str | None, length: int) -> str | None:
    # Bad input must still reach the ledger; an over-long value is cut rather than rejected.
    return value if value is None or len(value) <= length else value[:length]


def _finding_keys(findings: list[dict[str, Any]] | None) -> list[tuple[str, str, str]]:
    return sorted(
        (str(item.get("code")), str(item.get("field")), str(item.get("severity"))) for item in findings or []
    )


def _duplicate_note(number: str) -> LedgerNote:
    message = text("ledger.duplicate_number")
    return LedgerNote(code="LEDGER_DUPLICATE_NUMBER", invoice_number=number, message=message)


def _require_submitting(row: Row[Any]) -> None:
    # pending -> submitting is legal for a claim, never as a side effect of recording a result.
    if InvoiceState(row.state) is not InvoiceState.SUBMITTING:
        raise ClaimLost(f"invoice {row.invoice_number} is {row.state}, not submitting")


def _finish_attempt(
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


def _require_claim(row: Row[Any], owner: ClaimOwner) -> None:
    if InvoiceState(row.state) is not InvoiceState.SUBMITTING or row.claimed_by != owner.task_key:
        raise ClaimLost(f"invoice {row.invoice_number} is no longer claimed by {owner.task_key}")


def _invoice_row(row: Row[Any]) -> InvoiceRow:
    return InvoiceRow.model_validate(dict(row._mapping))
