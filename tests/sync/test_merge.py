"""Several suppliers' sync results merged into the run's (``chorusflow.sync.merge``), without Airflow."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from chorusflow.suppliers import SupplierIdentity, Suppliers
from chorusflow.sync.merge import (
    failed_suppliers,
    merged_alerts,
    merged_flux,
    merged_sync,
    per_supplier_name,
)


def supplier(supplier_id: str, siret: str) -> SupplierIdentity:
    return SupplierIdentity(id=supplier_id, siret=siret, name=supplier_id.title())


ACME, BETA = supplier("acme", "12345678200051"), supplier("beta", "73282932000074")


def test_a_one_supplier_result_is_handed_on_as_it_always_was() -> None:
    alone = {"summary": "2 changes", "changed": {"F-1": "MISE_A_DISPOSITION"}, "complete": True}
    assert merged_sync({"default": alone}, {}, several=False) is alone
    assert merged_flux({"default": {"polled": 0}}, {}, several=False) == {"polled": 0}
    assert merged_alerts({"default": {"new_count": 1}}, several=False) == {"new_count": 1}


def test_several_suppliers_changes_are_named_by_supplier_and_their_counts_summed() -> None:
    results = {
        "acme": {
            "summary": "1 change",
            "changed": {"F-1": "REJETEE"},
            "complete": True,
            "total_api_calls": 3,
        },
        "beta": {
            "summary": "1 change",
            "changed": {"F-1": "SUSPENDUE"},
            "complete": True,
            "total_api_calls": 2,
        },
    }
    merged = merged_sync(results, {}, several=True)
    assert merged["changed"] == {"acme: F-1": "REJETEE", "beta: F-1": "SUSPENDUE"}
    assert (merged["complete"], merged["total_api_calls"]) == (True, 5)
    assert merged["summary"] == "[acme] 1 change [beta] 1 change"
    assert merged["suppliers"] == results and merged["failed_suppliers"] == {}


def test_a_failed_supplier_makes_the_sync_incomplete_and_is_named_last() -> None:
    results = {"acme": {"summary": "nothing new", "changed": {}, "complete": True}}
    merged = merged_sync(results, {"beta": "AuthenticationError: refused"}, several=False)
    assert merged["changed"] == {} and merged["complete"] is False
    assert merged["summary"] == "[acme] nothing new [beta] AuthenticationError: refused"
    flux = merged_flux(
        {"acme": {"polled": 2, "closed": 1, "summary": "2 polled"}, "gamma": {"polled": 0, "summary": "-"}},
        {"beta": "ReadTimeout"},
        several=True,
    )
    # Only the suppliers that polled a flux speak in the summary.
    assert (flux["polled"], flux["closed"], flux["summary"]) == (2, 1, "[acme] 2 polled [beta] ReadTimeout")


def test_the_run_fails_naming_every_supplier_whose_sync_or_flux_failed() -> None:
    assert failed_suppliers({"failed_suppliers": {}, "flux": {"polled": 0}}) is None
    message = failed_suppliers(
        {"failed_suppliers": {"beta": "x"}, "flux": {"failed_suppliers": {"acme": "y"}}}
    )
    assert message is not None and message.startswith(
        "The status sync or the Factur-X flux follow-up failed for supplier(s) acme, beta (the others"
    )


def test_the_default_supplier_keeps_the_historical_names() -> None:
    both = Suppliers((ACME, BETA), "acme")
    assert per_supplier_name("statuses", ACME, both) == "statuses"
    assert per_supplier_name("statuses", BETA, both) == "statuses:beta"
    assert per_supplier_name("statuses", ACME, Suppliers((ACME, BETA), None)) == "statuses:acme"


CHANGES = st.dictionaries(
    st.from_regex(r"F-[0-9]{1,3}", fullmatch=True), st.sampled_from(["REJETEE", "MANDATEE"])
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["acme", "beta", "gamma"]), CHANGES, min_size=1), st.booleans())
def test_no_change_is_lost_when_several_suppliers_merge(
    changes: dict[str, dict[str, str]], complete: bool
) -> None:
    results: dict[str, dict[str, Any]] = {
        key: {"summary": "", "changed": changed, "complete": complete} for key, changed in changes.items()
    }
    merged = merged_sync(results, {}, several=True)
    assert len(merged["changed"]) == sum(len(changed) for changed in changes.values())
    assert merged["complete"] is complete
