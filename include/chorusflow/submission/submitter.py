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
from chorusflow.platforms.errors import NotDepositable, PlatformError, Refusal
from chorusflow.platforms.interface import (
    AnyChannel,
    BatchChannel,
    BatchFile,
    ChannelChooser,
    Held,
    InvoiceChannel,
    Reconciliation,
)
from chorusflow.rules.codes import Finding
from chorusflow.settings import settings
from chorusflow.submission.errors import (
    NoLongerInCharge,
    PermanentSubmissionError,
    RetryableSubmissionError,
    SubmissionError,
)
from chorusflow.suppliers import SupplierIdentity

__all__ = [
    "BatchResult",
    "DepositResult",
    "InvoiceOutcome",
    "PermanentSubmissionError",
    "RetryableSubmissionError",
    "SubmissionError",
    "Submitter",
]

log = logging.getLogger(__name__)


class DepositResult(StrEnum):
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
    result: DepositResult
    identifiant_facture_cpp: int | None = None
    error_class: str | None = None
    message: str | None = None


@dataclass
class BatchResult:
    """The outcomes of one batch, in a form that travels through XCom."""

    outcomes: list[InvoiceOutcome] = field(default_factory=list)

    def count(self, result: DepositResult) -> int:
        """How many invoices ended with ``result``."""
        return sum(1 for outcome in self.outcomes if outcome.result is result)

    def numbers(self, result: DepositResult) -> list[str]:
        """The invoice numbers that ended with ``result``."""
        return [outcome.invoice_number for outcome in self.outcomes if outcome.result is result]

    def counts(self) -> dict[str, int]:
        """Invoices per result, every result present."""
        return {result.value: self.count(result) for result in DepositResult}

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
        if self.count(DepositResult.RETRY):
            raise RetryableSubmissionError(
                f"{self.count(DepositResult.RETRY)} invoice(s) hit a passing error and will be retried: "
                + ", ".join(self.numbers(DepositResult.RETRY)[:20])
            )
        if (
            self.count(DepositResult.FAILED)
            or self.count(DepositResult.NEEDS_REVIEW)
            or self.count(DepositResult.INVALID)
        ):
            stuck = self.numbers(DepositResult.FAILED) + self.numbers(DepositResult.NEEDS_REVIEW)
            stuck += self.numbers(DepositResult.INVALID)
            raise PermanentSubmissionError(
                f"{self.count(DepositResult.FAILED)} invoice(s) were refused by Chorus Pro, "
                f"{self.count(DepositResult.INVALID)} have a Factur-X that fails its checks and "
                f"{self.count(DepositResult.NEEDS_REVIEW)} have an ambiguous outcome; they need a human: "
                + ", ".join(stuck[:20])
                + " (see the run report and `chorusflow ledger show NUMBER`)"
            )


class Submitter:
    """Submits claimed invoices one by one and records every step in the ledger."""

    def __init__(
        self,
        ledger: Ledger,
        choose_channel: ChannelChooser,
        supplier: SupplierIdentity,
        owner: ClaimOwner,
        *,
        lease_seconds: float = 900,
        owner_alive: Callable[[str], bool] | None = None,
        in_charge: Callable[[], bool] | None = None,
    ) -> None:
        self.ledger = ledger
        # Each invoice's channel on its platform (e.g. chorusflow.platforms.chorus_pro.channels).
        self.choose_channel = choose_channel
        self.supplier = supplier
        # The ledger key: the SIRET, or the identifier of a foreign supplier.
        self.supplier_siret = supplier.key
        self.owner = owner
        self.lease_seconds = lease_seconds
        self.owner_alive = owner_alive  # "is the task holding this claim still alive?" (the orchestrator's)
        # "Is this process still the one the orchestrator watches?": false once its worker died (an
        # orphaned task process keeps running); it then stops before the next deposit.
        self.in_charge = in_charge

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
                    InvoiceOutcome(
                        number, DepositResult.SKIPPED, message="already done or held by another attempt"
                    )
                )
        log.info("Claimed %d of %d invoice(s)", len(claims), len(invoice_numbers))
        by_flux, one_by_one = self._split_flux_claims(claims)
        for position, claim in enumerate(one_by_one, start=1):
            self._stop_unless_in_charge(len(one_by_one) - position + 1 + len(_flattened(by_flux)))
            try:
                outcome = self._submit_claimed(claim)
            except (PlatformError, SubmissionError) as error:
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
    ) -> tuple[list[tuple[BatchChannel, list[Claim]]], list[Claim]]:
        """The claims a batch channel (Factur-X) deposits together, and the others, in claim order."""
        by_flux: dict[int, tuple[BatchChannel, list[Claim]]] = {}
        others: list[Claim] = []
        for claim in claims:
            try:
                channel = self.choose_channel(Invoice.model_validate(claim.normalized))
            except ValidationError:
                others.append(claim)  # the one-by-one path records why it cannot be sent
                continue
            if isinstance(channel, BatchChannel):
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
        if isinstance(channel, BatchChannel):  # only when the split could not read the invoice
            return self._fail(claim, attempt_id, "ChannelMismatch", "a Factur-X invoice goes in a flux")
        try:
            if claim.previous_outcome_unknown:
                crashpoint("submission.before_reconcile")
                known = self._reconcile(claim, attempt_id, channel, invoice)
                if known is not None:
                    return known
            answer = channel.deposit(invoice)
            crashpoint("submission.after_answer")
        except (OSError, NotDepositable) as error:
            return self._fail(claim, attempt_id, type(error).__name__, _describe(error))
        except Refusal as error:
            if error.search_before_failing:
                return self._settle_refusal(claim, attempt_id, channel, invoice, error)
            return self._fail(claim, attempt_id, type(error).__name__, _describe(error))
        except PlatformError as error:
            return self._passing_error(claim, attempt_id, error)
        return self._record_deposit(claim, attempt_id, channel, answer)

    def _record_deposit(
        self, claim: Claim, attempt_id: int, channel: InvoiceChannel, answer: Held
    ) -> InvoiceOutcome:
        identifiant = answer.platform_id
        self.ledger.mark_submitted(
            claim.invoice_id,
            identifiant,
            status=answer.status,
            owner=self.owner,
            chorus_invoice_number=answer.number,
            deposit_channel=channel.name,
            attempt_id=attempt_id,  # the attempt ends in the same commit
        )
        crashpoint("submission.after_record")
        return InvoiceOutcome(
            claim.invoice_number, DepositResult.SUBMITTED, identifiant_facture_cpp=identifiant
        )

    def _reconcile(
        self, claim: Claim, attempt_id: int, channel: InvoiceChannel, invoice: Invoice
    ) -> InvoiceOutcome | None:
        """Adopt what the platform holds, send an ambiguous case to a person, or ``None``: deposit."""
        found = channel.reconcile(invoice, self._known_ids)
        if found.found is not None:
            return self._adopt(claim, attempt_id, found.found, channel)
        if found.ambiguous is not None:
            return self._needs_review(claim, attempt_id, found)
        return None

    @property
    def _known_ids(self) -> set[int]:
        """Platform ids the ledger already gives to an invoice of this supplier."""
        return self.ledger.known_cpp_ids(self.supplier_siret)

    def _adopt(self, claim: Claim, attempt_id: int, held: Held, channel: AnyChannel) -> InvoiceOutcome:
        identifiant = held.platform_id
        self.ledger.mark_submitted(
            claim.invoice_id,
            identifiant,
            status=held.status,
            adopted=True,
            owner=self.owner,
            numero_flux_depot=held.batch_number,
            chorus_invoice_number=held.number,
            deposit_channel=channel.name,
            attempt_id=attempt_id,
        )
        return InvoiceOutcome(
            claim.invoice_number, DepositResult.ADOPTED, identifiant_facture_cpp=identifiant
        )

    def _needs_review(self, claim: Claim, attempt_id: int, found: Reconciliation) -> InvoiceOutcome:
        """Chorus Pro cannot say whether it holds the invoice: a person decides; never re-deposited."""
        reason = found.ambiguous or "ambiguous outcome"
        self.ledger.mark_needs_review(claim.invoice_id, reason, owner=self.owner)
        self.ledger.finish_attempt(attempt_id, AttemptOutcome.NEEDS_REVIEW, "AmbiguousOutcome", reason)
        return InvoiceOutcome(
            claim.invoice_number, DepositResult.NEEDS_REVIEW, error_class="AmbiguousOutcome", message=reason
        )

    def _fail(self, claim: Claim, attempt_id: int, error_class: str, reason: str) -> InvoiceOutcome:
        """Refused for good: the invoice goes to ``failed`` with its reason, for a human to decide."""
        self.ledger.mark_failed(claim.invoice_id, reason, owner=self.owner)
        self.ledger.finish_attempt(attempt_id, AttemptOutcome.FAILED_PERMANENT, error_class, reason)
        return InvoiceOutcome(
            claim.invoice_number, DepositResult.FAILED, error_class=error_class, message=reason
        )

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
        return InvoiceOutcome(
            claim.invoice_number, DepositResult.RETRY, error_class=error_class, message=reason
        )

    def _settle_refusal(
        self,
        claim: Claim,
        attempt_id: int,
        channel: AnyChannel,
        invoice: Invoice,
        error: Refusal,
    ) -> InvoiceOutcome:
        """A deposit was refused: what Chorus Pro holds under the number decides, not the answer.

        A refusal carries a code and a bare message key; no public source says what each deposit
        code means (a duplicate, for one, reads ``20013 GDP_MSG_…``). So Chorus Pro is searched by
        number: an invoice it holds for this buyer and amount is adopted, a doubtful match goes to a
        person, and only when it holds nothing is the invoice ``failed`` with the code.
        """
        try:
            found = channel.reconcile(invoice, self._known_ids)
        except PlatformError as lookup_error:
            return self._passing_error(claim, attempt_id, lookup_error, keep_unknown=True)
        if found.found is not None:
            log.info("%s: refused (%s) but Chorus Pro holds it: adopted", claim.invoice_number, error.code)
            return self._adopt(claim, attempt_id, found.found, channel)
        if found.candidates:
            reason = f"{found.ambiguous} (the deposit was refused: {error.code})"
            return self._needs_review(claim, attempt_id, Reconciliation(ambiguous=reason))
        reason = f"{_describe(error)}; Chorus Pro holds no invoice with this number"
        return self._fail(claim, attempt_id, type(error).__name__, reason)

    def _passing_error(
        self, claim: Claim, attempt_id: int, error: PlatformError, *, keep_unknown: bool = False
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

    def _submit_flux(self, channel: BatchChannel, claims: Sequence[Claim]) -> list[InvoiceOutcome]:
        """Reconcile and build each invoice, check the files, then deposit the conformant ones in flux
        of bounded size. Each file is checked as soon as it is built, by a pool of validator processes,
        while the next one is built."""
        outcomes: list[InvoiceOutcome] = []
        built: list[tuple[int, Claim, int, BatchFile, list[Finding]]] = []

        def files_to_check() -> Iterator[bytes]:
            for position, claim in enumerate(claims):
                try:
                    prepared = self._prepare_for_flux(channel, claim)
                except (PlatformError, SubmissionError) as error:
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
        ready: list[tuple[Claim, int, BatchFile]] = []
        for position, claim, attempt_id, file, refused in built:
            errors = refused or next(checked)
            if errors:
                outcome = self._invalid_at_deposit(claim, attempt_id, errors)
                outcomes.append(outcome)
                _log_outcome(outcome, position + 1, len(claims))
            else:
                ready.append((claim, attempt_id, file))
        files = {item[2].invoice_number: item for item in ready}
        batches = channel.batches([item[2] for item in ready])
        for index, batch in enumerate(batches):
            members = [files[item.invoice_number] for item in batch]
            try:
                outcomes.extend(self._deposit_one_flux(channel, members, batch))
            except (PlatformError, SubmissionError) as error:
                if error.fatal:
                    self._abandon(
                        [files[item.invoice_number] for rest in batches[index + 1 :] for item in rest], error
                    )
                raise
        return outcomes

    def _abandon(self, items: Sequence[tuple[Claim, int, BatchFile]], error: Exception) -> None:
        """Built but not sent (a fatal error stopped the batch): end their attempts, give them back."""
        for _, attempt, _ in items:
            self.ledger.finish_attempt(
                attempt, AttemptOutcome.FAILED_RETRYABLE, type(error).__name__, _describe(error)
            )
        self._give_back([claim for claim, _, _ in items], error)

    def _prepare_for_flux(
        self, channel: BatchChannel, claim: Claim
    ) -> InvoiceOutcome | tuple[Claim, int, BatchFile, list[Finding]]:
        """An outcome when the invoice is settled here (adopted, waiting, unbuildable), else its
        file, not checked yet, or the findings that refused to build it."""
        attempt_id, invoice = self._start_attempt(claim)
        if isinstance(invoice, InvoiceOutcome):
            return invoice
        if claim.previous_outcome_unknown:
            crashpoint("submission.before_reconcile")
            try:
                found = channel.reconcile(invoice, self._known_ids)
            except PlatformError as error:
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
            claim.invoice_number, DepositResult.INVALID, error_class="FacturxCheck", message=reason
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
        self, channel: BatchChannel, claim: Claim, attempt_id: int, error: Refusal
    ) -> InvoiceOutcome:
        """``deposer/flux`` refused the whole flux: settle each invoice of it as a refused deposit."""
        try:
            invoice = Invoice.model_validate(claim.normalized)
        except ValidationError:
            return self._fail(claim, attempt_id, type(error).__name__, _describe(error))
        return self._settle_refusal(claim, attempt_id, channel, invoice, error)

    def _deposit_one_flux(
        self, channel: BatchChannel, members: list[tuple[Claim, int, BatchFile]], batch: list[BatchFile]
    ) -> list[InvoiceOutcome]:
        """One batch deposit (``deposer/flux``) for ``batch``; every member shares its outcome."""
        try:
            answer = channel.deposit_batch(batch)
            crashpoint("submission.after_answer")
        except Refusal as error:
            return [
                self._settle_flux_refusal(channel, claim, attempt, error) for claim, attempt, _ in members
            ]
        except PlatformError as error:
            if error.fatal:
                for _, attempt, _ in members:
                    self.ledger.finish_attempt(attempt, AttemptOutcome.FAILED_PERMANENT, type(error).__name__)
                self._give_back([claim for claim, _, _ in members], error)
                raise
            return [self._passing_error(claim, attempt, error) for claim, attempt, _ in members]
        self.ledger.mark_in_flux(
            self.supplier_siret,
            [claim.invoice_id for claim, _, _ in members],
            answer.number,
            file_name=answer.file_name,
            syntaxe_flux=answer.syntax,
            first_poll_at=answer.first_poll_at,
            owner=self.owner,
        )
        crashpoint("submission.after_record")
        outcomes = []
        message = f"deposited in flux {answer.number} ({len(members)} invoice(s))"
        for claim, attempt, _ in members:
            self.ledger.finish_attempt(attempt, AttemptOutcome.SUCCEEDED)
            outcomes.append(InvoiceOutcome(claim.invoice_number, DepositResult.SUBMITTED, message=message))
        log.info("Flux %s: %s, %d bytes", answer.number, answer.file_name, answer.size)
        return outcomes


def _flattened(groups: Sequence[tuple[BatchChannel, list[Claim]]]) -> list[Claim]:
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


def _describe(error: Exception) -> str:
    """A short, secret-free description of an error (chorusflow's errors never carry secrets)."""
    return str(error)[:500]
