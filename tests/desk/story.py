"""A ledger holding the sample export after a submission run and a sync, for the desk's tests.

The sample export is validated and recorded as the DAG does; then, through the ledger's own calls:

- F2026-0101: a first try whose outcome was unknown, a second that deposited it (run
  ``manual__desk``, mapped ``submit`` index 0), then ``SUSPENDUE`` with the buyer's comment, and the
  blocked alert sent by e-mail and to the log;
- F2026-0102: deposited, then ``REJETEE``; F2026-0103: deposited, then ``MISE_EN_PAIEMENT`` (paid);
- F2026-0104: deposited, still ``DEPOSEE`` (becomes stale and overdue when the clock moves on);
- F2026-0105: refused for good (``failed``); F2026-0106: ``needs_review``;
- F2026-0128 and F2026-0129: rejected by validation; the others wait for their deposit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from chorusflow.alerts.events import AlertKind
from chorusflow.ledger import AttemptOutcome, ClaimOwner, InvoiceState, Ledger, utc_now
from chorusflow.rules import validate_export
from chorusflow.submission.intake import records_from_report
from tests.conftest import REPO_ROOT

SAMPLE = REPO_ROOT / "examples" / "sample-export.csv"
SUPPLIER = "12345678200051"
RUN_ID = "manual__desk"
SUSPENSION_COMMENT = "Bon de commande n° 4500012340 manquant"
REJECTION_COMMENT = "Destinataire inconnu <script>alert(1)</script>"


@dataclass(frozen=True)
class Story:
    """Ids of the invoices the story moved."""

    ids: dict[str, int]


def _owner(map_index: int, try_number: int) -> ClaimOwner:
    return ClaimOwner(
        dag_id="chorus_submit_invoices",
        run_id=RUN_ID,
        task_id="submit",
        map_index=map_index,
        try_number=try_number,
        hostname="worker-1",
        pid=4242,
    )


def _deposit(ledger: Ledger, number: str, map_index: int, cpp_id: int, *, unknown_first: bool = False) -> int:
    owner = _owner(map_index, 1)
    (claim,) = ledger.claim_for_submission(SUPPLIER, [number], owner)
    if unknown_first:
        first = ledger.start_attempt(claim, owner)
        ledger.finish_attempt(first, AttemptOutcome.OUTCOME_UNKNOWN, "ChorusProTimeout", "read timed out")
        owner = _owner(map_index, 2)
        (claim,) = ledger.claim_for_submission(SUPPLIER, [number], owner)
    attempt = ledger.start_attempt(claim, owner)
    ledger.mark_submitted(claim.invoice_id, cpp_id, owner=owner, deposit_channel="pdf")
    ledger.finish_attempt(attempt, AttemptOutcome.SUCCEEDED)
    return claim.invoice_id


def build_story(ledger: Ledger, export: Path = SAMPLE) -> Story:
    """Record the sample export and play the story above."""
    report = validate_export(export)
    ledger.record_validated(SUPPLIER, export.name, records_from_report(report, export.name))
    ids: dict[str, int] = {}
    later = utc_now() + timedelta(minutes=5)
    ids["F2026-0101"] = _deposit(ledger, "F2026-0101", 0, 9001, unknown_first=True)
    ledger.record_status(ids["F2026-0101"], "SUSPENDUE", later, SUSPENSION_COMMENT, InvoiceState.BLOCKED)
    ledger.record_alert(
        f"blocked:{ids['F2026-0101']}:SUSPENDUE:{later.isoformat()}",
        AlertKind.BLOCKED.value,
        ids["F2026-0101"],
        "email,log",
        {"kind": "blocked"},
    )
    ledger.record_alert(
        f"blocked:{ids['F2026-0101']}:SUSPENDUE:{later.isoformat()}#email",
        AlertKind.BLOCKED.value,
        ids["F2026-0101"],
        "email",
        {},
    )
    ids["F2026-0102"] = _deposit(ledger, "F2026-0102", 1, 9002)
    ledger.record_status(ids["F2026-0102"], "REJETEE", later, REJECTION_COMMENT, InvoiceState.BLOCKED)
    ids["F2026-0103"] = _deposit(ledger, "F2026-0103", 2, 9003)
    ledger.record_status(ids["F2026-0103"], "MISE_EN_PAIEMENT", later, None, InvoiceState.PAID)
    ids["F2026-0104"] = _deposit(ledger, "F2026-0104", 3, 9004)
    for number, map_index in (("F2026-0105", 4), ("F2026-0106", 5)):
        owner = _owner(map_index, 1)
        (claim,) = ledger.claim_for_submission(SUPPLIER, [number], owner)
        attempt = ledger.start_attempt(claim, owner)
        ids[number] = claim.invoice_id
        if number == "F2026-0105":
            ledger.finish_attempt(
                attempt, AttemptOutcome.FAILED_PERMANENT, "ChorusProRefused", "SIRET inconnu"
            )
            ledger.mark_failed(claim.invoice_id, "Chorus Pro: SIRET du destinataire inconnu", owner=owner)
        else:
            ledger.finish_attempt(attempt, AttemptOutcome.NEEDS_REVIEW, "AmbiguousMatch", "two candidates")
            ledger.mark_needs_review(claim.invoice_id, "Deux factures candidates sur Chorus Pro", owner=owner)
    return Story(ids)
