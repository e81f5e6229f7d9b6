"""Processed exports: each export content recorded once."""

from __future__ import annotations

from chorusflow.ledger import Ledger


def test_processed_exports(ledger: Ledger) -> None:
    digest = "a" * 64
    assert not ledger.export_already_processed(digest)
    assert ledger.record_processed_export(
        digest, "factures.csv", "/archive/factures.csv", "run-1", {"pending": 3}
    )
    assert ledger.export_already_processed(digest)
    assert not ledger.record_processed_export(digest, "copie.csv", None, "run-2", {})
    assert not ledger.export_already_processed("b" * 64)
