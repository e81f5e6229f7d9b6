"""The invoice ledger: every invoice chorusflow has seen, its state, attempts and Chorus Pro statuses.

Import from here; the submodules are implementation detail.
"""

from chorusflow.ledger.records import (
    CHANGED_AFTER_SUBMISSION,
    AttemptRow,
    Claim,
    ClaimOwner,
    FluxRow,
    InvoiceDetail,
    InvoiceRecordInput,
    InvoiceRow,
    LedgerNote,
    RecordSummary,
    ResolutionClaim,
    ResolutionRow,
    StatusHistoryRow,
    canonical_sha256,
)
from chorusflow.ledger.resolutions import RecordedDecision, ResolutionLost, StatusUpdate
from chorusflow.ledger.states import (
    TRANSITIONS,
    AttemptOutcome,
    IllegalTransition,
    InvoiceState,
    LedgerError,
    ResolutionOutcome,
    check_transition,
)
from chorusflow.ledger.store import (
    AmbiguousInvoiceNumber,
    ClaimLost,
    InvoiceNotFound,
    Ledger,
    LedgerConflict,
    safe_error_text,
    utc_now,
)
from chorusflow.ledger.url import (
    LEDGER_CONN_ENV,
    LEDGER_CONN_ID,
    LedgerConfigError,
    display_url,
    ledger_url_from_connection,
    resolve_ledger_url,
)

__all__ = [
    "CHANGED_AFTER_SUBMISSION",
    "LEDGER_CONN_ENV",
    "LEDGER_CONN_ID",
    "TRANSITIONS",
    "AmbiguousInvoiceNumber",
    "AttemptOutcome",
    "AttemptRow",
    "Claim",
    "ClaimLost",
    "ClaimOwner",
    "FluxRow",
    "IllegalTransition",
    "InvoiceDetail",
    "InvoiceNotFound",
    "InvoiceRecordInput",
    "InvoiceRow",
    "InvoiceState",
    "Ledger",
    "LedgerConfigError",
    "LedgerConflict",
    "LedgerError",
    "LedgerNote",
    "RecordSummary",
    "RecordedDecision",
    "ResolutionClaim",
    "ResolutionLost",
    "ResolutionOutcome",
    "ResolutionRow",
    "StatusHistoryRow",
    "StatusUpdate",
    "canonical_sha256",
    "check_transition",
    "display_url",
    "ledger_url_from_connection",
    "resolve_ledger_url",
    "safe_error_text",
    "utc_now",
]
