"""Factur-X flux: one row per ``deposer/flux`` call, and its invoices waiting ``in_flux`` meanwhile.

A flux is followed with ``consulterCRDetaille`` until Chorus Pro closes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from chorusflow.ledger.claims import submitting_for_update
from chorusflow.ledger.database import LedgerDatabase
from chorusflow.ledger.invoices import ROW_COLUMNS, change_state, invoice_for_update, invoice_row
from chorusflow.ledger.records import ClaimOwner, FluxRow, InvoiceRow
from chorusflow.ledger.states import InvoiceState
from chorusflow.ledger.tables import flux_deposits, invoices
from chorusflow.ledger.values import safe_error_text, utc_now


def mark_in_flux(
    db: LedgerDatabase,
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
    with db.write() as connection:
        for invoice_id in invoice_ids:
            row = submitting_for_update(connection, invoice_id, owner)
            change_state(
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
            db.insert(flux_deposits)
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


def open_flux(db: LedgerDatabase, supplier_siret: str, due_at: datetime | None = None) -> list[FluxRow]:
    """Flux not closed yet, oldest first; only those due for a poll at ``due_at`` when given."""
    statement = select(flux_deposits).where(
        flux_deposits.c.supplier_siret == supplier_siret, flux_deposits.c.closed_at.is_(None)
    )
    if due_at is not None:
        statement = statement.where(flux_deposits.c.next_poll_at <= due_at)
    with db.reading() as connection:
        rows = connection.execute(statement.order_by(flux_deposits.c.id)).all()
    return [FluxRow.model_validate(dict(row._mapping)) for row in rows]


def get_flux(db: LedgerDatabase, supplier_siret: str, numero_flux_depot: str) -> FluxRow | None:
    """One flux by its number, if the ledger has it."""
    statement = select(flux_deposits).where(
        flux_deposits.c.supplier_siret == supplier_siret,
        flux_deposits.c.numero_flux_depot == numero_flux_depot,
    )
    with db.reading() as connection:
        row = connection.execute(statement).first()
    return None if row is None else FluxRow.model_validate(dict(row._mapping))


def record_flux_poll(
    db: LedgerDatabase,
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
    with db.write() as connection:
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


def invoices_in_flux(db: LedgerDatabase, supplier_siret: str, numero_flux_depot: str) -> list[InvoiceRow]:
    """Every invoice the ledger deposited in this flux, whatever its state now."""
    statement = select(*ROW_COLUMNS).where(
        invoices.c.supplier_siret == supplier_siret, invoices.c.numero_flux_depot == numero_flux_depot
    )
    with db.reading() as connection:
        return [invoice_row(row) for row in connection.execute(statement.order_by(invoices.c.id))]


def end_flux_wait(db: LedgerDatabase, invoice_id: int, target: InvoiceState, reason: str) -> bool:
    """``in_flux`` → ``failed`` (refused in the flux) or ``needs_review``; False if not in a flux."""
    if target not in (InvoiceState.FAILED, InvoiceState.NEEDS_REVIEW):
        raise ValueError(f"a flux wait ends in failed or needs_review, not {target.value}")
    with db.write() as connection:
        row = invoice_for_update(connection, invoice_id)
        if InvoiceState(row.state) is not InvoiceState.IN_FLUX:
            return False
        change_state(connection, row, target, last_error=safe_error_text(reason))
    return True
