"""Chorus Pro statuses: each invoice's status history, and what the status sync reads and remembers.

The invoice's current status and state follow the newest status only; the history keeps them all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from chorusflow.ledger.database import LedgerDatabase, dialect_insert
from chorusflow.ledger.invoices import ROW_COLUMNS, change_state, invoice_for_update, invoice_row
from chorusflow.ledger.records import InvoiceRow
from chorusflow.ledger.states import POLLED_STATES, InvoiceState
from chorusflow.ledger.tables import invoices, status_history, sync_watermarks
from chorusflow.ledger.values import as_utc, utc_now

#: History sources written by chorusflow itself rather than read from Chorus Pro's history.
LOCAL_STATUS_SOURCES = ("submission", "reconciliation", "resolution")


def record_status(
    db: LedgerDatabase,
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
    with db.write() as connection:
        row = invoice_for_update(connection, invoice_id)
        if source in LOCAL_STATUS_SOURCES:
            newest: datetime | None = row.chorus_status_at
        else:
            newest = connection.execute(
                select(func.max(status_history.c.changed_at)).where(
                    status_history.c.invoice_id == row.id,
                    status_history.c.source.not_in(LOCAL_STATUS_SOURCES),
                )
            ).scalar_one_or_none()
            newest = None if newest is None else as_utc(newest)
        if not insert_history(connection, row.id, status, changed_at, comment, source):
            return False
        if newest is None or changed_at >= newest:
            change_state(
                connection,
                row,
                InvoiceState(new_state),
                chorus_status=status,
                chorus_status_at=changed_at,
                chorus_status_comment=comment,
            )
    return True


def insert_history(
    connection: Connection,
    invoice_id: int,
    status: str,
    changed_at: datetime,
    comment: str | None,
    source: str,
) -> bool:
    """Add one status to the invoice's history in the caller's transaction; False if it was there."""
    statement = (
        dialect_insert(connection.dialect.name, status_history)
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
    return bool(connection.execute(statement).rowcount == 1)


def suspension_histories(
    db: LedgerDatabase,
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
    with db.reading() as connection:
        for invoice_id, status, changed_at in connection.execute(statement):
            histories.setdefault(int(invoice_id), []).append((status, changed_at))
    return histories


def invoices_to_poll(db: LedgerDatabase, supplier_siret: str) -> list[InvoiceRow]:
    """Invoices on Chorus Pro whose status may still change (states submitted and blocked)."""
    statement = select(*ROW_COLUMNS).where(
        invoices.c.supplier_siret == supplier_siret,
        invoices.c.state.in_([state.value for state in POLLED_STATES]),
        invoices.c.identifiant_facture_cpp.is_not(None),
    )
    with db.reading() as connection:
        return [invoice_row(row) for row in connection.execute(statement.order_by(invoices.c.id))]


def find_by_cpp_id(db: LedgerDatabase, supplier_siret: str, identifiant: int) -> InvoiceRow | None:
    """The invoice with this ``identifiantFactureCPP``, if the ledger has it."""
    statement = select(*ROW_COLUMNS).where(
        invoices.c.supplier_siret == supplier_siret, invoices.c.identifiant_facture_cpp == identifiant
    )
    with db.reading() as connection:
        row = connection.execute(statement).first()
    return None if row is None else invoice_row(row)


def known_cpp_ids(db: LedgerDatabase, supplier_siret: str) -> set[int]:
    """Every ``identifiantFactureCPP`` the ledger gives to an invoice of this supplier."""
    statement = select(invoices.c.identifiant_facture_cpp).where(
        invoices.c.supplier_siret == supplier_siret, invoices.c.identifiant_facture_cpp.is_not(None)
    )
    with db.reading() as connection:
        return {int(value) for value in connection.execute(statement).scalars()}


def get_watermark(db: LedgerDatabase, name: str) -> datetime | None:
    """The status sync's watermark ``name``, if set."""
    with db.reading() as connection:
        value: datetime | None = connection.execute(
            select(sync_watermarks.c.value).where(sync_watermarks.c.name == name)
        ).scalar_one_or_none()
    return value


def set_watermark(db: LedgerDatabase, name: str, value: datetime) -> None:
    """Set (create or replace) the watermark ``name``."""
    now = utc_now()
    statement = db.insert(sync_watermarks).values(name=name, value=value, updated_at=now)
    statement = statement.on_conflict_do_update(
        index_elements=["name"], set_={"value": value, "updated_at": now}
    )
    with db.write() as connection:
        connection.execute(statement)
