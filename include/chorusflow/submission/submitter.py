"""Deposit validated invoices on Chorus Pro at most once.

The ledger is the guard. For each invoice the submitter:

1. claims it (``pending`` → ``submitting``; two workers can never hold the same invoice);
2. records the attempt as in flight, committed *before* the call;
3. when an earlier attempt's outcome is unknown (timeout, dropped connection, killed worker,
   cleared task), asks Chorus Pro first, the way the invoice's deposit channel allows
   (:mod:`chorusflow.platforms.chorus_pro.channels`): by number within the invoice's year for ``pdf``, by
   buyer, period,
   amount and engagement for ``saisie``. It adopts what it finds; when the answer is ambiguous, the
   invoice goes to ``needs_review`` and is never deposited again without a person;
4. deposits it through its channel (``DEPOT_PDF_API``: the PDF uploaded first, then ``soumettre``);
5. records the Chorus Pro id and number (ending the attempt in the same commit: two commits per
   deposited invoice), or the refusal, or "outcome unknown" for the next attempt to reconcile.

Invoices of the ``facturx`` channel go together (:meth:`Submitter._submit_flux`): each file is built
and checked (a failing one ends ``invalid``, never sent), the files are packed into flux under the
size and count limits, and each flux is one ``deposer/flux`` call whose number is recorded for all
its invoices at once (``in_flux``). After an unknown outcome the invoice is looked up by number; a
flux shows in that search only once integrated, so "not found" only counts after
``flux_unknown_grace_seconds``.

A refused deposit is settled the same way, by a search by number, never from the refusal's words
(:meth:`Submitter._settle_refusal`): what Chorus Pro holds is adopted, a doubtful match goes to a
person, and only an invoice it does not hold ends ``failed``. Nothing here imports
Airflow: the DAG maps batches of invoice numbers to :meth:`Submitter.submit_batch` and turns
:class:`BatchResult` into task success, retry or failure.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from pydantic import ValidationError

from chorusflow.crashpoints import crashpoint
from chorusflow.invoice import Invoice
from chorusflow.ledger import AttemptOutcome, Claim, ClaimOwner, Ledger, utc_now
from chorusflow.messages import language
from chorusflow.platforms.chorus_pro import ChorusProClient, ChorusProError, FunctionalError
from chorusflow.platforms.chorus_pro.channels import AnyChannel, buyer_channels, channel_chooser
from chorusflow.platforms.chorus_pro.channels.base import (
    DepositChannel,
    PdfKeeper,
    Reconciliation,
    SupplierAccount,
)
from chorusflow.platforms.chorus_pro.channels.facturx import FacturxChannel
from chorusflow.platforms.chorus_pro.flux import (
    FACTURX_SYNTAX,
    FluxFile,
    FluxStage,
    flux_file,
    next_poll_at,
    pack,
)
from chorusflow.platforms.chorus_pro.models import BankAccount, SubmitInvoiceResponse, SupplierInvoiceRow
from chorusflow.rules.codes import Finding, finding
from chorusflow.rules.profiles import load_profiles
from chorusflow.settings import settings
from chorusflow.storage import StoredPath, store_invoice_pdf
from chorusflow.submission.errors import (
    BankAccountUnknown,
    NoLongerInCharge,
    PermanentSubmissionError,
    RetryableSubmissionError,
    SubmissionError,
    SupplierNotOnChorusPro,
)
from chorusflow.suppliers import SupplierIdentity

__all__ = [
    "BankAccountUnknown",
    "BatchResult",
    "InvoiceOutcome",
    "PermanentSubmissionError",
    "Result",
    "RetryableSubmissionError",
    "SubmissionError",
    "Submitter",
    "SupplierNotOnChorusPro",
    "registered_account_id",
    "supplier_structure_id",
]

log = logging.getLogger(__name__)


class Result(StrEnum):
    """What happened to one invoice in one batch."""

    SUBMITTED = "submitted"
    ADOPTED = "adopted"  # found already deposited on Chorus Pro after an unknown outcome
    SKIPPED = "skipped"  # not claimable: already done, or held by another live attempt
    FAILED = "failed"  # refused for good; the ledger says why
    RETRY = "retry"  # passing error; the next try picks it up
    NEEDS_REVIEW = "needs_review"  # ambiguous outcome: a person says whether Chorus Pro holds it
    INVALID = "invalid"  # its Factur-X fails the conformance checks: never sent


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

    def counts(self) -> dict[str, int]:
        """Invoices per result, every result present."""
        return {result.value: self.count(result) for result in Result}

    def to_xcom(self) -> dict[str, object]:
        """A small JSON-able summary: counts and per-invoice results."""
        return {
            "counts": self.counts(),
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
        if self.count(Result.FAILED) or self.count(Result.NEEDS_REVIEW) or self.count(Result.INVALID):
            stuck = self.numbers(Result.FAILED) + self.numbers(Result.NEEDS_REVIEW)
            stuck += self.numbers(Result.INVALID)
            raise PermanentSubmissionError(
                f"{self.count(Result.FAILED)} invoice(s) were refused by Chorus Pro, "
                f"{self.count(Result.INVALID)} have a Factur-X that fails its checks and "
                f"{self.count(Result.NEEDS_REVIEW)} have an ambiguous outcome; they need a human: "
                + ", ".join(stuck[:20])
                + " (see the run report and `chorusflow ledger show NUMBER`)"
            )


def supplier_structure_id(client: ChorusProClient, supplier_siret: str) -> int:
    """The supplier's ``idStructureCPP``, among the structures the technical account may invoice for."""
    for structure in client.list_supplier_structures():
        if structure.identifiant == supplier_siret:
            return int(structure.id_structure_cpp)
    raise SupplierNotOnChorusPro(
        f"the Chorus Pro technical account may not invoice for SIRET {supplier_siret}: check the "
        "supplier configuration and the account's structures on the Chorus Pro portal"
    )


ChannelChooser = Callable[[Invoice], AnyChannel]


class Submitter:
    """Submits claimed invoices one by one and records every step in the ledger."""

    def __init__(
        self,
        ledger: Ledger,
        client: ChorusProClient,
        supplier: SupplierIdentity,
        owner: ClaimOwner,
        *,
        lease_seconds: float = 900,
        choose_channel: ChannelChooser | None = None,
        owner_alive: Callable[[str], bool] | None = None,
        documents: StoredPath | None = None,
        in_charge: Callable[[], bool] | None = None,
    ) -> None:
        self.ledger = ledger
        self.client = client
        self.supplier = supplier
        # The ledger key: the SIRET, or the identifier of a foreign supplier.
        self.supplier_siret = supplier.key
        self.owner = owner
        self.lease_seconds = lease_seconds
        self.owner_alive = owner_alive  # "is the task holding this claim still alive?" (the orchestrator's)
        # "Is this process still the one the orchestrator watches?": false once its worker died (an
        # orphaned task process keeps running); it then stops before the next deposit.
        self.in_charge = in_charge
        # ``documents``: shared storage where each deposited PDF is kept (chorusflow.storage).
        keep_pdf = None if documents is None else _pdf_keeper(documents, supplier.key)
        self.choose_channel = choose_channel or channel_chooser(
            supplier.deposit_channel, client, buyer_channels(load_profiles()), supplier, keep_pdf, documents
        )
        self._supplier_structure_id: int | None = None
        self._bank_accounts: list[BankAccount] | None = None

    @property
    def supplier_structure_id(self) -> int:
        """Resolved once per submitter: one call for a whole batch."""
        if self._supplier_structure_id is None:
            self._supplier_structure_id = supplier_structure_id(self.client, self.supplier_siret)
        return self._supplier_structure_id

    def account_for(self, invoice: Invoice) -> SupplierAccount:
        """The supplier's structure and, for a credit transfer, the id of the account to be paid on.

        Raises :class:`BankAccountUnknown` when the IBAN is not among the accounts registered on
        Chorus Pro (listed once per submitter).
        """
        if invoice.payment_means != "VIREMENT":
            return SupplierAccount(self.supplier_structure_id)
        if self._bank_accounts is None:
            self._bank_accounts = self.client.list_bank_accounts(self.supplier_structure_id)
        iban = invoice.supplier_iban or self.supplier.iban or ""
        account_id = registered_account_id(self._bank_accounts, iban, self.supplier.chorus_bank_account)
        if account_id is None:
            raise BankAccountUnknown(finding("BANK_ACCOUNT_UNKNOWN", language(), iban=iban).message)
        return SupplierAccount(self.supplier_structure_id, account_id)

    def submit_batch(self, invoice_numbers: Sequence[str], *, include_failed: bool = False) -> BatchResult:
        """Claim and submit ``invoice_numbers``; an authentication error stops the batch at once."""
        result = BatchResult()
        claims = self.ledger.claim_for_submission(
            self.supplier_siret,
            invoice_numbers,
            self.owner,
            self.lease_seconds,
            include_failed=include_failed,
            owner_alive=self.owner_alive,
        )
        claimed = {claim.invoice_number for claim in claims}
        for number in invoice_numbers:
            if number not in claimed:
                result.outcomes.append(
                    InvoiceOutcome(number, Result.SKIPPED, message="already done or held by another attempt")
                )
        log.info("Claimed %d of %d invoice(s)", len(claims), len(invoice_numbers))
        by_flux, one_by_one = self._split_flux_claims(claims)
        for position, claim in enumerate(one_by_one, start=1):
            self._stop_unless_in_charge(len(one_by_one) - position + 1 + len(_flattened(by_flux)))
            try:
                outcome = self._submit_claimed(claim)
            except (ChorusProError, SubmissionError) as error:
                if error.fatal:  # nothing else in the batch can succeed: hand every claim back
                    self._give_back([*one_by_one[position - 1 :], *_flattened(by_flux)], error)
                raise
            result.outcomes.append(outcome)
            _log_outcome(outcome, position, len(claims))
        for channel, flux_claims in by_flux:
            self._stop_unless_in_charge(len(flux_claims))
            result.outcomes.extend(self._submit_flux(channel, flux_claims))
        return result

    def _stop_unless_in_charge(self, left: int) -> None:
        """Raise :class:`NoLongerInCharge` when the worker supervising this task is gone: an orphaned
        task process must not deposit while the orchestrator already retries the task elsewhere."""
        if self.in_charge is not None and not self.in_charge():
            raise NoLongerInCharge(
                f"the worker supervising this task is gone: {left} claim(s) left to the task's next try"
            )

    def _split_flux_claims(
        self, claims: Sequence[Claim]
    ) -> tuple[list[tuple[FacturxChannel, list[Claim]]], list[Claim]]:
        """The claims the Factur-X channel deposits together, and the others, in claim order."""
        by_flux: dict[int, tuple[FacturxChannel, list[Claim]]] = {}
        others: list[Claim] = []
        for claim in claims:
            try:
                channel = self.choose_channel(Invoice.model_validate(claim.normalized))
            except ValidationError:
                others.append(claim)  # the one-by-one path records why it cannot be sent
                continue
            if isinstance(channel, FacturxChannel):
                by_flux.setdefault(id(channel), (channel, []))[1].append(claim)
            else:
                others.append(claim)
        return list(by_flux.values()), others

    def _give_back(self, claims: Sequence[Claim], error: Exception) -> None:
        """Chorus Pro refused us before doing anything: give the claims back, but keep the ones whose
        earlier outcome is still unknown, so the next attempt asks first."""
        for remaining in claims:
            if remaining.previous_outcome_unknown:
                self.ledger.mark_outcome_unknown(remaining.invoice_id, _describe(error), owner=self.owner)
            else:
                self.ledger.release_claim(remaining.invoice_id, owner=self.owner)

    def _start_attempt(self, claim: Claim) -> tuple[int, Invoice | InvoiceOutcome]:
        """Record the attempt as in flight (before any call), then read the recorded invoice: the
        attempt's id and the invoice, or the failure when the recorded invoice cannot be sent."""
        crashpoint("submission.after_claim")
        attempt_id = self.ledger.start_attempt(claim, self.owner)
        try:
            return attempt_id, Invoice.model_validate(claim.normalized)
        except ValidationError as error:
            reason = f"the recorded invoice cannot be sent: {str(error)[:300]}"
            return attempt_id, self._fail(claim, attempt_id, type(error).__name__, reason)

    def _submit_claimed(self, claim: Claim) -> InvoiceOutcome:
        attempt_id, invoice = self._start_attempt(claim)
        if isinstance(invoice, InvoiceOutcome):
            return invoice
        channel = self.choose_channel(invoice)
        if isinstance(channel, FacturxChannel):  # only when the split could not read the invoice
            return self._fail(claim, attempt_id, "ChannelMismatch", "a Factur-X invoice goes in a flux")
        try:
            if claim.previous_outcome_unknown:
                crashpoint("submission.before_reconcile")
                known = self._reconcile(claim, attempt_id, channel, invoice)
                if known is not None:
                    return known
            answer = channel.deposit(invoice, self.account_for(invoice))
            crashpoint("submission.after_answer")
        except (OSError, BankAccountUnknown) as error:
            return self._fail(claim, attempt_id, type(error).__name__, _describe(error))
        except FunctionalError as error:
            if error.search_before_failing:
                return self._settle_refusal(claim, attempt_id, channel, invoice, error)
            return self._fail(claim, attempt_id, type(error).__name__, _describe(error))
        except ChorusProError as error:
            return self._passing_error(claim, attempt_id, error)
        return self._record_deposit(claim, attempt_id, channel, answer)

    def _record_deposit(
        self, claim: Claim, attempt_id: int, channel: DepositChannel, answer: SubmitInvoiceResponse
    ) -> InvoiceOutcome:
        identifiant = int(answer.identifiant_facture_cpp)
        self.ledger.mark_submitted(
            claim.invoice_id,
            identifiant,
            status=answer.status or "DEPOSEE",
            owner=self.owner,
            chorus_invoice_number=answer.numero_facture,
            deposit_channel=channel.name,
            attempt_id=attempt_id,  # the attempt ends in the same commit
        )
        crashpoint("submission.after_record")
        return InvoiceOutcome(claim.invoice_number, Result.SUBMITTED, identifiant_facture_cpp=identifiant)

    def _reconcile(
        self, claim: Claim, attempt_id: int, channel: DepositChannel, invoice: Invoice
    ) -> InvoiceOutcome | None:
        """Adopt what Chorus Pro holds, send an ambiguous case to a person, or ``None``: deposit."""
        found = channel.reconcile(invoice, self._known_ids)
        if found.found is not None:
            return self._adopt(claim, attempt_id, found.found, channel)
        if found.ambiguous is not None:
            return self._needs_review(claim, attempt_id, found)
        return None

    @property
    def _known_ids(self) -> set[int]:
        """Chorus Pro ids the ledger already gives to an invoice of this supplier."""
        return self.ledger.known_cpp_ids(self.supplier_siret)

    def _adopt(
        self, claim: Claim, attempt_id: int, row: SupplierInvoiceRow, channel: AnyChannel
    ) -> InvoiceOutcome:
        identifiant = int(row.identifiant_facture_cpp)
        self.ledger.mark_submitted(
            claim.invoice_id,
            identifiant,
            status=row.status or "DEPOSEE",
            adopted=True,
            owner=self.owner,
            numero_flux_depot=row.numero_flux_depot,
            chorus_invoice_number=row.numero_facture,
            deposit_channel=channel.name,
            attempt_id=attempt_id,
        )
        return InvoiceOutcome(claim.invoice_number, Result.ADOPTED, identifiant_facture_cpp=identifiant)

    def _needs_review(self, claim: Claim, attempt_id: int, found: Reconciliation) -> InvoiceOutcome:
        """Chorus Pro cannot say whether it holds the invoice: a person decides; never re-deposited."""
        reason = found.ambiguous or "ambiguous outcome"
        self.ledger.mark_needs_review(claim.invoice_id, reason, owner=self.owner)
        self.ledger.finish_attempt(attempt_id, AttemptOutcome.NEEDS_REVIEW, "AmbiguousOutcome", reason)
        return InvoiceOutcome(
            claim.invoice_number, Result.NEEDS_REVIEW, error_class="AmbiguousOutcome", message=reason
        )

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

    def _settle_refusal(
        self,
        claim: Claim,
        attempt_id: int,
        channel: AnyChannel,
        invoice: Invoice,
        error: FunctionalError,
    ) -> InvoiceOutcome:
        """A deposit was refused: what Chorus Pro holds under the number decides, not the answer.

        A refusal carries a code and a bare message key; no public source says what each deposit
        code means (a duplicate, for one, reads ``20013 GDP_MSG_…``). So Chorus Pro is searched by
        number: an invoice it holds for this buyer and amount is adopted, a doubtful match goes to a
        person, and only when it holds nothing is the invoice ``failed`` with the code.
        """
        try:
            found = channel.reconcile(invoice, self._known_ids)
        except ChorusProError as lookup_error:
            return self._passing_error(claim, attempt_id, lookup_error, keep_unknown=True)
        if found.found is not None:
            log.info("%s: refused (%s) but Chorus Pro holds it: adopted", claim.invoice_number, _code(error))
            return self._adopt(claim, attempt_id, found.found, channel)
        if found.candidates:
            reason = f"{found.ambiguous} (the deposit was refused: {_code(error)})"
            return self._needs_review(claim, attempt_id, Reconciliation(ambiguous=reason))
        reason = f"{_describe(error)}; Chorus Pro holds no invoice with this number"
        return self._fail(claim, attempt_id, type(error).__name__, reason)

    def _passing_error(
        self, claim: Claim, attempt_id: int, error: ChorusProError, *, keep_unknown: bool = False
    ) -> InvoiceOutcome:
        reason = _describe(error)
        error_class = type(error).__name__
        if error.fatal:
            self.ledger.finish_attempt(attempt_id, AttemptOutcome.FAILED_PERMANENT, error_class, reason)
            raise error
        if error.outcome_unknown or error.retryable or keep_unknown:
            # Chorus Pro may hold it when the outcome is unknown, now or from an earlier attempt.
            may_hold = error.outcome_unknown or keep_unknown or claim.previous_outcome_unknown
            return self._retry_later(claim, attempt_id, error_class, reason, keep_claim=may_hold)
        return self._fail(claim, attempt_id, error_class, reason)

    # -- the Factur-X channel: several invoices per deposit -----------------------------------------

    def _submit_flux(self, channel: FacturxChannel, claims: Sequence[Claim]) -> list[InvoiceOutcome]:
        """Reconcile and build each invoice, check the files, then deposit the conformant ones in flux
        of bounded size. Each file is checked as soon as it is built, by a pool of validator processes,
        while the next one is built."""
        outcomes: list[InvoiceOutcome] = []
        built: list[tuple[int, Claim, int, FluxFile, list[Finding]]] = []

        def files_to_check() -> Iterator[bytes]:
            for position, claim in enumerate(claims):
                try:
                    prepared = self._prepare_for_flux(channel, claim)
                except (ChorusProError, SubmissionError) as error:
                    if error.fatal:
                        self._give_back(claims[position:], error)
                        self._abandon([(item[1], item[2], item[3]) for item in built], error)
                    raise
                if isinstance(prepared, InvoiceOutcome):
                    outcomes.append(prepared)
                    _log_outcome(prepared, position + 1, len(claims))
                    continue
                built.append((position, *prepared))
                if not prepared[3]:  # refused before it was built: nothing to check
                    yield prepared[2].content

        checked = iter(channel.check(files_to_check()))
        ready: list[tuple[Claim, int, FluxFile]] = []
        for position, claim, attempt_id, file, refused in built:
            errors = refused or next(checked)
            if errors:
                outcome = self._invalid_at_deposit(claim, attempt_id, errors)
                outcomes.append(outcome)
                _log_outcome(outcome, position + 1, len(claims))
            else:
                ready.append((claim, attempt_id, file))
        config = settings()
        files = {item[2].invoice_number: item for item in ready}
        batches = pack(
            [item[2] for item in ready],
            max_invoices=config.flux_max_invoices,
            max_bytes=config.flux_max_bytes,
        )
        for index, batch in enumerate(batches):
            members = [files[item.invoice_number] for item in batch]
            try:
                outcomes.extend(self._deposit_one_flux(channel, members, batch))
            except (ChorusProError, SubmissionError) as error:
                if error.fatal:
                    self._abandon(
                        [files[item.invoice_number] for rest in batches[index + 1 :] for item in rest], error
                    )
                raise
        return outcomes

    def _abandon(self, items: Sequence[tuple[Claim, int, FluxFile]], error: Exception) -> None:
        """Built but not sent (a fatal error stopped the batch): end their attempts, give them back."""
        for _, attempt, _ in items:
            self.ledger.finish_attempt(
                attempt, AttemptOutcome.FAILED_RETRYABLE, type(error).__name__, _describe(error)
            )
        self._give_back([claim for claim, _, _ in items], error)

    def _prepare_for_flux(
        self, channel: FacturxChannel, claim: Claim
    ) -> InvoiceOutcome | tuple[Claim, int, FluxFile, list[Finding]]:
        """An outcome when the invoice is settled here (adopted, waiting, unbuildable), else its
        file, not checked yet, or the findings that refused to build it."""
        attempt_id, invoice = self._start_attempt(claim)
        if isinstance(invoice, InvoiceOutcome):
            return invoice
        if claim.previous_outcome_unknown:
            crashpoint("submission.before_reconcile")
            try:
                found = channel.reconcile(invoice, self._known_ids)
            except ChorusProError as error:
                return self._passing_error(claim, attempt_id, error, keep_unknown=True)
            if found.found is not None:
                return self._adopt(claim, attempt_id, found.found, channel)
            waiting = self._still_in_grace(claim)
            if waiting is not None:
                return self._retry_later(claim, attempt_id, "FluxOutcomeUnknown", waiting, keep_claim=True)
        try:
            built, refused = channel.build_unchecked(invoice)
        except (OSError, ValueError) as error:
            return self._fail(claim, attempt_id, type(error).__name__, _describe(error))
        return claim, attempt_id, built, refused

    def _invalid_at_deposit(self, claim: Claim, attempt_id: int, errors: list[Finding]) -> InvoiceOutcome:
        """The file failed its checks: the invoice ends ``invalid`` with the findings, never sent."""
        findings = [item.model_dump(mode="json") for item in errors]
        self.ledger.mark_invalid_at_deposit(claim.invoice_id, findings, owner=self.owner)
        reason = "; ".join(f"{item.code}: {item.message}" for item in errors)[:500]
        self.ledger.finish_attempt(attempt_id, AttemptOutcome.FAILED_PERMANENT, "FacturxCheck", reason)
        return InvoiceOutcome(
            claim.invoice_number, Result.INVALID, error_class="FacturxCheck", message=reason
        )

    def _still_in_grace(self, claim: Claim) -> str | None:
        """Why the invoice must wait before a new deposit, or ``None`` when it may go again."""
        since = self.ledger.unknown_outcome_since(claim.invoice_id)
        grace = timedelta(seconds=settings().flux_unknown_grace_seconds)
        if since is None or utc_now() - since >= grace:
            return None
        until = (since + grace).isoformat(timespec="minutes")
        return (
            "flux deposit with an unknown outcome: Chorus Pro does not show the invoice yet (a flux "
            f"appears only once integrated); asked again until {until}, then deposited again"
        )

    def _settle_flux_refusal(
        self, channel: FacturxChannel, claim: Claim, attempt_id: int, error: FunctionalError
    ) -> InvoiceOutcome:
        """``deposer/flux`` refused the whole flux: settle each invoice of it as a refused deposit."""
        try:
            invoice = Invoice.model_validate(claim.normalized)
        except ValidationError:
            return self._fail(claim, attempt_id, type(error).__name__, _describe(error))
        return self._settle_refusal(claim, attempt_id, channel, invoice, error)

    def _deposit_one_flux(
        self, channel: FacturxChannel, members: list[tuple[Claim, int, FluxFile]], batch: list[FluxFile]
    ) -> list[InvoiceOutcome]:
        """One ``deposer/flux`` for ``batch``; every member shares its outcome."""
        file_name, content = flux_file(batch)
        try:
            answer = channel.deposit_flux(file_name, content)
            crashpoint("submission.after_answer")
        except FunctionalError as error:
            return [
                self._settle_flux_refusal(channel, claim, attempt, error) for claim, attempt, _ in members
            ]
        except ChorusProError as error:
            if error.fatal:
                for _, attempt, _ in members:
                    self.ledger.finish_attempt(attempt, AttemptOutcome.FAILED_PERMANENT, type(error).__name__)
                self._give_back([claim for claim, _, _ in members], error)
                raise
            return [self._passing_error(claim, attempt, error) for claim, attempt, _ in members]
        config = settings()
        first_poll = next_poll_at(
            utc_now(),
            0,
            base_seconds=config.flux_poll_base_seconds,
            max_seconds=config.flux_poll_max_seconds,
            stage=FluxStage.PENDING,
        )
        self.ledger.mark_in_flux(
            self.supplier_siret,
            [claim.invoice_id for claim, _, _ in members],
            answer.numero_flux_depot,
            file_name=file_name,
            syntaxe_flux=FACTURX_SYNTAX,
            first_poll_at=first_poll,
            owner=self.owner,
        )
        crashpoint("submission.after_record")
        outcomes = []
        message = f"deposited in flux {answer.numero_flux_depot} ({len(members)} invoice(s))"
        for claim, attempt, _ in members:
            self.ledger.finish_attempt(attempt, AttemptOutcome.SUCCEEDED)
            outcomes.append(InvoiceOutcome(claim.invoice_number, Result.SUBMITTED, message=message))
        log.info("Flux %s: %s, %d bytes", answer.numero_flux_depot, file_name, len(content))
        return outcomes


def registered_account_id(
    accounts: Sequence[BankAccount], iban: str, registered_name: str | None
) -> int | None:
    """The id of the Chorus Pro bank account for ``iban``: the account named ``registered_name`` (the
    name given on the portal), else the one whose name holds the IBAN; ``None`` when none does."""
    compact = "".join(iban.split()).upper()
    for account in accounts:
        name = account.nom_coordonnee_bancaire or ""
        if registered_name and name.strip() == registered_name.strip():
            return account.id_coordonnee_bancaire
        if compact and compact in "".join(name.split()).upper():
            return account.id_coordonnee_bancaire
    return None


def _flattened(groups: Sequence[tuple[FacturxChannel, list[Claim]]]) -> list[Claim]:
    return [claim for _, claims in groups for claim in claims]


def _log_outcome(outcome: InvoiceOutcome, position: int, total: int) -> None:
    log.info(
        "[%d/%d] %s: %s%s",
        position,
        total,
        outcome.invoice_number,
        outcome.result.value,
        f" ({outcome.error_class}: {outcome.message})" if outcome.error_class else "",
    )


def _code(error: FunctionalError) -> str:
    """The refusal's code and message key, for a reason (never its words)."""
    key = error.message_key
    return f"codeRetour {error.code_retour}" + (f" {key}" if key else "")


def _describe(error: Exception) -> str:
    """A short, secret-free description of an error (chorusflow's errors never carry secrets)."""
    return str(error)[:500]


def _pdf_keeper(documents: StoredPath, supplier_siret: str) -> PdfKeeper:
    def keep(invoice: Invoice, pdf: bytes) -> None:
        store_invoice_pdf(documents, supplier_siret, invoice.invoice_number, pdf)

    return keep
