"""Invoice rows: recording the validator's verdicts, the one place a row changes state, and reading.

Every state change goes through :func:`change_state`, checked by
:func:`chorusflow.ledger.states.check_transition` and versioned, so two writers never both win.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, func, select, type_coerce, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from chorusflow.ledger.database import CHUNK, LedgerDatabase, locked
from chorusflow.ledger.records import (
    CHANGED_AFTER_SUBMISSION,
    AttemptRow,
    InvoiceDetail,
    InvoiceRecordInput,
    InvoiceRow,
    LedgerNote,
    RecordSummary,
    ResolutionRow,
    StatusHistoryRow,
)
from chorusflow.ledger.states import ON_CHORUS_PRO_OR_MAYBE, InvoiceState, LedgerError, check_transition
from chorusflow.ledger.tables import (
    UtcDateTime,
    invoices,
    resolutions,
    status_history,
    submission_attempts,
)
from chorusflow.ledger.values import utc_now
from chorusflow.messages import text

#: Every column but the normalized document (only the detail and a claim need it).
ROW_COLUMNS = [column for column in invoices.c if column.name != "normalized"]


class InvoiceNotFound(LedgerError):
    """No invoice with this id (or number) in the ledger."""


class AmbiguousInvoiceNumber(LedgerError):
    """The same invoice number exists for several suppliers; give the supplier SIRET."""


class LedgerConflict(LedgerError):
    """The write would contradict what the ledger already holds (e.g. a second Chorus Pro id)."""


# -- the row, inside a write transaction ------------------------------------------------------------


def invoice_for_update(connection: Connection, invoice_id: int) -> Row[Any]:
    """The invoice's row, locked until the transaction ends."""
    row = connection.execute(locked(select(*ROW_COLUMNS).where(invoices.c.id == invoice_id))).first()
    if row is None:
        raise InvoiceNotFound(f"no invoice with id {invoice_id} in the ledger")
    return row


def change_state(connection: Connection, row: Row[Any], target: InvoiceState, **values: Any) -> None:
    """The one place an invoice row changes state: checked, versioned, timestamped."""
    check_transition(row.state, target, row.invoice_number)
    result = connection.execute(
        update(invoices)
        .where(invoices.c.id == row.id, invoices.c.version == row.version)
        .values(state=target.value, version=row.version + 1, updated_at=utc_now(), **values)
    )
    if result.rowcount != 1:
        raise LedgerConflict(f"invoice {row.invoice_number} changed concurrently; try again")


def invoice_row(row: Row[Any]) -> InvoiceRow:
    """A row read with :data:`ROW_COLUMNS`, as a plain value."""
    return InvoiceRow.model_validate(dict(row._mapping))


# -- recording validated invoices -------------------------------------------------------------------


def record_validated(
    db: LedgerDatabase, supplier_siret: str, source_export: str, verdicts: Iterable[InvoiceRecordInput]
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
            summary = _record_batch(db, supplier_siret, source_export, batch)
        except IntegrityError:
            # Another process inserted one of these numbers meanwhile; the next pass sees it.
            if attempt == 2:
                raise
            continue
        summary.notes[:0] = duplicates
        return summary
    raise AssertionError("unreachable")


def _record_batch(
    db: LedgerDatabase, supplier_siret: str, source_export: str, batch: dict[str, InvoiceRecordInput]
) -> RecordSummary:
    summary = RecordSummary()
    if not batch:
        return summary
    now = utc_now()
    message = text("ledger.changed_after_deposit")
    with db.write() as connection:
        existing = _existing_for_record(connection, supplier_siret, list(batch))
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
                or (state is target and _finding_keys(current.findings) == _finding_keys(verdict.findings))
            ):
                summary.unchanged.append(number)
                continue
            check_transition(state, target, number)
            values = _invoice_values(supplier_siret, source_export, verdict, content_hash, target, now)
            updates.append(values | {"b_id": current.id, "version": current.version + 1, "last_error": None})
            summary.updated.append(number)
        if inserts:
            connection.execute(invoices.insert(), inserts)
        if updates:
            # Executemany: each dict's column keys become the SET clause of its row.
            connection.execute(update(invoices).where(invoices.c.id == bindparam("b_id")), updates)
    return summary


def _existing_for_record(
    connection: Connection, supplier_siret: str, numbers: list[str]
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
    for start in range(0, len(numbers), CHUNK):
        chunk = numbers[start : start + CHUNK]
        statement = select(*columns).where(
            invoices.c.supplier_siret == supplier_siret, invoices.c.invoice_number.in_(chunk)
        )
        # Locking makes a concurrent claim wait, so we never overwrite an invoice it just took.
        for row in connection.execute(locked(statement)):
            found[row.invoice_number] = row
    return found


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


# -- reading ---------------------------------------------------------------------------------------


def list_invoices(
    db: LedgerDatabase,
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
    statement = select(*ROW_COLUMNS).order_by(invoices.c.id)
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
    with db.reading() as connection:
        result = connection.execute(statement)
        # The column names once, not a mapping per row: the alerts read many rows here.
        names = list(result.keys())
        return [InvoiceRow.model_validate(dict(zip(names, row, strict=True))) for row in result]


def get_invoice(
    db: LedgerDatabase, invoice_number: str, supplier_siret: str | None = None
) -> InvoiceDetail | None:
    """One invoice with its attempts and status history; None if unknown.

    Raises :class:`AmbiguousInvoiceNumber` when several suppliers share the number and no SIRET is given.
    """
    statement = select(invoices.c.id).where(invoices.c.invoice_number == invoice_number)
    if supplier_siret is not None:
        statement = statement.where(invoices.c.supplier_siret == supplier_siret)
    with db.reading() as connection:
        ids = connection.execute(statement.limit(2)).scalars().all()
        if len(ids) > 1:
            raise AmbiguousInvoiceNumber(f"invoice number {invoice_number} exists for several suppliers")
        return _detail(connection, ids[0]) if ids else None


def get_invoice_by_id(db: LedgerDatabase, invoice_id: int) -> InvoiceDetail | None:
    """One invoice by ledger id, with its attempts and status history; None if unknown."""
    with db.reading() as connection:
        return _detail(connection, invoice_id)


def _detail(connection: Connection, invoice_id: int) -> InvoiceDetail | None:
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


def count_by_state(db: LedgerDatabase, supplier_siret: str | None = None) -> dict[InvoiceState, int]:
    """How many invoices are in each state."""
    statement = select(invoices.c.state, func.count()).group_by(invoices.c.state)
    if supplier_siret is not None:
        statement = statement.where(invoices.c.supplier_siret == supplier_siret)
    with db.reading() as connection:
        return {InvoiceState(state): int(count) for state, count in connection.execute(statement)}
