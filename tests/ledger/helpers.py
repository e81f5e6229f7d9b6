"""Builders shared by the ledger tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event

from chorusflow.ledger import ClaimOwner, InvoiceRecordInput, InvoiceState, Ledger

SUPPLIER = "12345678200051"
OTHER_SUPPLIER = "73282932000074"
DEPOSIT = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def verdict(
    number: str, *, valid: bool = True, amount: str = "120.00", **overrides: Any
) -> InvoiceRecordInput:
    """A validator verdict for invoice ``number`` (valid by default) with a small normalized document."""
    ttc = Decimal(amount)
    values: dict[str, Any] = {
        "invoice_number": number,
        "valid": valid,
        "normalized": {
            "number": number,
            "total_ttc": str(ttc),
            "lines": [{"label": "Prestation", "qty": "1"}],
        },
        "findings": []
        if valid
        else [
            {"code": "FR-SIRET-01", "field": "buyer_siret", "message": "SIRET invalide", "severity": "error"}
        ],
        "buyer_siret": "11000201100044",
        "buyer_name": "Ministère des Tests",
        "invoice_type": "FACTURE",
        "issue_date": date(2026, 11, 2),
        "currency": "EUR",
        "total_ht": (ttc / Decimal("1.2")).quantize(Decimal("0.01")),
        "total_vat": ttc - (ttc / Decimal("1.2")).quantize(Decimal("0.01")),
        "total_ttc": ttc,
    }
    values.update(overrides)
    return InvoiceRecordInput(**values)


def owner(
    run_id: str = "manual__2026-11-27", *, try_number: int = 1, task_id: str = "submit", map_index: int = -1
) -> ClaimOwner:
    """A claim owner standing for one try of one Airflow task instance."""
    return ClaimOwner(
        dag_id="chorus_submit_invoices",
        run_id=run_id,
        task_id=task_id,
        map_index=map_index,
        try_number=try_number,
        hostname="worker-1",
        pid=4242,
    )


def record(ledger: Ledger, *numbers: str, supplier: str = SUPPLIER) -> None:
    """Record valid invoices ``numbers`` as pending."""
    ledger.record_validated(supplier, "export.csv", [verdict(number) for number in numbers])


def invoice_id(ledger: Ledger, number: str) -> int:
    """Ledger id of invoice ``number`` (which must exist)."""
    detail = ledger.get_invoice(number)
    assert detail is not None, number
    return detail.id


def state_of(ledger: Ledger, number: str) -> InvoiceState:
    """State of invoice ``number`` (which must exist)."""
    detail = ledger.get_invoice(number)
    assert detail is not None
    return detail.state


def submitted(ledger: Ledger, number: str, cpp_id: int) -> int:
    """Record ``number`` and take it through a successful deposit; return its ledger id."""
    record(ledger, number)
    claim = ledger.claim_for_submission(SUPPLIER, [number], owner())[0]
    ledger.mark_submitted(claim.invoice_id, cpp_id, status_at=DEPOSIT)
    return claim.invoice_id


@contextmanager
def counted_statements(ledger: Ledger) -> Iterator[list[str]]:
    """The SQL statements sent to the database inside the block (an executemany counts once)."""
    sent: list[str] = []

    def record(*args: Any) -> None:
        sent.append(args[2])  # (connection, cursor, statement, parameters, context, executemany)

    event.listen(ledger.engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(ledger.engine, "before_cursor_execute", record)
