"""Plain values going in and out of the ledger (pydantic, never bound to a database session)."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chorusflow.ledger.states import AttemptOutcome, InvoiceState, ResolutionOutcome

CHANGED_AFTER_SUBMISSION = "LEDGER_CHANGED_AFTER_SUBMISSION"


class InvoiceRecordInput(BaseModel):
    """One invoice as the validator judged it, ready to be recorded."""

    model_config = ConfigDict(frozen=True)

    invoice_number: str
    valid: bool
    normalized: dict[str, Any] | None = None
    findings: list[dict[str, Any]] = Field(default_factory=list)
    buyer_siret: str | None = None
    buyer_name: str | None = None
    invoice_type: str | None = None
    issue_date: date | None = None
    currency: str | None = None
    total_ht: Decimal | None = None
    total_vat: Decimal | None = None
    total_ttc: Decimal | None = None

    def content_hash(self) -> str:
        """sha256 of the canonical normalized invoice (or of the raw fields when it could not be built).

        Finding messages are left out so a language switch is not mistaken for a changed invoice.
        """
        if self.normalized is not None:
            document: Any = self.normalized
        else:
            document = {
                "buyer_siret": self.buyer_siret,
                "buyer_name": self.buyer_name,
                "invoice_type": self.invoice_type,
                "issue_date": self.issue_date,
                "currency": self.currency,
                "totals": [self.total_ht, self.total_vat, self.total_ttc],
                "finding_codes": sorted(str(finding.get("code")) for finding in self.findings),
            }
        return canonical_sha256(document)


def canonical_sha256(document: Any) -> str:
    """sha256 of ``document`` as canonical JSON (sorted keys, no spaces, dates and decimals as text)."""
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class LedgerNote(BaseModel):
    """A finding-like remark about one invoice, raised while recording (not a validation finding)."""

    code: str
    invoice_number: str
    message: str
    severity: str = "warning"


class RecordSummary(BaseModel):
    """What :meth:`Ledger.record_validated` did, bucket by bucket (numbers listed per bucket)."""

    new_pending: list[str] = Field(default_factory=list)
    new_invalid: list[str] = Field(default_factory=list)
    updated: list[str] = Field(default_factory=list)
    already_done: list[str] = Field(default_factory=list)
    unchanged: list[str] = Field(default_factory=list)
    notes: list[LedgerNote] = Field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Number of invoices per bucket."""
        return {
            "new_pending": len(self.new_pending),
            "new_invalid": len(self.new_invalid),
            "updated": len(self.updated),
            "already_done": len(self.already_done),
            "unchanged": len(self.unchanged),
        }


class ClaimOwner(BaseModel):
    """Who claims invoices: one Airflow task instance try (or a CLI process)."""

    model_config = ConfigDict(frozen=True)

    dag_id: str
    run_id: str
    task_id: str
    map_index: int = -1
    try_number: int = 1
    hostname: str = ""
    pid: int = 0

    @property
    def task_key(self) -> str:
        """Identity of the task across its tries: a retry or a clear of the same task has the same key."""
        return f"{self.dag_id}|{self.run_id}|{self.task_id}|{self.map_index}"


class Claim(BaseModel):
    """An invoice the caller now holds in ``submitting`` and may try to deposit."""

    model_config = ConfigDict(frozen=True)

    invoice_id: int
    invoice_number: str
    supplier_siret: str
    normalized: dict[str, Any] | None
    previous_outcome_unknown: bool
    claim_expires_at: datetime


class InvoiceRow(BaseModel):
    """One invoice of the ledger, as stored (without the normalized document)."""

    id: int
    supplier_siret: str
    invoice_number: str
    buyer_siret: str | None
    buyer_name: str | None
    invoice_type: str | None
    issue_date: date | None
    currency: str | None
    total_ht: Decimal | None
    total_vat: Decimal | None
    total_ttc: Decimal | None
    findings: list[dict[str, Any]]
    content_hash: str
    state: InvoiceState
    chorus_status: str | None
    chorus_status_at: datetime | None
    chorus_status_comment: str | None
    identifiant_facture_cpp: int | None
    numero_flux_depot: str | None
    chorus_invoice_number: str | None = None
    deposit_channel: str | None = None
    source_export: str | None
    claimed_by: str | None
    claim_expires_at: datetime | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    version: int


class AttemptRow(BaseModel):
    """One submission attempt."""

    id: int
    invoice_id: int
    started_at: datetime
    finished_at: datetime | None
    outcome: AttemptOutcome
    error_class: str | None
    error_message: str | None
    dag_id: str | None
    run_id: str | None
    task_id: str | None
    map_index: int | None
    try_number: int | None
    hostname: str | None
    pid: int | None


class StatusHistoryRow(BaseModel):
    """One Chorus Pro status an invoice went through."""

    status: str
    changed_at: datetime
    comment: str | None
    source: str
    recorded_at: datetime


class ResolutionRow(BaseModel):
    """One decision about a blocked invoice: who, when, what was sent, what Chorus Pro answered."""

    id: int
    invoice_id: int
    event_key: str
    action: str
    outcome: ResolutionOutcome
    decided_by: str
    decided_at: datetime
    source: str
    decision: dict[str, Any]
    sent: dict[str, Any] | None
    answer: dict[str, Any] | None
    rule_code: str | None
    error_message: str | None
    replacement_number: str | None
    started_at: datetime
    finished_at: datetime | None


class ResolutionClaim(BaseModel):
    """A decision the caller now holds ``in_flight`` and may apply (``already_done``: nothing to do)."""

    model_config = ConfigDict(frozen=True)

    resolution_id: int
    invoice_id: int
    already_done: bool = False
    previous_outcome_unknown: bool = False
    previous_sent: dict[str, Any] | None = None


class InvoiceDetail(InvoiceRow):
    """An invoice with its normalized document, attempts, status history and decisions (oldest first)."""

    normalized: dict[str, Any] | None
    attempts: list[AttemptRow]
    history: list[StatusHistoryRow]
    resolutions: list[ResolutionRow] = Field(default_factory=list)
    #: The rejected invoice this one replaces (a decision named this number as its replacement).
    replaces: str | None = None


class FluxRow(BaseModel):
    """One Factur-X flux deposit (``deposer/flux``) and how far its follow-up has gone."""

    id: int
    supplier_siret: str
    numero_flux_depot: str
    file_name: str
    syntaxe_flux: str
    invoice_count: int
    state: str | None  # etatCourantDepotFlux as Chorus Pro wrote it; None until the first poll
    state_at: datetime | None
    errors: dict[str, Any] | None
    deposited_at: datetime
    polls: int
    last_polled_at: datetime | None
    next_poll_at: datetime
    closed_at: datetime | None
