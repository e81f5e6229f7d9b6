"""Deposit validated invoices on Chorus Pro at most once.

The ledger is the guard. For each invoice the submitter:

1. claims it (``pending`` → ``submitting``; two workers can never hold the same invoice);
2. records the attempt as in flight, committed *before* the call;
3. when an earlier attempt's outcome is unknown (timeout, dropped connection, killed worker,
   cleared task), asks Chorus Pro for the invoice number first and adopts the invoice if it is there;
4. calls ``soumettre`` (uploading the PDF first in ``DEPOT_PDF_API`` mode);
5. records the Chorus Pro id, or the refusal, or "outcome unknown" for the next attempt to reconcile.

A duplicate-number answer is reconciled the same way, never retried blindly. Nothing here imports
Airflow: the DAG maps batches of invoice numbers to :meth:`Submitter.submit_batch` and turns
:class:`BatchResult` into task success, retry or failure.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

from pydantic import ValidationError

from chorusflow.chorus import (
    AuthenticationError,
    ChorusProClient,
    ChorusProError,
    DuplicateInvoiceError,
    ForbiddenError,
    FunctionalError,
)
from chorusflow.chorus.errors import ConfigurationError
from chorusflow.chorus.models import (
    InvoiceLine as ChorusLine,
)
from chorusflow.chorus.models import (
    InvoiceRecipient,
    InvoiceReferences,
    InvoiceSupplier,
    InvoiceTotals,
    InvoicingFramework,
    MainAttachment,
    SubmitInvoiceRequest,
    SupplierInvoiceRow,
    VatLine,
)
from chorusflow.crashpoints import crashpoint
from chorusflow.ledger import AttemptOutcome, Claim, ClaimOwner, Ledger
from chorusflow.model import Invoice

log = logging.getLogger(__name__)

BILLING_FRAMEWORK_CODES = {
    "A1": "A1_FACTURE_FOURNISSEUR",
    "A2": "A2_FACTURE_FOURNISSEUR_DEJA_PAYEE",
    "A9": "A9_FACTURE_SOUSTRAITANT",
    "A12": "A12_FACTURE_COTRAITANT",
}


class SubmissionError(Exception):
    """Base of the errors a submission batch ends with; ``retryable`` drives the Airflow retry policy."""

    retryable = False


class RetryableSubmissionError(SubmissionError):
    """Some invoices could not be deposited for a passing reason (rate limit, server error, timeout)."""

    retryable = True


class PermanentSubmissionError(SubmissionError):
    """Some invoices were refused for good (functional error) and need a human; retrying cannot help."""


class SupplierNotOnChorusPro(SubmissionError):
    """The technical account may not invoice for the configured supplier SIRET."""


class Result(StrEnum):
    """What happened to one invoice in one batch."""

    SUBMITTED = "submitted"
    ADOPTED = "adopted"  # found already deposited on Chorus Pro after an unknown outcome
    SKIPPED = "skipped"  # not claimable: already done, or held by another live attempt
    FAILED = "failed"  # refused for good; the ledger says why
    RETRY = "retry"  # passing error; the next try picks it up


@dataclass(frozen=True)
class InvoiceOutcome:
    """One invoice's result, with the Chorus Pro id or the error (never a secret)."""

    invoice_number: str
    result: Result
    identifiant_facture_cpp: int | None = None
    error_class: str | None = None
    message: str | None = None


@dataclass
class BatchResult:
    """The outcomes of one batch, in a form that travels through XCom."""

    outcomes: list[InvoiceOutcome] = field(default_factory=list)

    def count(self, result: Result) -> int:
        """How many invoices ended with ``result``."""
        return sum(1 for outcome in self.outcomes if outcome.result is result)

    def numbers(self, result: Result) -> list[str]:
        """The invoice numbers that ended with ``result``."""
        return [outcome.invoice_number for outcome in self.outcomes if outcome.result is result]

    def to_xcom(self) -> dict[str, object]:
        """A small JSON-able summary: counts and per-invoice results."""
        return {
            "counts": {result.value: self.count(result) for result in Result},
            "outcomes": [
                {
                    "invoice_number": o.invoice_number,
                    "result": o.result.value,
                    "identifiant_facture_cpp": o.identifiant_facture_cpp,
                    "error_class": o.error_class,
                    "message": o.message,
                }
                for o in self.outcomes
            ],
        }

    def raise_for_outcome(self) -> None:
        """Raise what the task should end with: retry for passing errors, failure for refusals."""
        if self.count(Result.RETRY):
            raise RetryableSubmissionError(
                f"{self.count(Result.RETRY)} invoice(s) hit a passing error and will be retried: "
                + ", ".join(self.numbers(Result.RETRY)[:20])
            )
        if self.count(Result.FAILED):
            raise PermanentSubmissionError(
                f"{self.count(Result.FAILED)} invoice(s) were refused by Chorus Pro and need a human: "
                + ", ".join(self.numbers(Result.FAILED)[:20])
                + " (see the run report and `chorusflow ledger show NUMBER`)"
            )


def build_submit_request(
    invoice: Invoice, supplier_structure_id: int, attachment_id: int | None = None
) -> SubmitInvoiceRequest:
    """Turn a validated invoice into the ``soumettre`` body (``DEPOT_PDF_API`` when a PDF is attached)."""
    is_credit_note = invoice.invoice_type == "AVOIR"
    already_paid = invoice.billing_framework == "A2"
    return SubmitInvoiceRequest(
        mode_depot="DEPOT_PDF_API" if attachment_id is not None else "SAISIE_API",
        numero_facture_saisi=invoice.invoice_number,
        date_facture=invoice.issue_date,
        destinataire=InvoiceRecipient(
            code_destinataire=invoice.buyer_siret, code_service_executant=invoice.service_code or None
        ),
        fournisseur=InvoiceSupplier(id_fournisseur=supplier_structure_id),
        cadre_de_facturation=InvoicingFramework(
            code_cadre_facturation=BILLING_FRAMEWORK_CODES[invoice.billing_framework]
        ),
        references=InvoiceReferences(
            devise_facture=invoice.currency,
            type_facture=invoice.invoice_type,
            numero_marche=invoice.market_number or None,
            numero_bon_commande=invoice.engagement_number or None,
            numero_facture_origine=invoice.original_invoice_number or None,
            # Credit notes carry no payment mode (api-reference §10, pitfall 11).
            mode_paiement=None if is_credit_note else (invoice.payment_means or "VIREMENT"),
        ),
        ligne_poste=[
            ChorusLine(
                numero=line.number,
                denomination=line.description[:512],
                quantite=line.quantity,
                unite=line.unit or None,
                montant_unitaire_ht=line.unit_price,
                montant_remise_ht=line.discount or None,
                taux_tva_manuel=line.vat_rate,
            )
            for line in invoice.lines
        ],
        ligne_tva=[
            VatLine(taux_manuel=vat.rate, montant_base_ht=vat.base, montant_tva=vat.vat)
            for vat in invoice.vat_breakdown
        ],
        montant_total=InvoiceTotals(
            montant_ht_total=invoice.total_ht,
            montant_tva=invoice.total_vat,
            montant_ttc_total=invoice.total_ttc,
            montant_a_payer=Decimal("0.00") if already_paid else invoice.total_ttc,
        ),
        piece_jointe_principale=(
            [MainAttachment(id=attachment_id, designation=_attachment_name(invoice))]
            if attachment_id is not None
            else None
        ),
        commentaire=invoice.comment or None,
    )


def _attachment_name(invoice: Invoice) -> str:
    name = invoice.attachment.name if invoice.attachment else f"{invoice.invoice_number}.pdf"
    return name[-50:]  # Chorus Pro caps attachment names at 50 characters


def supplier_structure_id(client: ChorusProClient, supplier_siret: str) -> int:
    """The supplier's ``idStructureCPP``, among the structures the technical account may invoice for."""
    for structure in client.list_supplier_structures():
        if structure.identifiant == supplier_siret:
            return int(structure.id_structure_cpp)
    raise SupplierNotOnChorusPro(
        f"the Chorus Pro technical account may not invoice for SIRET {supplier_siret}: check the "
        "supplier configuration and the account's structures on the Chorus Pro portal"
    )


class Submitter:
    """Submits claimed invoices one by one and records every step in the ledger."""

    def __init__(
        self,
        ledger: Ledger,
        client: ChorusProClient,
        supplier_siret: str,
        owner: ClaimOwner,
        *,
        lease_seconds: float = 900,
    ) -> None:
        self.ledger = ledger
        self.client = client
        self.supplier_siret = supplier_siret
        self.owner = owner
        self.lease_seconds = lease_seconds
        self._supplier_structure_id: int | None = None

    @property
    def supplier_structure_id(self) -> int:
        """Resolved once per submitter: one call for a whole batch."""
        if self._supplier_structure_id is None:
            self._supplier_structure_id = supplier_structure_id(self.client, self.supplier_siret)
        return self._supplier_structure_id

    def submit_batch(self, invoice_numbers: Sequence[str], *, include_failed: bool = False) -> BatchResult:
        """Claim and submit ``invoice_numbers``; an authentication error stops the batch at once."""
        result = BatchResult()
        claims = self.ledger.claim_for_submission(
            self.supplier_siret,
            invoice_numbers,
            self.owner,
            self.lease_seconds,
            include_failed=include_failed,
        )
        claimed = {claim.invoice_number for claim in claims}
        for number in invoice_numbers:
            if number not in claimed:
                result.outcomes.append(
                    InvoiceOutcome(number, Result.SKIPPED, message="already done or held by another attempt")
                )
        log.info("Claimed %d of %d invoice(s)", len(claims), len(invoice_numbers))
        for position, claim in enumerate(claims, start=1):
            try:
                outcome = self._submit_claimed(claim)
            except (AuthenticationError, ForbiddenError, ConfigurationError, SupplierNotOnChorusPro) as error:
                # Chorus Pro refused us before doing anything: give the claims back, but keep the
                # ones whose earlier outcome is still unknown, so the next attempt asks first.
                for remaining in claims[position - 1 :]:
                    if remaining.previous_outcome_unknown:
                        self.ledger.mark_outcome_unknown(
                            remaining.invoice_id, _describe(error), owner=self.owner
                        )
                    else:
                        self.ledger.release_claim(remaining.invoice_id, owner=self.owner)
                raise
            result.outcomes.append(outcome)
            log.info(
                "[%d/%d] %s: %s%s",
                position,
                len(claims),
                outcome.invoice_number,
                outcome.result.value,
                f" ({outcome.error_class}: {outcome.message})" if outcome.error_class else "",
            )
        return result

    def _submit_claimed(self, claim: Claim) -> InvoiceOutcome:
        crashpoint("submission.after_claim")
        attempt_id = self.ledger.start_attempt(claim, self.owner)
        try:
            if claim.previous_outcome_unknown:
                crashpoint("submission.before_reconcile")
                existing = self.client.find_invoice_by_number(claim.invoice_number)
                if existing is not None:
                    return self._adopt(claim, attempt_id, existing)
            try:
                invoice = Invoice.model_validate(claim.normalized)
                attachment = self._read_attachment(invoice)
            except (ValidationError, OSError) as error:
                reason = f"the recorded invoice cannot be sent: {str(error)[:300]}"
                return self._fail(claim, attempt_id, type(error).__name__, reason)
            attachment_id = None
            if attachment is not None:
                attachment_id = self.client.upload_attachment(*attachment, "application/pdf")
            request = build_submit_request(invoice, self.supplier_structure_id, attachment_id)
            crashpoint("submission.before_call")
            answer = self.client.submit_invoice(request)
            crashpoint("submission.after_answer")
        except DuplicateInvoiceError as error:
            return self._reconcile_duplicate(claim, attempt_id, error)
        except FunctionalError as error:
            return self._fail(claim, attempt_id, type(error).__name__, _describe(error))
        except ChorusProError as error:
            return self._passing_error(claim, attempt_id, error)
        identifiant = int(answer.identifiant_facture_cpp)
        self.ledger.mark_submitted(
            claim.invoice_id, identifiant, status=answer.status or "DEPOSEE", owner=self.owner
        )
        crashpoint("submission.after_record")
        self.ledger.finish_attempt(attempt_id, AttemptOutcome.SUCCEEDED)
        return InvoiceOutcome(claim.invoice_number, Result.SUBMITTED, identifiant_facture_cpp=identifiant)

    @staticmethod
    def _read_attachment(invoice: Invoice) -> tuple[str, bytes] | None:
        if invoice.attachment is None:
            return None
        path = Path(invoice.attachment)
        return path.name[-50:], path.read_bytes()

    def _adopt(self, claim: Claim, attempt_id: int, row: SupplierInvoiceRow) -> InvoiceOutcome:
        identifiant = int(row.identifiant_facture_cpp)
        self.ledger.mark_submitted(
            claim.invoice_id, identifiant, status=row.status or "DEPOSEE", adopted=True, owner=self.owner
        )
        self.ledger.finish_attempt(attempt_id, AttemptOutcome.ADOPTED)
        return InvoiceOutcome(claim.invoice_number, Result.ADOPTED, identifiant_facture_cpp=identifiant)

    def _fail(self, claim: Claim, attempt_id: int, error_class: str, reason: str) -> InvoiceOutcome:
        """Refused for good: the invoice goes to ``failed`` with its reason, for a human to decide."""
        self.ledger.mark_failed(claim.invoice_id, reason, owner=self.owner)
        self.ledger.finish_attempt(attempt_id, AttemptOutcome.FAILED_PERMANENT, error_class, reason)
        return InvoiceOutcome(claim.invoice_number, Result.FAILED, error_class=error_class, message=reason)

    def _retry_later(
        self, claim: Claim, attempt_id: int, error_class: str, reason: str, *, keep_claim: bool
    ) -> InvoiceOutcome:
        """A passing error: keep the claim when Chorus Pro may hold the invoice, else give it back."""
        if keep_claim:
            self.ledger.mark_outcome_unknown(claim.invoice_id, reason, owner=self.owner)
            outcome = AttemptOutcome.OUTCOME_UNKNOWN
        else:
            self.ledger.release_claim(claim.invoice_id, owner=self.owner)
            outcome = AttemptOutcome.FAILED_RETRYABLE
        self.ledger.finish_attempt(attempt_id, outcome, error_class, reason)
        return InvoiceOutcome(claim.invoice_number, Result.RETRY, error_class=error_class, message=reason)

    def _reconcile_duplicate(
        self, claim: Claim, attempt_id: int, error: DuplicateInvoiceError
    ) -> InvoiceOutcome:
        try:
            existing = self.client.find_invoice_by_number(claim.invoice_number)
        except ChorusProError as lookup_error:
            return self._passing_error(claim, attempt_id, lookup_error, keep_unknown=True)
        if existing is not None:
            return self._adopt(claim, attempt_id, existing)
        reason = f"Chorus Pro says the number exists but cannot find it: {_describe(error)}"
        return self._fail(claim, attempt_id, type(error).__name__, reason)

    def _passing_error(
        self, claim: Claim, attempt_id: int, error: ChorusProError, *, keep_unknown: bool = False
    ) -> InvoiceOutcome:
        reason = _describe(error)
        error_class = type(error).__name__
        if isinstance(error, AuthenticationError | ForbiddenError | ConfigurationError):
            self.ledger.finish_attempt(attempt_id, AttemptOutcome.FAILED_PERMANENT, error_class, reason)
            raise error
        if error.outcome_unknown or error.retryable or keep_unknown:
            # Chorus Pro may hold it when the outcome is unknown, now or from an earlier attempt.
            may_hold = error.outcome_unknown or keep_unknown or claim.previous_outcome_unknown
            return self._retry_later(claim, attempt_id, error_class, reason, keep_claim=may_hold)
        return self._fail(claim, attempt_id, error_class, reason)


def _describe(error: Exception) -> str:
    """A short, secret-free description of an error (chorusflow's errors never carry secrets)."""
    return str(error)[:500]


def split_into_batches(invoice_numbers: Iterable[str], batch_size: int) -> list[list[str]]:
    """Cut the numbers into batches of at most ``batch_size``, keeping their order."""
    numbers = list(invoice_numbers)
    size = max(1, batch_size)
    return [numbers[start : start + size] for start in range(0, len(numbers), size)]
