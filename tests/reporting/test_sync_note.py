"""A status sync run's note (``chorusflow.reporting.sync_note``), without Airflow: the buyer's comment
found in the ledger for each change, by supplier; the flux line only when a flux was polled."""

from __future__ import annotations

from datetime import UTC, datetime

from chorusflow.ledger import InvoiceState, Ledger
from chorusflow.reporting.run_report import StatusChange
from chorusflow.reporting.sync_note import status_changes, sync_note, sync_summary
from chorusflow.suppliers import SupplierIdentity, Suppliers
from tests.ledger.helpers import OTHER_SUPPLIER, SUPPLIER, owner, record

AT = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def supplier(supplier_id: str, siret: str) -> SupplierIdentity:
    return SupplierIdentity(id=supplier_id, siret=siret, name=supplier_id.title())


def blocked(ledger: Ledger, number: str, siret: str, status: str, comment: str) -> None:
    record(ledger, number, supplier=siret)
    [taken] = ledger.claim_for_submission(siret, [number], owner())
    ledger.mark_submitted(taken.invoice_id, 501, owner=owner())
    ledger.record_status(taken.invoice_id, status, AT, comment, InvoiceState.BLOCKED)


def test_each_change_gets_the_comment_of_its_own_supplier_and_status(ledger: Ledger) -> None:
    both = Suppliers((supplier("acme", SUPPLIER), supplier("beta", OTHER_SUPPLIER)), "acme")
    blocked(ledger, "F-1", SUPPLIER, "SUSPENDUE", "Bon de commande manquant")
    blocked(ledger, "F-1", OTHER_SUPPLIER, "REJETEE", "Doublon")
    changed = {"acme: F-1": "SUSPENDUE", "beta: F-1": "A_RECYCLER", "acme: NOWHERE": "REJETEE"}
    assert status_changes(ledger, both, changed) == [
        StatusChange(invoice_number="acme: F-1", status="SUSPENDUE", comment="Bon de commande manquant"),
        # The ledger's comment is for another status: none is shown rather than a wrong one.
        StatusChange(invoice_number="beta: F-1", status="A_RECYCLER", comment=None),
        StatusChange(invoice_number="acme: NOWHERE", status="REJETEE", comment=None),
    ]
    alone = Suppliers((supplier("default", SUPPLIER),), "default")
    assert status_changes(ledger, alone, {"F-1": "SUSPENDUE"})[0].comment == "Bon de commande manquant"
    assert status_changes(ledger, alone, {}) == []


def test_the_note_speaks_of_the_flux_only_when_one_was_polled() -> None:
    sync = {
        "summary": "1 change.",
        "changed": {"F-1": "MISE_A_DISPOSITION"},
        "flux": {"polled": 0, "summary": "x"},
    }
    alerts = {"summary": "0 alert.", "new_count": 0}
    changes = [StatusChange(invoice_number="F-1", status="MISE_A_DISPOSITION")]
    note = sync_note(sync, alerts, changes)
    assert note.startswith("1 change. 0 alert.\n- F-1") and "x" not in note.split("\n")[0]
    polled = {**sync, "flux": {"polled": 2, "summary": "2 flux polled."}}
    assert sync_note(polled, alerts, []) == "2 flux polled. 1 change. 0 alert."
    assert sync_note({}, {}, []) == ""


def test_the_summary_counts_the_changes_and_the_alerts() -> None:
    sync = {"changed": {"F-1": "REJETEE", "F-2": "MANDATEE"}, "complete": False, "total_api_calls": 7}
    assert sync_summary(sync, {"new_count": 3}, "note") == {
        "note": "note",
        "complete": False,
        "changed": 2,
        "api_calls": 7,
        "alerts": 3,
    }
    assert sync_summary({}, {}, "") == {
        "note": "",
        "complete": None,
        "changed": 0,
        "api_calls": None,
        "alerts": 0,
    }
