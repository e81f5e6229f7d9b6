"""What the channel tests (PDF, SAISIE_API, Factur-X flux) share: record rows, then submit them."""

from __future__ import annotations

from pathlib import Path

from chorusflow.ledger import ClaimOwner, Ledger
from chorusflow.platforms.chorus_pro import ChorusProClient
from chorusflow.platforms.registry import deposit_channels
from chorusflow.rules.profiles import buyer_channels, load_profiles
from chorusflow.submission.submitter import BatchResult, Submitter
from chorusflow.suppliers import load_supplier
from chorusflow_dev.testing.exports import write_export
from tests.fixtures.ledger import record_export_file

OWNER = ClaimOwner(dag_id="tests", run_id="run-1", task_id="submit")
RETRY_OWNER = ClaimOwner(dag_id="tests", run_id="run-2", task_id="submit")


def record_rows(ledger: Ledger, folder: Path, rows: list[dict[str, str]]) -> list[str]:
    """Write ``rows`` as an export, validate and record it (every row must be valid); the numbers."""
    return record_export_file(ledger, write_export(folder / "export.csv", rows), all_valid=True)


def submit_numbers(
    ledger: Ledger, client: ChorusProClient, numbers: list[str], owner: ClaimOwner
) -> BatchResult:
    """Submit ``numbers`` as one submit task does, with no lease left to anyone else."""
    return Submitter(
        ledger,
        deposit_channels(client, load_supplier(), buyer_channels(load_profiles())),
        load_supplier(),
        owner,
        lease_seconds=0,
    ).submit_batch(numbers)
