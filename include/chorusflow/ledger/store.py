"""The ledger: the single source of truth for every invoice, and the guard of at-most-once deposits.

:class:`Ledger` is the database (:class:`~chorusflow.ledger.database.LedgerDatabase`) with the
operations of each record kind, written once in its own module as functions taking the database
first: bound here, each is a method (``ledger.record_validated(...)`` calls
``invoices.record_validated(ledger, ...)``). Every state change is checked by
:func:`chorusflow.ledger.states.check_transition`; ``docs/ledger.md`` explains how claims, leases
and attempts make a double deposit impossible.
"""

from __future__ import annotations

from chorusflow.ledger import (
    alerts,
    attempts,
    buyers,
    claims,
    exports,
    flux,
    invoices,
    quota,
    resolutions,
    statuses,
)
from chorusflow.ledger.claims import ClaimLost
from chorusflow.ledger.database import LedgerDatabase
from chorusflow.ledger.invoices import AmbiguousInvoiceNumber, InvoiceNotFound, LedgerConflict
from chorusflow.ledger.values import safe_error_text, utc_now

__all__ = [
    "AmbiguousInvoiceNumber",
    "ClaimLost",
    "InvoiceNotFound",
    "Ledger",
    "LedgerConflict",
    "safe_error_text",
    "utc_now",
]


class Ledger(LedgerDatabase):
    """The invoice ledger on one database (SQLite file or PostgreSQL)."""

    api_pacer = quota.api_pacer

    # invoices: recording the validator's verdicts, reading
    record_validated = invoices.record_validated
    list_invoices = invoices.list_invoices
    get_invoice = invoices.get_invoice
    get_invoice_by_id = invoices.get_invoice_by_id
    count_by_state = invoices.count_by_state

    # claims: held in submitting under a lease, and how a claim ends
    claim_for_submission = claims.claim_for_submission
    mark_failed = claims.mark_failed
    mark_needs_review = claims.mark_needs_review
    release_claim = claims.release_claim
    mark_outcome_unknown = claims.mark_outcome_unknown
    mark_invalid_at_deposit = claims.mark_invalid_at_deposit

    # attempts: one per deposit try
    start_attempt = attempts.start_attempt
    finish_attempt = attempts.finish_attempt
    mark_submitted = attempts.mark_submitted
    unknown_outcome_since = attempts.unknown_outcome_since
    attempt_outcomes_for_run = attempts.attempt_outcomes_for_run

    # flux: Factur-X deposits followed until closed
    mark_in_flux = flux.mark_in_flux
    open_flux = flux.open_flux
    get_flux = flux.get_flux
    record_flux_poll = flux.record_flux_poll
    invoices_in_flux = flux.invoices_in_flux
    end_flux_wait = flux.end_flux_wait

    # statuses: Chorus Pro's history and the status sync
    record_status = statuses.record_status
    suspension_histories = statuses.suspension_histories
    invoices_to_poll = statuses.invoices_to_poll
    find_by_cpp_id = statuses.find_by_cpp_id
    known_cpp_ids = statuses.known_cpp_ids
    get_watermark = statuses.get_watermark
    set_watermark = statuses.set_watermark

    # resolutions: decisions about blocked invoices
    claim_resolution = resolutions.claim_resolution
    record_resolution_sent = resolutions.record_resolution_sent
    finish_resolution = resolutions.finish_resolution
    resolutions_for = resolutions.resolutions_for
    succeeded_events = resolutions.succeeded_events
    replaced_by = resolutions.replaced_by

    # buyers' legal forms from the directory (the payment clock's category)
    record_legal_forms = buyers.record_legal_forms
    legal_forms = buyers.legal_forms

    # alerts sent and exports processed: each once
    alert_already_sent = alerts.alert_already_sent
    record_alert = alerts.record_alert
    export_already_processed = exports.export_already_processed
    record_processed_export = exports.record_processed_export
