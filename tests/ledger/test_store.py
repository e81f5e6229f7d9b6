"""The Ledger gathers every record module: each public operation is one of its methods, unchanged."""

from __future__ import annotations

import inspect
from types import ModuleType

import pytest

from chorusflow.ledger import (
    alerts,
    attempts,
    claims,
    exports,
    flux,
    invoices,
    quota,
    resolutions,
    statuses,
)
from chorusflow.ledger.database import LedgerDatabase
from chorusflow.ledger.store import Ledger

RECORD_MODULES = (alerts, attempts, claims, exports, flux, invoices, quota, resolutions, statuses)


def operations(module: ModuleType) -> list[str]:
    """The module's public functions that open their own transaction (they take the database first)."""
    found = []
    for name, function in inspect.getmembers(module, inspect.isfunction):
        if name.startswith("_") or function.__module__ != module.__name__:
            continue
        first = next(iter(inspect.signature(function).parameters.values()), None)
        if first is not None and first.annotation in ("LedgerDatabase", LedgerDatabase):
            found.append(name)
    return found


@pytest.mark.parametrize("module", RECORD_MODULES, ids=lambda module: module.__name__.rsplit(".", 1)[1])
def test_every_operation_is_a_ledger_method(module: ModuleType) -> None:
    names = operations(module)
    assert names, "a record module without operations"
    for name in names:
        assert getattr(Ledger, name) is getattr(module, name), f"Ledger.{name} is missing or another"


def test_a_method_calls_its_module_function_with_the_ledger(ledger: Ledger) -> None:
    assert ledger.count_by_state() == invoices.count_by_state(ledger) == {}
